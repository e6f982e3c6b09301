"""Engine kinds and strategies from recorded /info and /version payloads; the probe's say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dockyard.adapters.engine import Endpoint
from dockyard.adapters.probe import OwnershipProbe, ProbeCache
from dockyard.domain.identity import HostIds
from dockyard.domain.target import Target, classify, compose_override, strategy_for
from dockyard.testing import FakeEngine
from dockyard.workflows.target import apply_probe, resolve_target

PAYLOADS = Path(__file__).parent / "engine_payloads"
IDS = HostIds(1000, 1000, "os.getuid()/os.getgid()")
LOCAL = "unix:///var/run/docker.sock"


def payload(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    info = json.loads((PAYLOADS / f"{name}.info.json").read_text(encoding="utf-8"))
    version = json.loads((PAYLOADS / f"{name}.version.json").read_text(encoding="utf-8"))
    return info, version


def _yaml(text: str) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(text)


def target(name: str, *, host: str = LOCAL, platform: str = "linux") -> Target:
    info, version = payload(name)
    facts = classify(info, version, host=host, host_source="DOCKER_HOST", platform=platform)
    strategy, reason = strategy_for(facts)
    return Target(facts, IDS, strategy, reason)


@pytest.mark.parametrize(
    ("name", "host", "platform", "kind", "strategy"),
    [
        ("docker-rootful-20.10", LOCAL, "linux", "docker-rootful", "host-ids"),
        ("docker-rootful-20.10", "tcp://127.0.0.1:23751", "linux", "remote", "remote"),
        ("docker-rootful-20.10", "ssh://dev@build", "linux", "remote", "remote"),
        (
            "docker-rootless-27",
            "unix:///run/user/1000/docker.sock",
            "linux",
            "docker-rootless",
            "container-root",
        ),
        (
            "docker-rootless-20.10",
            "unix:///run/user/1001/docker.sock",
            "linux",
            "docker-rootless",
            "container-root",
        ),  # recorded from rootlesskit 1.1 here
        ("docker-desktop-4.34", LOCAL, "darwin", "docker-desktop", "none"),
        ("docker-desktop-4.34", LOCAL, "linux", "docker-desktop", "container-root"),
        ("docker-desktop-4.34", LOCAL, "wsl", "docker-desktop", "host-ids"),
        ("docker-rootful-20.10", LOCAL, "darwin", "docker-rootful", "none"),  # Colima, OrbStack
        (
            "podman-rootless-4.3",
            "unix:///run/user/1000/podman/podman.sock",
            "linux",
            "podman-rootless",
            "keep-id",
        ),
        (
            "podman-rootful-4.3",
            "unix:///run/podman/podman.sock",
            "linux",
            "podman-rootful",
            "host-ids",
        ),
    ],
)
def test_kind_and_strategy(name: str, host: str, platform: str, kind: str, strategy: str) -> None:
    chosen = target(name, host=host, platform=platform)
    assert (chosen.engine.kind, chosen.strategy) == (kind, strategy)
    assert chosen.reason
    assert chosen.ownership_applies is (strategy == "host-ids")
    assert bool(chosen.ownership_note) is (strategy != "host-ids")


def test_this_machines_engine_is_rootful_docker_with_its_versions() -> None:
    chosen = target("docker-rootful-20.10")
    assert chosen.engine.server_version == "20.10.24+dfsg1"
    assert chosen.engine.api_version == "1.41"
    assert chosen.as_dict()["identity"] == {"uid": 1000, "gid": 1000, "rule": IDS.origin}


def test_remote_claims_nothing_about_ownership() -> None:
    chosen = target("docker-rootful-20.10", host="tcp://127.0.0.1:23751")
    assert "does not see this machine's files" in chosen.ownership_note
    assert compose_override(chosen, "app") is None


def test_podman_gets_a_keep_id_override_for_the_host_ids() -> None:
    chosen = target("podman-rootless-4.3")
    text = compose_override(chosen, "app") or ""
    data = _yaml(text)
    assert data == {"services": {"app": {"userns_mode": "keep-id:uid=1000,gid=1000"}}}


def test_rootless_docker_runs_as_container_root_and_says_it_must_not_ship() -> None:
    chosen = target("docker-rootless-27")
    text = compose_override(chosen, "web") or ""
    assert _yaml(text) == {"services": {"web": {"user": "0:0"}}}
    assert "do not edit or ship" in text
    assert chosen.container_root_is_host_user
    assert "subordinate ids" in chosen.ownership_note


def test_engine_kind_is_handed_to_compose() -> None:
    assert target("podman-rootful-4.3").variables() == {
        "HOST_UID": "1000",
        "HOST_GID": "1000",
        "DOCKYARD_ENGINE_KIND": "podman-rootful",
    }


@pytest.mark.parametrize(
    ("name", "owner", "strategy"),
    [
        ("docker-rootful-20.10", (1000, 1000), "host-ids"),
        ("docker-rootful-20.10", (100999, 100999), "container-root"),  # rootless in disguise
        ("podman-rootful-4.3", (100999, 100999), "keep-id"),
        ("docker-rootful-20.10", None, "remote"),  # the engine never saw the folder
        ("docker-rootless-27", (1000, 1000), "host-ids"),
        ("docker-desktop-4.34", (501, 20), "none"),
    ],
)
def test_the_probe_confirms_or_corrects(
    name: str, owner: tuple[int, int] | None, strategy: str
) -> None:
    platform = "darwin" if name.startswith("docker-desktop") else "linux"
    probed = apply_probe(
        target(name, platform=platform), OwnershipProbe("img", (1000, 1000), owner)
    )
    assert probed.strategy == strategy
    assert probed.probe.startswith(OwnershipProbe("img", (1000, 1000), owner).verdict)


def _engine(name: str, **kwargs: Any) -> FakeEngine:
    info, version = payload(name)
    return FakeEngine(info_payload=info, version_payload=version, **kwargs)


def test_resolve_probes_once_per_engine_then_reads_the_cache(tmp_path: Path) -> None:
    def remapped(image: str, argv: list[str], *, volumes: dict[str, str], **_: Any) -> str:
        raise AssertionError("no container may start: the fake cannot chown")

    cache = ProbeCache(tmp_path / "probes.json")
    key = "RECD:ROOT:FULL:0000:0000:0000:0000:0000:0000:0000:0000:0001|1000:1000"
    cache.put(key, OwnershipProbe("base", (1000, 1000), (100999, 100999)))
    engine = _engine("docker-rootful-20.10", images={"base": {}}, run_hook=remapped)
    chosen = resolve_target(engine, IDS, {}, probe_images=["base"], cache=cache, platform="linux")
    assert chosen.strategy == "container-root"
    assert engine.called("run") == []


def test_resolve_without_a_local_image_says_why_the_probe_did_not_run(tmp_path: Path) -> None:
    engine = _engine("docker-rootful-20.10")
    chosen = resolve_target(
        engine,
        IDS,
        {},
        probe_images=["debian:bookworm-slim", None],
        cache=ProbeCache(tmp_path / "p.json"),
        platform="linux",
    )
    assert chosen.strategy == "host-ids"
    assert chosen.probe.startswith("not run: none of the images")
    assert engine.called("pull") == []


def test_resolve_uses_the_endpoint_of_the_engine(tmp_path: Path) -> None:
    engine = _engine(
        "docker-rootful-20.10", endpoint=Endpoint("tcp://127.0.0.1:23751", "DOCKER_HOST")
    )
    chosen = resolve_target(engine, IDS, {}, probe=False, platform="linux")
    assert (chosen.engine.kind, chosen.strategy, chosen.probe) == ("remote", "remote", "not run")
    assert chosen.engine.evidence == ("DOCKER_HOST is tcp://",)


def test_the_example_of_docs_engines_runs() -> None:
    import re

    docs = Path(__file__).resolve().parents[2] / "docs" / "engines.md"
    (block,) = re.findall(r"```python\n(.*?)```", docs.read_text(encoding="utf-8"), flags=re.S)
    exec(block, {})  # noqa: S102 - running our own documentation

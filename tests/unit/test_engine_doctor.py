"""doctor without an engine: the engine fake, recorded payloads, the pitfalls it names."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from dockyard.adapters.probe import OwnershipProbe, ProbeCache
from dockyard.domain.config import load_settings
from dockyard.testing import FakeEngine, FakeRunner
from dockyard.workflows.doctor import diagnose, foreign_filesystem, uid_references
from tests.conftest import write

PAYLOADS = Path(__file__).parent / "engine_payloads"
MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
98 22 0:50 / /mnt/c rw,noatime - 9p drvfs rw,dirsync,aname=drvfs
99 22 0:51 / /home/dev/src rw - fakeowner /run/host_mark/Users rw
"""


def _engine(name: str, **kwargs: Any) -> FakeEngine:
    def load(kind: str) -> Any:
        return json.loads((PAYLOADS / f"{name}.{kind}.json").read_text(encoding="utf-8"))

    return FakeEngine(info_payload=load("info"), version_payload=load("version"), **kwargs)


def _repo(root: Path, compose: str) -> Path:
    write(root / "pyproject.toml", "")
    write(root / "compose/docker-compose.dev.yml", compose)
    write(root / "env/.env.dev", "A=1\n")
    return root


def _runner() -> FakeRunner:
    runner = FakeRunner()
    runner.respond(["docker", "compose", "version"], stdout="2.40.3\n")
    return runner


def test_usable_rootful_engine_exits_0(tmp_path: Path) -> None:
    root = _repo(tmp_path / "r", "services: {app: {image: x, user: '${HOST_UID}'}}\n")
    environ = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "c")}
    found = diagnose(
        load_settings(root, environ=environ),
        root,
        _runner(),
        environ,
        engine=_engine("docker-rootful-20.10"),
        probe=False,
        uid=1000,
    )
    assert found.target is not None and found.target.engine.kind == "docker-rootful"
    assert found.findings == []
    assert found.exit_code == 0
    assert found.as_dict()["strategy"]["name"] == "host-ids"
    assert "strategy: host-ids: rootful Docker on Linux passes ids through" in found.lines()


def test_uid_in_compose_and_a_root_host_are_findings(tmp_path: Path) -> None:
    compose = "services:\n  app:\n    image: x\n    user: ${UID:-1000}  # the trap\n"
    root = _repo(tmp_path / "r", compose)
    environ = {"PATH": "/bin", "SUDO_UID": "1000", "SUDO_GID": "1000"}
    cache = ProbeCache.default({"XDG_CACHE_HOME": str(tmp_path / "c")})
    found = diagnose(
        load_settings(root, environ={"PATH": "/bin"}),
        root,
        _runner(),
        {**environ, "XDG_CACHE_HOME": str(tmp_path / "c")},
        engine=_engine("docker-rootful-20.10"),
        probe=False,
        uid=0,
    )
    assert cache.path.parent == tmp_path / "c/dockyard"
    assert found.exit_code == 1
    assert any("docker-compose.dev.yml:4: ${UID} in a compose file" in f for f in found.findings)
    assert any(f.startswith("running as root") for f in found.findings)


def test_rootless_engine_warns_that_the_image_must_not_ship(tmp_path: Path) -> None:
    root = _repo(tmp_path / "r", "services: {app: {image: x}}\n")
    found = diagnose(
        None,
        root,
        _runner(),
        {"PATH": "/bin"},
        engine=_engine("docker-rootless-27"),
        probe=False,
        uid=1000,
    )
    assert found.target is not None and found.target.strategy == "container-root"
    assert any("must not ship" in f for f in found.findings)
    assert any(line.startswith("ownership checks: SKIP") for line in found.lines())


def test_no_engine_exits_2(tmp_path: Path) -> None:
    environ = {"PATH": "/bin", "DOCKER_HOST": f"unix://{tmp_path}/none.sock"}
    found = diagnose(None, tmp_path, _runner(), environ)
    assert found.exit_code == 2
    assert found.as_dict()["error"].startswith("Docker engine not running")
    assert found.lines()[-1].startswith("engine: none:")


def test_a_probe_that_failed_is_a_finding(tmp_path: Path) -> None:
    from dockyard.errors import EngineError

    engine = _engine(
        "docker-rootful-20.10",
        images={"base": {}},
        errors={"run": EngineError("running a container of base failed: no space left")},
    )
    environ = {
        "PATH": "/bin",
        "XDG_CACHE_HOME": str(tmp_path / "c"),
        "DOCKYARD_PROBE_IMAGE": "base",
    }
    found = diagnose(None, tmp_path, _runner(), environ, engine=engine, uid=1000)
    assert any("the ownership probe failed" in f for f in found.findings)
    assert ProbeCache.default(environ).get("x") is None


def test_filesystems_that_are_traps() -> None:
    assert foreign_filesystem(Path("/mnt/c/src/app"), MOUNTINFO) == (
        "9p",
        "a 9p share (WSL's /mnt drives, VM shares): slow, ownership emulated",
    )
    assert foreign_filesystem(Path("/home/dev/src/app"), MOUNTINFO) is not None
    assert foreign_filesystem(Path("/home/dev/other"), MOUNTINFO) is None


def test_uid_references_ignore_comments_and_other_names(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.yml",
        "a: ${UID}\nb: $UID\nc: ${HOST_UID}\n# ${UID} in a comment\nd: ${UIDX}\n",
    )
    assert uid_references([path]) == ["c.yml:1", "c.yml:2"]


def test_cached_probe_is_reported(tmp_path: Path) -> None:
    environ = {"PATH": "/bin", "XDG_CACHE_HOME": str(tmp_path)}
    gid = os.getgid()  # diagnose(uid=...) keeps this process's gid
    key = f"RECD:ROOT:FULL:0000:0000:0000:0000:0000:0000:0000:0000:0001|1000:{gid}"
    ProbeCache.default(environ).put(key, OwnershipProbe("base", (1000, gid), (1000, gid)))
    found = diagnose(
        None, tmp_path, _runner(), environ, engine=_engine("docker-rootful-20.10"), uid=1000
    )
    assert found.target is not None and found.target.probe.startswith("passthrough")

"""dev.up's plan follows the engine: overrides for rootless and Podman, remote bind mounts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dockyard.adapters.engine import Endpoint
from dockyard.domain.config import load_settings
from dockyard.testing import FakeEngine, FakeRunner
from dockyard.workflows.stack import Stack, open_stack
from tests.conftest import write

PAYLOADS = Path(__file__).parent / "engine_payloads"


def _engine(name: str, host: str = "unix:///var/run/docker.sock") -> FakeEngine:
    def load(kind: str) -> Any:
        return json.loads((PAYLOADS / f"{name}.{kind}.json").read_text(encoding="utf-8"))

    return FakeEngine(
        info_payload=load("info"),
        version_payload=load("version"),
        endpoint=Endpoint(host, "DOCKER_HOST"),
    )


@pytest.fixture
def stack(tmp_path: Path) -> Stack:
    root = tmp_path / "repo"
    write(root / "pyproject.toml", "")
    write(root / "compose/docker-compose.dev.yml", "services: {app: {build: ..}}\n")
    write(root / "env/.env.dev", "APP_PORT=8000\n")
    runner = FakeRunner()
    config = {
        "services": {
            "app": {"volumes": [{"type": "bind", "source": str(root.resolve()), "target": "/app"}]},
            "db": {"image": "postgres", "volumes": [{"type": "volume", "source": "data"}]},
        }
    }
    runner.respond(["docker", "compose"], stdout=json.dumps(config))
    return open_stack(load_settings(root), "dev", runner, _environ(tmp_path))


def _environ(tmp_path: Path) -> dict[str, str]:
    """The probe cache of each test stays in its own folder."""
    return {"PATH": "/bin", "XDG_CACHE_HOME": str(tmp_path / "cache")}


def _use(stack: Stack, engine: FakeEngine) -> None:
    stack.connect = lambda: engine


def test_rootless_docker_runs_the_dev_service_as_container_root(stack: Stack) -> None:
    _use(stack, _engine("docker-rootless-27", "unix:///run/user/1000/docker.sock"))
    plan = stack.up_plan()
    override = stack.settings.root / ".dockyard/dev.engine.yml"
    assert 'user: "0:0"' in override.read_text(encoding="utf-8")
    assert all(str(override) in step.argv for step in plan.steps)
    assert any("must not ship" in note for note in plan.notes)
    assert any("strategy container-root" in note for note in plan.notes)


def test_podman_maps_the_host_user_with_keep_id(stack: Stack) -> None:
    _use(stack, _engine("podman-rootless-4.3", "unix:///run/user/1000/podman/podman.sock"))
    plan = stack.build_plan()
    override = stack.settings.root / ".dockyard/dev.engine.yml"
    text = override.read_text(encoding="utf-8")
    assert f"keep-id:uid={stack.ids.uid},gid={stack.ids.gid}" in text
    assert str(override) in plan.steps[0].argv


def test_rootful_docker_needs_no_override(stack: Stack) -> None:
    _use(stack, _engine("docker-rootful-20.10"))
    plan = stack.up_plan()
    stack.run_plan(plan)  # compose hears the engine's kind
    assert isinstance(stack.runner, FakeRunner)
    assert stack.runner.calls[-1].env["DOCKYARD_ENGINE_KIND"] == "docker-rootful"
    assert not (stack.settings.root / ".dockyard/dev.engine.yml").exists()
    assert all(".dockyard" not in " ".join(step.argv) for step in plan.steps)
    assert stack.ownership_note() == ""


def test_remote_engine_reports_the_bind_mount_before_up(stack: Stack) -> None:
    _use(stack, _engine("docker-rootful-20.10", "tcp://127.0.0.1:23751"))
    plan = stack.up_plan()
    warnings = [note for note in plan.notes if note.startswith("warning: remote engine")]
    assert len(warnings) == 1 and "service 'app' bind-mounts" in warnings[0]
    assert "remote engine (tcp://127.0.0.1:23751)" in stack.ownership_note()


def test_the_target_is_resolved_once_per_command(stack: Stack) -> None:
    engine = _engine("docker-rootful-20.10")
    _use(stack, engine)
    stack.up_plan()
    stack.build_plan()
    stack.ownership_note()
    assert len(engine.called("info")) == 1 and len(engine.called("version")) == 1


def _current_image(stack: Stack, engine: FakeEngine) -> None:
    from dockyard.domain.images import LABEL_GID, LABEL_LOCK, LABEL_UID

    expected = stack.expected
    name = f"{stack.env.project_name}-app"
    engine.images[name] = {
        LABEL_UID: str(expected.uid),
        LABEL_GID: str(expected.gid),
        LABEL_LOCK: expected.lock_hash,
    }


def test_switching_engines_makes_the_image_stale(stack: Stack) -> None:
    rootful = _engine("docker-rootful-20.10")
    _current_image(stack, rootful)
    _use(stack, rootful)
    stack.run_plan(stack.build_plan())
    environ = dict(stack.compose.env)
    again = open_stack(stack.settings, "dev", stack.runner, environ)
    _use(again, rootful)
    assert not [n for n in again.up_plan().notes if n.startswith("rebuild:")]
    rootless = _engine("docker-rootless-27", "unix:///run/user/1000/docker.sock")
    _current_image(stack, rootless)
    other = open_stack(stack.settings, "dev", stack.runner, environ)
    _use(other, rootless)
    plan = other.up_plan()
    assert "rebuild: engine kind changed since the last build" in plan.notes
    assert any(other._is_build(step) for step in plan.steps)

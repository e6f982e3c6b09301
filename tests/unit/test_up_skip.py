"""``up`` on a stack where nothing changed runs no compose; any change makes it run again."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from dockyard.adapters.engine import Endpoint
from dockyard.domain.composerefs import loaded_files
from dockyard.domain.config import load_settings
from dockyard.domain.images import LABEL_GID, LABEL_LOCK, LABEL_UID
from dockyard.testing import FakeEngine, FakeRunner
from dockyard.workflows.health import ServiceError
from dockyard.workflows.stack import Stack, open_stack
from dockyard.workflows.upstate import read_record
from tests.conftest import write

IMAGE_ID = "sha256:" + "1" * 64
COMPOSE = """\
services:
  app:
    image: p4-demo-app
    env_file: [../env/.env.dev, "../env/.env.${DB_FLAVOUR:-db}"]
    environment: [FROM_SHELL]
"""


@dataclass
class ImageEngine(FakeEngine):
    """A FakeEngine that tells image ids and lists what the real list shows."""

    image_ids: dict[str, str] = field(default_factory=dict)
    listed: dict[str, dict[str, Any]] = field(default_factory=dict)

    def image_id(self, name: str) -> str | None:
        self._call("image_id", name)
        return self.image_ids.get(name)

    def containers(self, labels: Sequence[str], *, all: bool = False) -> list[dict[str, Any]]:
        found = super().containers(labels, all=all)
        return [{**c, **self.listed.get(c["Id"], {})} for c in found]


def _engine(stack: Stack, *, health: str = "healthy") -> ImageEngine:
    engine = ImageEngine(
        info_payload={"ID": "ENGINE-1", "OperatingSystem": "Debian", "ServerVersion": "20.10"},
        version_payload={"Version": "20.10.24", "ApiVersion": "1.41"},
        endpoint=Endpoint("unix:///var/run/docker.sock", "default socket"),
        image_ids={"p4-demo-app": IMAGE_ID},
    )
    labels = {
        "com.docker.compose.project": stack.env.project_name,
        "com.docker.compose.service": "app",
        "com.docker.compose.oneoff": "False",
        LABEL_UID: str(stack.expected.uid),
        LABEL_GID: str(stack.expected.gid),
        LABEL_LOCK: stack.expected.lock_hash,
    }
    state = {"Status": "running", "Health": {"Status": health}, "StartedAt": ""}
    engine.add_container("c1", labels=labels, inspect={"State": state})
    engine.images["p4-demo-app"] = {k: v for k, v in labels.items() if k.startswith("dev.")}
    engine.listed["c1"] = {
        "Image": "p4-demo-app",
        "ImageID": IMAGE_ID,
        "Status": f"Up 2 minutes ({health})",
    }
    return engine


@pytest.fixture
def stack(tmp_path: Path) -> Stack:
    root = tmp_path / "repo"
    write(root / "pyproject.toml", "")
    write(root / "compose/docker-compose.dev.yml", COMPOSE)
    write(root / "env/.env.dev", "APP_PORT=8000\n")
    write(root / "env/.env.db", "DB_NAME=shop\n")
    runner = FakeRunner()
    config = {"services": {"app": {"image": "p4-demo-app"}}}
    runner.respond(["docker", "compose"], stdout=json.dumps(config))
    environ = {"PATH": "/bin", "XDG_CACHE_HOME": str(tmp_path / "cache"), "FROM_SHELL": "a"}
    return open_stack(load_settings(root), "dev", runner, environ)


@pytest.fixture
def started(stack: Stack) -> tuple[Stack, ImageEngine]:
    """The stack after one successful up, and the engine that saw it."""
    engine = _engine(stack)
    stack.connect = lambda: engine
    stack.run_plan(stack.up_plan(waiting=stack.waiting(timeout=5, settle=0)))
    return stack, engine


def _again(stack: Stack, engine: FakeEngine, **environ: str) -> Stack:
    """A new command on the same repository (and engine), as the next `dockyard dev.up`."""
    runner = stack.runner
    env = {**stack.compose.env, **environ}
    env = {k: v for k, v in env.items() if k in ("PATH", "XDG_CACHE_HOME", "FROM_SHELL", *environ)}
    fresh = open_stack(stack.settings, "dev", runner, env)
    fresh.connect = lambda: engine
    return fresh


def _up_calls(stack: Stack) -> int:
    assert isinstance(stack.runner, FakeRunner)
    return sum(1 for argv in stack.runner.argvs if "up" in argv)


def test_a_stack_nothing_changed_in_is_up_to_date(started: tuple[Stack, ImageEngine]) -> None:
    stack, engine = started
    recorded = read_record(stack.up_path)
    assert recorded is not None and recorded.services["app"]["image_id"] == IMAGE_ID
    assert recorded.services["app"]["healthy"] is True
    assert recorded.services["app"]["containers"] == ["c1"]
    assert any(note.startswith("engine: docker-rootful") for note in recorded.notes)
    engine.calls.clear()
    again = _again(stack, engine)
    # before any plan: one container list, one image inspection, no /info or /version
    assert again.known_up_to_date() == (list(recorded.notes), ["app: running (healthy)"])
    assert [name for name, _ in engine.calls] == ["containers", "image_id"]
    plan = again.up_plan()
    assert [s.argv[-2:] for s in plan.steps] == [("up", "-d")]  # no build: the image is current
    assert again.up_to_date(plan) == ["app: running (healthy)"]


def test_services_not_built_by_dockyard_do_not_count_as_stale(stack: Stack) -> None:
    engine = _engine(stack)
    db = {
        "com.docker.compose.project": stack.env.project_name,
        "com.docker.compose.service": "db",
    }
    engine.add_container("d1", labels=db, inspect={"State": {"Status": "running"}})
    engine.listed["d1"] = {"Image": "postgres:16", "ImageID": "sha256:" + "d" * 64, "Status": "Up"}
    engine.image_ids["postgres:16"] = "sha256:" + "d" * 64
    stack.connect = lambda: engine
    stack.run_plan(stack.up_plan(waiting=stack.waiting(timeout=5, settle=0)))
    again = _again(stack, engine)
    found = again.known_up_to_date()
    assert found is not None and found[1] == ["app: running (healthy)", "db: running"]
    engine._containers[0]["Labels"][LABEL_UID] = "4242"  # the app's image: another user's
    assert _again(stack, engine).known_up_to_date() is None


def test_with_an_engine_override_the_plan_tells(tmp_path: Path, stack: Stack) -> None:
    """The quick key of a rootless engine's build names the engine: a plan is needed."""
    payloads = Path(__file__).parent / "engine_payloads"
    engine = _engine(stack)
    engine.info_payload = json.loads((payloads / "docker-rootless-27.info.json").read_text())
    engine.version_payload = json.loads((payloads / "docker-rootless-27.version.json").read_text())
    engine.endpoint = Endpoint("unix:///run/user/1000/docker.sock", "DOCKER_HOST")
    engine.images.clear()  # no image for the ownership probe: the strategy stands
    stack.connect = lambda: engine
    stack.run_plan(stack.up_plan(waiting=stack.waiting(timeout=5, settle=0)))
    recorded = read_record(stack.up_path)
    assert recorded is not None and str(stack.settings.root / ".dockyard/dev.engine.yml") in (
        recorded.argv
    )
    assert any("must not ship" in note for note in recorded.notes)
    again = _again(stack, engine)
    assert again.known_up_to_date() is None
    assert again.up_to_date(again.up_plan()) == ["app: running (healthy)"]


@pytest.mark.parametrize(
    "change",
    [
        "env file",
        "loaded env file",
        "compose file",
        "shell variable",
        "stopped",
        "unhealthy",
        "rebuilt image",
        "another image",
        "second container",
        "removed",
        "recreated",
        "no record",
    ],
)
def test_any_change_makes_compose_run(started: tuple[Stack, ImageEngine], change: str) -> None:
    stack, engine = started
    root = stack.settings.root
    environ: dict[str, str] = {}
    listed = engine.listed["c1"]
    if change == "env file":
        write(root / "env/.env.dev", "APP_PORT=9000\n")
    elif change == "loaded env file":  # read by the service, not by compose's --env-file
        write(root / "env/.env.db", "DB_NAME=other\n")
    elif change == "compose file":
        write(root / "compose/docker-compose.dev.yml", COMPOSE + "    init: true\n")
    elif change == "shell variable":  # environment: [FROM_SHELL] takes the shell's value
        environ["FROM_SHELL"] = "b"
    elif change == "stopped":
        engine._containers[0]["State"] = "exited"
        listed["Status"] = "Exited (137) 2 seconds ago"
    elif change == "unhealthy":
        listed["Status"] = "Up 5 minutes (unhealthy)"
    elif change == "rebuilt image":  # the name points at a new image; the container runs the old
        engine.image_ids["p4-demo-app"] = "sha256:" + "2" * 64
    elif change == "another image":
        listed["ImageID"] = "sha256:" + "3" * 64
    elif change == "second container":
        engine.add_container("c2", labels=dict(engine._containers[0]["Labels"]))
        engine.listed["c2"] = dict(listed)
    elif change == "removed":
        engine._containers.clear()
    elif change == "recreated":  # the same image, a new container: someone else's up
        engine._containers[0]["Id"] = "c9"
        engine.listed["c9"] = listed
    elif change == "no record":
        stack.up_path.unlink()
    again = _again(stack, engine, **environ)
    assert again.known_up_to_date() is None
    plan = again.up_plan()
    assert [s.argv[-2:] for s in plan.steps] == [("up", "-d")]  # a plain up, image current
    assert again.up_to_date(plan) is None


def test_options_that_ask_compose_for_more_always_run_it(
    started: tuple[Stack, ImageEngine],
) -> None:
    stack, engine = started
    again = _again(stack, engine)
    assert again.up_to_date(again.up_plan(extra=["--force-recreate"])) is None
    assert again.up_to_date(again.up_plan(build=True)) is None
    assert again.up_to_date(again.up_plan(extra=["app"])) is None
    # the plain one, afterwards, still is
    assert again.up_to_date(again.up_plan()) == ["app: running (healthy)"]


def test_after_a_forced_up_the_next_plain_one_runs_compose_once(
    started: tuple[Stack, ImageEngine],
) -> None:
    stack, engine = started
    again = _again(stack, engine)
    again.run_plan(again.up_plan(extra=["--force-recreate"], waiting=again.waiting(5, 0)))
    plain = _again(stack, engine)
    assert plain.up_to_date(plain.up_plan()) is None  # recorded with the option
    plain.run_plan(plain.up_plan(waiting=plain.waiting(5, 0)))
    last = _again(stack, engine)
    assert last.up_to_date(last.up_plan()) == ["app: running (healthy)"]


def test_an_engine_without_image_ids_never_skips(started: tuple[Stack, ImageEngine]) -> None:
    stack, engine = started
    plain = FakeEngine(info_payload=engine.info_payload, version_payload=engine.version_payload)
    plain._containers = engine._containers
    again = _again(stack, plain)
    assert again.up_to_date(again.up_plan()) is None


def test_a_failed_up_leaves_no_record(stack: Stack) -> None:
    engine = _engine(stack, health="unhealthy")
    stack.connect = lambda: engine
    write(stack.up_path, '{"key": "old", "loaded": [], "services": {}}')
    with pytest.raises(ServiceError, match="unhealthy"):
        stack.run_plan(stack.up_plan(waiting=stack.waiting(timeout=5, settle=0)))
    assert not stack.up_path.exists()
    assert _up_calls(stack) == 1


def test_loaded_files_follow_env_files_includes_and_extends(tmp_path: Path) -> None:
    main = write(
        tmp_path / "compose/main.yml",
        "include:\n  - part.yml\n  - path: [../other/more.yml]\n    env_file: ../env/.env.inc\n"
        "services:\n  app:\n    env_file:\n      - path: ../env/.env.${FLAVOUR}\n"
        "        required: false\n    label_file: ./labels\n"
        "    extends: {file: base.yml, service: base}\n",
    )
    write(tmp_path / "compose/part.yml", "services:\n  db:\n    env_file: ../env/.env.db\n")
    write(tmp_path / "compose/base.yml", "services:\n  base:\n    env_file: [../env/.env.base]\n")
    write(tmp_path / "other/more.yml", "services:\n  cache:\n    env_file: cache.env\n")
    found = loaded_files([main], {"FLAVOUR": "pg"})
    assert found is not None
    names = {str(p.relative_to(tmp_path)) for p in found}
    assert {
        "env/.env.pg",
        "compose/labels",
        "compose/base.yml",
        "compose/part.yml",
        "other/more.yml",
        "env/.env.inc",
        "env/.env.db",
        "env/.env.base",
        "other/cache.env",  # from the included file's own folder
        "compose/cache.env",  # and from the project's, whichever compose takes
    } <= names
    write(main, "services: [unclosed\n")
    assert loaded_files([main], {}) is None


def test_the_build_key_follows_what_compose_reads_not_the_callers_path(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "pyproject.toml", "")
    write(root / "docker/Dockerfile", 'FROM x\nRUN echo "$PATH" "${HOME}"\n')
    compose = (
        "services:\n  app:\n    build:\n      context: ..\n      dockerfile: docker/Dockerfile\n"
    )
    write(root / "compose/docker-compose.dev.yml", compose + "      args: [FOO]\n")
    write(root / "env/.env.dev", "A=1\n")
    runner = FakeRunner()
    config = {
        "services": {
            "app": {"build": {"context": str(root), "dockerfile": "docker/Dockerfile"}},
        }
    }
    runner.respond(["docker", "compose"], stdout=json.dumps(config))
    base = {"PATH": "/bin", "HOME": "/root", "FOO": "1", "XDG_CACHE_HOME": str(tmp_path)}

    def changed(**environ: str) -> bool:
        stack = open_stack(load_settings(root), "dev", runner, {**base, **environ})
        return stack.changed_inputs()[1] is not None  # compose config was asked

    stack = open_stack(load_settings(root), "dev", runner, base)
    stack._record(stack.build_inputs())
    assert not changed()
    assert not changed(PATH="/opt/venv/bin:/bin", HOME="/home/me", _="/usr/bin/make")
    assert changed(FOO="2")  # a build arg compose takes from the caller
    write(root / "docker/Dockerfile", 'FROM x\nRUN echo "$PATH" "${HOME}" edited\n')
    assert changed()


def test_a_plan_that_finds_the_inputs_equal_refreshes_their_key(
    started: tuple[Stack, ImageEngine],
) -> None:
    """A key computed another way (an older dockyard) costs one compose config, once."""
    stack, engine = started
    recorded = json.loads(stack.inputs_path.read_text())
    stack.inputs_path.write_text(json.dumps({**recorded, "_quick": "from-before"}))
    again = _again(stack, engine)
    assert again.known_up_to_date() is None
    assert again.up_to_date(again.up_plan()) == ["app: running (healthy)"]
    assert json.loads(stack.inputs_path.read_text())["_quick"] == recorded["_quick"]
    assert isinstance(stack.runner, FakeRunner)
    asked = len(stack.runner.calls)
    assert _again(stack, engine).known_up_to_date() is not None
    assert len(stack.runner.calls) == asked  # no compose at all

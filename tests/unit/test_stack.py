"""The workflow layer without an engine: compose argv, plans, TTY, build errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.adapters.compose import Compose, ComposeProject, detect_compose
from dockyard.domain.config import load_settings
from dockyard.errors import CommandError, ConfigError, EngineError
from dockyard.testing import FakeRunner
from dockyard.workflows.builds import build_error
from dockyard.workflows.stack import open_stack
from tests.conftest import write


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write(tmp_path / "pyproject.toml", "")
    write(tmp_path / "compose/docker-compose.dev.yml", "services: {app: {image: x}}\n")
    write(tmp_path / "env/.env.dev", "APP_PORT=8000\nDB_PASSWORD=canary-secret\n")
    return tmp_path


def test_every_call_names_project_files_and_env_file_never_project_directory(root: Path) -> None:
    runner = FakeRunner()
    stack = open_stack(load_settings(root), "dev", runner, {"PATH": "/bin"})
    argv = stack.compose.argv("up", "-d")
    assert argv[:3] == ("docker", "compose", "-p")
    assert argv[3] == stack.env.project_name
    assert argv[4:6] == ("-f", str(root.resolve() / "compose/docker-compose.dev.yml"))
    assert argv[6:8] == ("--env-file", str(root.resolve() / "env/.env.dev"))
    assert "--project-directory" not in argv


def test_compose_v1_fallback_and_missing_compose() -> None:
    runner = FakeRunner()
    runner.respond(["docker", "compose", "version"], returncode=1, stderr="unknown command")
    assert detect_compose(runner, {}) == ("docker-compose",)
    with pytest.raises(EngineError, match="Docker Compose not found"):
        detect_compose(FakeRunner(missing={"docker", "docker-compose"}), {})


def test_host_ids_reach_compose_through_the_environment_unless_set(root: Path) -> None:
    stack = open_stack(load_settings(root), "dev", FakeRunner(), {"PATH": "/bin"})
    assert stack.compose.env["HOST_UID"] == str(stack.ids.uid)
    write(root / "env/.env.dev", "HOST_UID=4242\nHOST_GID=4242\n")
    stack = open_stack(load_settings(root), "dev", FakeRunner(), {"PATH": "/bin"})
    assert "HOST_UID" not in stack.compose.env  # the env file wins over dockyard's default
    assert (stack.ids.uid, stack.ids.gid) == (4242, 4242)
    assert "UID" not in stack.compose.env


def test_tty_only_when_there_is_one(root: Path) -> None:
    stack = open_stack(load_settings(root), "dev", FakeRunner(), {"PATH": "/bin"})
    assert stack.exec_args(["ls"], tty=False) == ("exec", "-T", "app", "ls")
    assert stack.exec_args(["ls"], tty=True) == ("exec", "app", "ls")
    assert stack.test_args(["-x"], tty=False) == ("run", "--rm", "-T", "app", "pytest", "-x")


def test_plan_lines_mask_secrets_and_show_build_args(root: Path) -> None:
    stack = open_stack(load_settings(root), "dev", FakeRunner(), {"PATH": "/bin"})
    plan = stack.plan("build", [stack.build_step()], build=True)
    text = "\n".join(plan.lines())
    assert f"HOST_UID={stack.ids.uid}" in text
    assert "--build-arg LOCK_HASH=pyproject.toml:" in text
    assert "DB_PASSWORD" in text and "canary-secret" not in text


def test_missing_files_are_one_line_errors(root: Path) -> None:
    (root / "compose/docker-compose.dev.yml").unlink()
    with pytest.raises(
        ConfigError, match=r"^compose/docker-compose.dev.yml: compose file not found$"
    ):
        open_stack(load_settings(root), "dev", FakeRunner(), {"PATH": "/bin"})


def test_image_name_from_config(root: Path) -> None:
    runner = FakeRunner()
    project = ComposeProject("p-dev", (root / "c.yml",), root / "e")
    compose = Compose(runner, ("docker", "compose"), project, {}, root)
    assert compose.image_name("app", {"services": {"app": {"build": {}}}}) == "p-dev-app"
    assert compose.image_name("app", {"services": {"app": {"image": "x:1"}}}) == "x:1"
    with pytest.raises(ConfigError, match="service 'web' not found"):
        compose.image_name("web", {"services": {"app": {}}})


BUILDKIT_FAILURE = """\
#7 [app base 2/3] RUN set -eu; echo hi
#7 DONE 0.4s
#9 [app development 2/3] RUN   pip install -r /tmp/requirements.txt
#9 0.186 /bin/sh: 1: pip: not found
#9 ERROR: executor failed running [/bin/sh -c pip install]: exit code: 127
failed to solve: executor failed running [/bin/sh -c pip install]: exit code: 127
"""


def test_build_error_names_the_failing_step() -> None:
    error = build_error("app", CommandError(("docker",), 17, BUILDKIT_FAILURE))
    assert str(error) == (
        "build of service 'app' failed at [app development 2/3] "
        "RUN pip install -r /tmp/requirements.txt: exit code 127"
    )
    assert error.exit_code == 1  # a build that ran and failed
    legacy = build_error(
        "app",
        CommandError(
            ("docker",),
            1,
            "Step 3/5 : RUN exit 3\nThe command '/bin/sh -c exit 3' returned a non-zero code: 3",
        ),
    )
    assert "Step 3/5 : RUN exit 3" in str(legacy) and "exit code 3" in str(legacy)


def test_concurrent_runs_on_one_environment_take_turns(root: Path) -> None:
    import subprocess
    import sys

    from dockyard.errors import PlanError

    stack = open_stack(load_settings(root), "dev", FakeRunner(), {"PATH": "/bin"})
    holder = (
        "import fcntl, sys, time; f = open(sys.argv[1], 'a+'); "
        "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(30)"
    )
    (root / ".dockyard").mkdir()
    lock_file = root / ".dockyard/dev.lock"
    other = subprocess.Popen(
        [sys.executable, "-c", holder, str(lock_file)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        with (
            pytest.raises(PlanError, match=r"another dockyard run on 'dev' held the lock"),
            stack.lock(wait=0.3),
        ):
            pass
        # another environment is not blocked
        test_stack = open_stack(load_settings(root), "dev", FakeRunner(), {"PATH": "/bin"})
        test_stack.env = load_settings(root).environments["test"]
        with test_stack.lock(wait=0.3):
            pass
    finally:
        other.kill()
        other.communicate()
    with stack.lock(wait=0.3):  # released when its holder is gone
        pass


def test_wait_and_profile_keys_reach_the_stack_and_options_win(root: Path) -> None:
    write(
        root / "pyproject.toml",
        "[tool.dockyard]\nup_timeout = 42\nsettle_seconds = 0\nprofiles = ['tools']\n"
        "[tool.dockyard.environments.dev]\nprofiles = ['debug', 'tools']\n",
    )
    settings = load_settings(root)
    stack = open_stack(settings, "dev", FakeRunner(), {"PATH": "/bin"})
    assert (stack.waiting().timeout, stack.waiting().settle) == (42.0, 0.0)
    assert stack.waiting(5, 1).timeout == 5.0
    assert stack.argv("ps")[-5:] == ("--profile", "debug", "--profile", "tools", "ps")
    other = open_stack(settings, "dev", FakeRunner(), {"PATH": "/bin"}, profiles=["x"])
    assert other.argv("ps")[-3:] == ("--profile", "x", "ps")
    down = " ".join(other.down_step(volumes=False).argv)
    assert "--profile * down --remove-orphans" in down
    env = load_settings(root, environ={"DOCKYARD_UP_TIMEOUT": "7"})
    assert env.up_timeout == 7


def test_engine_hint_names_no_file_of_this_repository() -> None:
    from dockyard.adapters.engine import _engine_error

    error = _engine_error("unix:///x.sock", FileNotFoundError("No such file or directory"))
    assert ".ci/" not in str(error) and "Docker engine not running" in str(error)


def test_compose_refusing_the_files_is_one_line_of_bad_input(root: Path) -> None:
    """A missing env file a service loads, or files compose rejects: exit 2, one line."""
    from dockyard.errors import EXIT_BAD_INPUT

    runner = FakeRunner()
    stack = open_stack(load_settings(root), "dev", runner, {"PATH": "/bin"})
    write(root / "env/.env.local.example", "A=\n")
    missing = root.resolve() / "env/.env.local"
    runner.respond(
        [*stack.compose.argv("config")[:-1], "config"],
        returncode=1,
        stderr=f"env file {missing} not found: stat {missing}: no such file or directory\n",
    )
    with pytest.raises(ConfigError) as caught:
        stack.compose.image_name("app")
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert str(caught.value) == (
        "env/.env.local: env file not found (a service loads it); create it from "
        "env/.env.local.example (`cp env/.env.local.example env/.env.local`, then `chmod 600` it)"
    )
    runner.respond(
        [*stack.compose.argv("config")[:-1], "config"],
        returncode=15,
        stderr="validating compose/docker-compose.dev.yml: services.app.ports must be a list\n",
    )
    with pytest.raises(ConfigError, match=r"^compose/docker-compose.dev.yml: compose rejects"):
        stack.build_inputs()

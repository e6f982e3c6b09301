"""``ci.test`` builds within ``up`` when the compose files pass dockyard's build args.

Compose's own ``config`` (recorded after a build) is the judge of whether they do; any
change to what it was made from, or a compose file that does not pass them, keeps the
separate ``build --build-arg ...`` step.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dockyard.adapters.engine import Endpoint
from dockyard.domain.config import load_settings
from dockyard.testing import FakeEngine, FakeRunner
from dockyard.workflows.builds import BuildError, build_failed
from dockyard.workflows.stack import Stack, open_stack
from tests.conftest import write

COMPOSE = """\
services:
  app:
    build:
      context: ..
      args:
        HOST_UID: ${HOST_UID:-1000}
        HOST_GID: ${HOST_GID:-1000}
        LOCK_HASH: ${LOCK_HASH:-none}
"""
BUILD_FAILED = """\
#11 [app development 3/4] COPY --chown=1000:1000 . /app/
#11 DONE 0.0s

#12 [app development 4/4] RUN false
#12 ERROR: process "/bin/sh -c false" did not complete successfully: exit code: 1
------
 > [app development 4/4] RUN false:
------
failed to solve: process "/bin/sh -c false" did not complete successfully: exit code: 1
"""
TESTS_FAILED = """\
app-1  | E   failed to solve the puzzle
app-1  | ========================= 1 failed in 0.01s ==========================
app-1 exited with code 3
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write(tmp_path / "pyproject.toml", "")
    write(tmp_path / "uv.lock", "version = 1\n")
    write(tmp_path / "compose/docker-compose.ci.yml", COMPOSE)
    write(tmp_path / "env/.env.ci", "APP_ENV=ci\n")
    write(tmp_path / "Dockerfile", "FROM scratch\n")
    return tmp_path


def _stack(root: Path, runner: FakeRunner, environ: dict[str, str] | None = None) -> Stack:
    stack = open_stack(load_settings(root), "ci", runner, {"PATH": "/bin", **(environ or {})})
    engine = FakeEngine(
        info_payload={"ID": "E", "OperatingSystem": "Debian", "ServerVersion": "20.10"},
        version_payload={"Version": "20.10.24", "ApiVersion": "1.41"},
        endpoint=Endpoint("unix:///var/run/docker.sock", "default socket"),
    )
    stack.connect = lambda: engine
    return stack


def _config(stack: Stack, args: dict[str, str] | None) -> str:
    """What ``compose config --format json`` prints for the fixture's ci stack."""
    build: dict[str, Any] = {"context": str(stack.settings.root), "dockerfile": "Dockerfile"}
    if args is not None:
        build["args"] = args
    return json.dumps({"services": {"app": {"build": build}}})


def _compose_calls(runner: FakeRunner) -> list[str]:
    """Each compose call by its subcommand (``build``, ``up``, ``down``, ``config``)."""
    words = ("build", "up", "down", "config", "version")
    return [next(w for w in call if w in words) for call in runner.argvs if "compose" in call]


def test_first_run_builds_apart_and_records_then_up_builds(root: Path) -> None:
    runner = FakeRunner()
    stack = _stack(root, runner)
    runner.respond(
        [*stack.compose.argv("config")[:-1], "config"],
        stdout=_config(stack, stack.expected.build_args()),
    )
    assert stack.ci_test() == 0
    assert _compose_calls(runner)[-4:] == ["build", "config", "up", "down"]
    build = next(call for call in runner.argvs if "build" in call)
    assert f"LOCK_HASH={stack.expected.lock_hash}" in build

    runner.calls.clear()
    again = _stack(root, runner)
    assert again.compose.env["LOCK_HASH"] == stack.expected.lock_hash
    assert again.ci_test() == 0
    assert _compose_calls(runner)[-2:] == ["up", "down"]  # no build, no config
    up = next(call for call in runner.argvs if "up" in call)
    assert up[up.index("up") :] == (
        "up",
        "--build",
        "--abort-on-container-exit",
        "--exit-code-from",
        "app",
    )
    plan = "\n".join(again.ci_test_plan().lines())
    assert "built within up" in plan and "--build-arg" not in plan


def test_compose_files_that_do_not_pass_the_args_keep_the_build_step(root: Path) -> None:
    runner = FakeRunner()
    stack = _stack(root, runner)
    runner.respond(
        [*stack.compose.argv("config")[:-1], "config"],
        stdout=_config(stack, {"HOST_UID": str(stack.ids.uid)}),  # no gid, no lock hash
    )
    stack.ci_test()
    runner.calls.clear()
    again = _stack(root, runner)
    again.ci_test()
    assert _compose_calls(runner)[-3:] == ["build", "up", "down"]  # the record still holds
    assert "--build" not in next(call for call in runner.argvs if "up" in call)


@pytest.mark.parametrize(
    "change",
    ["lock", "compose", "dockerfile", "process variable"],
)
def test_any_change_since_the_record_builds_apart_again(root: Path, change: str) -> None:
    runner = FakeRunner()
    stack = _stack(root, runner)
    runner.respond(
        [*stack.compose.argv("config")[:-1], "config"],
        stdout=_config(stack, stack.expected.build_args()),
    )
    stack.ci_test()
    environ: dict[str, str] = {}
    if change == "lock":
        write(root / "uv.lock", "version = 1\n# one more package\n")
    elif change == "compose":
        write(root / "compose/docker-compose.ci.yml", COMPOSE + "    init: true\n")
    elif change == "dockerfile":
        write(root / "Dockerfile", "FROM scratch\nENV A=1\n")
    else:
        environ["HOST_UID"] = "4242"  # the args compose would pass now differ
    again = _stack(root, runner, environ)
    assert [s.argv[s.argv.index("-f") + 4] for s in again.ci_test_plan().steps][:1] == ["build"]


def test_a_build_that_fails_within_up_is_named_and_cleaned_up(root: Path) -> None:
    runner = FakeRunner()
    stack = _stack(root, runner)
    runner.respond(
        [*stack.compose.argv("config")[:-1], "config"],
        stdout=_config(stack, stack.expected.build_args()),
    )
    stack.ci_test()
    runner.calls.clear()
    again = _stack(root, runner)
    up = again.ci_test_plan().steps[0].argv
    runner.respond(up, returncode=1, stdout=BUILD_FAILED)
    with pytest.raises(BuildError, match=r"\[app development 4/4\] RUN false: exit code 1"):
        again.ci_test()
    assert _compose_calls(runner)[-1] == "down"


def test_failing_tests_within_up_are_their_exit_code_not_a_build_error(root: Path) -> None:
    runner = FakeRunner()
    stack = _stack(root, runner)
    runner.respond(
        [*stack.compose.argv("config")[:-1], "config"],
        stdout=_config(stack, stack.expected.build_args()),
    )
    stack.ci_test()
    again = _stack(root, runner)
    runner.respond(again.ci_test_plan().steps[0].argv, returncode=3, stdout=TESTS_FAILED)
    assert again.ci_test() == 3


def test_build_failed_reads_only_the_builders_lines() -> None:
    assert build_failed(BUILD_FAILED)
    assert build_failed("ERROR: target app: failed to solve: exit code: 1\n")
    assert build_failed("The command '/bin/sh -c false' returned a non-zero code: 1\n")
    assert not build_failed(TESTS_FAILED)

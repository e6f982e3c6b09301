"""Asking compose per environment through the runner: argv, failures, verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockyard.domain.layout.behaviour import (
    Compose,
    ComposeEnvironment,
    compare_trees,
    compose_config,
    compose_environ,
)
from dockyard.errors import PlanError
from dockyard.testing import FakeRunner
from tests.conftest import write


def test_compose_config_argv_and_failure_tail(tmp_path: Path) -> None:
    runner = FakeRunner()
    runner.respond(["docker", "compose"], returncode=1, stderr="line1\nenv file x not found\n")
    env = ComposeEnvironment(
        "dev", ("compose/a.yml", "compose/b.yml"), ("env/.env", "env/.env.dev")
    )
    why = compose_config(runner, ("docker", "compose"), tmp_path, env, {"PATH": "/bin"})
    assert why == "line1\nenv file x not found"
    assert runner.argvs[0] == (
        "docker", "compose", "-f", "compose/a.yml", "-f", "compose/b.yml",
        "--env-file", "env/.env", "--env-file", "env/.env.dev", "config", "--format", "json",
    )  # fmt: skip
    assert runner.calls[0].cwd == tmp_path


def test_missing_compose_is_a_plan_error_naming_the_way_out(tmp_path: Path) -> None:
    runner = FakeRunner(missing={"docker"})
    with pytest.raises(PlanError, match="--no-verify"):
        compose_config(runner, ("docker", "compose"), tmp_path, ComposeEnvironment("d", ()), {})


def test_compose_environ_drops_compose_overrides() -> None:
    environ = {"PATH": "/bin", "COMPOSE_FILE": "x.yml", "COMPOSE_PROFILES": "a", "HOME": "/h"}
    assert compose_environ(environ) == {"PATH": "/bin", "HOME": "/h"}


def test_trees_compare_through_the_runner_and_absent_files_use_templates(tmp_path: Path) -> None:
    before, after = tmp_path / "a" / "repo", tmp_path / "b" / "repo"
    write(before / "docker-compose.dev.yml", "services:\n  app:\n    env_file: .env.dev\n")
    write(before / ".env.example", "A=1\n")
    write(after / "compose/docker-compose.dev.yml", "services: {}\n")
    write(after / "env/.env.example", "A=1\n")
    config = {"name": "repo", "services": {"app": {"image": "x"}}}
    runner = FakeRunner()
    runner.respond(["docker", "compose"], stdout=json.dumps(config))
    compose = Compose(runner, ("docker", "compose"), {})
    envs = [ComposeEnvironment("dev", ("docker-compose.dev.yml",))]
    moves = {"docker-compose.dev.yml": "compose/docker-compose.dev.yml"}
    verification = compare_trees(compose, before, after, envs, moves)
    assert [r.unchanged for r in verification.results] == [True]
    assert verification.notes == [
        ".env.dev: absent (a fresh clone has none); compared with its template .env.example",
        (
            "env/.env.dev: absent (a fresh clone has none); compared with its template "
            "env/.env.example"
        ),
    ]
    assert (before / ".env.dev").read_text() == "A=1\n"
    # after the move dockyard passes env/.env.dev, made from env/.env.example
    assert runner.argvs[-1][4:6] == ("--env-file", "env/.env.dev")

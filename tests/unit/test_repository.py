"""The repository model: compose's answer when it has one, the files otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockyard.domain.config import load_settings
from dockyard.domain.repository import Repository
from dockyard.errors import ConfigError
from dockyard.testing import FakeRunner
from tests.conftest import write

COMPOSE = """\
x-app: &app
  build:
    context: ./backend
    target: development
  env_file: [.env.app]
services:
  api:
    <<: *app
    volumes:
      - ./backend:/app
      - /app/.venv
  worker:
    <<: *app
    profiles: [workers]
"""


def _repo(root: Path, runner: FakeRunner, **kw: bool) -> Repository:
    settings = load_settings(root, environ={})
    return Repository(settings, runner, {"PATH": ""}, **kw)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "docker-compose.yml", COMPOSE)
    write(tmp_path / "backend/pyproject.toml", "[project]\nname = 'b'\n[tool.poetry]\n")
    write(tmp_path / "backend/poetry.lock", "# lock\n")
    write(tmp_path / "backend/Dockerfile", "FROM python AS development\n")
    return tmp_path.resolve()


def test_without_compose_the_files_are_merged(root: Path) -> None:
    stack = _repo(root, FakeRunner(), use_compose=False).stack("dev")
    assert stack.source == "files"
    assert list(stack.services) == ["api"]  # the profile is not active
    api = stack.services["api"]
    assert api.build is not None and api.build.context == root / "backend"
    assert api.build.target == "development"
    assert api.build.ignore_file == root / "backend/.dockerignore"
    assert [(v.kind, v.source, v.target) for v in api.volumes] == [
        ("bind", str(root / "backend"), "/app"),
        ("volume", None, "/app/.venv"),
    ]
    assert [r.path for r in api.env_files] == [root / ".env.app"]
    project = _repo(root, FakeRunner(), use_compose=False).project_for(root / "backend")
    assert project is not None and project.package_manager == "poetry"
    assert project.lock == root / "backend/poetry.lock"


def test_compose_answers_once_per_environment(root: Path) -> None:
    runner = FakeRunner()
    config = {
        "name": "x",
        "services": {"api": {"image": "a", "volumes": [{"type": "volume", "target": "/d"}]}},
    }
    runner.respond(["docker", "compose"], stdout=json.dumps(config))
    repo = _repo(root, runner)
    first = repo.stack("dev")
    assert repo.stack("dev") is first
    assert first.source == "compose" and first.services["api"].image == "a"
    assert repo.config_calls == 1
    (call,) = [c for c in runner.calls if "config" in c.argv]
    assert call.argv[-3:] == ("config", "--format", "json") and call.cwd == root


def test_compose_rejecting_the_files_is_a_config_error_naming_them(root: Path) -> None:
    runner = FakeRunner()
    runner.respond(
        ["docker", "compose"],
        returncode=15,
        stderr="validating docker-compose.yml: services.api.ports must be a array\n",
    )
    runner.respond(["docker", "compose", "version"], stdout="Docker Compose version v2")
    with pytest.raises(ConfigError) as error:
        _repo(root, runner).stack("dev")
    assert "docker-compose.yml" in str(error.value)
    assert "services.api.ports must be a array" in str(error.value)


def test_missing_env_file_falls_back_to_the_files(root: Path) -> None:
    runner = FakeRunner()
    runner.respond(["docker", "compose"], returncode=1, stderr="env file /x/.env.app not found")
    runner.respond(["docker", "compose", "version"], stdout="Docker Compose version v2")
    stack = _repo(root, runner).stack("dev")
    assert stack.source == "files" and stack.refused is not None
    assert "api" in stack.services


def test_empty_file_is_kept_as_a_problem_and_the_others_read(root: Path) -> None:
    write(root / "docker-compose.override.yml", "")
    stack = _repo(root, FakeRunner(), use_compose=False).stack("dev")
    problems = [(str(f.path), f.problem) for f in stack.files if f.problem]
    assert problems == [("docker-compose.override.yml", "empty compose file")]
    assert "api" in stack.services


def test_invalid_yaml_is_a_config_error_with_the_line(root: Path) -> None:
    write(root / "docker-compose.yml", "services:\n  api: [\n")
    with pytest.raises(ConfigError, match=r"docker-compose.yml:3"):
        _repo(root, FakeRunner(), use_compose=False).stack("dev")

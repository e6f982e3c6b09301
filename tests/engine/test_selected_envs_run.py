"""Environments chosen by a variable run for real: each container gets its own env file,
before and after ``layout.migrate``, as ``APP_ENV=test docker compose up`` would."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.stackutil import dockyard

pytestmark = pytest.mark.engine

COMPOSE = """\
# APP_ENV chooses the env file: dev (default) or test
services:
  web:
    image: {project}-web
    build:
      context: .
      args:
        BASE_IMAGE: ${{BASE_IMAGE}}
    env_file:
      - .env.${{APP_ENV:-dev}}
    network_mode: none
    init: true
    command: ["python3", "-c", "import signal; signal.pause()"]
"""
DOCKERFILE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
WORKDIR /app
"""


@pytest.fixture
def blog(tmp_path: Path, base_image: str) -> Iterator[Path]:
    project = f"selected-{uuid.uuid4().hex[:8]}"
    root = tmp_path / project
    root.mkdir()
    (root / "pyproject.toml").write_text(f'[project]\nname = "{project}"\nversion = "0"\n')
    (root / "docker-compose.yml").write_text(COMPOSE.format(project=project))
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / ".gitignore").write_text(".env.dev\n.env.test\n")
    for env in ("dev", "test"):
        values = f"BASE_IMAGE={base_image}\nGREETING=hello-from-{env}\n"
        (root / f".env.{env}").write_text(values)
        (root / f".env.{env}.example").write_text("BASE_IMAGE=\nGREETING=\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    yield root
    for env in ("dev", "test"):
        dockyard(root, f"{env}.down", "--volumes")
    subprocess.run(
        ["docker", "image", "rm", "-f", f"{project}-web"], capture_output=True, check=False
    )


def _greeting(root: Path, env: str) -> str:
    done = dockyard(root, f"{env}.exec", "--", "printenv", "GREETING")
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def test_each_chosen_environment_runs_with_its_own_env_file(blog: Path) -> None:
    listed = dockyard(blog, "--list")
    assert "test.up" in listed.stdout and "dev.up" in listed.stdout, listed.stdout
    up = dockyard(blog, "test.up", "--settle", "1", env={"APP_ENV": "dev"})  # the shell's loses
    assert up.returncode == 0, up.stdout + up.stderr
    assert _greeting(blog, "test") == "hello-from-test"
    up = dockyard(blog, "dev.up", "--settle", "1")
    assert up.returncode == 0, up.stdout + up.stderr
    assert _greeting(blog, "dev") == "hello-from-dev"

    migrated = dockyard(blog, "layout.migrate")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "test: unchanged" in migrated.stdout, migrated.stdout
    assert 'variables = {APP_ENV = "test"}' in (blog / "pyproject.toml").read_text()
    assert (blog / "env/.env.test").is_file()
    up = dockyard(blog, "test.up", "--settle", "1")
    assert up.returncode == 0, up.stdout + up.stderr
    assert _greeting(blog, "test") == "hello-from-test"

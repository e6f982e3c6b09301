"""The invariant on real ``docker compose config --format json``: a hand-made move."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from dockyard.domain.layout.invariant import compare_configs
from tests.conftest import write

if TYPE_CHECKING:
    import docker

pytestmark = pytest.mark.engine

FLAT = """\
services:
  app:
    build:
      context: .
      target: dev
    command: uvicorn app:app --reload
    env_file: .env.dev
    environment:
      DEBUG: "true"
    volumes:
      - ./src:/app/src
      - ./.env.dev:/app/.env:ro
      - data:/data
    depends_on: [db]
  db:
    image: postgres
volumes:
  data:
"""

MOVED = """\
name: flat
services:
  app:
    build:
      context: ..
      dockerfile: docker/Dockerfile
      target: dev
    command: uvicorn app:app --reload
    env_file: ../env/.env.dev
    environment:
      DEBUG: "true"
    volumes:
      - ../src:/app/src
      - ../env/.env.dev:/app/.env:ro
      - data:/data
    depends_on: [db]
  db:
    image: postgres
volumes:
  data:
"""

MOVES = {
    "docker-compose.dev.yml": "compose/docker-compose.dev.yml",
    ".env.dev": "env/.env.dev",
    "Dockerfile": "docker/Dockerfile",
}


def _config(root: Path, compose_file: str) -> Any:
    docker_bin = shutil.which("docker")
    assert docker_bin is not None
    done = subprocess.run(
        [docker_bin, "compose", "-f", compose_file, "config", "--format", "json"],
        cwd=root,
        env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _repos(tmp_path: Path, moved: str) -> tuple[Path, Path]:
    before = tmp_path / "a" / "flat"
    write(before / "docker-compose.dev.yml", FLAT)
    write(before / ".env.dev", "SECRET_KEY=s3cr3t-value\nLOG_LEVEL=debug\n")
    write(before / "Dockerfile", "FROM scratch\n")
    after = tmp_path / "b" / "flat"
    write(after / "compose/docker-compose.dev.yml", moved)
    write(after / "env/.env.dev", "SECRET_KEY=s3cr3t-value\nLOG_LEVEL=debug\n")
    write(after / "docker/Dockerfile", "FROM scratch\n")
    return before, after


def test_real_compose_config_of_a_hand_made_move_is_unchanged(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    before, after = _repos(tmp_path, MOVED)
    differences = compare_configs(
        _config(before, "docker-compose.dev.yml"),
        _config(after, "compose/docker-compose.dev.yml"),
        root_before=str(before),
        root_after=str(after),
        moves=MOVES,
    )
    assert differences == []


def test_real_compose_config_finds_a_planted_change(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    planted = MOVED.replace("name: flat\n", "").replace('DEBUG: "true"', 'DEBUG: "false"')
    before, after = _repos(tmp_path, planted)
    differences = compare_configs(
        _config(before, "docker-compose.dev.yml"),
        _config(after, "compose/docker-compose.dev.yml"),
        root_before=str(before),
        root_after=str(after),
        moves=MOVES,
    )
    assert "service app: environment.DEBUG: 'true' → 'false'" in differences
    assert "project: name: 'flat' → 'compose'" in differences
    assert "project: volumes.data.name: 'flat_data' → 'compose_data'" in differences
    assert not any("s3cr3t" in line for line in differences)

"""``nox -s ci`` from the session factory builds the image once (every ``docker``
command the sessions run is counted through a logging ``docker`` on PATH)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.domain.layout.scaffold import template

pytestmark = pytest.mark.engine

DOCKERFILE = """\
ARG BASE_IMAGE=python:3.13-slim
FROM ${BASE_IMAGE}
ARG HOST_UID=1000
ARG HOST_GID=1000
RUN (getent group ${HOST_GID} || groupadd -g ${HOST_GID} app) \\
    && (getent passwd ${HOST_UID} || useradd -u ${HOST_UID} -g ${HOST_GID} -m app)
USER ${HOST_UID}:${HOST_GID}
WORKDIR /app
"""

COMPOSE = """\
services:
  app:
    build:
      context: ..
      dockerfile: docker/Dockerfile
      args:
        BASE_IMAGE: ${BASE_IMAGE:-python:3.13-slim}
        HOST_UID: ${HOST_UID:-1000}
        HOST_GID: ${HOST_GID:-1000}
    env_file: [../env/.env.ci]
    command: ["python3", "-c", "print('the tests ran')"]
"""


@pytest.fixture
def project(tmp_path: Path, base_image: str) -> Iterator[tuple[Path, str]]:
    name = f"surfaces-nox-{uuid.uuid4().hex[:8]}"
    files = {
        "pyproject.toml": f'[project]\nname = "demo"\nversion = "0"\n\n'
        f'[tool.dockyard]\nproject_name = "{name}"\n',
        "docker/Dockerfile": DOCKERFILE,
        "docker/Dockerfile.dockerignore": "*\n!pyproject.toml\n",
        "compose/docker-compose.ci.yml": COMPOSE,
        "env/.env.example": f"BASE_IMAGE={base_image}\n",
        "env/.env.ci": f"BASE_IMAGE={base_image}\n",
        "noxfile.py": template("noxfile.py.tmpl", "demo"),
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    yield tmp_path, name
    subprocess.run(
        ["docker", "image", "rm", "-f", f"{name}-ci-app"], capture_output=True, check=False
    )


def test_nox_ci_builds_once(
    project: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    root, _ = project
    real = shutil.which("docker")
    assert real is not None
    shims = tmp_path_factory.mktemp("shims")
    log = shims / "docker.log"
    shim = shims / "docker"
    shim.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKYARD_")}
    env["PATH"] = f"{shims}:{Path(sys.executable).parent}:{env.get('PATH', '')}"
    done = subprocess.run(
        [sys.executable, "-m", "nox", "--no-color", "-s", "ci"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = done.stdout + done.stderr
    assert "the tests ran" in output, output
    assert "ci.test" in output
    calls = log.read_text().splitlines()
    builds = [c for c in calls if c.startswith("compose") and "build" in c.split()]
    assert len(builds) == 1, "\n".join(calls)

"""The dev container the editor starts is dockyard's: ``devcontainer up`` (the
devcontainers CLI) on the files ``dockyard devcontainer`` writes runs ``dockyard
dev.build`` first, starts dockyard's compose project from dockyard's image as the app
user, and ``dockyard dev.down`` stops it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine

DOCKERFILE = """\
ARG BASE_IMAGE=python:3.13-slim
FROM ${BASE_IMAGE}
ARG HOST_UID=1000
ARG HOST_GID=1000
ARG APP_USER=app
RUN (getent group ${HOST_GID} || groupadd -g ${HOST_GID} ${APP_USER}) \\
    && (getent passwd ${HOST_UID} || useradd -u ${HOST_UID} -g ${HOST_GID} -m ${APP_USER})
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
    env_file: [../env/.env.dev]
    volumes:
      - ..:/app
"""


def _cli() -> str:
    found = os.environ.get("DOCKYARD_DEVCONTAINER_CLI") or shutil.which("devcontainer")
    if not found:
        if os.environ.get("DOCKYARD_REQUIRE_ENGINE") == "1":  # CI installs it: never skip there
            pytest.fail("DOCKYARD_REQUIRE_ENGINE=1 but the devcontainers CLI is missing")
        pytest.skip(
            "the devcontainers CLI is not installed (`npm install @devcontainers/cli`; "
            "DOCKYARD_DEVCONTAINER_CLI names its program)"
        )
    return found


@pytest.fixture
def project(tmp_path: Path, base_image: str) -> Iterator[tuple[Path, str, dict[str, str]]]:
    name = f"surfaces-devc-{uuid.uuid4().hex[:8]}"
    files = {
        "pyproject.toml": f'[project]\nname = "demo"\nversion = "0"\n\n'
        f'[tool.dockyard]\nproject_name = "{name}"\n',
        "docker/Dockerfile": DOCKERFILE,
        "docker/Dockerfile.dockerignore": "*\n!pyproject.toml\n",
        "compose/docker-compose.dev.yml": COMPOSE,
        "env/.env.example": f"BASE_IMAGE={base_image}\n",
        "env/.env.dev": f"BASE_IMAGE={base_image}\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    tmp_path.chmod(0o755)  # readable by the container's app user (the host may be root)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKYARD_")}
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    yield tmp_path, f"{name}-dev", env
    subprocess.run(
        [sys.executable, "-m", "dockyard", "dev.clean"], cwd=tmp_path, env=env,
        capture_output=True, timeout=300, check=False,
    )  # fmt: skip


def _run(argv: list[str], root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=root, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_compose_keeps_the_project_and_drops_the_build(
    project: tuple[Path, str, dict[str, str]],
) -> None:
    root, compose_project, env = project
    assert _run([sys.executable, "-m", "dockyard", "devcontainer"], root, env).returncode == 0
    done = _run(
        ["docker", "compose", "-f", "compose/docker-compose.dev.yml",
         "-f", ".devcontainer/compose.yml", "config", "--format", "json"],
        root, env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    assert config["name"] == compose_project
    assert "build" not in config["services"]["app"]
    assert config["services"]["app"]["image"] == f"{compose_project}-app"


def test_devcontainer_up_starts_dockyards_container(
    project: tuple[Path, str, dict[str, str]],
) -> None:
    cli = _cli()
    root, compose_project, env = project
    assert _run([sys.executable, "-m", "dockyard", "devcontainer"], root, env).returncode == 0
    up = _run([cli, "up", "--workspace-folder", str(root)], root, env)
    result = json.loads(up.stdout.strip().splitlines()[-1])
    assert result["outcome"] == "success", up.stdout + up.stderr
    assert "dockyard dev.build" in up.stderr  # the initializeCommand ran
    assert result["composeProjectName"] == compose_project
    assert (result["remoteUser"], result["remoteWorkspaceFolder"]) == ("app", "/app")
    inside = _run(
        [cli, "exec", "--workspace-folder", str(root), "sh", "-c", "id -un; ls"], root, env
    )
    assert inside.returncode == 0, inside.stderr
    assert inside.stdout.split()[0] == "app"
    assert "pyproject.toml" in inside.stdout.split()  # the bind mount, at the workspace
    down = _run([sys.executable, "-m", "dockyard", "dev.down"], root, env)
    assert down.returncode == 0, down.stderr
    left = _run(
        ["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={compose_project}"],
        root, env,
    )  # fmt: skip
    assert left.stdout.strip() == ""

"""Helpers for engine tests of the dev/test/ci workflows: tiny real projects."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

from dockyard.domain.templates import dockerfile_template

if TYPE_CHECKING:
    import docker

COMPOSE = """\
services:
  app:
    build:
      context: ..
      dockerfile: docker/Dockerfile
      target: development
      args:
        BASE_IMAGE: ${{BASE_IMAGE}}
    env_file:
      - ../env/.env.{env}
    volumes:
      - ..:/app
    command: {command}
    network_mode: none
    init: true
"""


def make_project(
    root: Path,
    *,
    base_image: str,
    uid: int | None = None,
    envs: dict[str, str] | None = None,
    dockerfile: str | None = None,
) -> Path:
    """A one-service project in dockyard's standard layout; ``envs`` maps env -> command."""
    envs = envs or {"dev": '["python", "-c", "import signal; signal.pause()"]'}
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "tiny"\nversion = "0"\ndependencies = []\n'
    )
    (root / "docker").mkdir(exist_ok=True)
    (root / "docker/Dockerfile").write_text(dockerfile or dockerfile_template("pip"))
    (root / "compose").mkdir(exist_ok=True)
    (root / "env").mkdir(exist_ok=True)
    (root / "env/.env.example").write_text("BASE_IMAGE=\nAPP_SECRET=\n")
    for env, command in envs.items():
        (root / f"compose/docker-compose.{env}.yml").write_text(
            COMPOSE.format(env=env, command=command)
        )
        path = root / f"env/.env.{env}"
        path.write_text(f"BASE_IMAGE={base_image}\nAPP_SECRET=canary-{env}-0123456789\n")
        path.chmod(0o600)
    if uid is not None:
        for path in [root, *root.rglob("*")]:
            os.chown(path, uid, uid, follow_symlinks=False)
    return root


def dockyard(
    cwd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the dockyard program in ``cwd`` with a clean DOCKYARD_* environment."""
    # the project's env file names its base image: a BASE_IMAGE the test session exports
    # (nox does, where no registry is reachable) would win over it
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DOCKYARD_", "HOST_")) and k != "BASE_IMAGE"
    }
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "dockyard", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def project_name(cwd: Path, env: str = "dev") -> str:
    """The compose project dockyard uses for ``env`` of the repository at ``cwd``."""
    from dockyard.domain.config import load_settings

    return load_settings(cwd).environment(env).project_name


def dockerfile_context(dockerfile: str) -> io.BytesIO:
    """A build context (a tar) holding only ``dockerfile``, for the SDK's images.build."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        data = dockerfile.encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def remove_project(client: docker.DockerClient, name: str) -> None:
    """Remove compose project ``name``'s containers (with their volumes), networks and
    ``<name>-app`` images: what a test made, nothing else."""
    label: dict[str, str | list[str] | bool] = {"label": f"com.docker.compose.project={name}"}
    for container in client.containers.list(all=True, filters=label):
        container.remove(force=True, v=True)
    for network in client.networks.list(filters=label):
        network.remove()
    for image in client.images.list(name=f"{name}-app"):
        client.images.remove(image.short_id, force=True)

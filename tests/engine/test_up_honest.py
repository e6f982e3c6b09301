"""dev.up on a real engine: it waits, it fails on a service that exits, it rebuilds on edits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.engine.stackutil import dockyard, make_project, project_name, remove_project

pytestmark = pytest.mark.engine

EXITS = '["sh", "-c", "echo booting; echo secret is $$APP_SECRET; exit 4"]'


def _running(client: docker.DockerClient, project: str) -> list[str]:
    label: dict[str, str | list[str] | bool] = {
        "label": f"com.docker.compose.project={project}",
        "status": "running",
    }
    return [str(c.name) for c in client.containers.list(filters=label)]


@pytest.fixture
def project(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient
) -> Iterator[tuple[Path, str]]:
    root = make_project(tmp_path / "first-honest", base_image=base_image)
    name = project_name(root)
    yield root, name
    remove_project(docker_client, name)


def test_up_waits_refuses_dry_rebuilds_on_edits_and_fails_on_exits(
    project: tuple[Path, str], docker_client: docker.DockerClient
) -> None:
    root, name = project
    up = dockyard(root, "dev.up", "--settle", "1")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "app: running" in up.stdout

    # Invoke's --dry would act for real: refused, the environment keeps running
    dry = dockyard(root, "--dry", "dev.down")
    assert dry.returncode == 2 and "--dry-run" in dry.stderr
    assert _running(docker_client, name), "dev.down ran under --dry"

    again = dockyard(root, "dev.up", "--dry-run")
    assert "image is current" in again.stdout, again.stdout

    dockerfile = root / "docker/Dockerfile"
    edited = dockerfile.read_text().replace(
        "WORKDIR /app\n", 'WORKDIR /app\nLABEL first.edited="yes"\n', 1
    )
    dockerfile.write_text(edited)
    rebuilt = dockyard(root, "dev.up", "--settle", "1")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "rebuild: app: docker/Dockerfile changed since the last build" in rebuilt.stdout
    image = docker_client.images.get(f"{name}-app")
    assert image.labels.get("first.edited") == "yes"

    compose = root / "compose/docker-compose.dev.yml"
    text = compose.read_text()
    command = text.split("command: ", 1)[1].split("\n", 1)[0]
    compose.write_text(text.replace(command, EXITS))
    failed = dockyard(root, "dev.up", "--settle", "1")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "service 'app' exited with status 4" in failed.stderr
    assert "booting" in failed.stderr and "secret is ********" in failed.stderr
    assert "canary" not in failed.stdout + failed.stderr
    assert "is up" not in failed.stdout

    down = dockyard(root, "dev.down")
    assert down.returncode == 0, down.stderr
    assert _running(docker_client, name) == []

"""dev.up on a running stack: nothing to do when nothing changed, honest when something did."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.engine.stackutil import dockyard, make_project, project_name, remove_project

pytestmark = pytest.mark.engine

UP_TO_DATE = "dev is up to date"


def _app(client: docker.DockerClient, project: str) -> tuple[str, str, str]:
    """The app container's id, status and the time it last started."""
    label: dict[str, str | list[str] | bool] = {
        "label": [f"com.docker.compose.project={project}", "com.docker.compose.service=app"]
    }
    (container,) = client.containers.list(all=True, filters=label)
    started = str(container.attrs["State"]["StartedAt"])
    return str(container.id), str(container.status), started


@pytest.fixture
def project(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient
) -> Iterator[tuple[Path, str]]:
    root = make_project(tmp_path / "p4-skip", base_image=base_image)
    name = project_name(root)
    yield root, name
    remove_project(docker_client, name)


def test_up_skips_only_while_nothing_changed(
    project: tuple[Path, str], docker_client: docker.DockerClient
) -> None:
    root, name = project
    first = dockyard(root, "dev.up", "--settle", "1")
    assert first.returncode == 0, first.stdout + first.stderr
    assert UP_TO_DATE not in first.stdout
    started = _app(docker_client, name)

    again = dockyard(root, "dev.up", "--settle", "1")
    assert again.returncode == 0, again.stdout + again.stderr
    assert UP_TO_DATE in again.stdout and "app: running" in again.stdout
    assert "Container" not in again.stdout + again.stderr  # compose said nothing: it did not run
    assert "image is current" not in again.stdout  # told before any plan was needed
    assert "engine: docker-" in again.stdout  # what the engine meant, as recorded
    assert _app(docker_client, name) == started

    # --dry-run prints the plan, never the verdict
    dry = dockyard(root, "dev.up", "--dry-run")
    assert dry.returncode == 0 and " up -d" in dry.stdout and UP_TO_DATE not in dry.stdout

    # a container stopped behind dockyard's back is started again
    docker_client.containers.get(started[0]).stop(timeout=1)
    assert _app(docker_client, name)[1] == "exited"
    restarted = dockyard(root, "dev.up", "--settle", "1")
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert UP_TO_DATE not in restarted.stdout
    now = _app(docker_client, name)
    assert now[1] == "running" and now[2] != started[2]
    assert UP_TO_DATE in dockyard(root, "dev.up", "--settle", "1").stdout

    # an edited env file recreates the container with the new value
    env_file = root / "env/.env.dev"
    env_file.write_text(env_file.read_text().replace("canary-dev-", "changed-dev-"))
    edited = dockyard(root, "dev.up", "--settle", "1")
    assert edited.returncode == 0, edited.stdout + edited.stderr
    assert UP_TO_DATE not in edited.stdout
    recreated = _app(docker_client, name)
    assert recreated[0] != now[0] and recreated[1] == "running"
    environment = docker_client.containers.get(recreated[0]).attrs["Config"]["Env"]
    assert "APP_SECRET=changed-dev-0123456789" in environment
    assert UP_TO_DATE in dockyard(root, "dev.up", "--settle", "1").stdout

    # asked for, compose runs and recreates
    forced = dockyard(root, "dev.up", "--force-recreate", "--settle", "1")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert UP_TO_DATE not in forced.stdout
    assert _app(docker_client, name)[0] != recreated[0]

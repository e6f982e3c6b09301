"""Shared fixtures.

Engine tests carry ``@pytest.mark.engine`` and take the ``docker_client`` fixture.
Without an engine they skip with the reason, unless DOCKYARD_REQUIRE_ENGINE=1 (set by
CI), where a missing engine or base image fails them instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import docker

BASE_IMAGE = os.environ.get("DOCKYARD_TEST_BASE_IMAGE", "local/python-base:bookworm")
REQUIRE_ENGINE = os.environ.get("DOCKYARD_REQUIRE_ENGINE") == "1"


def _unavailable(reason: str) -> None:
    if REQUIRE_ENGINE:
        pytest.fail(f"DOCKYARD_REQUIRE_ENGINE=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_client() -> Iterator[docker.DockerClient]:
    """A connected Docker SDK client, or skip/fail as the engine policy says."""
    try:
        import docker
        from docker.errors import DockerException

        client = docker.from_env(timeout=120)
        client.ping()
    except DockerException as exc:
        _unavailable(f"no Docker engine answers: {exc}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def base_image(docker_client: docker.DockerClient) -> str:
    """The registry-free base image engine tests build from."""
    from docker.errors import ImageNotFound

    try:
        docker_client.images.get(BASE_IMAGE)
    except ImageNotFound:
        _unavailable(f"base image {BASE_IMAGE} is missing: run `bash .ci/engine.sh start`")
    return BASE_IMAGE


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DOCKYARD_* variable of the developer's shell leaks into a test."""
    for key in list(os.environ):
        if key.startswith("DOCKYARD_") and key not in ("DOCKYARD_REQUIRE_ENGINE",):
            monkeypatch.delenv(key)


def write(path: Path, text: str, mode: int | None = None) -> Path:
    """Write ``text`` to ``path`` (parents created), optionally with ``mode``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if mode is not None:
        path.chmod(mode)
    return path

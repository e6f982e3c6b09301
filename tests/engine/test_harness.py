"""The harness itself: a UID-aware image really makes host files owned by that uid."""

from __future__ import annotations

import os
from pathlib import Path

import docker
import pytest

from tests.engine.stackutil import dockerfile_context

pytestmark = pytest.mark.engine

DOCKERFILE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ARG HOST_UID
ARG HOST_GID
RUN groupadd -g ${HOST_GID} app && useradd -m -u ${HOST_UID} -g ${HOST_GID} app
USER app
"""


def test_file_created_in_bind_mount_is_owned_by_build_uid(
    docker_client: docker.DockerClient, base_image: str, tmp_path: Path
) -> None:
    uid = gid = 4242
    image, _ = docker_client.images.build(
        fileobj=dockerfile_context(DOCKERFILE),
        custom_context=True,
        buildargs={"BASE_IMAGE": base_image, "HOST_UID": str(uid), "HOST_GID": str(gid)},
        tag=f"dockyard-test/harness:{tmp_path.name.lower()[-40:]}",
        network_mode="none",
        rm=True,
    )
    work = tmp_path / "work"
    work.mkdir()
    os.chown(work, uid, gid)
    try:
        output = docker_client.containers.run(
            image,
            ["sh", "-c", "id -u && touch /data/made-in-container"],
            volumes={str(work): {"bind": "/data", "mode": "rw"}},
            network_mode="none",
            remove=True,
        )
        assert output.decode().strip() == str(uid)
        made = (work / "made-in-container").stat()
        assert (made.st_uid, made.st_gid) == (uid, gid)
    finally:
        docker_client.images.remove(image.short_id, force=True)

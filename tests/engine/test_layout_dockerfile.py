"""layout.migrate --dockerfile: the built stage runs as the host uid, the rest is kept."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from dockyard.domain.layout.dockerfile_transform import stages
from tests.conftest import write
from tests.engine.stackutil import dockyard

if TYPE_CHECKING:
    import docker

pytestmark = pytest.mark.engine

DOCKERFILE = """\
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE} AS base
RUN echo "system packages would be installed here" > /etc/motd
WORKDIR /app

FROM base AS dev
COPY app.py .
EXPOSE 8000
HEALTHCHECK --interval=30s CMD python -c "print('ok')"
ENTRYPOINT ["python"]
CMD ["app.py"]

FROM base AS worker
COPY app.py .
CMD ["python", "-c", "print('worker')"]
"""

COMPOSE = """\
services:
  web:
    build:
      context: .
      target: dev
      args:
        BASE_IMAGE: ${BASE_IMAGE}
    network_mode: none
"""

UID = GID = 4242


def _compose(root: Path, *args: str, files: tuple[str, ...], env_file: str | None) -> str:
    docker_bin = shutil.which("docker")
    assert docker_bin is not None
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/root"),
        "HOST_UID": str(UID),
        "HOST_GID": str(GID),
    }
    argv = [docker_bin, "compose", *(x for f in files for x in ("-f", f))]
    if env_file is not None:
        argv += ["--env-file", env_file]
    done = subprocess.run(
        [*argv, *args],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_dockerfile_transform_builds_and_runs_as_the_host_uid(
    tmp_path: Path, docker_client: docker.DockerClient, base_image: str
) -> None:
    root = tmp_path / "migrate-dockerfile"
    write(root / "Dockerfile", DOCKERFILE)
    write(root / "docker-compose.yml", COMPOSE)
    write(root / ".env", f"BASE_IMAGE={base_image}\n")
    write(root / "app.py", "print('hello')\n")
    image = "migrate-dockerfile-web"
    try:
        _compose(root, "build", files=("docker-compose.yml",), env_file=".env")
        before = docker_client.images.get(image).attrs["Config"]
        docker_client.images.remove(image, force=True)
        done = dockyard(root, "layout.migrate", "--dockerfile")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "dev: unchanged" in done.stdout
        new = (root / "docker/Dockerfile").read_text()
        old_stages = {s.name: s for s in stages(DOCKERFILE)}
        for stage in stages(new):
            if stage.name != "dev":
                kept = [c.original for c in stage.commands]
                assert kept == [c.original for c in old_stages[stage.name].commands]
        _compose(
            root,
            "build",
            files=("compose/docker-compose.dev.yml",),
            env_file="env/.env.dev",
        )
        after = docker_client.images.get(image).attrs["Config"]
        for key in ("Cmd", "Entrypoint", "ExposedPorts", "Healthcheck", "WorkingDir"):
            assert after.get(key) == before.get(key), key
        output = docker_client.containers.run(
            image, entrypoint=["id", "-u"], command=[], network_mode="none", remove=True
        )
        assert output.decode().strip() == str(UID)
    finally:
        from docker.errors import ImageNotFound

        with contextlib.suppress(ImageNotFound):
            docker_client.images.remove(image, force=True)


# corpus repository -> (compose files before, environment, images built)
CORPUS_BUILDS = {
    "override": (("docker-compose.yml", "docker-compose.override.yml"), "dev", ("app",)),
    "template": (("docker-compose.local.yml",), "local", ("django", "celeryworker")),
}


@pytest.mark.parametrize("name", sorted(CORPUS_BUILDS))
def test_corpus_dockerfiles_build_offline_and_run_as_the_host_uid(
    tmp_path: Path, docker_client: docker.DockerClient, base_image: str, name: str
) -> None:
    from tests.engine.test_layout_corpus import planned_argv
    from tests.flat_repo import CORPUS, write_flat_repo

    before_files, env, services = CORPUS_BUILDS[name]
    project = f"migrate-{name}"
    root = write_flat_repo(tmp_path / project, CORPUS[name][0])
    images = [f"{project}-{service}" for service in services]
    arg = ("--build-arg", f"BASE_IMAGE={base_image}")
    try:
        _compose(root, "build", *arg, files=before_files, env_file=None)
        before = {i: docker_client.images.get(i).attrs["Config"] for i in images}
        for image in images:
            docker_client.images.remove(image, force=True)
        done = dockyard(root, "layout.migrate", "--dockerfile")
        assert done.returncode == 0, done.stdout + done.stderr
        assert " differences" not in done.stdout
        argv = planned_argv(root, env)  # what dockyard runs: -p, -f ..., --env-file ...
        _compose(root, *argv, "build", *arg, files=(), env_file=None)
        for image in images:
            after = docker_client.images.get(image).attrs["Config"]
            for key in ("Cmd", "Entrypoint", "ExposedPorts", "WorkingDir"):
                assert after.get(key) == before[image].get(key), (image, key)
            output = docker_client.containers.run(
                image, entrypoint=["id", "-u"], command=[], network_mode="none", remove=True
            )
            assert output.decode().strip() == str(UID)
    finally:
        from docker.errors import ImageNotFound

        for image in images:
            with contextlib.suppress(ImageNotFound):
                docker_client.images.remove(image, force=True)

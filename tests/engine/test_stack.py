"""dev/test/ci workflows on a real engine: real builds, containers and file ownership."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.engine.stackutil import dockyard, make_project, project_name

pytestmark = pytest.mark.engine

HOST_4242 = {"HOST_UID": "4242", "HOST_GID": "4242"}


def _leftovers(client: docker.DockerClient, project: str) -> list[str]:
    label: dict[str, str | list[str] | bool] = {"label": f"com.docker.compose.project={project}"}
    found = [f"container {c.name}" for c in client.containers.list(all=True, filters=label)]
    found += [f"network {n.name}" for n in client.networks.list(filters=label)]
    found += [f"volume {v.name}" for v in client.volumes.list(filters=label)]
    return found


@pytest.fixture
def cleanup(docker_client: docker.DockerClient) -> Iterator[list[str]]:
    """Compose projects to remove, images included, whatever the test's outcome."""
    projects: list[str] = []
    yield projects
    for project in projects:
        label: dict[str, str | list[str] | bool] = {
            "label": f"com.docker.compose.project={project}"
        }
        for container in docker_client.containers.list(all=True, filters=label):
            container.remove(force=True, v=True)
        for network in docker_client.networks.list(filters=label):
            network.remove()
        for volume in docker_client.volumes.list(filters=label):
            volume.remove(force=True)
        for image in docker_client.images.list(name=f"{project}-app"):
            docker_client.images.remove(image.short_id, force=True)


def test_dev_up_for_4242_files_in_bind_mount_belong_to_4242(
    tmp_path: Path, base_image: str, cleanup: list[str]
) -> None:
    root = make_project(tmp_path / "proj", base_image=base_image, uid=4242)
    cleanup.append(project_name(root))
    up = dockyard(root, "dev.up", env=HOST_4242)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "rebuild: no image built yet" in up.stdout
    who = dockyard(
        root, "dev.exec", "--", "sh", "-c", "whoami; id -u; id -g; touch /app/made-in-container"
    )
    assert who.returncode == 0, who.stderr
    user, uid, gid = who.stdout.split()
    assert user != "root"
    assert (uid, gid) == ("4242", "4242")
    made = (root / "made-in-container").stat()
    assert (made.st_uid, made.st_gid) == (4242, 4242)
    down = dockyard(root, "dev.down", env=HOST_4242)
    assert down.returncode == 0, down.stderr


def test_existing_uid_1000_and_gid_20_are_reused(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient, cleanup: list[str]
) -> None:
    # a base image where uid 1000 exists (as "ubuntu" in ubuntu:24.04) and gid 20 does
    # (dialout on Debian; staff on macOS hosts)
    tag = f"dockyard-test/taken-ids:{tmp_path.name.lower()}"
    container = docker_client.containers.run(
        base_image, ["useradd", "-u", "1000", "-m", "ubuntu"], detach=True, network_mode="none"
    )
    container.wait()
    container.commit(repository=tag.split(":", maxsplit=1)[0], tag=tag.split(":")[1])
    container.remove()
    try:
        root = make_project(tmp_path / "proj", base_image=tag)
        cleanup.append(project_name(root))
        ids = {"HOST_UID": "1000", "HOST_GID": "20"}
        # --no-cache: the build log must show the step run, not a layer cached earlier
        build = dockyard(root, "dev.build", "--no-cache", env=ids)
        assert build.returncode == 0, build.stdout + build.stderr
        assert "uid 1000 existed as ubuntu: renamed to app" in build.stdout
        assert "gid 20 exists as group dialout: reused" in build.stdout
        up = dockyard(root, "dev.up", env=ids)
        assert up.returncode == 0, up.stdout + up.stderr
        who = dockyard(root, "dev.exec", "--", "id")
        assert who.stdout.startswith("uid=1000(app) gid=20(dialout)"), who.stdout
    finally:
        docker_client.images.remove(tag, force=True)


def test_image_labelled_for_another_uid_is_rebuilt_not_started(
    tmp_path: Path, base_image: str, cleanup: list[str]
) -> None:
    root = make_project(tmp_path / "proj", base_image=base_image)
    cleanup.append(project_name(root))
    first = dockyard(root, "dev.build", env={"HOST_UID": "4243", "HOST_GID": "4243"})
    assert first.returncode == 0, first.stdout + first.stderr
    up = dockyard(root, "dev.up", env=HOST_4242)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "rebuild: built for uid:gid 4243:4243, this host needs 4242:4242" in up.stdout
    who = dockyard(root, "dev.exec", "--", "id", "-u")
    assert who.stdout.strip() == "4242"
    again = dockyard(root, "dev.up", "--dry-run", env=HOST_4242)
    assert "image is current" in again.stdout


def test_ci_test_returns_the_failing_exit_code_and_leaves_nothing(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient, cleanup: list[str]
) -> None:
    root = make_project(
        tmp_path / "proj", base_image=base_image, envs={"ci": '["sh", "-c", "exit 3"]'}
    )
    project = project_name(root, "ci")
    cleanup.append(project)
    done = dockyard(root, "ci.test")
    assert done.returncode == 3, done.stdout + done.stderr
    assert _leftovers(docker_client, project) == []


CI_PASSES_ARGS = """\
services:
  app:
    build:
      context: ..
      dockerfile: docker/Dockerfile
      args:
        BASE_IMAGE: ${BASE_IMAGE}
        HOST_UID: ${HOST_UID:-1000}
        HOST_GID: ${HOST_GID:-1000}
        LOCK_HASH: ${LOCK_HASH:-none}
    env_file:
      - ../env/.env.ci
    command: ["sh", "-c", "test -f /app/ok"]
    network_mode: none
"""
NEEDS_OK = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ARG HOST_UID=1000
ARG HOST_GID=1000
COPY . /app/
RUN test -f /app/ok
ARG LOCK_HASH=none
LABEL dev.dockyard.host-uid="${HOST_UID}" dev.dockyard.host-gid="${HOST_GID}" \\
      dev.dockyard.lock-hash="${LOCK_HASH}"
"""


def test_ci_test_builds_within_up_when_compose_passes_the_build_args(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient, cleanup: list[str]
) -> None:
    """The second run builds within ``up`` (one compose call fewer): same labels, a build
    failure still named by its step and exit 1, nothing left behind."""
    root = make_project(
        tmp_path / "proj", base_image=base_image, envs={"ci": "[]"}, dockerfile=NEEDS_OK
    )
    (root / "compose/docker-compose.ci.yml").write_text(CI_PASSES_ARGS)
    (root / "ok").write_text("")
    project = project_name(root, "ci")
    cleanup.append(project)
    first = dockyard(root, "ci.test", env=HOST_4242)
    assert first.returncode == 0, first.stdout + first.stderr
    plan = dockyard(root, "ci.test", "--dry-run", env=HOST_4242)
    assert " up --build --abort-on-container-exit" in plan.stdout, plan.stdout
    assert " build --build-arg" not in plan.stdout
    (root / "ok").unlink()  # only the build context changes: the record still holds
    broken = dockyard(root, "ci.test", env=HOST_4242)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "RUN test -f /app/ok" in broken.stderr and "exit code 1" in broken.stderr
    assert _leftovers(docker_client, project) == []
    (root / "ok").write_text("")
    again = dockyard(root, "ci.test", env=HOST_4242)
    assert again.returncode == 0, again.stdout + again.stderr
    labels = docker_client.images.get(f"{project}-app").labels
    lock = dockyard(root, "ci.test", "--dry-run", env=HOST_4242).stdout
    assert labels["dev.dockyard.host-uid"] == labels["dev.dockyard.host-gid"] == "4242"
    assert f"LOCK_HASH={labels['dev.dockyard.lock-hash']}" in lock
    assert labels["dev.dockyard.lock-hash"].startswith("pyproject.toml:")
    assert _leftovers(docker_client, project) == []


def test_ci_test_interrupted_cleans_up(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient, cleanup: list[str]
) -> None:
    root = make_project(tmp_path / "proj", base_image=base_image, envs={"ci": '["sleep", "120"]'})
    project = project_name(root, "ci")
    cleanup.append(project)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DOCKYARD_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dockyard", "ci.test"],
        cwd=root,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    label: dict[str, str | list[str] | bool] = {
        "label": f"com.docker.compose.project={project}",
        "status": "running",
    }
    deadline = time.monotonic() + 240
    while not docker_client.containers.list(filters=label):
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline, "ci.test never started its container"
        time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, output
    assert _leftovers(docker_client, project) == []


def test_second_repository_with_tasks_py_importing_namespace(
    tmp_path: Path, base_image: str, cleanup: list[str]
) -> None:
    root = make_project(tmp_path / "other", base_image=base_image)
    (root / "tasks.py").write_text("from dockyard.tasks import namespace\n")
    cleanup.append(project_name(root))
    invoke = Path(sys.executable).parent / "invoke"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DOCKYARD_")}
    for task in ("dev.up", "dev.down"):
        done = subprocess.run(
            [str(invoke), task],
            cwd=root,
            env=environ,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_dry_run_prints_the_plan_and_starts_nothing(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient, cleanup: list[str]
) -> None:
    root = make_project(tmp_path / "proj", base_image=base_image)
    project = project_name(root)
    cleanup.append(project)
    done = dockyard(root, "dev.up", "--dry-run", env=HOST_4242)
    assert done.returncode == 0, done.stderr
    assert "build --build-arg HOST_UID=4242 --build-arg HOST_GID=4242" in done.stdout
    assert f"-p {project}" in done.stdout
    assert "--env-file" in done.stdout and "--project-directory" not in done.stdout
    assert "APP_SECRET" in done.stdout and "canary" not in done.stdout
    assert _leftovers(docker_client, project) == []
    assert docker_client.images.list(name=f"{project}-app") == []


def test_clear_errors_exit_2_and_a_failed_build_exit_1(
    tmp_path: Path, base_image: str, cleanup: list[str]
) -> None:
    root = make_project(tmp_path / "proj", base_image=base_image)
    cleanup.append(project_name(root))

    no_engine = dockyard(root, "dev.up", env={"DOCKER_HOST": f"unix://{tmp_path}/none.sock"})
    assert no_engine.returncode == 2
    assert no_engine.stderr.startswith("dockyard: error: Docker engine not running")
    assert len(no_engine.stderr.strip().splitlines()) == 1

    bare = tmp_path / "bin"
    bare.mkdir()
    no_compose = dockyard(root, "dev.up", env={"PATH": str(bare)})
    assert no_compose.returncode == 2
    assert "Docker Compose not found" in no_compose.stderr

    (root / "compose/docker-compose.dev.yml").rename(root / "compose/moved.yml")
    missing = dockyard(root, "dev.up")
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        "dockyard: error: compose/docker-compose.dev.yml: compose file not found"
    )
    (root / "compose/moved.yml").rename(root / "compose/docker-compose.dev.yml")

    dockerfile = root / "docker/Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text().replace("WORKDIR /app", "RUN exit 3\nWORKDIR /app")
    )
    failed = dockyard(root, "dev.up")
    assert failed.returncode == 1, failed.stdout + failed.stderr  # ran, and failed
    last = failed.stderr.strip().splitlines()[-1]
    assert last.startswith("dockyard: error: build of service 'app' failed at [app base")
    assert "RUN exit 3" in last and "exit code 3" in last
    assert "Traceback" not in failed.stderr

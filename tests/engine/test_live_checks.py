"""Live checks on a real engine: a container built right passes, one built as root fails.

Both images are built from the local base image with no network; containers carry the
compose labels dockyard finds services by, and bind-mount a project owned by uid 4242.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from dockyard.domain.checks import Status
from dockyard.domain.config import load_settings
from dockyard.testing import FakeRunner
from dockyard.workflows.verify import Report, run_checks
from tests.engine.stackutil import dockerfile_context

pytestmark = pytest.mark.engine

UID = GID = 4242
CANARY = "canary-live-Tq7Wn2Xc5Vb8"

GOOD = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ARG HOST_UID
ARG HOST_GID
RUN groupadd -g ${HOST_GID} app && useradd -m -u ${HOST_UID} -g ${HOST_GID} app \\
 && python3 -m venv --without-pip /opt/venv \\
 && d=/opt/venv/lib/python3.11/site-packages/demo_pkg-1.0.dist-info && mkdir -p $d \\
 && printf 'Metadata-Version: 2.1\\nName: demo-pkg\\nVersion: 1.0\\n' > $d/METADATA \\
 && mkdir /app && chown -R app:app /app /opt/venv
ENV PATH=/opt/venv/bin:$PATH VIRTUAL_ENV=/opt/venv
USER app
WORKDIR /app
"""

ROOT = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN d=/usr/lib/python3/dist-packages/demo_pkg-2.0.dist-info && mkdir -p $d \\
 && printf 'Metadata-Version: 2.1\\nName: demo-pkg\\nVersion: 2.0\\n' > $d/METADATA
WORKDIR /app
"""


def _project(root: Path) -> Path:
    (root / "env").mkdir(parents=True)
    (root / "env/.env.example").write_text("APP_NAME=x\nDB_PASSWORD=changeme\n")
    (root / "env/.env.dev").write_text(f"APP_NAME=demo\nDB_PASSWORD={CANARY}\n")
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    dist = root / ".venv/lib/python3.11/site-packages/demo_pkg-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n")
    (root / ".venv/pyvenv.cfg").write_text("home = /usr/bin\n")
    for path in [root, *root.rglob("*")]:
        os.chown(path, UID, GID)
    return root


@pytest.fixture(scope="module")
def images(docker_client: docker.DockerClient, base_image: str) -> Iterator[dict[str, str]]:
    built: dict[str, str] = {}
    try:
        for name, text in (("good", GOOD), ("root", ROOT)):
            image, _ = docker_client.images.build(
                fileobj=dockerfile_context(text),
                custom_context=True,
                buildargs={"BASE_IMAGE": base_image, "HOST_UID": str(UID), "HOST_GID": str(GID)},
                tag=f"dockyard-test/live-{name}:{os.getpid()}",
                network_mode="none",
                rm=True,
            )
            built[name] = str(image.id)
        yield built
    finally:
        for image_id in built.values():
            docker_client.images.remove(image_id, force=True)


def _run(docker_client: docker.DockerClient, image: str, root: Path, env: dict[str, str]) -> Report:
    environ = {"PATH": os.environ.get("PATH", ""), "HOST_UID": str(UID), "HOST_GID": str(GID)}
    settings = load_settings(root, environ=environ)
    environment = settings.environment("dev")
    container = docker_client.containers.run(
        image,
        ["sleep", "300"],
        detach=True,
        network_mode="none",
        environment=env,
        volumes={str(root): {"bind": "/app", "mode": "rw"}},
        labels={
            "com.docker.compose.project": environment.project_name,
            "com.docker.compose.service": environment.service,
        },
    )
    try:
        return run_checks(
            settings, environment, environ, FakeRunner(strict=True), only=["LV*"], live=True
        )
    finally:
        container.remove(force=True)


def _status(report: Report) -> dict[str, str]:
    return {r.check.id: r.status.value for r in report.results}


def test_container_built_right_passes_every_live_check(
    docker_client: docker.DockerClient, images: dict[str, str], tmp_path: Path
) -> None:
    root = _project(tmp_path / "proj")
    report = _run(docker_client, images["good"], root, {"APP_NAME": "demo", "DB_PASSWORD": CANARY})
    details = {r.check.id: (r.reason, [f.message for f in r.findings]) for r in report.results}
    assert _status(report) == dict.fromkeys(
        ["LV001", "LV002", "LV003", "LV004", "LV005", "LV006", "LV007"], "pass"
    ), details
    assert report.exit_code == 0
    assert not list(root.glob(".dockyard-probe-*")), "the probe file was left behind"


def test_container_built_as_root_fails_the_right_checks(
    docker_client: docker.DockerClient, images: dict[str, str], tmp_path: Path
) -> None:
    root = _project(tmp_path / "proj")
    report = _run(docker_client, images["root"], root, {"APP_NAME": "other"})
    status = _status(report)
    details = {r.check.id: (r.reason, [f.message for f in r.findings]) for r in report.results}
    assert status == {
        "LV001": "fail",  # runs as root
        "LV002": "fail",  # 0:0, not 4242:4242
        "LV003": "fail",  # the probe file belongs to root on the host
        "LV004": "fail",  # /app (the mount) belongs to 4242, the user is 0
        "LV005": "fail",  # no venv at all (a warning)
        "LV006": "fail",  # demo-pkg 1.0 on the host, 2.0 in the container
        "LV007": "fail",  # DB_PASSWORD missing, APP_NAME differs
    }, details
    lv003 = next(r for r in report.results if r.check.id == "LV003")
    assert "owned by 0:0 on the host" in lv003.findings[0].message
    assert report.exit_code == 1
    assert not list(root.glob(".dockyard-probe-*")), "the probe file was left behind"
    assert CANARY not in repr(report)


def test_service_not_running_is_error(docker_client: docker.DockerClient, tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    environ = {"PATH": os.environ.get("PATH", ""), "HOST_UID": str(UID)}
    settings = load_settings(root, environ=environ)
    report = run_checks(
        settings, settings.environment("dev"), environ, FakeRunner(), only=["LV001"], live=True
    )
    (result,) = report.results
    assert result.status is Status.ERROR and "is not running" in result.reason
    assert report.exit_code == 2


def test_dockyard_check_live_end_to_end(
    docker_client: docker.DockerClient, images: dict[str, str], tmp_path: Path
) -> None:
    """`dockyard check --live` through the program: JSON report, exit 1, no secret shown."""
    import json
    import subprocess
    import sys

    root = _project(tmp_path / "proj")
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DOCKYARD_ROOT": str(root),
        "HOST_UID": str(UID),
        "HOST_GID": str(GID),
    }
    settings = load_settings(root, environ=environ)
    environment = settings.environment("dev")
    container = docker_client.containers.run(
        images["root"],
        ["sleep", "300"],
        detach=True,
        network_mode="none",
        environment={"APP_NAME": "demo", "DB_PASSWORD": CANARY},
        volumes={str(root): {"bind": "/app", "mode": "rw"}},
        labels={
            "com.docker.compose.project": environment.project_name,
            "com.docker.compose.service": environment.service,
        },
    )
    try:
        done = subprocess.run(
            [
                str(Path(sys.executable).parent / "dockyard"),
                "check",
                "--live",
                "--only",
                "LV*",
                "--format",
                "json",
            ],
            cwd=root,
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        container.remove(force=True)
    assert done.returncode == 1, done.stderr
    assert CANARY not in done.stdout + done.stderr
    data = json.loads(done.stdout)
    status = {c["id"]: c["status"] for c in data["checks"]}
    assert status["LV001"] == "fail" and status["LV007"] == "pass"

"""P3: all live checks of one environment against one bare Docker SDK ``exec_run``.

Builds a tiny non-root image from the local base image (no network), starts it as a
one-service compose project over a temporary project folder, then times, interleaved:

* subject: ``run_checks(only=LV*, live=True)`` — every live check (connect, find the
  service, one probe exec, host-side stat), as ``dockyard check --live --only 'LV*'``;
* baseline: one ``container.exec_run(["true"])`` on an already connected client;
* and the same live checks done the way the seeds do them by hand: one
  ``docker compose exec -T app ...`` per check.

Targets: subject at most 2x the bare exec; per-check ``compose exec`` at least 5x slower.
Everything created is removed at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.engine.stackutil import dockerfile_context

from bench.harness import Result, interleaved, ratio_result

BASE_IMAGE = os.environ.get("DOCKYARD_TEST_BASE_IMAGE", "local/python-base:bookworm")
DOCKERFILE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ARG HOST_UID
ARG HOST_GID
RUN groupadd -g ${HOST_GID} app && useradd -m -u ${HOST_UID} -g ${HOST_GID} app \\
 && python3 -m venv --without-pip /opt/venv && mkdir -p /app && chown app:app /app /opt/venv
ENV PATH=/opt/venv/bin:$PATH VIRTUAL_ENV=/opt/venv
USER app
WORKDIR /app
"""
COMPOSE = """\
services:
  app:
    image: {image}
    command: ["sleep", "infinity"]
    network_mode: none
    env_file: ../env/.env.dev
    volumes:
      - ..:/app
"""
# what a person types per live check when following the seeds' checklists
BY_HAND = [
    ["whoami"],
    ["id", "-u"],
    ["touch", "/app/.by-hand-probe"],
    ["ls", "-la", "/app"],
    ["python3", "-c", "import sys; print(sys.prefix)"],
    ["python3", "-c", "import importlib.metadata as m; print(len(list(m.distributions())))"],
    ["env"],
]


def run(repeat: int) -> list[Result]:
    """Measure P3; see the module docstring."""
    import docker

    from dockyard.domain.config import load_settings
    from dockyard.testing import FakeRunner
    from dockyard.workflows.verify import run_checks

    client = docker.from_env(timeout=120)
    uid, gid = 4242, 4242
    tmp = Path(tempfile.mkdtemp(prefix="dockyard-p3-"))
    root = tmp / "proj"
    (root / "env").mkdir(parents=True)
    (root / "compose").mkdir()
    (root / "env/.env.dev").write_text("APP_NAME=demo\nDB_PASSWORD=bench-secret\n")
    (root / "env/.env.example").write_text("APP_NAME=\nDB_PASSWORD=\n")
    for path in [root, *root.rglob("*")]:
        os.chown(path, uid, gid)
    environ = {**os.environ, "HOST_UID": str(uid), "HOST_GID": str(gid)}
    environ.pop("VIRTUAL_ENV", None)
    settings = load_settings(root, environ=environ)
    env = settings.environment("dev")
    compose_file = root / "compose/docker-compose.dev.yml"
    docker_cli = shutil.which("docker") or "docker"
    compose = [docker_cli, "compose", "-p", env.project_name, "-f", str(compose_file)]
    image = None
    try:
        image, _ = client.images.build(
            fileobj=dockerfile_context(DOCKERFILE),
            custom_context=True,
            buildargs={"BASE_IMAGE": BASE_IMAGE, "HOST_UID": str(uid), "HOST_GID": str(gid)},
            tag=f"dockyard-bench/p3:{os.getpid()}",
            network_mode="none",
            rm=True,
        )
        compose_file.write_text(COMPOSE.format(image=image.id))
        subprocess.run([*compose, "up", "-d"], check=True, capture_output=True, timeout=120)
        container = client.containers.list(
            filters={"label": f"com.docker.compose.project={env.project_name}"}
        )[0]

        def subject() -> None:
            report = run_checks(settings, env, environ, FakeRunner(), only=["LV*"], live=True)
            bad = [r for r in report.results if r.status.value not in ("pass", "skip")]
            assert not bad, [(r.check.id, r.reason, r.findings) for r in bad]

        def bare_exec() -> None:
            container.exec_run(["true"])

        def by_hand() -> None:
            for argv in BY_HAND:
                subprocess.run(
                    [*compose, "exec", "-T", "app", *argv],
                    check=True,
                    capture_output=True,
                    timeout=60,
                )

        live, bare = interleaved(subject, bare_exec, repeat)
        hand, live2 = interleaved(by_hand, subject, max(3, repeat // 3))
        return [
            ratio_result("P3", "all live checks vs one bare SDK exec_run", live, bare, 2.0),
            Result(
                "P3",
                "one `compose exec` per live check, times slower than dockyard",
                hand.median / live2.median,
                5.0,
                detail=(
                    f"{len(BY_HAND)} compose execs {hand.median * 1000:.0f} ms, "
                    f"dockyard {live2.median * 1000:.0f} ms"
                ),
                higher_is_better=True,
            ),
        ]
    finally:
        subprocess.run(
            [*compose, "down", "-v", "--remove-orphans", "-t", "0"],
            capture_output=True,
            timeout=120,
            check=False,
        )
        if image is not None:
            client.images.remove(str(image.id), force=True)
        client.close()
        shutil.rmtree(tmp, ignore_errors=True)

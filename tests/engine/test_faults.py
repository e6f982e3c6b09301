"""Interrupts on a real engine: ``ci.test`` stopped by a signal exits 130, cleaned up.

The signal goes to dockyard's pid alone (not to its process group), as ``kill`` or a
CI runner's cancel does; one case starts dockyard the way a shell starts a background
job (SIGINT ignored), one interrupts during the image build, which must be reported
as an interrupt, never as a failed build.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest

from tests.engine.stackutil import make_project, project_name

pytestmark = pytest.mark.engine

_SLOW_BUILD = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE} AS development
RUN echo build-step-started && sleep 90
"""


def _label(project: str) -> dict[str, str | list[str] | bool]:
    return {"label": f"com.docker.compose.project={project}"}


def _leftovers(client: docker.DockerClient, project: str) -> list[str]:
    found = [
        f"container {c.name}" for c in client.containers.list(all=True, filters=_label(project))
    ]
    found += [f"network {n.name}" for n in client.networks.list(filters=_label(project))]
    found += [f"volume {v.name}" for v in client.volumes.list(filters=_label(project))]
    return found


@pytest.fixture
def projects(docker_client: docker.DockerClient) -> Iterator[list[str]]:
    """Compose projects to remove whatever the outcome (this test's own only)."""
    names: list[str] = []
    yield names
    for project in names:
        for container in docker_client.containers.list(all=True, filters=_label(project)):
            container.remove(force=True, v=True)
        for network in docker_client.networks.list(filters=_label(project)):
            network.remove()
        for volume in docker_client.volumes.list(filters=_label(project)):
            volume.remove(force=True)
        for image in docker_client.images.list(name=f"{project}-app"):
            docker_client.images.remove(image.short_id, force=True)


class _Dockyard:
    """``dockyard ci.test`` in a child process, its output collected by a thread."""

    def __init__(self, root: Path, *, ignore_sigint: bool, own_group: bool = False) -> None:
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKYARD_", "HOST_"))}

        def background_job() -> None:  # what a non-interactive shell does for `cmd &`
            signal.signal(signal.SIGINT, signal.SIG_IGN)

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dockyard", "ci.test"],
            cwd=root,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=background_job if ignore_sigint else None,  # noqa: PLW1509
            start_new_session=own_group,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_for(self, ready: Callable[[], bool], what: str, seconds: float = 240) -> None:
        deadline = time.monotonic() + seconds
        while not ready():
            assert self.proc.poll() is None, f"dockyard ended before {what}:\n{self.output}"
            assert time.monotonic() < deadline, f"never saw {what}:\n{self.output}"
            time.sleep(0.3)

    def stop(self, sig: int, seconds: float = 120, *, group: bool = False) -> int:
        if group:  # Ctrl-C in a terminal: the whole foreground process group
            os.killpg(self.proc.pid, sig)
        else:  # dockyard's pid alone
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=seconds)
        self._reader.join(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return code

    @property
    def output(self) -> str:
        return "".join(self.lines)


@pytest.mark.parametrize(
    ("sig", "ignore_sigint"),
    [(signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["SIGINT-to-a-background-job", "SIGTERM"],
)
def test_signal_during_ci_test_exits_130_and_leaves_nothing(  # noqa: PLR0917 - fixtures
    tmp_path: Path,
    base_image: str,
    docker_client: docker.DockerClient,
    projects: list[str],
    sig: int,
    ignore_sigint: bool,
) -> None:
    root = make_project(
        tmp_path / "reliab-faults", base_image=base_image, envs={"ci": '["sleep", "120"]'}
    )
    project = project_name(root, "ci")
    projects.append(project)
    run = _Dockyard(root, ignore_sigint=ignore_sigint)
    running = {**_label(project), "status": "running"}
    run.wait_for(lambda: bool(docker_client.containers.list(filters=running)), "a container")
    start = time.monotonic()
    code = run.stop(sig)
    assert code == 130, run.output
    assert time.monotonic() - start < 60
    assert "Traceback" not in run.output
    assert _leftovers(docker_client, project) == []


@pytest.mark.parametrize("group", [False, True], ids=["SIGINT-to-the-pid", "Ctrl-C-to-the-group"])
def test_interrupt_during_the_build_is_an_interrupt_not_a_failed_build(
    tmp_path: Path,
    base_image: str,
    docker_client: docker.DockerClient,
    projects: list[str],
    group: bool,
) -> None:
    root = make_project(
        tmp_path / "reliab-faults-build",
        base_image=base_image,
        envs={"ci": '["true"]'},
        dockerfile=_SLOW_BUILD,
    )
    project = project_name(root, "ci")
    projects.append(project)
    run = _Dockyard(root, ignore_sigint=False, own_group=group)
    run.wait_for(lambda: "build-step-started" in run.output, "the build step start")
    code = run.stop(signal.SIGINT, group=group)
    assert code == 130, run.output
    last = run.output.strip().splitlines()[-1]
    assert last == "dockyard: interrupted", run.output
    assert "Traceback" not in run.output
    assert _leftovers(docker_client, project) == []

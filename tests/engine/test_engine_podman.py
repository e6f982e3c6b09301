"""Podman detected from a real ``podman system service`` socket (no container is started:
Podman cannot start containers on every machine, but info and version always answer)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.stackutil import dockyard

pytestmark = pytest.mark.engine


@pytest.fixture
def podman_socket(tmp_path: Path) -> Iterator[str]:
    if not shutil.which("podman"):
        pytest.skip("podman is not installed")
    sock = tmp_path / "podman.sock"
    process = subprocess.Popen(
        ["podman", "system", "service", "--time=0", f"unix://{sock}"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(80):
            if sock.exists():
                break
            time.sleep(0.25)
        else:
            pytest.fail("podman system service made no socket")
        yield f"unix://{sock}"
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_doctor_names_podman_from_its_socket(podman_socket: str, tmp_path: Path) -> None:
    env = {"DOCKER_HOST": podman_socket, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = dockyard(tmp_path, "doctor", "--no-probe", "--format", "json", env=env)
    data = json.loads(done.stdout)
    rootless = os.geteuid() != 0
    assert data["engine"]["kind"] == ("podman-rootless" if rootless else "podman-rootful")
    assert "a 'Podman Engine' component in /version" in data["engine"]["evidence"]
    assert data["strategy"]["name"] == ("keep-id" if rootless else "host-ids")
    assert data["probe"] == "not run"
    assert done.returncode in (0, 1)

"""A second engine on loopback TCP stands for a remote one: doctor, dev.up, live checks.

The engine is a second ``dockerd`` with its own data root, exec root, pid file, bridge
and address pool, started and stopped by pid here; the main engine is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.engine.stackutil import dockyard, make_project

pytestmark = pytest.mark.engine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def second_engine(base_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``tcp://127.0.0.1:PORT`` of a second engine holding the base image."""
    if os.geteuid() != 0 or not shutil.which("dockerd") or not shutil.which("ip"):
        pytest.skip("a second engine needs root, dockerd and ip")
    state = tmp_path_factory.mktemp("engine2")
    tag = os.getpid() % 250
    bridge = f"dyeng{os.getpid() % 100000}"
    host = f"tcp://127.0.0.1:{_free_port()}"
    _run("ip", "link", "add", "name", bridge, "type", "bridge")
    process: subprocess.Popen[bytes] | None = None
    try:
        _run("ip", "addr", "add", f"10.212.{tag}.1/24", "dev", bridge)
        _run("ip", "link", "set", bridge, "up")
        with (state / "log").open("wb") as log:
            process = subprocess.Popen(
                [
                    "dockerd",
                    "--host",
                    host,
                    "--data-root",
                    str(state / "data"),
                    "--exec-root",
                    str(state / "exec"),
                    "--pidfile",
                    str(state / "pid"),
                    "--bridge",
                    bridge,  # never --bridge none: it deletes the host's docker0
                    "--default-address-pool",
                    f"base=10.{213 + tag % 40}.0.0/16,size=24",
                    "--iptables=false",
                    "--ip6tables=false",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        for _ in range(120):
            try:
                client = docker.DockerClient(base_url=host, timeout=60)
                break
            except docker.errors.DockerException:
                time.sleep(0.25)
        else:
            pytest.fail(f"the second engine did not answer: {(state / 'log').read_text()[-500:]}")
        saved = subprocess.Popen(["docker", "save", base_image], stdout=subprocess.PIPE)
        environ = {**os.environ, "DOCKER_HOST": host}
        subprocess.run(
            ["docker", "load"],
            stdin=saved.stdout,
            env=environ,
            check=True,
            capture_output=True,
            timeout=300,
        )
        saved.wait(timeout=60)
        if saved.stdout is not None:
            saved.stdout.close()
        client.close()
        yield host
    finally:
        if process is not None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        subprocess.run(["ip", "link", "del", bridge], check=False, capture_output=True)
        shutil.rmtree(state, ignore_errors=True)


def _env(host: str, tmp_path: Path) -> dict[str, str]:
    return {"DOCKER_HOST": host, "XDG_CACHE_HOME": str(tmp_path / "cache")}


def test_doctor_says_the_tcp_engine_is_remote(second_engine: str, tmp_path: Path) -> None:
    done = dockyard(tmp_path, "doctor", "--format", "json", env=_env(second_engine, tmp_path))
    assert done.returncode in (0, 1), done.stderr
    data = json.loads(done.stdout)
    assert data["remote"] is True
    assert data["engine"]["kind"] == "remote"
    assert data["strategy"]["name"] == "remote"
    assert data["endpoint"] == {
        "DOCKER_HOST": second_engine,
        "context": None,
        "host": second_engine,
        "source": "DOCKER_HOST",
    }
    assert done.returncode == (1 if data["findings"] else 0)


def test_dev_up_runs_on_the_remote_engine_and_ownership_checks_skip(
    second_engine: str, base_image: str, tmp_path: Path
) -> None:
    root = make_project(tmp_path / "engine-remote", base_image=base_image)
    text = (root / "pyproject.toml").read_text().replace('"tiny"', '"engine-remote"')
    (root / "pyproject.toml").write_text(text)
    env = _env(second_engine, tmp_path)
    try:
        plan = dockyard(root, "dev.up", "--dry-run", env=env)
        assert "warning: remote engine: service 'app' bind-mounts" in plan.stdout, plan.stderr
        up = dockyard(root, "dev.up", env=env)
        assert up.returncode == 0, up.stdout + up.stderr
        assert "dev is up" in up.stdout
        remote = docker.DockerClient(base_url=second_engine)
        names = [c.name for c in remote.containers.list()]
        remote.close()
        assert any(str(n).startswith("engine-remote") for n in names), names
        main = docker.from_env()
        assert not [c for c in main.containers.list() if c.name in names]
        main.close()
        check = dockyard(
            root, "check", "--live", "--only", "LV002,LV003", "--format", "json", env=env
        )
        results = {r["id"]: r for r in json.loads(check.stdout)["checks"]}
        for check_id in ("LV002", "LV003"):
            assert results[check_id]["status"] == "skip", results[check_id]
            assert "remote engine" in results[check_id]["reason"]
    finally:
        dockyard(root, "dev.down", env=env)

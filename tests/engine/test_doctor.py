"""`dockyard doctor` against this machine's engine, and with no engine at all."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.engine.stackutil import dockyard

pytestmark = pytest.mark.engine


def _compose_version() -> str:
    done = subprocess.run(
        ["docker", "compose", "version", "--short"], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_doctor_names_the_rootful_engine_compose_and_the_identity_rule(
    docker_client: object, base_image: str, tmp_path: Path
) -> None:
    env = {
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "DOCKYARD_PROBE_IMAGE": base_image,
        "DOCKER_HOST": "",
    }
    done = dockyard(tmp_path, "doctor", "--format", "json", env=env)
    data = json.loads(done.stdout)
    assert data["engine"]["kind"] == "docker-rootful"
    assert data["remote"] is False
    assert data["compose"] == {
        "variant": "v2 plugin (docker compose)",
        "version": _compose_version(),
    }
    assert data["strategy"]["name"] == "host-ids"
    rule = data["identity"]["rule"]
    if os.geteuid() == 0:
        assert rule != "os.getuid()/os.getgid()"
        assert any(f.startswith("running as root") for f in data["findings"])
    else:
        assert (data["identity"]["uid"], rule) == (os.getuid(), "os.getuid()/os.getgid()")
    assert data["probe"].startswith("passthrough: a file written as")
    assert done.returncode == (1 if data["findings"] else 0)
    # the probe's answer is cached per engine: a second doctor starts no container
    assert (tmp_path / "cache/dockyard/engine-probes.json").is_file()
    text = dockyard(tmp_path, "doctor", env=env)
    assert "engine: docker-rootful" in text.stdout
    assert "strategy: host-ids" in text.stdout


def test_doctor_without_an_engine_exits_2(tmp_path: Path) -> None:
    env = {"DOCKER_HOST": f"unix://{tmp_path}/nothing.sock"}
    done = dockyard(tmp_path, "doctor", "--format", "json", env=env)
    assert done.returncode == 2
    data = json.loads(done.stdout)
    assert "Docker engine not running" in data["error"]
    assert data["endpoint"]["host"] == f"unix://{tmp_path}/nothing.sock"

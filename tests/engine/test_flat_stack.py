"""A flat repository (compose files at the root) runs through dockyard before any
migration, as the same compose project plain ``docker compose`` makes of it."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.domain.templates import dockerfile_template
from tests.engine.stackutil import dockyard

pytestmark = pytest.mark.engine

BASE = """\
services:
  web:
    build:
      context: .
      target: development
      args:
        BASE_IMAGE: ${BASE_IMAGE}
    network_mode: none
    init: true
    command: ["python", "-c", "import signal; signal.pause()"]
"""
OVERRIDE = """\
services:
  web:
    volumes:
      - .:/app
"""


@pytest.fixture
def flat(tmp_path: Path, base_image: str) -> Iterator[Path]:
    root = tmp_path / "flatshop"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "flatshop"\nversion = "0"\n')
    (root / "Dockerfile").write_text(dockerfile_template("pip"))
    (root / "docker").mkdir()  # the template's optional wheelhouse folder
    (root / "docker/.keep").write_text("")
    (root / "docker-compose.yml").write_text(BASE)
    (root / "docker-compose.override.yml").write_text(OVERRIDE)
    (root / ".env").write_text(f"BASE_IMAGE={base_image}\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    yield root
    dockyard(root, "dev.down", "--volumes")
    subprocess.run(
        ["docker", "compose", "down", "--rmi", "local", "--volumes"],
        cwd=root,
        capture_output=True,
        check=False,
        timeout=120,
    )


def _plain_compose_ps(root: Path) -> list[dict[str, str]]:
    """What plain `docker compose ps` (no -p, no -f) sees in the folder."""
    done = subprocess.run(
        ["docker", "compose", "ps", "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_dev_up_runs_a_flat_stack_as_plain_compose_would(flat: Path) -> None:
    plan = dockyard(flat, "dev.up", "--dry-run")
    assert plan.returncode == 0, plan.stderr
    assert "-p flatshop " in plan.stdout  # compose's own project name, not a new one
    assert "docker-compose.override.yml" in plan.stdout

    up = dockyard(flat, "dev.up")
    assert up.returncode == 0, up.stdout + up.stderr
    running = _plain_compose_ps(flat)
    assert [c["Service"] for c in running] == ["web"]
    assert running[0]["State"] == "running"

    uid = dockyard(flat, "dev.exec", "--", "id", "-u")
    assert uid.returncode == 0, uid.stderr
    expected = os.getuid() if os.getuid() != 0 else 1000
    assert uid.stdout.strip() == str(expected)

    down = dockyard(flat, "dev.down")
    assert down.returncode == 0, down.stderr
    assert _plain_compose_ps(flat) == []

"""venv.relocate on the layout journal: SIGKILL after any step, then a rerun resumes and
finishes, and venv.rollback restores the files byte for byte."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write

PYPROJECT = '[project]\nname = "demo"\nversion = "0"\n[tool.poetry]\npackage-mode = false\n'
COMPOSE = """\
services:
  app:
    image: python:3.13-slim
    working_dir: /app
    # the project, live; the container's venv in it too
    volumes:
      - ..:/app
    environment:
      VIRTUAL_ENV: /app/.venv
"""
DOCKERFILE = "FROM python:3.13-slim\nENV VIRTUAL_ENV=/app/.venv\n"


def _project(parent: Path) -> Path:
    root = parent / "repo"
    write(root / "pyproject.toml", PYPROJECT)
    write(root / "poetry.lock", "# lock\n")
    write(root / "poetry.toml", "# team setting\n[virtualenvs]\nin-project = true\n")
    write(root / "compose/docker-compose.dev.yml", COMPOSE)
    write(root / "docker/Dockerfile", DOCKERFILE)
    write(root / "env/.env.dev", "A=1\n", mode=0o600)
    tools = parent / "bin"
    write(tools / "poetry", "#!/bin/sh\nexit 0\n", mode=0o755)  # installs nothing, succeeds
    return root


def _run(root: Path, *args: str, kill_after: int | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DOCKYARD_")}
    environ["PATH"] = f"{root.parent / 'bin'}:{environ.get('PATH', '')}"
    environ["DOCKER_HOST"] = "unix:///nonexistent.sock"  # no engine is needed here
    if kill_after is not None:
        environ["DOCKYARD_LAYOUT_KILL_AFTER_STEP"] = str(kill_after)
    return subprocess.run(
        [sys.executable, "-m", "dockyard", *args],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _manifest(root: Path) -> dict[str, tuple[str, int]]:
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(".dockyard"):
            found[rel] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mode)
    return found


FILE_STEPS = 3  # poetry.toml, the compose file, the Dockerfile


def test_relocation_is_journaled_and_rolls_back(tmp_path: Path) -> None:
    root = _project(tmp_path)
    original = _manifest(root)
    done = _run(root, "venv.relocate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "in-project = false" in (root / "poetry.toml").read_text()
    assert "VIRTUAL_ENV: /opt/venv" in (root / "compose/docker-compose.dev.yml").read_text()
    assert "VIRTUAL_ENV=/opt/venv" in (root / "docker/Dockerfile").read_text()
    back = _run(root, "venv.rollback")
    assert back.returncode == 0, back.stderr
    assert _manifest(root) == original
    again = _run(root, "venv.rollback")
    assert again.returncode == 2 and "no venv.relocate run" in again.stderr


@pytest.mark.parametrize("step", range(1, FILE_STEPS + 1))
def test_sigkill_after_each_step_then_rerun_completes_and_rollback_restores(
    tmp_path: Path, step: int
) -> None:
    reference = _project(tmp_path / "ref")
    assert _run(reference, "venv.relocate").returncode == 0
    relocated = _manifest(reference)

    root = _project(tmp_path / "killed")
    original = _manifest(root)
    killed = _run(root, "venv.relocate", kill_after=step)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    rerun = _run(root, "venv.relocate")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "resumed the interrupted relocation" in rerun.stdout
    assert _manifest(root) == relocated
    assert _run(root, "venv.rollback").returncode == 0
    assert _manifest(root) == original


def test_killed_then_rolled_back_without_resuming(tmp_path: Path) -> None:
    root = _project(tmp_path)
    original = _manifest(root)
    killed = _run(root, "venv.relocate", kill_after=2)
    assert killed.returncode == -signal.SIGKILL
    back = _run(root, "venv.rollback")
    assert back.returncode == 0, back.stderr
    assert _manifest(root) == original

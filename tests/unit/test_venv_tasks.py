"""The venv.* tasks through the real ``dockyard`` program, where no engine is needed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write


def dockyard(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKYARD_", "POETRY_"))}
    environ["HOME"] = str(cwd.parent / "home")
    environ.pop("UV_PROJECT_ENVIRONMENT", None)
    return subprocess.run(
        [sys.executable, "-m", "dockyard", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    write(root / "pyproject.toml", '[project]\nname = "demo"\nversion = "0"\n')
    return root


def _hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(f"{path}:{path.lstat().st_uid}:{path.lstat().st_mode}".encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_list_and_help(project: Path) -> None:
    done = dockyard(project, "--list")
    for name in ("venv.info", "venv.fix-ownership", "venv.relocate", "venv.run"):
        assert name in done.stdout
    assert "--dry-run" in dockyard(project, "--help", "venv.relocate").stdout


def _users_checkout(root: Path) -> None:
    """As root, make the checkout a user's (a root-owned one is foreign to the build user)."""
    if os.geteuid() == 0:
        for path in [root, *root.rglob("*")]:
            os.lchown(path, 4242, 4242)


def test_info_clean_project_exits_0(project: Path) -> None:
    _users_checkout(project)
    done = dockyard(project, "venv.info", "--env", "dev")
    assert done.returncode == 0, done.stderr
    assert "host (pip):" in done.stdout and "no conflicts" in done.stdout


def test_info_reports_foreign_interpreter_and_exits_1(project: Path) -> None:
    write(project / ".venv/pyvenv.cfg", "home = /nonexistent/image/bin\n")
    done = dockyard(project, "venv.info")
    assert done.returncode == 1
    assert "pyvenv.cfg home /nonexistent/image/bin does not exist on this host" in done.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to other uids needs root")
def test_fix_ownership_without_terminal_or_yes_changes_nothing(project: Path) -> None:
    for path in [project, *project.rglob("*")]:
        os.lchown(path, 4242, 4242)
    write(project / "made-by-root.txt", "x")  # owned by root
    before = _hash(project)
    dry = dockyard(project, "venv.fix-ownership", "--dry-run")
    assert dry.returncode == 0 and "made-by-root.txt  uid 0 gid 0" in dry.stdout
    assert "would give 1 entries back to 4242:4242" in dry.stdout
    asked = dockyard(project, "venv.fix-ownership")
    assert asked.returncode == 1 and "not confirmed" in asked.stdout
    assert _hash(project) == before


def test_run_puts_the_venv_first_and_passes_the_exit_code(project: Path) -> None:
    tool = project / ".venv/bin/hello"
    write(tool, '#!/bin/sh\necho "hello from $VIRTUAL_ENV $1"\nexit 3\n')
    tool.chmod(0o755)
    write(project / ".venv/pyvenv.cfg", f"home = {Path(sys.executable).parent}\n")
    _users_checkout(project)
    done = dockyard(project, "venv.run", "--", "hello", "world")
    assert done.returncode == 3, done.stderr
    assert f"hello from {project / '.venv'} world" in done.stdout


def test_run_without_command_is_a_usage_error(project: Path) -> None:
    done = dockyard(project, "venv.run")
    assert done.returncode == 2
    assert "give the command after --" in done.stderr

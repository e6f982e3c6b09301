"""OW001, VE001-VE003: ownership and venv-location checks, pass and fail."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockyard.domain.checks import Status
from tests.checks_support import context, git_environ, make_project, run_one, write_files

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown to other uids needs root")


def _chown_tree(root: Path, uid: int) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            os.lchown(Path(dirpath) / name, uid, uid)
    os.chown(root, uid, uid)


@needs_root
def test_ow001_pass_and_fail(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    _chown_tree(root, 4242)
    assert run_one("OW001", context(root)).status is Status.PASS
    (root / ".venv/lib").mkdir(parents=True)
    (root / ".venv/lib/x.py").write_text("x")
    (root / "src").mkdir()
    os.chown(root / "src", 4242, 4242)
    (root / "src/cache.pyc").write_text("x")  # root-owned
    result = run_one("OW001", context(root))
    assert result.status is Status.FAIL
    assert "4 entries are not owned by uid 4242 (uid 0: 4)" in result.findings[0].message
    assert sorted(str(f.path) for f in result.findings) == [".venv", "src/cache.pyc"]


def _venv(root: Path, home: str) -> Path:
    venv = root / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {home}\n")
    return venv


@needs_root
def test_ve001_pass_skip_and_fail(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    _chown_tree(root, 4242)
    assert run_one("VE001", context(root)).status is Status.SKIP
    real_home = str(Path(os.path.realpath("/usr/bin/python3")).parent)
    _venv(root, real_home)
    _chown_tree(root, 4242)
    assert run_one("VE001", context(root)).status is Status.PASS
    os.chown(root / ".venv", 0, 0)
    result = run_one("VE001", context(root))
    assert result.status is Status.FAIL
    assert "owned by uid 0, not the host user (uid 4242)" in result.findings[0].message
    assert result.findings[0].path == Path(".venv")


def test_ve001_foreign_interpreter(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    _venv(root, "/nonexistent/image/bin")
    result = run_one("VE001", context(root))
    assert result.status is Status.FAIL
    assert "home /nonexistent/image/bin does not exist on this host" in (result.findings[0].message)


def _poetry(root: Path) -> None:
    write_files(root, {"uv.lock": None, "poetry.lock": "# lock\n"})


def test_ve002_skip_pass_and_fail(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    env = {**git_environ(root), "HOME": str(tmp_path / "home")}
    assert run_one("VE002", context(root, environ=env)).status is Status.SKIP
    _poetry(root)
    assert run_one("VE002", context(root, environ=env)).status is Status.PASS
    write_files(root, {"poetry.toml": "[virtualenvs]\nin-project = true\n"})
    result = run_one("VE002", context(root, environ=env))
    assert result.status is Status.FAIL
    assert "in-project = true (local: " in result.findings[0].message
    assert result.findings[0].path == Path("poetry.toml")
    write_files(root, {"poetry.toml": "[virtualenvs]\nin-project = false\n"})
    assert run_one("VE002", context(root, environ=env)).status is Status.PASS
    env["POETRY_VIRTUALENVS_IN_PROJECT"] = "1"
    result = run_one("VE002", context(root, environ=env))
    assert result.status is Status.FAIL
    assert "(environment: POETRY_VIRTUALENVS_IN_PROJECT)" in result.findings[0].message


BIND = """\
services:
  app:
    build:
      context: ..
      dockerfile: docker/Dockerfile
    volumes:
      - ..:/app
"""


def test_ve003_pass_and_fail(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    write_files(root, {"compose/docker-compose.dev.yml": BIND})
    assert run_one("VE003", context(root)).status is Status.PASS  # venv_path /opt/venv
    dockerfile = (root / "docker/Dockerfile").read_text() + "ENV VIRTUAL_ENV=/app/.venv\n"
    write_files(root, {"docker/Dockerfile": dockerfile})
    result = run_one("VE003", context(root))
    assert result.status is Status.FAIL
    message = result.findings[0].message
    assert "/app/.venv (docker/Dockerfile:13 ENV) lies inside the bind mount .:/app" in message
    # a volume over the venv hides the image's venv from the host, but Docker still
    # makes its mount point inside the host's project, as root: still a finding
    write_files(
        root,
        {"compose/docker-compose.dev.yml": BIND + "      - venv:/app/.venv\nvolumes:\n  venv:\n"},
    )
    result = run_one("VE003", context(root))
    assert result.status is Status.FAIL and "(volume venv covers it)" in result.findings[0].message
    write_files(root, {"compose/docker-compose.dev.yml": BIND + "      - /app/.venv\n"})
    result = run_one("VE003", context(root))
    assert result.status is Status.FAIL and "anonymous volume" in result.findings[0].message
    compose = BIND + "    environment:\n      UV_PROJECT_ENVIRONMENT: /app/.venv\n"
    write_files(root, {"compose/docker-compose.dev.yml": compose, "docker/Dockerfile": ""})
    result = run_one("VE003", context(root))
    assert result.status is Status.FAIL and "(compose environment)" in result.findings[0].message

"""DI001: the ignore file the build really reads excludes .venv, .env* and .git."""

from __future__ import annotations

from pathlib import Path

from dockyard.domain.checks import Status
from tests.checks_support import DOCKERIGNORE, context, make_project, run_one, write_files


def test_pass(tmp_path: Path) -> None:
    assert run_one("DI001", context(make_project(tmp_path))).status is Status.PASS


def test_fails_when_patterns_missing(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    write_files(root, {".dockerignore": "__pycache__/\n.env*\n"})
    result = run_one("DI001", context(root))
    assert result.status is Status.FAIL
    messages = {f.message for f in result.findings}
    assert ".venv is not excluded from the build context" in messages
    assert ".git is not excluded from the build context" in messages
    assert "env/.env.dev is not excluded from the build context" in messages
    assert all(f.path == Path(".dockerignore") for f in result.findings)


def test_ignore_file_beside_dockerfile_wins(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    write_files(root, {"docker/Dockerfile.dockerignore": "# nothing\n"})
    result = run_one("DI001", context(root))
    assert result.status is Status.FAIL
    assert result.findings[0].path == Path("docker/Dockerfile.dockerignore")


def test_seed_trap_ignore_file_the_build_does_not_read(tmp_path: Path) -> None:
    # the seed writes docker/.dockerignore while its compose context is the root
    root = make_project(tmp_path)
    write_files(root, {".dockerignore": None, "docker/.dockerignore": DOCKERIGNORE})
    result = run_one("DI001", context(root))
    assert result.status is Status.FAIL
    assert (
        "docker/.dockerignore exists but the build does not read it" in result.findings[0].message
    )

"""ENV001-ENV008: env.check's findings, one check per code, each passing and failing."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.adapters.runner import SubprocessRunner
from dockyard.domain.checks import Status
from tests.checks_support import CANARY, context, git_environ, make_project, run_one, write_files

ENV_IDS = [f"ENV00{i}" for i in range(1, 9)]


@pytest.mark.parametrize("check_id", ENV_IDS)
def test_pass_on_good_project(tmp_path: Path, check_id: str) -> None:
    assert run_one(check_id, context(make_project(tmp_path))).status is Status.PASS


def _git(root: Path, *argv: str) -> None:
    SubprocessRunner().run(["git", *argv], env=git_environ(root), cwd=root)


BREAKERS: dict[str, dict[str, str | None]] = {
    "ENV001": {"env/.env.example": "APP_NAME=demo\nDB_PASSWORD=changeme\nNEW_KEY=\n"},
    "ENV002": {"env/.env.example": "APP_NAME=demo\n"},
    "ENV003": {"env/.env.dev": f"APP_NAME=demo\nDB_PASSWORD={CANARY}\nthis is not an assignment\n"},
    "ENV004": {"env/.env.dev": f"APP_NAME=demo\nDB_PASSWORD={CANARY}\nAPP_NAME=again\n"},
    "ENV008": {"env/.env.example": None},
}


@pytest.mark.parametrize("check_id", sorted(BREAKERS))
def test_fail_on_broken_file(tmp_path: Path, check_id: str) -> None:
    root = make_project(tmp_path)
    write_files(root, BREAKERS[check_id])
    (root / "env/.env.dev").chmod(0o600)
    result = run_one(check_id, context(root))
    assert result.status is Status.FAIL, result
    assert all(f.check_id == check_id for f in result.findings)


def test_env005_and_env007_tracked_env_file_with_secret(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    _git(root, "add", "-f", "env/.env.dev")
    ctx = context(root)
    env005 = run_one("ENV005", ctx)
    assert env005.status is Status.FAIL
    assert env005.findings[0].path == Path("env/.env.dev")
    env007 = run_one("ENV007", ctx)
    assert env007.status is Status.FAIL
    assert env007.findings[0].line == 2
    assert CANARY not in env007.findings[0].message


def test_env006_loose_mode(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "env/.env.dev").chmod(0o644)
    result = run_one("ENV006", context(root))
    assert result.status is Status.FAIL and "0644" in result.findings[0].message


def test_git_checks_skip_outside_git(tmp_path: Path) -> None:
    root = make_project(tmp_path, git=False)
    assert run_one("ENV005", context(root)).status is Status.SKIP
    assert run_one("ENV001", context(root)).status is Status.PASS


def test_skip_when_env_file_missing(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    write_files(root, {"env/.env.dev": None})
    result = run_one("ENV001", context(root))
    assert result.status is Status.SKIP and "env.init --env dev" in result.reason

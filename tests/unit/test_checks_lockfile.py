"""LK001-LK002: lock present and in sync, read-only through the runner."""

from __future__ import annotations

from pathlib import Path

from dockyard.domain.checks import Status
from dockyard.testing import FakeRunner
from tests.checks_support import MixedRunner, context, make_project, run_one, write_files


def test_lk001_pass_and_fail(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    assert run_one("LK001", context(root)).status is Status.PASS
    write_files(root, {"uv.lock": None})
    result = run_one("LK001", context(root))
    assert (
        result.status is Status.FAIL and "no uv.lock or poetry.lock" in result.findings[0].message
    )


def test_lk002_uv_in_sync_runs_read_only_command(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    runner = MixedRunner()
    assert run_one("LK002", context(root, runner=runner)).status is Status.PASS
    (call,) = [c for c in runner.fake.calls if c.argv[0] != "docker"]  # compose config aside
    assert call.argv == ("uv", "lock", "--check") and call.cwd == root


def test_lk002_uv_stale(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    runner = MixedRunner()
    runner.fake.respond(
        ["uv", "lock", "--check"],
        returncode=1,
        stderr="error: The lockfile at `uv.lock` needs to be updated, but `--check` was provided.",
    )
    result = run_one("LK002", context(root, runner=runner))
    assert result.status is Status.FAIL
    assert result.findings[0].path == Path("uv.lock")


def test_lk002_poetry_stale(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    write_files(root, {"uv.lock": None, "poetry.lock": "# lock\n"})
    runner = MixedRunner()
    runner.fake.respond(
        ["poetry", "check", "--lock"],
        returncode=1,
        stderr="pyproject.toml changed significantly since poetry.lock was last generated. "
        "Run `poetry lock` to fix the lock file.",
    )
    result = run_one("LK002", context(root, runner=runner))
    assert result.status is Status.FAIL
    assert [a for a in runner.fake.argvs if a[0] != "docker"] == [("poetry", "check", "--lock")]


def test_lk002_tool_missing_is_skip_other_failure_is_error(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    runner = MixedRunner(fake=FakeRunner(missing={"uv"}))
    result = run_one("LK002", context(root, runner=runner))
    assert result.status is Status.SKIP and "`uv` is not installed" in result.reason
    runner = MixedRunner()
    runner.fake.respond(["uv"], returncode=2, stderr="error: Failed to fetch: network down")
    result = run_one("LK002", context(root, runner=runner))
    assert result.status is Status.ERROR and "network down" in result.reason

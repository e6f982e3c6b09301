"""PC001-PC002: configuration present; running the hooks only when asked."""

from __future__ import annotations

from pathlib import Path

from dockyard.domain.checks import Status
from dockyard.testing import FakeRunner
from tests.checks_support import MixedRunner, context, make_project, run_one, write_files


def test_pc001(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    assert run_one("PC001", context(root)).status is Status.PASS
    write_files(root, {".pre-commit-config.yaml": None})
    assert run_one("PC001", context(root)).status is Status.FAIL


def test_pc002_is_opt_in(tmp_path: Path) -> None:
    runner = MixedRunner()
    result = run_one("PC002", context(make_project(tmp_path), runner=runner))
    assert result.status is Status.SKIP and "--pre-commit" in result.reason
    assert runner.fake.calls == []


def test_pc002_pass_and_fail(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    runner = MixedRunner()
    assert run_one("PC002", context(root, runner=runner, run_pre_commit=True)).status is Status.PASS
    assert runner.fake.argvs[0][:3] == ("pre-commit", "run", "--all-files")
    runner.fake.respond(
        ["pre-commit"], returncode=1, stdout="ruff.....................................Failed\n"
    )
    result = run_one("PC002", context(root, runner=runner, run_pre_commit=True))
    assert result.status is Status.FAIL and ": ruff" in result.findings[0].message


def test_pc002_skip_when_not_installed(tmp_path: Path) -> None:
    runner = MixedRunner(fake=FakeRunner(missing={"pre-commit"}))
    result = run_one("PC002", context(make_project(tmp_path), runner=runner, run_pre_commit=True))
    assert result.status is Status.SKIP

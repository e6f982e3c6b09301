"""The verify workflow: selection and the exit-code policy shared by every format."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.domain.checks import Status
from dockyard.domain.config import load_settings
from dockyard.domain.findings import Level
from dockyard.errors import UsageError
from dockyard.workflows.verify import host_packages, parse_fail_on, run_checks, split_ids
from tests.checks_support import (
    DOCKERFILE,
    MixedRunner,
    git_environ,
    make_project,
    write_files,
)


def _report(root: Path, **kwargs: object) -> object:
    env = git_environ(root)
    settings = load_settings(root, environ=env)
    return run_checks(settings, settings.environment("dev"), env, MixedRunner(), **kwargs)  # type: ignore[arg-type]


def test_clean_project_exits_0_with_skips(tmp_path: Path) -> None:
    report = _report(make_project(tmp_path))
    assert report.exit_code == 0  # type: ignore[attr-defined]
    skipped = {r.check.id for r in report.results if r.status is Status.SKIP}  # type: ignore[attr-defined]
    # no venv, not Poetry, pre-commit not run, and the 7 live checks
    assert skipped == {"PC002", "VE001", "VE002"} | {f"LV00{i}" for i in range(1, 8)}


def test_findings_exit_1_and_fail_on_threshold(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    write_files(root, {".pre-commit-config.yaml": None})  # PC001 is a warning
    assert _report(root).exit_code == 0  # type: ignore[attr-defined]
    assert _report(root, fail_on=Level.WARNING).exit_code == 1  # type: ignore[attr-defined]
    write_files(root, {"docker/Dockerfile": DOCKERFILE + "USER root\n"})
    assert _report(root).exit_code == 1  # type: ignore[attr-defined]


def test_could_not_check_exits_2_and_wins(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    write_files(root, {"compose/docker-compose.dev.yml": "services: [\n"})
    report = _report(root)
    assert report.count(Status.ERROR) >= 1  # type: ignore[attr-defined]
    assert report.exit_code == 2  # type: ignore[attr-defined]


def test_only_and_skip(tmp_path: Path) -> None:
    report = _report(make_project(tmp_path), only=["DF*", "CO001"], skip=["DF003"])
    assert [r.check.id for r in report.results] == ["DF001", "DF002", "DF004", "CO001"]  # type: ignore[attr-defined]


def test_split_ids_and_fail_on() -> None:
    assert split_ids("DF001, ENV*,") == ["DF001", "ENV*"]
    assert split_ids(["A,B", "C"]) == ["A", "B", "C"]
    assert split_ids(None) == []
    assert parse_fail_on("Warning") is Level.WARNING
    with pytest.raises(UsageError, match="--fail-on"):
        parse_fail_on("fatal")


def test_host_packages_reads_venv_metadata(tmp_path: Path) -> None:
    site = tmp_path / ".venv/lib/python3.11/site-packages"
    (site / "Redis_Py-5.0.1.dist-info").mkdir(parents=True)
    (site / "Redis_Py-5.0.1.dist-info/METADATA").write_text("Name: Redis_Py\nVersion: 5.0.1\n")
    (tmp_path / ".venv/pyvenv.cfg").write_text("home = /usr/bin\n")
    venv, packages = host_packages(tmp_path, {})
    assert venv == str(tmp_path / ".venv") and packages == {"redis-py": "5.0.1"}
    assert host_packages(tmp_path / "nothing", {}) == (None, None)

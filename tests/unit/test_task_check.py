"""The root-level ``check`` task: flags, formats, --output, exit codes, step summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from invoke.config import Config
from invoke.context import Context
from invoke.exceptions import Exit

from dockyard.adapters.runner import SubprocessRunner
from dockyard.surfaces.runtime import Runtime
from dockyard.surfaces.tasks import build_namespace
from dockyard.surfaces.tasks.check import check
from tests.checks_support import DOCKERFILE, MixedRunner, git_environ, make_project, write_files


def _ctx(root: Path, **extra: str) -> Context:
    environ = {**git_environ(root), "DOCKYARD_ROOT": str(root), **extra}
    runtime = Runtime(runner=MixedRunner(), environ=environ, cwd=root)
    return Context(config=Config(overrides={"dockyard_runtime": runtime}))


def _exit_code(ctx: Context, **kwargs: object) -> int:
    try:
        check(ctx, **kwargs)
    except Exit as exc:
        return exc.code
    return 0


def test_registered_at_root() -> None:
    ns = build_namespace()
    assert "check" in ns.tasks and "env.check" in ns.task_names


def test_clean_project_text_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path)
    assert _exit_code(_ctx(root)) == 0
    out = capsys.readouterr().out
    assert "DF001  pass" in out and out.rstrip().endswith("exit 0")


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "github"])
def test_exit_codes_identical_across_formats(
    tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path)
    write_files(root, {"docker/Dockerfile": DOCKERFILE + "USER root\n"})
    assert _exit_code(_ctx(root), format=fmt) == 1
    assert _exit_code(_ctx(root), format=fmt, skip="DF001") == 0
    write_files(root, {"compose/docker-compose.dev.yml": "services: [\n"})
    assert _exit_code(_ctx(root), format=fmt) == 2
    capsys.readouterr()


def test_output_file_and_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path)
    assert _exit_code(_ctx(root), format="json", output="report.json", only="DF*,LK001") == 0
    data = json.loads((root / "report.json").read_text())
    assert [c["id"] for c in data["checks"]] == ["DF001", "DF002", "DF003", "DF004", "LK001"]
    assert "wrote report.json" in capsys.readouterr().out


def test_fail_on_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path)
    write_files(root, {".pre-commit-config.yaml": None})
    assert _exit_code(_ctx(root)) == 0
    assert _exit_code(_ctx(root), fail_on="warning") == 1
    capsys.readouterr()


def test_bad_arguments_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path)
    with pytest.raises(Exit) as exc:
        check(_ctx(root), format="xml")
    assert exc.value.code == 2 and "--format" in str(exc.value.message)
    with pytest.raises(Exit) as exc:
        check(_ctx(root), only="NOPE001")
    assert exc.value.code == 2
    with pytest.raises(Exit) as exc:
        check(_ctx(root), fail_on="fatal")
    assert exc.value.code == 2


def test_github_appends_step_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    write_files(root, {".pre-commit-config.yaml": None})
    assert _exit_code(_ctx(root, GITHUB_STEP_SUMMARY=str(summary)), format="github") == 0
    out = capsys.readouterr().out
    assert out.startswith("::warning file=.pre-commit-config.yaml,title=dockyard PC001")
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "| PC001 | ❌ fail |" in text


def test_output_never_replaces_a_source_or_tracked_file_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path)  # everything staged: git tracks every file
    original = (root / "pyproject.toml").read_bytes()
    with pytest.raises(Exit) as exc:
        check(_ctx(root), output="pyproject.toml")
    assert exc.value.code == 2
    assert "--force" in str(exc.value.message)
    assert (root / "pyproject.toml").read_bytes() == original
    (root / "notes.txt").write_text("mine\n")
    runner = SubprocessRunner()
    runner.run(["git", "add", "notes.txt"], env=git_environ(root), cwd=root)
    with pytest.raises(Exit, match="git tracks"):
        check(_ctx(root), output="notes.txt")
    assert (root / "notes.txt").read_text() == "mine\n"
    # --force: replaced, the original kept beside it
    assert _exit_code(_ctx(root), output="notes.txt", force=True) == 0
    assert (root / "notes.txt.bak").read_text() == "mine\n"
    assert "checks:" in (root / "notes.txt").read_text()
    # a second --force keeps the first backup and puts the next under .dockyard/backups
    assert _exit_code(_ctx(root), output="notes.txt", force=True) == 0
    assert (root / "notes.txt.bak").read_text() == "mine\n"
    assert len(list((root / ".dockyard/backups").iterdir())) == 1
    assert _exit_code(_ctx(root), output="pyproject.toml", force=True) == 0
    assert (root / "pyproject.toml.bak").read_bytes() == original
    capsys.readouterr()


def test_output_over_an_untracked_report_is_fine_and_bad_targets_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path)
    assert _exit_code(_ctx(root), output="report.txt") == 0
    assert _exit_code(_ctx(root), output="report.txt") == 0  # a rerun replaces its report
    for target, says in (("no/such/report.txt", "does not exist"), ("env", "is a directory")):
        with pytest.raises(Exit) as exc:
            check(_ctx(root), output=target)
        assert exc.value.code == 2
        message = str(exc.value.message)
        assert "\n" not in message and target in message and says in message
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".report")) == []
    capsys.readouterr()

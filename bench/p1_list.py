"""P1: `invoke --list` with dockyard's whole namespace vs a one-task tasks.py.

Both run as child processes of the same interpreter, interleaved, in two temporary
repositories with the standard layout. Target: ratio of medians <= 1.15.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import Result, interleaved, ratio_result

ONE_TASK = "from invoke import task\n\n@task\ndef hello(c):\n    'Say hello.'\n"
DOCKYARD = "from dockyard.tasks import namespace\n"


def _repo(root: Path, tasks: str) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "0"\n')
    (root / "tasks.py").write_text(tasks)
    return root


def _lister(root: Path) -> list[str]:
    invoke = shutil.which("invoke", path=str(Path(sys.executable).parent))
    argv = [invoke] if invoke else [sys.executable, "-m", "invoke"]
    return [*argv, "--list"]


def run(repeat: int) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        subject_repo = _repo(Path(tmp) / "with-dockyard", DOCKYARD)
        baseline_repo = _repo(Path(tmp) / "one-task", ONE_TASK)

        def subject() -> None:
            subprocess.run(_lister(subject_repo), cwd=subject_repo, check=True, capture_output=True)

        def baseline() -> None:
            subprocess.run(
                _lister(baseline_repo), cwd=baseline_repo, check=True, capture_output=True
            )

        a, b = interleaved(subject, baseline, max(repeat, 10))
    return [ratio_result("P1", "invoke --list, dockyard namespace vs one task", a, b, 1.15)]

"""Git queries against a real repository."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from dockyard.adapters import git
from dockyard.adapters.runner import SubprocessRunner
from tests.checks_support import git_environ


def test_tracked_and_ignored(tmp_path: Path) -> None:
    env = git_environ(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, env=env, check=True)
    (tmp_path / ".gitignore").write_text("/env/.env.*\n!/env/.env.example\n")
    (tmp_path / "env").mkdir()
    for name in (".env.dev", ".env.example", ".env.ci"):
        (tmp_path / "env" / name).write_text("A=1\n")
    subprocess.run(
        ["git", "add", "-f", "env/.env.ci", ".gitignore"], cwd=tmp_path, env=env, check=True
    )
    runner = SubprocessRunner()
    paths = [Path("env/.env.dev"), Path("env/.env.example"), Path("env/.env.ci")]
    assert git.is_repository(runner, tmp_path, env)
    assert git.tracked(runner, tmp_path, paths, env) == {Path("env/.env.ci")}
    assert git.ignored(runner, tmp_path, paths, env) == {Path("env/.env.dev"), Path("env/.env.ci")}
    assert git.ignored(runner, tmp_path, [Path("env/.env.example")], env) == set()
    assert not git.is_repository(runner, Path(os.sep), env)

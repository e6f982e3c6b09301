"""The .gitignore fix, checked with git itself."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from dockyard.adapters.runner import SubprocessRunner
from dockyard.domain.layout.gitignore import BEGIN, fix_gitignore

TRAP = "venv/\nenv/\n.env\n.env.*\n!.env.example\n*.pyc\n"


def test_trap_is_disabled_and_root_patterns_anchored() -> None:
    fixed = fix_gitignore(TRAP)
    lines = fixed.text.splitlines()
    assert "env/" not in lines
    assert "# env/  (disabled by dockyard: it hid the env/ folder)" in lines
    assert "/.env" in lines
    assert "/.env.*" in lines
    assert "!/.env.example" in lines
    assert "venv/" in lines
    assert "*.pyc" in lines
    assert BEGIN in lines
    assert any("env/" in note for note in fixed.notes)


def test_fix_is_idempotent() -> None:
    once = fix_gitignore(TRAP).text
    assert fix_gitignore(once).text == once


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_agrees_env_files_ignored_templates_and_ci_committed(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text(fix_gitignore(TRAP).text)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    runner = SubprocessRunner()
    runner.run(["git", "init", "-q"], env=env, cwd=tmp_path, timeout=30)
    paths = [
        Path(p)
        for p in (
            "env/.env.dev",
            "env/.env.test",
            "env/.env.prod",
            "env/.env.ci",
            "env/.env.example",
            "env/.env.prod.example",
            "env/README.md",
            ".env",
            ".env.dev",
            ".dockyard/layout/x",
        )
    ]
    done = runner.run(
        ["git", "check-ignore", "--no-index", "--", *map(str, paths)],
        env=env,
        cwd=tmp_path,
        timeout=30,
        check=False,
    )
    hidden = {Path(line) for line in done.stdout.splitlines() if line}
    assert hidden == {
        Path("env/.env.dev"),
        Path("env/.env.test"),
        Path("env/.env.prod"),
        Path(".env"),
        Path(".env.dev"),
        Path(".dockyard/layout/x"),
    }


def test_upper_case_env_and_ignored_lock_files_are_fixed() -> None:
    from dockyard.domain.layout.gitignore import fix_gitignore

    fixed = fix_gitignore("ENV/\nuv.lock\n*.lock\n")
    lines = fixed.text.splitlines()
    assert "ENV/" not in lines
    assert "uv.lock" not in lines
    assert lines[2:5] == ["*.lock", "!/uv.lock", "!/poetry.lock"]
    assert any("hid the env/ folder" in note for note in fixed.notes)
    assert any("lock file" in note for note in fixed.notes)

"""The env.* tasks, driven through the real ``dockyard`` program in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write

CANARY = "canary-7f3a9c1e-do-not-print"


def dockyard(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DOCKYARD_")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "dockyard", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path / "pyproject.toml", '[project]\nname = "demo"\nversion = "0"\n')
    write(
        tmp_path / "env/.env.example",
        "# template\nAPP_PORT=8000\nDB_PASSWORD=changeme\nDATABASE_URL=postgres://app:changeme@db/app\n",
    )
    write(
        tmp_path / "env/.env.dev",
        f"APP_PORT=8001\nDB_PASSWORD={CANARY}\nDATABASE_URL=postgres://app:{CANARY}@db/app\n",
        mode=0o600,
    )
    return tmp_path


def test_list_shows_env_tasks(project: Path) -> None:
    done = dockyard(project, "--list")
    assert done.returncode == 0
    for name in ("env.show", "env.check", "env.init", "env.explain"):
        assert name in done.stdout


def test_help_says_what_a_task_changes(project: Path) -> None:
    done = dockyard(project, "--help", "env.init")
    assert "Never overwrites" in done.stdout
    assert "--env" in done.stdout


def test_show_masks_secrets_and_names_sources(project: Path) -> None:
    done = dockyard(project, "env.show", env={"APP_PORT": "9000"})
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if not line.startswith("#")}
    assert "9000" in lines["APP_PORT"]
    assert "[process environment]" in lines["APP_PORT"]
    assert "********" in lines["DB_PASSWORD"]
    assert "[env/.env.dev:2]" in lines["DB_PASSWORD"]
    assert "postgres://app:********@db/app" in lines["DATABASE_URL"]
    assert "HOST_UID" in lines


def test_check_reports_missing_key_and_exits_1(project: Path) -> None:
    write(project / "env/.env.example", "NEW_SETTING=1\n", mode=None)
    with (project / "env/.env.example").open("a") as handle:
        handle.write("APP_PORT=8000\nDB_PASSWORD=\nDATABASE_URL=\n")
    done = dockyard(project, "env.check", "--env", "dev")
    assert done.returncode == 1
    assert (
        "env/.env.dev: error: NEW_SETTING is in the example but missing here [ENV001]"
        in done.stdout
    )


def test_check_clean_project_exits_0(project: Path) -> None:
    done = dockyard(project, "env.check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "env/.env.dev: ok" in done.stdout


def test_check_finds_bad_lines_modes_and_tracked_secrets(project: Path) -> None:
    write(
        project / "env/.env.dev",
        f"APP_PORT=1\nDB_PASSWORD={CANARY}\nDATABASE_URL=x\nnot a binding\n",
        mode=0o644,
    )
    git = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    for argv in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "x"]):
        subprocess.run(argv, cwd=project, check=True, env={**os.environ, **git})
    done = dockyard(project, "env.check")
    assert done.returncode == 1
    out = done.stdout
    assert "env/.env.dev:4: error: line does not parse as KEY=value [ENV003]" in out
    assert "env/.env.dev: error: tracked by git but should be ignored [ENV005]" in out
    assert "holds secrets but its mode is 0644" in out
    assert (
        "env/.env.dev:2: error: DB_PASSWORD holds a secret-looking value in a committed file" in out
    )
    assert CANARY not in out + done.stderr


def test_bad_env_name_is_one_line_exit_2(project: Path) -> None:
    done = dockyard(project, "env.check", "--env", "../../etc/passwd")
    assert done.returncode == 2
    assert done.stdout == ""
    expected = (
        "dockyard: error: --env: invalid environment name '../../etc/passwd': use letters, digits, "
        "'-' and '_' (a name, not a path)"
    )
    assert done.stderr.strip().splitlines() == [expected]
    assert dockyard(project, "env.show", "--env", "a/b").returncode == 2


def test_missing_env_file_names_path_and_suggests_init(project: Path) -> None:
    done = dockyard(project, "env.show", "--env", "test")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "dockyard: error: env/.env.test: not found; create it from the example with "
        "`dockyard env.init --env test`"
    )
    assert "Traceback" not in done.stderr


def test_bad_config_is_one_line_exit_2(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.dockyard]\nservise = 'x'\n")
    done = dockyard(project, "env.show")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "dockyard: error: pyproject.toml [tool.dockyard]: unknown key 'servise'"
    )


def test_init_creates_0600_and_never_overwrites(project: Path) -> None:
    done = dockyard(project, "env.init", "--env", "test")
    assert done.returncode == 0
    created = project / "env/.env.test"
    assert created.stat().st_mode & 0o777 == 0o600
    assert created.read_text() == (project / "env/.env.example").read_text()
    created.write_text("MINE=1\n")
    again = dockyard(project, "env.init", "--env", "test")
    assert again.returncode == 0
    assert "left unchanged" in again.stdout
    assert created.read_text() == "MINE=1\n"


def test_init_without_example_is_an_error(project: Path) -> None:
    (project / "env/.env.example").unlink()
    done = dockyard(project, "env.init", "--env", "test")
    assert done.returncode == 2
    assert "env/.env.example: example not found" in done.stderr
    assert not (project / "env/.env.test").exists()


def test_explain_shows_winner_and_shadowed(project: Path) -> None:
    done = dockyard(project, "env.explain", "DB_PASSWORD", env={"DB_PASSWORD": CANARY + "2"})
    assert done.returncode == 0
    assert done.stdout.splitlines()[:3] == [
        "DB_PASSWORD=********",
        "  from: process environment (process)",
        "  shadows: env/.env.dev:2 (env-file) = ********",
    ]
    assert "documented in env/.env.example:3" in done.stdout
    unset = dockyard(project, "env.explain", "NOPE")
    assert "NOPE is not set" in unset.stdout


def test_canary_secret_appears_in_no_output_of_any_env_task(project: Path) -> None:
    runs = [
        dockyard(project, "env.show"),
        dockyard(project, "env.check"),
        dockyard(project, "env.explain", "DB_PASSWORD"),
        dockyard(project, "env.explain", "DATABASE_URL"),
        dockyard(project, "env.init", "--env", "dev"),
        dockyard(project, "env.show", env={"DB_PASSWORD": CANARY}),
    ]
    for done in runs:
        assert CANARY not in done.stdout + done.stderr
    assert any("DB_PASSWORD" in done.stdout for done in runs)


def test_command_line_mistakes_exit_2(project: Path) -> None:
    unknown_task = dockyard(project, "env.nope")
    assert unknown_task.returncode == 2
    assert unknown_task.stderr.startswith("dockyard: error: No idea what 'env.nope' is!")
    unknown_flag = dockyard(project, "env.show", "--colour")
    assert unknown_flag.returncode == 2
    assert "Traceback" not in unknown_flag.stderr


def test_version(project: Path) -> None:
    done = dockyard(project, "--version")
    assert done.returncode == 0
    assert done.stdout.startswith("dockyard ")

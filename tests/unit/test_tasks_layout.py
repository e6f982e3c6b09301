"""The layout tasks through the real `dockyard` program, in subprocesses.

SIGKILL after each step in turn, dry runs that change nothing, one-line errors.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dockyard.domain.layout import plan_migrate
from tests.flat_repo import manifest, write_flat_repo


def dockyard(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DOCKYARD_")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "dockyard", *args],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _without_state(tree: dict[str, tuple[str, int]]) -> dict[str, tuple[str, int]]:
    return {k: v for k, v in tree.items() if not k.startswith(".dockyard")}


def test_dry_run_changes_nothing_and_masks_secrets(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    before = manifest(root)
    done = dockyard(root, "layout.migrate", "--dry-run", "--no-verify")
    assert done.returncode == 0, done.stderr
    assert manifest(root) == before
    out = done.stdout
    assert "move  docker-compose.dev.yml -> compose/docker-compose.dev.yml" in out
    assert "move  .env.dev -> env/.env.dev" in out
    assert "+      context: .." in out
    assert "new   env/README.md" in out
    assert "real-dev-secret-123" not in out
    assert "shop_password" not in out
    assert "left to you" in out
    assert "dry run: nothing changed" in out


def test_migrate_reports_what_it_left_and_rollback_restores(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    before = manifest(root)
    done = dockyard(root, "layout.migrate", "--no-verify")
    assert done.returncode == 0, done.stderr
    assert "Makefile: target dev-up keeps its command; `dockyard dev.up` does the same" in (
        done.stdout
    )
    assert "docker/Dockerfile: not changed" in done.stdout
    again = dockyard(root, "layout.migrate", "--no-verify")
    assert again.returncode == 0
    assert "nothing to do" in again.stdout
    back = dockyard(root, "layout.rollback")
    assert back.returncode == 0, back.stderr
    assert manifest(root) == before


def test_sigkill_after_each_step_then_rerun_completes_and_rollback_restores(
    tmp_path: Path,
) -> None:
    reference = write_flat_repo(tmp_path / "ref" / "repo")
    steps = len(plan_migrate(reference).steps)
    assert dockyard(reference, "layout.migrate", "--no-verify").returncode == 0
    migrated = _without_state(manifest(reference))
    for n in range(1, steps + 1):
        root = write_flat_repo(tmp_path / f"k{n}" / "repo")
        original = manifest(root)
        killed = dockyard(
            root, "layout.migrate", "--no-verify", env={"DOCKYARD_LAYOUT_KILL_AFTER_STEP": str(n)}
        )
        assert killed.returncode == -signal.SIGKILL, (n, killed.stderr)
        rerun = dockyard(root, "layout.migrate", "--no-verify")
        assert rerun.returncode == 0, (n, rerun.stderr)
        assert "resumed the interrupted layout run" in rerun.stdout
        assert _without_state(manifest(root)) == migrated, f"after kill at step {n}"
        from dockyard.workflows import layout

        layout.rollback(root)
        assert manifest(root) == original, f"rollback after kill at step {n}"


def test_killed_then_rolled_back_without_resuming(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    original = manifest(root)
    killed = dockyard(
        root, "layout.migrate", "--no-verify", env={"DOCKYARD_LAYOUT_KILL_AFTER_STEP": "12"}
    )
    assert killed.returncode == -signal.SIGKILL
    back = dockyard(root, "layout.rollback")
    assert back.returncode == 0, back.stderr
    assert manifest(root) == original


def test_an_invalid_compose_file_is_reported_and_left_alone(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    broken = "services:\n  app:\n    image: [oops\n"
    (root / "docker-compose.dev.yml").write_text(broken)
    (root / "docker-compose.empty.yml").write_text("")
    done = dockyard(root, "layout.migrate", "--no-verify")
    assert done.returncode == 0, done.stderr
    assert "- docker-compose.dev.yml:4: not valid YAML" in done.stdout
    assert "docker-compose.empty.yml: empty; left alone" in done.stdout
    assert (root / "docker-compose.dev.yml").read_text() == broken
    assert (root / "docker-compose.empty.yml").exists()
    assert (root / "compose" / "docker-compose.test.yml").is_file()  # the rest migrated


def test_existing_target_that_differs_is_a_one_line_error_exit_2(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    (root / "env").mkdir()
    (root / "env" / ".env.dev").write_text("OTHER=1\n")
    before = manifest(root)
    done = dockyard(root, "layout.migrate", "--no-verify")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "dockyard: error: env/.env.dev: exists and differs from .env.dev; "
        "merge them by hand, then rerun"
    )
    assert manifest(root) == before


def test_init_is_idempotent_and_needs_force_for_a_differing_file(tmp_path: Path) -> None:
    root = tmp_path / "new"
    root.mkdir()
    (root / "requirements.txt").write_text("requests\n")
    empty = manifest(root)
    first = dockyard(root, "layout.init")
    assert first.returncode == 0, first.stderr
    for rel in (
        "compose/docker-compose.dev.yml",
        "compose/docker-compose.test.yml",
        "compose/docker-compose.ci.yml",
        "compose/docker-compose.prod.yml.example",
        "env/.env.example",
        "env/.env.prod.example",
        "env/README.md",
        "docker/Dockerfile",
        "docker/Dockerfile.dockerignore",
        "tasks.py",
        "noxfile.py",
        "pyproject.toml",
        ".gitignore",
    ):
        assert (root / rel).is_file(), rel
    assert '"requests"' in (root / "pyproject.toml").read_text()
    second = dockyard(root, "layout.init")
    assert second.returncode == 0
    assert "nothing to do" in second.stdout
    (root / "noxfile.py").write_text("# mine\n")
    refused = dockyard(root, "layout.init")
    assert refused.returncode == 2
    assert "-# mine" in refused.stdout  # the difference is shown
    assert refused.stderr.strip().startswith("dockyard: error: noxfile.py: exists and differs")
    assert (root / "noxfile.py").read_text() == "# mine\n"
    forced = dockyard(root, "layout.init", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "import dockyard" in (root / "noxfile.py").read_text()
    assert dockyard(root, "layout.rollback").returncode == 0
    assert (root / "noxfile.py").read_text() == "# mine\n"
    assert dockyard(root, "layout.rollback", "--force").returncode == 0
    assert manifest(root) == empty


@pytest.mark.parametrize("task", ["layout.init", "layout.migrate", "layout.rollback"])
def test_every_task_says_what_it_changes(task: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dockyard", "--help", task],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert "Changes:" in done.stdout


def test_dockerfile_proposal_is_shown_and_applied_only_with_the_flag(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    original = (root / "docker" / "Dockerfile").read_text()
    shown = dockyard(root, "layout.migrate", "--dry-run", "--no-verify", "--dockerfile")
    assert shown.returncode == 0
    assert "edit  docker/Dockerfile" in shown.stdout
    assert "FROM python:3.13-slim" in shown.stdout
    assert "-FROM python:3.13-slim" not in shown.stdout  # the base image stays
    assert "+ARG HOST_UID=1000" in shown.stdout.replace("       ", "")
    assert dockyard(root, "layout.migrate", "--no-verify").returncode == 0
    assert (root / "docker" / "Dockerfile").read_text() == original
    assert dockyard(root, "layout.rollback").returncode == 0
    assert dockyard(root, "layout.migrate", "--no-verify", "--dockerfile").returncode == 0
    assert "ARG HOST_UID" in (root / "docker" / "Dockerfile").read_text()
    assert dockyard(root, "layout.rollback").returncode == 0
    assert (root / "docker" / "Dockerfile").read_text() == original


def test_resume_flag_without_an_interrupted_run_is_an_error(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    done = dockyard(root, "layout.migrate", "--resume")
    assert done.returncode == 2
    assert "no interrupted layout run" in done.stderr


def test_rollback_after_a_migration_that_changed_nothing_exits_0(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "plain"\nversion = "0"\n')
    before = manifest(root)
    migrated = dockyard(root, "layout.migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "nothing to do" in migrated.stdout
    back = dockyard(root, "layout.rollback")
    assert back.returncode == 0, back.stderr
    assert "nothing to roll back" in back.stdout
    assert manifest(root) == before


def test_a_read_only_folder_is_refused_before_any_change(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    before = manifest(root)
    (root / "docker").chmod(0o555)
    try:
        done = dockyard(root, "layout.migrate", "--no-verify")
    finally:
        (root / "docker").chmod(0o755)
    assert done.returncode == 2
    assert "docker/: read-only; nothing changed" in done.stderr
    assert manifest(root) == before


def test_symlinked_compose_and_env_files_are_left_and_said(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    (root / "shared").mkdir()
    (root / ".env.test").rename(root / "shared" / ".env.test")
    (root / ".env.test").symlink_to("shared/.env.test")
    done = dockyard(root, "layout.migrate", "--no-verify")
    assert done.returncode == 0, done.stderr
    assert ".env.test: a symbolic link to shared/.env.test; left where it is" in done.stdout
    assert (root / ".env.test").is_symlink()

"""layout.migrate / layout.init / layout.rollback on real files (no engine needed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockyard.domain.layout.migrate import plan_migration
from dockyard.domain.layout.scaffold import fix_gitignore, fold_requirements, map_makefile
from dockyard.errors import PlanError
from dockyard.workflows import layout
from tests.layout_support import FILES, manifest, write_flat_repo


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
        timeout=120,
        check=False,
    )


@pytest.fixture
def flat(tmp_path: Path) -> Path:
    return write_flat_repo(tmp_path / "dashtam")


def test_migrate_moves_rewrites_and_reports(flat: Path) -> None:
    done = dockyard(flat, "layout.migrate")
    assert done.returncode == 0, done.stderr
    for rel in ("docker-compose.yml", "docker-compose.dev.yml", ".env.dev", ".env.example"):
        assert not (flat / rel).exists()
    assert (flat / ".env").is_file()  # a bare .env beside .env.dev is left to the user
    assert ".env: left at the root (there is a .env.dev too)" in done.stdout
    dev = (flat / "compose/docker-compose.dev.yml").read_text()
    assert "context: .. # the repository root" in dev  # comments survive
    assert "- ../src:/app/src:rw" in dev and "../alembic.ini:/app/alembic.ini:ro" in dev
    assert "- ../env/.env.dev" in dev
    assert "POSTGRES_PASSWORD" not in dev and "DEBUG" not in dev
    assert "postgres_dev_data:/var/lib/postgresql/data" in dev  # named volume untouched
    prod = (flat / "compose/docker-compose.prod.yml.example").read_text()
    assert "./.env" not in prod and "../env/.env.prod" in prod and "build: .." in prod
    env_dev = (flat / "env/.env.dev").read_text()
    assert "POSTGRES_PASSWORD=dev-secret-canary" in env_dev  # the file's own value wins
    assert "DEBUG=true" in env_dev and "APP_ENV=development" in env_dev
    assert (flat / "env/.env.dev").stat().st_mode & 0o777 == 0o600
    example = (flat / "env/.env.example").read_text()
    assert "POSTGRES_USER=dashtam_user" in example and "DATABASE_URL=" in example
    assert "dev-secret-canary" not in example
    assert (flat / "env/.env.prod.example").is_file() and (flat / "env/README.md").is_file()
    gitignore = (flat / ".gitignore").read_text()
    assert "# env/" in gitignore and "/.env*" in gitignore and "/env/.env.dev" in gitignore
    pyproject = (flat / "pyproject.toml").read_text()
    assert '"sqlalchemy==2.0.30"' in pyproject and '"pytest>=8"' in pyproject
    assert (flat / "Makefile").read_text() == FILES["Makefile"]
    out = done.stdout
    assert "make dev-up -> dockyard dev.up" in out and "make ci-test -> dockyard ci.test" in out
    assert "Makefile targets with no dockyard task: lint" in out
    assert "canary" not in out + done.stderr


def test_rollback_restores_the_tree_byte_for_byte(flat: Path) -> None:
    before = manifest(flat)
    assert dockyard(flat, "layout.migrate", "--dockerfile").returncode == 0
    assert manifest(flat) != before
    again = dockyard(flat, "layout.migrate")
    assert again.returncode == 2 and "is applied" in again.stderr
    done = dockyard(flat, "layout.rollback")
    assert done.returncode == 0, done.stderr
    assert manifest(flat) == before


def test_dry_run_changes_nothing_and_masks_secrets(flat: Path) -> None:
    before = manifest(flat)
    done = dockyard(flat, "layout.migrate", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert manifest(flat) == before
    out = done.stdout
    assert "create compose/docker-compose.dev.yml" in out and "remove .env.dev" in out
    assert "rewrite .gitignore" in out and "-env/" in out
    assert "proposed Dockerfile (apply with --dockerfile)" in out
    assert "canary" not in out and "dev_password" not in out


def test_killed_after_each_step_resumes_and_rolls_back(flat: Path) -> None:
    before = manifest(flat)
    total = len(plan_migration(flat).steps)
    assert total >= 10
    for step in range(1, total + 1):
        killed = dockyard(flat, "layout.migrate", env={"DOCKYARD_LAYOUT_KILL_AFTER": str(step)})
        assert killed.returncode == -9, (step, killed.stderr)
        resumed = dockyard(flat, "layout.migrate")
        assert resumed.returncode == 0, (step, resumed.stderr)
        assert "resumed layout.migrate" in resumed.stdout
        assert not (flat / "docker-compose.dev.yml").exists()
        assert (flat / "compose/docker-compose.dev.yml").is_file()
        assert dockyard(flat, "layout.rollback").returncode == 0
        assert manifest(flat) == before, step


def test_killed_run_rolls_back_without_resuming(flat: Path) -> None:
    before = manifest(flat)
    dockyard(flat, "layout.migrate", env={"DOCKYARD_LAYOUT_KILL_AFTER": "3"})
    assert dockyard(flat, "layout.rollback").returncode == 0
    assert manifest(flat) == before


def test_bad_compose_is_one_line_exit_2_and_nothing_changes(flat: Path) -> None:
    (flat / "docker-compose.test.yml").write_text("services:\n  app: [unclosed\n")
    before = manifest(flat)
    done = dockyard(flat, "layout.migrate")
    assert done.returncode == 2
    assert done.stderr.startswith("dockyard: error: docker-compose.test.yml:")
    assert "not valid YAML" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert manifest(flat) == before


def test_nothing_to_migrate(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="nothing to migrate"):
        plan_migration(tmp_path)


def test_init_scaffolds_idempotently_and_keeps_differing_files(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("httpx\n")
    (tmp_path / "tasks.py").write_text("# mine\n")
    done = dockyard(tmp_path, "layout.init")
    assert done.returncode == 0, done.stderr
    assert "tasks.py: exists and differs" in done.stdout
    assert (tmp_path / "tasks.py").read_text() == "# mine\n"
    for rel in (
        "compose/docker-compose.dev.yml",
        "compose/docker-compose.prod.yml.example",
        "env/.env.example",
        "env/.env.prod.example",
        "env/README.md",
        "docker/Dockerfile",
        "docker/Dockerfile.dockerignore",
        "noxfile.py",
    ):
        assert (tmp_path / rel).is_file(), rel
    assert '"httpx"' in (tmp_path / "pyproject.toml").read_text()
    assert (tmp_path / "env/.env.example").stat().st_mode & 0o777 == 0o644
    # idempotent once the journal is cleared (kept: the change can be rolled back)
    layout.rollback(tmp_path)
    assert not (tmp_path / "compose").exists() and (tmp_path / "tasks.py").read_text() == "# mine\n"


def test_gitignore_trap_and_makefile_map() -> None:
    fixed, changes = fix_gitignore("env/\n.env*\nnode_modules/\n")
    lines = fixed.splitlines()
    assert lines[0].startswith("# env/") and "/.env*" in lines and "!/env/.env.example" in lines
    assert len(changes) == 3
    assert fix_gitignore(fixed)[0] == fixed  # idempotent
    mapped, unmapped = map_makefile("dev-up:\n\tx\ndev-logs:\n\tx\ntest:\n\tx\ndeploy:\n\tx\n")
    assert mapped == {
        "dev-up": "dockyard dev.up",
        "dev-logs": "dockyard dev.logs",
        "test": "dockyard test.run",
    }
    assert unmapped == ["deploy"]


def test_fold_requirements_keeps_comments_and_order() -> None:
    current = '[project]\nname = "x"  # the name\ndependencies = ["a"]\n\n[tool.other]\nk = 1\n'
    new = fold_requirements(current, {"requirements.txt": "a\nb>=1\n"}, project="x")
    assert "# the name" in new and new.index("[project]") < new.index("[tool.other]")
    assert '"b>=1"' in new and new.count('"a"') == 1


_NAMES = st.sampled_from(["dev", "test", "ci", "staging"])


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    envs=st.sets(_NAMES, min_size=1, max_size=4),
    base=st.booleans(),
    values=st.dictionaries(
        st.from_regex(r"[A-Z][A-Z_]{0,8}", fullmatch=True),
        st.from_regex(r"[a-z0-9]{0,8}", fullmatch=True),
        max_size=4,
    ),
    gitignore=st.sampled_from(["", "env/\n", ".env*\n*.pyc\n"]),
)
def test_migrate_then_rollback_is_the_identity(
    tmp_path_factory: pytest.TempPathFactory,
    envs: set[str],
    base: bool,
    values: dict[str, str],
    gitignore: str,
) -> None:
    root = tmp_path_factory.mktemp("flat")
    env_block = "".join(f"      {k}: ${{{k}:-{v}}}\n" for k, v in values.items())
    files = {
        f"docker-compose.{e}.yml": "services:\n  app:\n    build: .\n"
        + ("    environment:\n" + env_block if env_block else "")
        for e in envs
    }
    if base:
        files["docker-compose.yml"] = "services:\n  app:\n    image: x\n"
    files.update({f".env.{e}": f"NAME={e}\n" for e in envs})
    if gitignore:
        files[".gitignore"] = gitignore
    write_flat_repo(root, files)
    before = manifest(root)
    plan = plan_migration(root)
    layout.execute(root, plan, operation="layout.migrate")
    assert not any((root / name).exists() for name in files if name.startswith("docker-compose"))
    layout.rollback(root)
    assert manifest(root) == before

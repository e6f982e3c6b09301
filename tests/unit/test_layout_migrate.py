"""Detection of the flat layout and the migrate plan's content."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from dockyard.domain.layout import Edit, Move, Write, detect_flat, plan_migrate
from dockyard.domain.layout.migrate import format_env_line
from dockyard.domain.layout.plan import Chmod
from dockyard.errors import PlanError
from tests.flat_repo import write_flat_repo


def test_detects_the_flat_layout(tmp_path: Path) -> None:
    flat = detect_flat(write_flat_repo(tmp_path / "repo"))
    assert flat.compose == {
        "docker-compose.ci.yml": "ci",
        "docker-compose.dev.yml": "dev",
        "docker-compose.test.yml": "test",
        "docker-compose.yml": None,
    }
    assert flat.env_files == [".env", ".env.dev", ".env.example", ".env.test"]
    assert flat.dockerfile == "docker/Dockerfile"
    assert flat.requirements == ["requirements-dev.txt", "requirements.txt"]
    assert flat.makefile == "Makefile"


def test_plan_moves_and_leaves(tmp_path: Path) -> None:
    plan = plan_migrate(write_flat_repo(tmp_path / "repo"))
    moves = {(s.src, s.dst) for s in plan.steps if isinstance(s, Move)}
    assert moves == {
        ("docker-compose.yml", "compose/docker-compose.prod.yml.example"),
        ("docker-compose.dev.yml", "compose/docker-compose.dev.yml"),
        ("docker-compose.test.yml", "compose/docker-compose.test.yml"),
        ("docker-compose.ci.yml", "compose/docker-compose.ci.yml"),
        (".env.dev", "env/.env.dev"),
        (".env.test", "env/.env.test"),
        (".env.example", "env/.env.example"),
        (".env", "env/.env"),
    }
    left = "\n".join(plan.left)
    assert any(n.startswith(".env: no environment reads it") for n in plan.notes)
    assert "docker/Dockerfile: not changed" in left
    writes = {s.path: s for s in plan.steps if isinstance(s, Write)}
    assert "docker/Dockerfile" not in writes  # nothing written that no service builds
    assert writes["env/.env.ci"].mode == 0o644
    ci = writes["env/.env.ci"].text
    assert "CI=true" in ci
    assert "DATABASE_URL" not in ci  # a pass-through entry stays in compose
    data = tomllib.loads(writes["pyproject.toml"].text)
    assert data["project"]["dependencies"] == ["fastapi>=0.110", "sqlalchemy[asyncio]==2.0.30"]
    assert data["dependency-groups"]["dev"] == ["pytest>=8", "ruff"]
    # every stack is named shop-<env>: dockyard's -p follows
    final = [s for s in plan.steps if isinstance(s, (Write, Edit)) and s.path == "pyproject.toml"]
    config = tomllib.loads(final[-1].text)
    assert config["tool"]["dockyard"]["project_name"] == "shop"


def test_values_go_to_their_own_environment_only(tmp_path: Path) -> None:
    plan = plan_migrate(write_flat_repo(tmp_path / "repo"))
    edits = {s.path: s for s in plan.steps if isinstance(s, Edit)}
    writes = {s.path: s for s in plan.steps if isinstance(s, Write)}
    dev = edits["env/.env.dev"].text
    assert dev.startswith("APP_ENV=dev\nSECRET_KEY=real-dev-secret-123\n")
    assert "DEBUG=true" in dev
    assert "TESTING" not in dev and "CI=" not in dev  # no key from another environment
    test = edits["env/.env.test"].text
    assert "TESTING=true" in test
    assert "shop_test" in test  # the test database, not the dev one
    assert "DEBUG" not in test
    # each environment's example gets its own keys, the generic one none of them
    assert "env/.env.example" not in edits
    assert "DEBUG=true" in writes["env/.env.dev.example"].text
    assert "real-dev-secret" not in writes["env/.env.dev.example"].text
    # no env_file attached anywhere: services keep exactly their variables
    compose = {s.path: s.text for s in plan.steps if isinstance(s, Edit)}
    assert all("env_file" not in compose[p] for p in compose if p.startswith("compose/"))


def test_env_files_holding_secrets_become_private(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    (root / ".env.dev").chmod(0o644)
    plan = plan_migrate(root)
    chmods = {s.path: s.mode for s in plan.steps if isinstance(s, Chmod)}
    assert chmods == {"env/.env.dev": 0o600}


def test_lone_dotenv_becomes_env_dev_and_root_dockerfile_moves(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    files = {
        "docker-compose.dev.yml": (
            "services:\n  app:\n    build: .\n    volumes:\n      - ./.env:/app/.env\n",
            0o644,
        ),
        ".env": ("A=1\n", 0o600),
        "Dockerfile": ("FROM scratch\n", 0o644),
    }
    write_flat_repo(root, files)
    plan = plan_migrate(root)
    moves = {(s.src, s.dst) for s in plan.steps if isinstance(s, Move)}
    assert (".env", "env/.env.dev") in moves
    assert ("Dockerfile", "docker/Dockerfile") in moves
    compose = next(
        s.text
        for s in plan.steps
        if isinstance(s, Edit) and s.path == "compose/docker-compose.dev.yml"
    )
    assert "context: .." in compose
    assert "dockerfile: docker/Dockerfile" in compose
    assert "- ../env/.env.dev:/app/.env" in compose  # the mount follows the file


def test_nothing_to_migrate_is_an_empty_plan(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("x\n")
    plan = plan_migrate(tmp_path)
    assert plan.empty
    assert "nothing to migrate" in plan.notes[0]


def test_target_that_differs_is_refused(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    (root / "compose").mkdir()
    (root / "compose" / "docker-compose.dev.yml").write_text("services: {}\n")
    with pytest.raises(PlanError, match=r"^compose/docker-compose\.dev\.yml: exists and differs"):
        plan_migrate(root)


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("x", "K=x"),
        ("", "K="),
        ("a b", "K='a b'"),
        ("postgres://u:p@h/db", "K=postgres://u:p@h/db"),
    ],
)
def test_format_env_line(value: str, line: str) -> None:
    assert format_env_line("K", value) == line


def test_a_template_compose_folder_moves_to_docker_with_its_references(tmp_path: Path) -> None:
    from tests.flat_repo import CORPUS

    root = write_flat_repo(tmp_path / "repo", CORPUS["template"][0])
    plan = plan_migrate(root)
    moves = plan.moves()
    assert moves["compose/local/django/Dockerfile"] == "docker/local/django/Dockerfile"
    assert moves["compose/local/django/start"] == "docker/local/django/start"
    edits = {s.path: s.text for s in plan.steps if isinstance(s, Edit)}
    assert "COPY ./docker/local/django/start /start" in edits["docker/local/django/Dockerfile"]
    assert "dockerfile: docker/local/django/Dockerfile" in edits["compose/docker-compose.local.yml"]


def test_a_half_made_compose_folder_is_not_moved(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    (root / "compose").mkdir()
    (root / "compose" / "docker-compose.staging.yml").write_text("services: {}\n")
    moves = plan_migrate(root).moves()
    assert "compose/docker-compose.staging.yml" not in moves


def test_literals_stay_where_a_command_runs_the_stack_with_other_env_files(
    tmp_path: Path,
) -> None:
    root = write_flat_repo(tmp_path / "repo")
    makefile = root / "Makefile"
    # dev-up reads the root .env, dockyard's dev reads .env.dev: a value moved to
    # env/.env.dev would reach only one of them
    makefile.write_text(makefile.read_text().replace(" --env-file .env.dev up -d", " up -d"))
    plan = plan_migrate(root)
    edits = {s.path: s.text for s in plan.steps if isinstance(s, Edit)}
    assert "DEBUG=true" not in edits.get("env/.env.dev", "")
    assert "- DEBUG=true" in edits["compose/docker-compose.dev.yml"]
    assert any(
        "literal environment values stay in compose: Makefile runs docker-compose.dev.yml "
        "with env files .env" in item
        for item in plan.left
    )
    assert "TESTING=true" in edits["env/.env.test"]  # the test stack is run consistently


def test_plan_names_what_a_moved_compose_file_still_says_and_env_files_it_leaves(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ledger"
    files = {
        "pyproject.toml": '[project]\nname = "ledger"\nversion = "0"\n',
        "docker/Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n",
        "docker/docker-compose.yml": (
            "# run from the root: docker compose -f docker/docker-compose.yml up\n"
            "services:\n  api:\n    build: {context: .., dockerfile: docker/Dockerfile}\n"
            "    env_file: ../envs/${STAGE:-local}.env\n"
        ),
        "envs/local.env.example": "A=\n",
        "envs/staging.env.example": "A=\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    plan = plan_migrate(root)
    moves = {(s.src, s.dst) for s in plan.steps if isinstance(s, Move)}
    assert ("docker/docker-compose.yml", "compose/docker-compose.yml") in moves
    left = "\n".join(plan.left)
    assert (
        "compose/docker-compose.yml:1: names docker/docker-compose.yml "
        "(now compose/docker-compose.yml); not rewritten"
    ) in left
    assert "env_file ../envs/${STAGE:-local}.env (a file per value of its variable)" in left
    assert not any(s.src.startswith("envs/") for s in plan.steps if isinstance(s, Move))


def test_a_new_env_file_for_moved_values_holds_them_alone(tmp_path: Path) -> None:
    """dev read `.env` (shared, real values); the override's literals move to a new
    env/.env.dev, which must not bring the template's placeholders over `.env`'s."""
    root = tmp_path / "shelf"
    files = {
        "pyproject.toml": '[project]\nname = "shelf"\nversion = "0"\n',
        "Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n",
        "compose.yaml": (
            "services:\n  api:\n    build: .\n    env_file: .env\n"
            "  db:\n    image: postgres:16\n"
            "    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?}\n"
        ),
        "compose.override.yaml": "services:\n  api:\n    environment:\n      DEBUG: '1'\n",
        ".env": "POSTGRES_PASSWORD=real-value-from-the-developer\n",
        ".env.example": "POSTGRES_PASSWORD=change-me\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    plan = plan_migrate(root)
    written = {s.path: s.text for s in plan.steps if isinstance(s, Write)}
    assert "DEBUG=1" in written["env/.env.dev"]
    assert "POSTGRES_PASSWORD" not in written["env/.env.dev"]
    assert "POSTGRES_PASSWORD" not in written["env/.env.dev.example"]


def test_healthchecks_in_dockerfiles_and_included_files_count(tmp_path: Path) -> None:
    root = tmp_path / "shelf"
    files = {
        "pyproject.toml": '[project]\nname = "shelf"\nversion = "0"\n',
        "Dockerfile": "FROM python:3.12-slim\nHEALTHCHECK CMD python -c 'print(1)'\n",
        "compose.yaml": (
            "include:\n  - infra/db.compose.yaml\n"
            "services:\n  api:\n    build: .\n  worker:\n    image: busybox\n"
        ),
        "compose.override.yaml": "services:\n  db:\n    ports: ['5432:5432']\n",
        "infra/db.compose.yaml": (
            "services:\n  db:\n    image: postgres:16\n"
            "    healthcheck:\n      test: ['CMD', 'pg_isready']\n"
        ),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    left = [line for line in plan_migrate(root).left if "no healthcheck" in line]
    assert len(left) == 1 and left[0].endswith(
        "no healthcheck for worker: add one so `up` waits for health"
    )

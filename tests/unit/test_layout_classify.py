"""Which environment the base compose file serves: names first, then content."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from dockyard.domain.layout import Write, plan_migrate
from dockyard.domain.layout.classify import classify_base
from dockyard.domain.layout.migrate import flat_environments
from dockyard.errors import PlanError
from tests.flat_repo import write_flat_repo

DEV_LIKE = "services:\n  app:\n    build: .\n    volumes:\n      - ./src:/app/src\n"
PROD_LIKE = "services:\n  app:\n    image: shop:1.2\n"


def test_the_only_stack_serves_dev() -> None:
    assert classify_base("docker-compose.yml", PROD_LIKE, [], commands={}).env == "dev"


def test_a_dev_looking_base_serves_dev_when_no_dev_file_exists() -> None:
    assert classify_base("compose.yaml", DEV_LIKE, ["test"], commands={}).env == "dev"


def test_a_production_like_base_beside_other_files_is_prod() -> None:
    assert classify_base("docker-compose.yml", PROD_LIKE, ["dev"], commands={}).env == "prod"


def test_an_unused_dev_looking_base_beside_a_dev_file_is_the_prod_example() -> None:
    commands = {"Makefile": "up:\n\tdocker compose -f docker-compose.dev.yml up\n"}
    decision = classify_base("docker-compose.yml", DEV_LIKE, ["dev"], commands=commands)
    assert decision.env == "prod"


def test_an_ambiguous_base_stops_with_the_flag_that_settles_it() -> None:
    commands = {"Makefile": "up:\n\tdocker compose up\n"}
    with pytest.raises(PlanError, match="--base-env") as raised:
        classify_base("docker-compose.yml", DEV_LIKE, ["dev"], commands=commands)
    assert raised.value.exit_code == 2
    decided = classify_base("docker-compose.yml", DEV_LIKE, ["dev"], commands=commands, chosen="qa")
    assert decided.env == "qa"


def test_override_moves_with_its_base_and_both_form_the_environment(tmp_path: Path) -> None:
    root = write_flat_repo(
        tmp_path / "repo",
        {
            "compose.yaml": (PROD_LIKE, 0o644),
            "compose.override.yaml": (DEV_LIKE, 0o644),
        },
    )
    envs = flat_environments(root)
    # compose's convention: the override holds development, the base alone is production
    assert [(e.name, e.files) for e in envs] == [
        ("dev", ("compose.yaml", "compose.override.yaml")),
        ("prod", ("compose.yaml",)),
    ]
    plan = plan_migrate(root)
    moves = plan.moves()
    assert moves["compose.yaml"] == "compose/docker-compose.yml"  # shared by both
    assert moves["compose.override.yaml"] == "compose/docker-compose.dev.override.yml"
    # dockyard runs both files for dev, the base alone for prod
    written = {s.path: s.text for s in plan.steps if isinstance(s, Write)}
    environments = tomllib.loads(written["pyproject.toml"])["tool"]["dockyard"]["environments"]
    assert environments["dev"]["compose_files"] == [
        "compose/docker-compose.yml",
        "compose/docker-compose.dev.override.yml",
    ]
    assert environments["prod"]["compose_files"] == ["compose/docker-compose.yml"]


def test_the_env_file_the_project_passes_is_the_one_compared(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    envs = {e.name: e for e in flat_environments(root)}
    assert envs["dev"].env_files == (".env.dev",)  # make migrate-db passes it
    assert envs["test"].env_files == (".env.test",)  # dockyard's own: .env.<env> beside it
    assert envs["ci"].env_files == ()  # CI runs from a fresh clone: no ignored .env


def test_a_second_base_file_is_left_and_a_clash_asks_for_the_flag(tmp_path: Path) -> None:
    root = write_flat_repo(
        tmp_path / "repo",
        {
            "compose.yaml": (PROD_LIKE, 0o644),
            "docker-compose.yml": (PROD_LIKE, 0o644),
            "docker-compose.dev.yml": (DEV_LIKE, 0o644),
            "docker-compose.prod.yml": (PROD_LIKE, 0o644),
        },
    )
    with pytest.raises(PlanError, match=r"compose\.yaml: serves prod, like another stack"):
        plan_migrate(root)
    plan = plan_migrate(root, base_env="staging")
    assert plan.moves()["compose.yaml"] == "compose/docker-compose.staging.yml"
    assert "docker-compose.yml" not in plan.moves()
    assert any("compose reads compose.yaml instead" in item for item in plan.left)

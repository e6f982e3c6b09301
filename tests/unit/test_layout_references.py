"""Makefiles and CI workflows keep their commands, with the new paths."""

from __future__ import annotations

from pathlib import Path

from dockyard.domain.layout import plan_migrate
from dockyard.domain.layout.plan import Edit
from dockyard.domain.layout.references import rewrite_commands
from tests.flat_repo import write_flat_repo

MOVES = {
    "docker-compose.yml": "compose/docker-compose.dev.yml",
    "docker-compose.override.yml": "compose/docker-compose.dev.override.yml",
    ".env": "env/.env.dev",
    ".env.example": "env/.env.example",
}
ENVS = {
    "dev": (
        ("compose/docker-compose.dev.yml", "compose/docker-compose.dev.override.yml"),
        ("env/.env.dev",),
    ),
}


def test_a_bare_compose_gets_explicit_files_and_the_env_file() -> None:
    text = "up:\n\tdocker compose up -d\n"
    new = rewrite_commands(text, MOVES, ENVS, ["env/.env.dev"], bare="dev", dotenv="env/.env.dev")
    assert new == (
        "up:\n\tdocker compose -f compose/docker-compose.dev.yml "
        "-f compose/docker-compose.dev.override.yml --env-file env/.env.dev up -d\n"
    )


def test_pattern_targets_variables_and_options_are_kept() -> None:
    text = (
        "DC = docker-compose\n"
        "logs-%:\n\t$(DC) logs $*\n"
        "test:\n\tdocker compose run --rm app pytest -x -q --maxfail=1\n"
        "init:\n\tcp .env.example .env\n"
    )
    new = rewrite_commands(text, MOVES, ENVS, [], bare="dev")
    assert "DC = docker-compose -f compose/docker-compose.dev.yml" in new
    assert "-f compose/docker-compose.dev.override.yml" in new  # the stack bare compose ran
    assert "pytest -x -q --maxfail=1" in new
    assert "cp env/.env.example env/.env.dev" in new
    assert "logs-%:\n\t$(DC) logs $*" in new


def test_a_given_env_file_follows_its_move_and_is_not_doubled() -> None:
    text = "m:\n\tdocker compose -f docker-compose.yml --env-file .env exec app true\n"
    new = rewrite_commands(text, MOVES, ENVS, ["env/.env.dev"], bare="dev", dotenv="env/.env.dev")
    assert new.count("--env-file") == 1
    assert "--env-file env/.env.dev exec" in new


def test_ci_workflows_are_rewritten_and_scripts_listed(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    workflow = root / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        "jobs:\n  t:\n    steps:\n      - run: docker compose -f docker-compose.ci.yml up\n"
    )
    (root / "scripts" / "run.sh").write_text(
        "#!/bin/sh\ndocker compose -f docker-compose.dev.yml up\n"
    )
    plan = plan_migrate(root)
    edits = {s.path: s.text for s in plan.steps if isinstance(s, Edit)}
    assert "-f compose/docker-compose.ci.yml" in edits[".github/workflows/ci.yml"]
    assert any(
        item.startswith("scripts/run.sh:2: names docker-compose.dev.yml") for item in plan.left
    )
    makefile = edits["Makefile"]
    assert "docker compose -f compose/docker-compose.dev.yml --env-file env/.env.dev up -d" in (
        makefile
    )
    assert "dockyard" not in makefile  # commands are kept, not replaced


def test_a_call_reads_the_moved_dotenv_then_the_values_moved_out_of_its_files() -> None:
    stacks = {
        "prod": (("compose/docker-compose.yml",), ("env/.env", "env/.env.prod")),
        "dev": (
            ("compose/docker-compose.yml", "compose/docker-compose.dev.override.yml"),
            ("env/.env",),
        ),
    }
    text = "p:\n\tdocker compose -f docker-compose.yml build\n"
    moves = {"docker-compose.yml": "compose/docker-compose.yml"}
    existing = ["env/.env", "env/.env.prod"]
    values = {"prod": "env/.env.prod"}
    new = rewrite_commands(text, moves, stacks, existing, dotenv="env/.env", values=values)
    assert new == (  # compose read .env before; the prod literals now live in env/.env.prod
        "p:\n\tdocker compose -f compose/docker-compose.yml --env-file env/.env "
        "--env-file env/.env.prod build\n"
    )
    plain = rewrite_commands(text, moves, stacks, existing, dotenv="env/.env")
    assert "env/.env.prod" not in plain
    assert "--env-file" not in rewrite_commands(text, moves, stacks, existing)  # read none


def test_files_in_sub_folders_name_the_root_files_relatively() -> None:
    devcontainer = '{"dockerComposeFile": ["../docker-compose.yml"], "x": "docker-compose.yml"}'
    new = rewrite_commands(devcontainer, MOVES, ENVS, [], depth=1)
    assert new == (
        '{"dockerComposeFile": ["../compose/docker-compose.dev.yml"], "x": "docker-compose.yml"}'
    )
    sub_makefile = "up:\n\tdocker compose up\n"  # its own folder's compose file: not ours
    assert rewrite_commands(sub_makefile, MOVES, ENVS, [], depth=1) == sub_makefile


def test_ci_gets_env_files_only_when_committed_and_is_told_to_create_the_others(
    tmp_path: Path,
) -> None:
    root = write_flat_repo(tmp_path / "repo")
    workflow = root / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        "jobs:\n  t:\n    steps:\n"
        "      - run: docker compose -f docker-compose.test.yml run app pytest\n"
        "      - run: docker compose -f docker-compose.ci.yml up\n"
    )
    plan = plan_migrate(root)
    edits = {s.path: s.text for s in plan.steps if isinstance(s, Edit)}
    ci = edits[".github/workflows/ci.yml"]
    assert "-f compose/docker-compose.test.yml run" in ci  # env/.env.test is ignored
    assert "-f compose/docker-compose.ci.yml --env-file env/.env.ci up" in ci  # committed
    assert any(
        item.startswith(".github/workflows/ci.yml: runs the test stack from a fresh clone")
        for item in plan.left
    )


def test_a_justfile_follows_the_moved_compose_file(tmp_path: Path) -> None:
    from tests.flat_repo import CORPUS

    root = write_flat_repo(tmp_path / "repo", CORPUS["template"][0])
    (root / "justfile").write_text(
        'export COMPOSE_FILE := "docker-compose.local.yml"\n\nup:\n    @docker compose up -d\n'
    )
    plan = plan_migrate(root)
    edits = {s.path: s.text for s in plan.steps if isinstance(s, Edit)}
    assert 'export COMPOSE_FILE := "compose/docker-compose.local.yml"' in edits["justfile"]
    assert "    @docker compose up -d\n" in edits["justfile"]  # COMPOSE_FILE still names it

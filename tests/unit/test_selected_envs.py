"""Environments chosen by a variable in an env file's name (``.env.${APP_ENV:-dev}``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.domain.config import load_settings
from dockyard.domain.discovery import discover_names
from dockyard.domain.selected import env_file_entries, env_file_selector
from dockyard.errors import ConfigError
from dockyard.testing import FakeRunner
from dockyard.workflows.stack import open_stack
from tests.conftest import write

SCALAR = """\
services:
  web:
    build: .
    env_file: .env.${APP_ENV:-dev}   # dev or test
"""


def _envs(root: Path) -> dict[str, tuple[tuple[str, str], ...]]:
    return {name: env.variables for name, env in load_settings(root).environments.items()}


def test_each_env_file_or_template_the_name_matches_is_an_environment(tmp_path: Path) -> None:
    write(tmp_path / "docker-compose.yml", SCALAR)
    for name in (".env.dev.example", ".env.test.example", ".env.staging", ".env.dev.local"):
        write(tmp_path / name, "A=1\n")
    assert _envs(tmp_path) == {
        "dev": (("APP_ENV", "dev"),),
        "staging": (("APP_ENV", "staging"),),
        "test": (("APP_ENV", "test"),),
    }
    assert discover_names(tmp_path) == ["dev", "staging", "test"]  # the cheap listing agrees
    settings = load_settings(tmp_path)
    assert settings.environment("test").compose_files == settings.environment("dev").compose_files
    assert settings.environment("test").origin == "chosen by APP_ENV=test over the base file"


def test_without_a_second_value_nothing_is_added(tmp_path: Path) -> None:
    write(tmp_path / "docker-compose.yml", SCALAR)
    write(tmp_path / ".env.dev", "A=1\n")
    assert _envs(tmp_path) == {"dev": (("APP_ENV", "dev"),)}


@pytest.mark.parametrize(
    ("compose", "expected"),
    [
        ("services:\n  a:\n    env_file: [.env, 'envs/${STAGE}.env']\n", ["envs/${STAGE}.env"]),
        (
            (
                "services:\n  a:\n    env_file:\n      - path: ./.env.${APP_ENV:-dev}\n"
                "        required: false\n      - .env\n  b:\n    image: x\n"
            ),
            ["./.env.${APP_ENV:-dev}"],
        ),
        ('services:\n  a:\n    env_file:\n    - ".env.$APP_ENV"\n', [".env.$APP_ENV"]),
    ],
)
def test_env_file_entries_in_every_yaml_shape(compose: str, expected: list[str]) -> None:
    assert [e for e in env_file_entries(compose) if "$" in e] == expected


def test_a_variable_without_default_in_a_folder(tmp_path: Path) -> None:
    write(tmp_path / "docker-compose.yml", "services:\n  a:\n    env_file: [envs/${STAGE}.env]\n")
    write(tmp_path / "envs/staging.env", "")
    write(tmp_path / "envs/prod.env.example", "")
    selector = env_file_selector([tmp_path / "docker-compose.yml"])
    assert selector is not None and selector.default is None
    assert selector.values == ("prod", "staging")
    # the base stack (dev) runs compose as it is; each value is an environment of its own
    assert _envs(tmp_path) == {
        "dev": (),
        "prod": (("STAGE", "prod"),),
        "staging": (("STAGE", "staging"),),
    }


def test_a_variable_naming_a_folder_is_not_followed(tmp_path: Path) -> None:
    write(tmp_path / "docker-compose.yml", "services:\n  a:\n    env_file: .envs/.${ENV}/.app\n")
    write(tmp_path / ".envs/.local/.app", "")
    write(tmp_path / ".envs/.production/.app", "")
    assert env_file_selector([tmp_path / "docker-compose.yml"]) is None
    assert set(_envs(tmp_path)) == {"dev"}


def test_a_value_naming_an_environment_already_is_left_to_it(tmp_path: Path) -> None:
    write(tmp_path / "docker-compose.yml", SCALAR)
    write(tmp_path / "docker-compose.test.yml", "services:\n  web:\n    image: own-test\n")
    write(tmp_path / ".env.dev", "")
    write(tmp_path / ".env.test", "")
    settings = load_settings(tmp_path)
    assert settings.environment("test").variables == ()
    assert [p.name for p in settings.environment("test").compose_files] == [
        "docker-compose.test.yml"
    ]


def test_configured_variables_reach_compose_over_the_process_environment(
    tmp_path: Path,
) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.dockyard.environments.test]\ncompose_files = ["docker-compose.yml"]\n'
        'variables = { APP_ENV = "test" }\n',
    )
    write(tmp_path / "docker-compose.yml", SCALAR)
    write(tmp_path / "env/.env.test", "A=1\n")
    stack = open_stack(load_settings(tmp_path), "test", FakeRunner(), {"APP_ENV": "dev"})
    assert stack.compose.env["APP_ENV"] == "test"
    assert stack.variables["APP_ENV"].origin == "chooses environment test"
    plan = "\n".join(stack.plan("up", []).lines())
    assert "APP_ENV" in plan and "chooses environment test" in plan


def test_bad_variables_are_one_line_config_errors(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.dockyard.environments.test]\nvariables = { "APP-ENV" = "test" }\n',
    )
    with pytest.raises(ConfigError, match=r"environments\.test\.variables.*must be a table"):
        load_settings(tmp_path)


def test_env_init_makes_a_chosen_environments_file_from_its_own_template(
    tmp_path: Path,
) -> None:
    """A fresh clone has the templates only: env.init makes `.env.test` from its own."""
    from dockyard.workflows.envs import init_env

    write(tmp_path / "docker-compose.yml", SCALAR)
    write(tmp_path / ".env.dev.example", "A=dev\n")
    write(tmp_path / ".env.test.example", "A=test\nTESTING=1\n")
    settings = load_settings(tmp_path)
    test = settings.environment("test")
    assert test.env_file.name == ".env.test" and not test.env_file_required
    assert "--env-file" not in open_stack(settings, "test", FakeRunner(), {}).compose.argv("up")
    result = init_env(settings, test)
    assert result.created and result.keys == 2
    assert (tmp_path / ".env.test").read_text() == "A=test\nTESTING=1\n"
    assert (tmp_path / ".env.test").stat().st_mode & 0o777 == 0o600


def test_env_check_compares_a_file_with_its_own_template(tmp_path: Path) -> None:
    from dockyard.workflows.envs import check_env

    write(tmp_path / "docker-compose.yml", SCALAR)
    write(tmp_path / ".env.dev", "A=1\n")
    write(tmp_path / ".env.test.example", "A=\nTESTING=\n")
    write(tmp_path / ".env.test", "A=1\n", mode=0o600)
    settings = load_settings(tmp_path)
    findings = check_env(settings, settings.environment("test"), {}, FakeRunner())
    assert [(f.check_id, f.message) for f in findings] == [
        ("ENV001", "TESTING is in the example but missing here")
    ]


def test_a_name_that_is_only_the_variable_makes_no_environment(tmp_path: Path) -> None:
    write(tmp_path / "docker-compose.yml", "services:\n  a:\n    env_file: ${ENV_FILE:-.env}\n")
    for name in ("Makefile", "Dockerfile", "README", ".env"):
        write(tmp_path / name, "")
    assert env_file_selector([tmp_path / "docker-compose.yml"]) is None
    assert set(_envs(tmp_path)) == {"dev"}


def test_a_makefile_running_the_base_stack_does_not_give_its_env_file_to_the_others(
    tmp_path: Path,
) -> None:
    write(tmp_path / "docker-compose.yml", SCALAR)
    write(tmp_path / "Makefile", "up:\n\tdocker compose --env-file .env.dev up -d\n")
    for name in (".env.dev", ".env.test"):
        write(tmp_path / name, "A=1\n")
    settings = load_settings(tmp_path)
    assert settings.environment("dev").env_file.name == ".env.dev"
    assert [p.name for p in settings.environment("test").env_files] == [".env.test"]


def test_env_show_names_the_env_file_the_variable_chooses_for_the_services(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    from dockyard.domain.selected import loaded_env_files

    write(
        tmp_path / "docker/docker-compose.yml",
        "services:\n  api:\n    image: a\n    env_file: ../envs/${STAGE:-local}.env\n",
    )
    write(tmp_path / "envs/local.env", "A=1\n")
    write(tmp_path / "envs/staging.env.example", "A=\n")
    write(tmp_path / ".git/HEAD", "ref: refs/heads/main\n")
    settings = load_settings(tmp_path)
    staging = settings.environment("staging")
    assert loaded_env_files(staging.compose_files, staging.variables) == [
        (tmp_path / "envs/staging.env").resolve()
    ]
    done = subprocess.run(
        [sys.executable, "-m", "dockyard", "env.show", "--env", "staging"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "# services also load envs/staging.env (missing): their containers get it" in done.stdout
    assert "STAGE" in done.stdout and "chooses environment staging" in done.stdout


def test_env_check_leaves_a_committed_env_file_without_template_alone(tmp_path: Path) -> None:
    """As `check` does: a committed `.env` of defaults documents itself (no ENV008)."""
    import subprocess

    from dockyard.adapters.runner import SubprocessRunner
    from dockyard.workflows.envs import check_env

    write(tmp_path / "docker-compose.yml", "services:\n  web:\n    image: x\n    env_file: .env\n")
    write(tmp_path / ".env", "COMPOSE_PROJECT_NAME=ledger\n")
    environ = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    settings = load_settings(tmp_path)
    runner = SubprocessRunner()
    untracked = check_env(settings, settings.environment("dev"), environ, runner)
    assert [f.check_id for f in untracked] == ["ENV008"]  # not a repository yet: said
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", ".env"], cwd=tmp_path, check=True)
    settings = load_settings(tmp_path)
    assert check_env(settings, settings.environment("dev"), environ, runner) == []

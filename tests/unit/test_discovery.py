"""Compose files in any layout: which environments they make, with which files."""

from __future__ import annotations

from pathlib import Path

from dockyard.domain.commands import makefile_env_files
from dockyard.domain.config import load_settings
from dockyard.domain.discovery import (
    compose_project_name,
    discover,
    discover_names,
    find_root,
)
from tests.conftest import write

FULL = "services:\n  web:\n    build: .\n  db:\n    image: postgres\n"
PARTIAL = "services:\n  web:\n    command: serve --prod\n"


def _envs(root: Path, environ: dict[str, str] | None = None) -> dict[str, list[str]]:
    return {
        s.name: [p.relative_to(root).as_posix() for p in s.files]
        for s in discover(root, environ or {})
    }


def test_base_with_override_is_dev_and_the_base_alone_prod(tmp_path: Path) -> None:
    write(tmp_path / "docker-compose.yml", FULL)
    write(tmp_path / "docker-compose.override.yml", PARTIAL)
    assert _envs(tmp_path) == {
        "dev": ["docker-compose.yml", "docker-compose.override.yml"],
        "prod": ["docker-compose.yml"],
    }
    assert discover_names(tmp_path) == ["dev", "prod"]


def test_compose_yaml_wins_over_docker_compose_yml(tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", FULL)
    write(tmp_path / "docker-compose.yml", FULL)
    assert _envs(tmp_path) == {"dev": ["compose.yaml"]}


def test_named_files_overlay_or_stand_alone(tmp_path: Path) -> None:
    write(tmp_path / "docker-compose.yml", FULL)
    write(tmp_path / "docker-compose.prod.yml", PARTIAL)  # completes web: an overlay
    write(tmp_path / "docker-compose.ci.yml", FULL)  # complete on its own
    write(
        tmp_path / "docker-compose.e2e.yml",
        "services:\n  tests:\n    build: .\n    depends_on: [db]\n",
    )  # needs the base's db
    assert _envs(tmp_path) == {
        "dev": ["docker-compose.yml"],
        "ci": ["docker-compose.ci.yml"],
        "e2e": ["docker-compose.yml", "docker-compose.e2e.yml"],
        "prod": ["docker-compose.yml", "docker-compose.prod.yml"],
    }


def test_a_named_dev_file_leaves_the_base_as_default(tmp_path: Path) -> None:
    write(tmp_path / "docker-compose.yml", FULL)
    write(tmp_path / "docker-compose.dev.yml", FULL)
    assert set(_envs(tmp_path)) == {"default", "dev"}


def test_compose_files_in_a_docker_folder(tmp_path: Path) -> None:
    write(tmp_path / "docker/docker-compose.yml", FULL)
    write(tmp_path / "docker/docker-compose.test.yml", PARTIAL)
    assert _envs(tmp_path) == {
        "dev": ["docker/docker-compose.yml"],
        "test": ["docker/docker-compose.yml", "docker/docker-compose.test.yml"],
    }


def test_environment_named_root_files(tmp_path: Path) -> None:
    write(tmp_path / "local.yml", FULL)
    write(tmp_path / "production.yml", FULL)
    write(tmp_path / "mkdocs.yml", "site_name: docs\n")  # not a compose file
    assert _envs(tmp_path) == {"local": ["local.yml"], "production": ["production.yml"]}


def test_compose_file_variable_from_dotenv_and_process(tmp_path: Path) -> None:
    write(tmp_path / "docker-compose.yml", FULL)
    write(tmp_path / "docker-compose.gpu.yml", PARTIAL)
    write(tmp_path / ".env", "COMPOSE_FILE=docker-compose.yml:docker-compose.gpu.yml\n")
    assert _envs(tmp_path)["dev"] == ["docker-compose.yml", "docker-compose.gpu.yml"]
    assert _envs(tmp_path, {"COMPOSE_FILE": "docker-compose.yml"})["dev"] == ["docker-compose.yml"]


def test_project_name_as_compose_derives_it(tmp_path: Path) -> None:
    root = tmp_path / "My Shop"
    write(root / "docker-compose.yml", FULL)
    assert compose_project_name([root / "docker-compose.yml"], {}) == "myshop"
    write(root / "docker-compose.yml", "name: shop-dev\n" + FULL)
    assert compose_project_name([root / "docker-compose.yml"], {}) == "shop-dev"
    assert compose_project_name([root / "docker-compose.yml"], {"COMPOSE_PROJECT_NAME": "X"}) == "x"


def test_makefile_env_files(tmp_path: Path) -> None:
    write(
        tmp_path / "Makefile",
        "DC = docker compose --env-file .env --env-file .env.local\n"
        "up:\n\t$(DC) up -d\n"
        "test:\n\tdocker compose -f docker-compose.test.yml --env-file .env.test run t\n",
    )
    base = [tmp_path / "docker-compose.yml"]
    assert makefile_env_files(tmp_path, base, default_stack=True) == (
        tmp_path / ".env",
        tmp_path / ".env.local",
    )
    test = [tmp_path / "docker-compose.test.yml"]
    assert makefile_env_files(tmp_path, test, default_stack=False) == (tmp_path / ".env.test",)


def test_root_is_the_git_top_level_not_the_nearest_pyproject(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "docker-compose.yml", FULL)
    write(tmp_path / "backend/pyproject.toml", "[project]\nname = 'b'\n")
    assert find_root(tmp_path / "backend") == tmp_path.resolve()


def test_settings_take_discovered_environments_and_their_files(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "docker-compose.yml", "services:\n  api:\n    build: ./backend\n")
    write(tmp_path / "backend/pyproject.toml", "[project]\nname = 'b'\n")
    write(tmp_path / ".env.dev.example", "A=\n")
    settings = load_settings(tmp_path, environ={})
    assert list(settings.environments) == ["dev"]
    dev = settings.environment("dev")
    assert dev.service == "api"  # the service that builds the Python project
    assert dev.project_name == tmp_path.name.lower()
    # a fresh clone: .env.dev is to be made from its template (env.init), and until
    # then compose runs as plain compose does, with no --env-file
    assert dev.env_file == tmp_path.resolve() / ".env.dev" and not dev.env_file_required
    assert dev.env_example == tmp_path.resolve() / ".env.dev.example"
    write(tmp_path / ".env.dev", "A=1\n")
    dev = load_settings(tmp_path, environ={}).environment("dev")
    assert dev.env_file.name == ".env.dev" and dev.env_file_required
    assert dev.env_example == tmp_path.resolve() / ".env.dev.example"

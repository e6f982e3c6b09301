"""Configuration: defaults, sources, precedence, and errors naming key and source."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.domain.config import (
    ENV_VARS,
    default_project_name,
    find_root,
    layer_from_environ,
    load_settings,
    validate_env_name,
)
from dockyard.errors import ConfigError, UsageError
from tests.conftest import write


def test_standard_layout_needs_no_configuration(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert sorted(settings.environments) == ["ci", "dev", "test"]
    dev = settings.environment("dev")
    assert dev.compose_files == (tmp_path.resolve() / "compose/docker-compose.dev.yml",)
    assert dev.env_file == tmp_path.resolve() / "env/.env.dev"
    assert dev.service == "app"
    assert settings.env_example == tmp_path.resolve() / "env/.env.example"
    assert settings.dockerfile == tmp_path.resolve() / "docker/Dockerfile"
    assert settings.default_env == "dev"
    assert dev.project_name == f"{settings.project_name}-dev"


def test_project_name_is_unique_per_checkout(tmp_path: Path) -> None:
    a = tmp_path / "one" / "shop"
    b = tmp_path / "two" / "shop"
    assert default_project_name(a) != default_project_name(b)
    assert default_project_name(a).startswith("shop-")


def test_precedence_defaults_pyproject_invoke_environ_flags(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.dockyard]\nservice = "web"\nvenv_path = "/venv"\ndefault_uid = 1500\n'
        'package_manager = "uv"\n',
    )
    settings = load_settings(
        tmp_path,
        invoke_config={"service": "api", "venv_path": "/srv/venv"},
        environ={"DOCKYARD_SERVICE": "worker"},
        overrides={"service": "cli"},
    )
    assert settings.service == "cli"
    assert settings.origins["service"] == "command line"
    assert settings.venv_path == "/srv/venv"
    assert settings.default_uid == 1500
    assert settings.package_manager == "uv"
    assert settings.origins["default_uid"] == "pyproject.toml [tool.dockyard]"
    assert settings.origins["default_gid"] == "default"


def test_environ_beats_invoke_config(tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path, invoke_config={"service": "api"}, environ={"DOCKYARD_SERVICE": "worker"}
    )
    assert settings.service == "worker"


def test_users_add_environments_and_override_paths(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        "[tool.dockyard.environments.staging]\n"
        'compose_files = ["deploy/staging.yml", "deploy/extra.yml"]\n'
        'env_file = "deploy/.env.staging"\nservice = "web"\n'
        "[tool.dockyard.environments.ci]\nenabled = false\n",
    )
    settings = load_settings(tmp_path)
    assert sorted(settings.environments) == ["dev", "staging", "test"]
    staging = settings.environment("staging")
    assert [p.name for p in staging.compose_files] == ["staging.yml", "extra.yml"]
    assert staging.service == "web"


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('[tool.dockyard]\nservise = "x"\n', "unknown key 'servise'"),
        ("[tool.dockyard]\nservice = 3\n", "'service' must be a string"),
        ('[tool.dockyard]\ndefault_uid = "1000"\n', "'default_uid' must be an integer"),
        ("[tool.dockyard]\ndefault_uid = true\n", "'default_uid' must be an integer"),
        ('[tool.dockyard]\ntest_command = "pytest"\n', "must be a list of strings"),
        ('[tool.dockyard]\npackage_manager = "pipenv"\n', "must be one of"),
        ('[tool.dockyard.environments.dev]\ncompose = "x"\n', "'environments.dev.compose'"),
        ('[tool.dockyard]\nproject_name = "My App"\n', "'project_name'"),
        ('[tool.dockyard]\ndockerfile = "../Dockerfile"\n', "inside the repository"),
        ('[tool.dockyard]\ndefault_env = "../x"\n', "default_env"),
    ],
)
def test_bad_pyproject_names_key_and_file(tmp_path: Path, toml: str, needle: str) -> None:
    write(tmp_path / "pyproject.toml", toml)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert needle in str(info.value)
    assert str(info.value).startswith(("pyproject.toml", "configuration"))
    assert info.value.exit_code == 2


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.dockyard\nservice = 'x'\n")
    with pytest.raises(ConfigError, match=r"^pyproject.toml: invalid TOML"):
        load_settings(tmp_path)


def test_unknown_key_in_invoke_config_names_that_source(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^Invoke configuration \[dockyard\]: unknown key"):
        load_settings(tmp_path, invoke_config={"colour": "blue"})


def test_environ_layer_types(tmp_path: Path) -> None:
    layer = layer_from_environ(
        {"DOCKYARD_TEST_COMMAND": "pytest -x -q", "DOCKYARD_DEFAULT_UID": "2000", "HOME": "/root"}
    )
    assert layer.values == {"test_command": ["pytest", "-x", "-q"], "default_uid": 2000}
    with pytest.raises(ConfigError, match="DOCKYARD_DEFAULT_UID must be an integer"):
        layer_from_environ({"DOCKYARD_DEFAULT_UID": "lots"})
    assert all(var.startswith("DOCKYARD_") for var in ENV_VARS)


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b", "", ".hidden", "dev env", "x" * 70])
def test_env_name_is_a_name_not_a_path(name: str) -> None:
    with pytest.raises(UsageError, match="invalid environment name") as info:
        validate_env_name(name)
    assert info.value.argument == "--env"


def test_unknown_environment_lists_the_configured_ones(tmp_path: Path) -> None:
    with pytest.raises(
        UsageError, match=r"unknown environment 'prod' \(configured: ci, dev, test\)"
    ):
        load_settings(tmp_path).environment("prod")


def test_package_manager_detected_from_lock_file(tmp_path: Path) -> None:
    assert load_settings(tmp_path).detected_package_manager() == "pip"
    write(tmp_path / "poetry.lock", "")
    assert load_settings(tmp_path).detected_package_manager() == "poetry"
    write(tmp_path / "uv.lock", "")
    assert load_settings(tmp_path).detected_package_manager() == "uv"


def test_find_root_walks_up_to_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "")
    deep = tmp_path / "src" / "pkg"
    deep.mkdir(parents=True)
    assert find_root(deep) == tmp_path.resolve()

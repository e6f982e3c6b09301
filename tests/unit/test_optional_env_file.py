"""An environment that runs without an env file (plain compose without ``.env``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.domain.config import load_settings
from dockyard.errors import DockyardError
from dockyard.workflows.envs import resolved_env
from tests.conftest import write


def test_a_flat_stack_without_dotenv_resolves_its_variables(tmp_path: Path) -> None:
    write(tmp_path / "docker-compose.yml", "services:\n  app:\n    image: busybox\n")
    settings = load_settings(tmp_path, environ={})
    env = settings.environment("dev")
    assert not env.env_file_required
    variables = resolved_env(settings, env, {"HOST_UID": "4242"})
    assert variables["HOST_UID"].value == "4242"


def test_env_files_empty_means_none_and_a_required_one_is_still_required(tmp_path: Path) -> None:
    write(tmp_path / "compose/docker-compose.yml", "services:\n  app:\n    image: busybox\n")
    write(
        tmp_path / "pyproject.toml",
        "[tool.dockyard.environments.prod]\n"
        'compose_files = ["compose/docker-compose.yml"]\nenv_files = []\n'
        "[tool.dockyard.environments.dev]\n"
        'compose_files = ["compose/docker-compose.yml"]\n',
    )
    settings = load_settings(tmp_path, environ={})
    prod, dev = settings.environment("prod"), settings.environment("dev")
    assert prod.env_files == (tmp_path / "env/.env.prod",)
    assert not prod.env_file_required
    assert resolved_env(settings, prod, {})["HOST_UID"].value is not None
    with pytest.raises(DockyardError, match=r"env/\.env\.dev: not found"):
        resolved_env(settings, dev, {})

"""Venv detectors: in-project venv state, Poetry/uv resolution, container venv and mounts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockyard.domain.dockerfile import parse_dockerfile
from dockyard.domain.venv import (
    Mount,
    container_venv,
    covering_mount,
    inspect_venv,
    poetry_venv_config,
    read_pyvenv_cfg,
    uv_project_environment,
)
from dockyard.errors import ConfigError

ME = 4242
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown to other uids needs root")


def _venv(root: Path, home: str = "/usr/bin", *, owner: int = ME) -> Path:
    venv = root / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {home}\nversion_info = 3.11.2\n")
    if os.geteuid() == 0:
        for path in (venv, venv / "bin", venv / "pyvenv.cfg"):
            os.chown(path, owner, owner)
    return venv


def test_no_venv_is_none(tmp_path: Path) -> None:
    assert inspect_venv(tmp_path / ".venv", ME) is None


@needs_root
def test_healthy_venv_has_no_problems(tmp_path: Path) -> None:
    venv = _venv(tmp_path)
    state = inspect_venv(venv, ME, exists=lambda p: p == "/usr/bin/python3.11")
    assert state is not None and not state.broken and state.home == "/usr/bin"


@needs_root
def test_venv_owned_by_root_is_broken(tmp_path: Path) -> None:
    venv = _venv(tmp_path, owner=0)
    state = inspect_venv(venv, ME, exists=lambda p: True)
    assert state is not None and state.broken
    assert state.owner_uid == 0 and state.foreign == 3
    assert state.problems == ("owned by uid 0, not the host user (uid 4242)",)


@needs_root
def test_foreign_interpreter_is_broken(tmp_path: Path) -> None:
    venv = _venv(tmp_path, home="/usr/local/bin")
    state = inspect_venv(venv, ME, exists=lambda p: not p.startswith("/usr/local"))
    assert state is not None
    assert state.problems == ("pyvenv.cfg home /usr/local/bin does not exist on this host",)


def test_pyvenv_cfg_is_read_leniently(tmp_path: Path) -> None:
    (tmp_path / "pyvenv.cfg").write_text("home = /x\ninclude-system-site-packages = false\nbad\n")
    assert read_pyvenv_cfg(tmp_path) == {"home": "/x", "include-system-site-packages": "false"}
    assert read_pyvenv_cfg(tmp_path / "missing") == {}


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"HOME": str(tmp_path / "home"), **extra}


def test_poetry_defaults(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    cfg = poetry_venv_config(project, _env(tmp_path))
    assert cfg.in_project.value is None and cfg.in_project.level == "default"
    assert cfg.path.value == str(tmp_path / "home/.cache/pypoetry/virtualenvs")
    assert cfg.venv_outside(project)
    (project / ".venv").mkdir()
    assert not cfg.venv_outside(project)  # unset in-project: Poetry uses the .venv


def test_poetry_levels_in_poetry_order(tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "config.toml").write_text('cache-dir = "/c"\n[virtualenvs]\nin-project = true\n')
    env = _env(tmp_path, POETRY_CONFIG_DIR=str(conf))
    cfg = poetry_venv_config(tmp_path, env)
    assert (cfg.in_project.value, cfg.in_project.level) == (True, "global")
    assert cfg.in_project.source == str(conf / "config.toml")
    assert cfg.path.value == "/c/virtualenvs"
    assert not cfg.venv_outside(tmp_path)
    (tmp_path / "poetry.toml").write_text('[virtualenvs]\nin-project = false\npath = "/v"\n')
    cfg = poetry_venv_config(tmp_path, env)
    assert (cfg.in_project.value, cfg.in_project.level) == (False, "local")
    assert (cfg.path.value, cfg.path.level) == ("/v", "local")
    env["POETRY_VIRTUALENVS_IN_PROJECT"] = "true"
    cfg = poetry_venv_config(tmp_path, env)
    assert cfg.in_project.value is True and cfg.in_project.level == "environment"
    assert cfg.in_project.source == "POETRY_VIRTUALENVS_IN_PROJECT"


def test_poetry_invalid_toml_names_file(tmp_path: Path) -> None:
    (tmp_path / "poetry.toml").write_text("[virtualenvs\n")
    with pytest.raises(ConfigError, match=r"poetry\.toml: invalid TOML"):
        poetry_venv_config(tmp_path, _env(tmp_path))


def test_uv_project_environment(tmp_path: Path) -> None:
    assert uv_project_environment(tmp_path, {})[0] == tmp_path / ".venv"
    path, source = uv_project_environment(tmp_path, {"UV_PROJECT_ENVIRONMENT": "/opt/venv"})
    assert (path, source) == (Path("/opt/venv"), "UV_PROJECT_ENVIRONMENT")


DOCKERFILE = """\
FROM python:3.12 AS base
ARG VENV=/opt/venv
ENV VIRTUAL_ENV=${VENV} PATH=/x
FROM base AS dev
ENV UV_LINK_MODE=copy
FROM python:3.12 AS other
ENV VIRTUAL_ENV=/app/.venv
"""


def test_container_venv_precedence() -> None:
    dockerfile = parse_dockerfile(DOCKERFILE, Path("docker/Dockerfile"))
    found = container_venv(None, dockerfile, "dev", "/default")
    assert (found.path, found.variable) == ("/opt/venv", "VIRTUAL_ENV")
    assert found.source == "docker/Dockerfile:3 ENV"
    assert container_venv(None, dockerfile, "other", "/d").path == "/app/.venv"
    service = {"environment": ["UV_PROJECT_ENVIRONMENT=/app/.venv"]}
    found = container_venv(service, dockerfile, "dev", "/default")
    assert (found.path, found.source) == ("/app/.venv", "compose environment")
    assert container_venv({}, None, None, "/default").path == "/default"


def test_covering_mount_innermost_wins() -> None:
    config = {
        "services": {
            "app": {
                "volumes": [
                    {"type": "bind", "source": "/src", "target": "/app"},
                    {"type": "volume", "source": "venv", "target": "/app/.venv"},
                ]
            }
        }
    }
    assert covering_mount(config, "app", "/app/.venv/bin") == Mount("volume", "venv", "/app/.venv")
    assert covering_mount(config, "app", "/app/src") == Mount("bind", "/src", "/app")
    assert covering_mount(config, "app", "/application") is None
    assert covering_mount(config, "app", "/opt/venv") is None
    assert covering_mount(config, "missing", "/app") is None

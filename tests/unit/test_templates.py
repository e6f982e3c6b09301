"""The Dockerfile and .dockerignore templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dockyard.domain.dockerfile import effective_user, is_root_user, parse_dockerfile
from dockyard.domain.templates import dockerfile_template, dockerignore_template


@pytest.mark.parametrize("manager", ["uv", "poetry", "pip"])
def test_template_stages_user_venv_and_labels(manager: str) -> None:
    text = dockerfile_template(manager)  # type: ignore[arg-type]
    assert "@@" not in text
    stages = re.findall(r"^FROM \S+ AS (\w+)$", text, flags=re.M)
    assert stages == ["base", "development", "builder", "production"]
    assert "ARG BASE_IMAGE=python:3.13-slim" in text
    assert "USER ${HOST_UID}:${HOST_GID}" in text
    assert "dev.dockyard.lock-hash" in text and "UV_PROJECT_ENVIRONMENT=/opt/venv" in text
    # dependencies are installed before the code is copied
    dev = text.split("AS development", 1)[1].split("AS builder", 1)[0]
    assert dev.index("RUN --mount=type=cache") < dev.index(
        "COPY --chown=${HOST_UID}:${HOST_GID} . ."
    )
    for target in ("development", "production"):
        user = effective_user(
            parse_dockerfile(text, Path("Dockerfile")), target, {"HOST_UID": "42"}
        )
        assert user is not None and user.resolved is not None
        assert not is_root_user(user.resolved)


def test_dev_and_prod_dependencies_differ() -> None:
    uv = dockerfile_template("uv")
    dev = uv.split("AS development", 1)[1].split("AS builder", 1)[0]
    prod = uv.split("AS builder", 1)[1]
    assert "uv sync --frozen --no-install-project;" in dev
    assert "uv sync --frozen --no-install-project --no-dev;" in prod
    # offline: the lock is exported and installed from the wheelhouse
    assert "uv export --frozen --no-hashes --no-emit-project --no-dev" in prod
    with pytest.raises(ValueError, match="unknown package manager"):
        dockerfile_template("pipenv")  # type: ignore[arg-type]


def test_dockerignore_keeps_secrets_and_venvs_out() -> None:
    lines = dockerignore_template().splitlines()
    for pattern in (".git/", ".venv/", ".env", ".env.*", "!env/.env.example", ".dockyard/"):
        assert pattern in lines


def test_this_repository_builds_with_the_template_it_ships() -> None:
    root = Path(__file__).resolve().parents[2]
    ours = (root / "docker/Dockerfile").read_text()
    shipped = dockerfile_template("uv").replace(
        'CMD ["python", "-m", "app"]', 'CMD ["python", "-c", "import signal; signal.pause()"]'
    )
    assert ours == shipped
    assert (root / "docker/Dockerfile.dockerignore").read_text() == dockerignore_template()

"""Dockerfile and .dockerignore templates: multi-stage, non-root, UID-aware.

The Dockerfile creates its user from the ``HOST_UID``/``HOST_GID`` build args, reusing a
group or user that already holds that id in the base image instead of failing, and
keeps the virtualenv at ``/opt/venv``, outside every bind mount.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["dockerfile_template", "dockerignore_template"]

PackageManagerName = Literal["uv", "poetry", "pip"]

_HEAD = """\
# syntax=docker/dockerfile:1
# Multi-stage, non-root image. Build with:
#   docker build -f docker/Dockerfile --build-arg HOST_UID=$(id -u) --build-arg HOST_GID=$(id -g) .
ARG BASE_IMAGE=python:3.12-slim

# =============================================================================
# base: the non-root user, with the host's uid/gid so bind-mounted files stay yours
# =============================================================================
FROM ${BASE_IMAGE} AS base
ARG HOST_UID=1000
ARG HOST_GID=1000
ENV PYTHONUNBUFFERED=1 \\
    PYTHONDONTWRITEBYTECODE=1 \\
    VIRTUAL_ENV=/opt/venv \\
    PATH="/opt/venv/bin:$PATH"
# Reuse a group/user that already has the id (gid 20 on macOS hosts, uid 1000 in
# ubuntu images) instead of failing; otherwise create appuser.
RUN set -eu; \\
    group="$(getent group "${HOST_GID}" | cut -d: -f1 || true)"; \\
    if [ -z "$group" ]; then groupadd -g "${HOST_GID}" appuser; group=appuser; fi; \\
    user="$(getent passwd "${HOST_UID}" | cut -d: -f1 || true)"; \\
    if [ -z "$user" ]; then \\
        useradd -m -u "${HOST_UID}" -g "$group" -s /bin/sh appuser; \\
    else \\
        usermod -g "$group" "$user"; \\
    fi; \\
    mkdir -p /app /opt/venv; \\
    chown "${HOST_UID}:${HOST_GID}" /app /opt/venv
WORKDIR /app
USER ${HOST_UID}:${HOST_GID}
"""

_INSTALL: dict[str, str] = {
    "uv": """\
ENV UV_PROJECT_ENVIRONMENT=/opt/venv UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1
COPY --chown=${HOST_UID}:${HOST_GID} pyproject.toml uv.lock* ./
RUN if [ -f uv.lock ]; then uv sync --frozen --no-install-project; \\
    else uv sync --no-install-project; fi
""",
    "poetry": """\
ENV POETRY_VIRTUALENVS_CREATE=false POETRY_NO_INTERACTION=1
COPY --chown=${HOST_UID}:${HOST_GID} pyproject.toml poetry.lock* ./
RUN python -m venv /opt/venv && poetry install --no-root
""",
    "pip": """\
COPY --chown=${HOST_UID}:${HOST_GID} pyproject.toml ./
RUN python -m venv /opt/venv && pip install --no-cache-dir .
""",
}

_TAIL = """
# =============================================================================
# development: dependencies installed, source bind-mounted by compose
# =============================================================================
FROM deps AS development
COPY --chown=${HOST_UID}:${HOST_GID} . .
CMD ["python", "-m", "app"]

# =============================================================================
# production: the same user, the code copied in
# =============================================================================
FROM deps AS production
COPY --chown=${HOST_UID}:${HOST_GID} . .
CMD ["python", "-m", "app"]
"""


def dockerfile_template(package_manager: PackageManagerName) -> str:
    """A multi-stage, non-root Dockerfile for ``package_manager`` (uv, poetry or pip).

    >>> "ARG HOST_UID" in dockerfile_template("uv")
    True
    """
    install = _INSTALL[package_manager]
    deps = (
        "\n# =============================================================================\n"
        "# deps: the project's dependencies in /opt/venv, outside every bind mount\n"
        "# =============================================================================\n"
        "FROM base AS deps\n"
    )
    return _HEAD + deps + install + _TAIL


def dockerignore_template() -> str:
    """A .dockerignore that keeps VCS data, venvs, caches and env files out of builds."""
    return """\
.git/
.venv/
venv/
__pycache__/
*.py[cod]
.pytest_cache/
.mypy_cache/
.ruff_cache/
.dockyard/
.env
.env.*
env/.env*
!env/.env.example
"""

"""Templates dockyard ships: the UID-aware Dockerfile and its .dockerignore.

``layout.init`` writes them into a repository; :func:`dockerfile_template` fills in the
dependency installation of the project's package manager.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Literal

__all__ = ["WHEELHOUSE_REQUIREMENTS", "dockerfile_template", "dockerignore_template"]

Manager = Literal["uv", "poetry", "pip"]

# Dependencies install as root with a BuildKit cache in root's home (the cache never
# reaches the image, and the app user never sees a root-owned cache), and the venv is
# handed to the app user in the same layer, so the chown costs no second copy.
# Every package manager ends in the same place: a pinned requirements file installed
# with pip into /opt/venv. With a wheelhouse (docker/wheels/, filled on the host by
# `dockyard wheels` from the lock) that file comes from the wheelhouse and nothing
# reaches for an index; otherwise the lock is exported inside the build.
_DEPS = (
    "COPY --chown=${HOST_UID}:${HOST_GID} @@FILES@@ ./\n"
    "USER root\n"
    "RUN --mount=type=cache,target=/root/.cache,sharing=locked \\\n"
    "    --mount=type=bind,source=docker,target=/tmp/ctx-docker \\\n"
    "    set -eu; wheels=/tmp/ctx-docker/wheels; \\\n"
    "    python3 -m venv /opt/venv; \\\n"
    '    if [ -f "$wheels/@@REQS@@" ]; then \\\n'
    '        echo "dockyard: installing from the wheelhouse docker/wheels (no index)"; \\\n'
    '        cp "$wheels/@@REQS@@" /tmp/requirements.txt; \\\n'
    '        set -- --no-index --find-links "$wheels"; \\\n'
    "    else \\\n"
    "        set --; \\\n"
    "@@EXPORT@@"
    "    fi; \\\n"
    "    if grep -q '^[^#[:space:]]' /tmp/requirements.txt; then \\\n"
    '        /opt/venv/bin/pip install "$@" -r /tmp/requirements.txt; \\\n'
    "    fi; \\\n"
    "    chown -R ${HOST_UID}:${HOST_GID} /opt/venv\n"
    "USER ${HOST_UID}:${HOST_GID}"
)
_EXPORT_UV = (
    "        if command -v uv >/dev/null 2>&1; then uv=uv; else \\\n"
    "            python3 -m venv /tmp/uv && /tmp/uv/bin/pip install -q uv && \\\n"
    "            uv=/tmp/uv/bin/uv; \\\n"
    "        fi; \\\n"
    '        "$uv" export --frozen --no-hashes --no-emit-project@@FLAGS@@ '
    "-o /tmp/requirements.txt; \\\n"
)
_EXPORT_POETRY = (
    "        python3 -m venv /tmp/poetry && \\\n"
    "        /tmp/poetry/bin/pip install -q poetry poetry-plugin-export && \\\n"
    "        /tmp/poetry/bin/poetry export --without-hashes@@FLAGS@@ "
    "-o /tmp/requirements.txt; \\\n"
)
_EXPORT_PIP = (
    '        python3 -c \'import tomllib; d = tomllib.load(open("pyproject.toml", "rb")); '
    'print("\\n".join(d.get("project", {}).get("dependencies", [])@@FLAGS@@))\' '
    "> /tmp/requirements.txt; \\\n"
)
_PIP_DEV = ' + [r for r in d.get("dependency-groups", {}).get("dev", []) if isinstance(r, str)]'

# The project itself is installed after the code is copied (editable in development,
# where the code is bind-mounted over /app), without dependencies (they came from the
# lock), when pyproject.toml names a build backend; without one, a .pth file puts
# /app/src (or /app) on the path. Offline, the backend comes from the wheelhouse too.
_PROJECT = (
    "RUN --mount=type=bind,source=docker,target=/tmp/ctx-docker \\\n"
    "    set -eu; wheels=/tmp/ctx-docker/wheels; set --; \\\n"
    '    if [ -f "$wheels/@@REQS@@" ]; then set -- --no-index --find-links "$wheels"; fi; \\\n'
    "    if grep -q '^\\[build-system\\]' pyproject.toml; then \\\n"
    '        pip install --no-cache-dir --no-deps "$@" @@EDITABLE@@.; \\\n'
    "    else \\\n"
    "        site=$(python -c 'import sysconfig; print(sysconfig.get_paths()[\"purelib\"])'); \\\n"
    "        if [ -d src ]; then path=/app/src; else path=/app; fi; \\\n"
    '        echo "$path" > "$site/dockyard-project.pth"; \\\n'
    '        echo "dockyard: no [build-system] in pyproject.toml: $path is put on the path"; \\\n'
    "    fi"
)

#: The wheelhouse's requirement files: with the dev group, and without.
WHEELHOUSE_REQUIREMENTS = {True: "requirements-dev.txt", False: "requirements.txt"}


def _install(manager: Manager, *, dev: bool) -> str:
    if manager == "uv":
        files, export = "pyproject.toml uv.lock", _EXPORT_UV
        flags = "" if dev else " --no-dev"
    elif manager == "poetry":
        files, export = "pyproject.toml poetry.lock", _EXPORT_POETRY
        flags = " --all-groups" if dev else ""
    else:
        files, export = "pyproject.toml", _EXPORT_PIP
        flags = _PIP_DEV if dev else ""
    return (
        _DEPS.replace("@@FILES@@", files)
        .replace("@@EXPORT@@", export.replace("@@FLAGS@@", flags))
        .replace("@@REQS@@", WHEELHOUSE_REQUIREMENTS[dev])
    )


def _project(*, dev: bool) -> str:
    return _PROJECT.replace("@@REQS@@", WHEELHOUSE_REQUIREMENTS[dev]).replace(
        "@@EDITABLE@@", "-e " if dev else ""
    )


def dockerfile_template(package_manager: Manager) -> str:
    """The UID-aware multi-stage Dockerfile for ``package_manager`` (uv, poetry, pip).

    >>> "ARG BASE_IMAGE" in dockerfile_template("uv")
    True
    """
    if package_manager not in ("uv", "poetry", "pip"):
        raise ValueError(f"unknown package manager {package_manager!r}")
    text = files("dockyard.templates").joinpath("Dockerfile").read_text(encoding="utf-8")
    return (
        text.replace("@@PM@@", package_manager)
        .replace("@@INSTALL_DEV@@", _install(package_manager, dev=True))
        .replace("@@INSTALL_PROD@@", _install(package_manager, dev=False))
        .replace("@@INSTALL_PROJECT_DEV@@", _project(dev=True))
        .replace("@@INSTALL_PROJECT_PROD@@", _project(dev=False))
    )


def dockerignore_template() -> str:
    """The .dockerignore that keeps .git, venvs, env files and caches out of builds."""
    return files("dockyard.templates").joinpath("dockerignore").read_text(encoding="utf-8")

"""Templates dockyard ships: the UID-aware Dockerfile and its .dockerignore.

``layout.init`` writes them into a repository; :func:`dockerfile_template` fills in the
dependency installation of the project's package manager.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Literal

__all__ = ["dockerfile_template", "dockerignore_template"]

Manager = Literal["uv", "poetry", "pip"]

# Dependencies install as root with a BuildKit cache in root's home (the cache never
# reaches the image, and the app user never sees a root-owned cache), and the venv is
# handed to the app user in the same layer, so the chown costs no second copy.
# docker/wheels/ is an optional wheelhouse for machines without a package index.
_PREAMBLE = (
    "USER root\n"
    "RUN --mount=type=cache,target=/root/.cache,sharing=locked \\\n"
    "    --mount=type=bind,source=docker,target=/tmp/ctx-docker \\\n"
    "    if [ -d /tmp/ctx-docker/wheels ]; then \\\n"
    "        set -- @OFFLINE@ --find-links /tmp/ctx-docker/wheels; fi; \\\n"
)
_HANDOVER = " && \\\n    chown -R ${HOST_UID}:${HOST_GID} /opt/venv\nUSER ${HOST_UID}:${HOST_GID}"
_PIP_REQUIREMENTS = (
    '    python -c \'import tomllib; d = tomllib.load(open("pyproject.toml", "rb")); '
    'print("\\n".join(d.get("project", {}).get("dependencies", [])@DEV@))\' '
    "> /tmp/requirements.txt && \\\n"
)
_PIP_DEV = ' + [r for r in d.get("dependency-groups", {}).get("dev", []) if isinstance(r, str)]'


def _install(manager: Manager, *, dev: bool) -> str:
    if manager == "uv":
        flags = "" if dev else " --no-dev"
        # a lock pins registry URLs, which --find-links does not replace: offline, the
        # lock is exported and installed from the wheelhouse with uv pip instead
        return (
            "COPY --chown=${HOST_UID}:${HOST_GID} pyproject.toml uv.lock ./\n"
            "USER root\n"
            "RUN --mount=type=cache,target=/root/.cache,sharing=locked \\\n"
            "    --mount=type=bind,source=docker,target=/tmp/ctx-docker \\\n"
            "    if [ -d /tmp/ctx-docker/wheels ]; then \\\n"
            "        uv venv --allow-existing /opt/venv && \\\n"
            f"        uv export --frozen --no-hashes --no-emit-project{flags} "
            "-o /tmp/requirements.txt && \\\n"
            "        uv pip install --python /opt/venv/bin/python --no-index \\\n"
            "            --find-links /tmp/ctx-docker/wheels -r /tmp/requirements.txt; \\\n"
            "    else \\\n"
            f"        uv sync --frozen --no-install-project{flags}; \\\n"
            "    fi" + _HANDOVER
        )
    if manager == "poetry":
        group = " --with dev" if dev else ""
        return (
            "COPY --chown=${HOST_UID}:${HOST_GID} pyproject.toml poetry.lock ./\n"
            + _PREAMBLE.replace("@OFFLINE@", "--no-index")
            + "    python3 -m venv /opt/venv && python3 -m venv /tmp/poetry && \\\n"
            '    /tmp/poetry/bin/pip install "$@" poetry poetry-plugin-export && \\\n'
            "    /tmp/poetry/bin/poetry export --without-hashes"
            f"{group} -o /tmp/requirements.txt && \\\n"
            '    pip install "$@" -r /tmp/requirements.txt && rm -rf /tmp/poetry' + _HANDOVER
        )
    return (
        "COPY --chown=${HOST_UID}:${HOST_GID} pyproject.toml ./\n"
        + _PREAMBLE.replace("@OFFLINE@", "--no-index")
        + "    python3 -m venv /opt/venv && \\\n"
        + _PIP_REQUIREMENTS.replace("@DEV@", _PIP_DEV if dev else "")
        + '    pip install "$@" -r /tmp/requirements.txt'
        + _HANDOVER
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
    )


def dockerignore_template() -> str:
    """The .dockerignore that keeps .git, venvs, env files and caches out of builds."""
    return files("dockyard.templates").joinpath("dockerignore").read_text(encoding="utf-8")

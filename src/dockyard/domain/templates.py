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
# into /opt/venv, a venv without pip (installers stay out of the image). With a
# wheelhouse (docker/wheels/, filled on the host by `dockyard wheels` from the lock)
# that file comes from the wheelhouse and nothing reaches for an index; otherwise the
# lock is exported inside the build.
#
# The installer is uv (the image's, or one kept in the build cache), pip where uv cannot
# be had. With uv and a lock, the installed venv is kept in the build cache too: after
# a lock change the venv is restored from it and synced (`uv pip sync`: what the lock
# added is installed and compiled, what it dropped removed), so a rebuild installs the
# difference only. The kept venv is discarded when the interpreter changes.
_FIND_UV = (
    '    uv="$(command -v uv || true)"; tools=/root/.cache/dockyard; \\\n'
    '    if [ -z "$uv" ] && [ -x "$tools/uv/bin/uv" ]; then uv="$tools/uv/bin/uv"; fi; \\\n'
    '    if [ -z "$uv" ] && python3 -m venv "$tools/uv" \\\n'
    '        && "$tools/uv/bin/pip" install -q "$@" uv >/dev/null 2>&1; then \\\n'
    '        uv="$tools/uv/bin/uv"; \\\n'
    "    fi; \\\n"
)
_DEPS = (
    "COPY --chown=${HOST_UID}:${HOST_GID} @@FILES@@ ./\n"
    "USER root\n"
    "RUN --mount=type=cache,target=/root/.cache,sharing=locked \\\n"
    "    --mount=type=bind,source=docker,target=/tmp/ctx-docker \\\n"
    "    set -eu; wheels=/tmp/ctx-docker/wheels; set --; \\\n"
    '    if [ -f "$wheels/@@REQS@@" ]; then set -- --no-index --find-links "$wheels"; fi; \\\n'
    "@@FIND_UV@@"
    '    if [ -f "$wheels/@@REQS@@" ]; then \\\n'
    '        echo "dockyard: installing from the wheelhouse docker/wheels (no index)"; \\\n'
    '        cp "$wheels/@@REQS@@" /tmp/requirements.txt; \\\n'
    "    else \\\n"
    "@@EXPORT@@"
    "    fi; \\\n"
    '    if [ -n "$uv" ]; then \\\n'
    "@@UV_INSTALL@@"
    "    else \\\n"
    "        python3 -m venv --without-pip /opt/venv; \\\n"
    "    fi; \\\n"
    "    if [ -z \"$uv\" ] && grep -q '^[^#[:space:]]' /tmp/requirements.txt; then \\\n"
    '        echo "dockyard: no uv here: installing with pip"; \\\n'
    '        if python3 -m pip --version >/dev/null 2>&1; then pip="python3 -m pip"; \\\n'
    '        else python3 -m venv "$tools/pip" && pip="$tools/pip/bin/pip"; fi; \\\n'
    '        $pip --python /opt/venv/bin/python install "$@" -r /tmp/requirements.txt; \\\n'
    "    fi; \\\n"
    "    chown -R ${HOST_UID}:${HOST_GID} /opt/venv\n"
    "USER ${HOST_UID}:${HOST_GID}"
)
# With a lock: the kept venv (one per project name and target) is synced in place
# (/opt/venv points at it meanwhile, so every path written stays /opt/venv), then copied
# into the layer once. `uv pip sync` never removes uv itself: uv goes unless locked.
_UV_SYNC = (
    '        name=$(python3 -c \'import re; t = open("pyproject.toml").read(); \\\n'
    '            m = re.search(r"(?m)^name *= *.([A-Za-z0-9._-]+)", t); '
    'print(m[1] if m else "project")\'); \\\n'
    '        keep="$tools/venv-@@KIND@@-$name"; '
    'stamp="$(readlink -f "$(command -v python3)") $(python3 -V)"; \\\n'
    '        if [ "$(cat "$keep.stamp" 2>/dev/null)" != "$stamp" ]; then \\\n'
    '            mkdir -p "$tools"; rm -rf "$keep"; \\\n'
    '            python3 -m venv --without-pip /opt/venv; cp -a /opt/venv "$keep"; \\\n'
    '            echo "$stamp" > "$keep.stamp"; \\\n'
    "        fi; \\\n"
    '        rm -rf /opt/venv; ln -s "$keep" /opt/venv; \\\n'
    '        "$uv" pip sync --python /opt/venv/bin/python --allow-empty-requirements "$@" \\\n'
    "            /tmp/requirements.txt; \\\n"
    "        if ! grep -qi '^uv==' /tmp/requirements.txt \\\n"
    "            && ls /opt/venv/lib/python*/site-packages/uv-*.dist-info >/dev/null 2>&1; \\\n"
    "        then \\\n"
    '            "$uv" pip uninstall -q --python /opt/venv/bin/python uv; \\\n'
    "        fi; \\\n"
    '        rm /opt/venv; mkdir /opt/venv; cp -a "$keep/." /opt/venv/; \\\n'
)
# Without a lock (pip projects name ranges, not pins): a plain install.
_UV_INSTALL = (
    "        python3 -m venv --without-pip /opt/venv; \\\n"
    "        if grep -q '^[^#[:space:]]' /tmp/requirements.txt; then \\\n"
    '            "$uv" pip install --python /opt/venv/bin/python "$@" \\\n'
    "                -r /tmp/requirements.txt; \\\n"
    "        fi; \\\n"
)
_EXPORT_UV = (
    '        [ -n "$uv" ] || { echo "dockyard: uv.lock needs uv to export it" >&2; exit 1; }; \\\n'
    '        "$uv" export --frozen --no-hashes --no-emit-project@@FLAGS@@ '
    "-o /tmp/requirements.txt; \\\n"
)
_EXPORT_POETRY = (
    '        python3 -m venv "$tools/poetry" && \\\n'
    '        "$tools/poetry/bin/pip" install -q poetry poetry-plugin-export && \\\n'
    '        "$tools/poetry/bin/poetry" export --without-hashes@@FLAGS@@ '
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
# It runs as root with the build cache (where uv may be kept) and hands what it wrote
# (and only that: the rest of the venv is not copied again) to the app user.
_PROJECT = (
    "USER root\n"
    "RUN --mount=type=cache,target=/root/.cache,sharing=locked \\\n"
    "    --mount=type=bind,source=docker,target=/tmp/ctx-docker \\\n"
    "    set -eu; wheels=/tmp/ctx-docker/wheels; set --; \\\n"
    '    if [ -f "$wheels/@@REQS@@" ]; then set -- --no-index --find-links "$wheels"; fi; \\\n'
    "    if grep -q '^\\[build-system\\]' pyproject.toml; then \\\n"
    "@@FIND_UV@@"
    '        if [ -n "$uv" ]; then \\\n'
    '            "$uv" pip install --python /opt/venv/bin/python --no-deps "$@" @@EDITABLE@@.; \\\n'
    "        else \\\n"
    '            if python3 -m pip --version >/dev/null 2>&1; then pip="python3 -m pip"; \\\n'
    '            else python3 -m venv "$tools/pip" && pip="$tools/pip/bin/pip"; fi; \\\n'
    "            $pip --python /opt/venv/bin/python install --no-deps "
    '"$@" @@EDITABLE@@.; \\\n'
    "        fi; \\\n"
    "    else \\\n"
    "        site=$(python -c 'import sysconfig; print(sysconfig.get_paths()[\"purelib\"])'); \\\n"
    "        if [ -d src ]; then path=/app/src; else path=/app; fi; \\\n"
    '        echo "$path" > "$site/dockyard-project.pth"; \\\n'
    '        echo "dockyard: no [build-system] in pyproject.toml: $path is put on the path"; \\\n'
    "    fi; \\\n"
    '    find /opt/venv /app -xdev ! -user "${HOST_UID}" '
    '-exec chown -h "${HOST_UID}:${HOST_GID}" {} +\n'
    "USER ${HOST_UID}:${HOST_GID}"
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
    install = _UV_INSTALL if manager == "pip" else _UV_SYNC
    return (
        _DEPS.replace("@@FILES@@", files)
        .replace("@@FIND_UV@@", _FIND_UV)
        .replace("@@EXPORT@@", export.replace("@@FLAGS@@", flags))
        .replace("@@UV_INSTALL@@", install.replace("@@KIND@@", "dev" if dev else "prod"))
        .replace("@@REQS@@", WHEELHOUSE_REQUIREMENTS[dev])
    )


def _project(*, dev: bool) -> str:
    find_uv = "".join(f"    {line}\n" for line in _FIND_UV.splitlines())
    return (
        _PROJECT.replace("@@FIND_UV@@", find_uv)
        .replace("@@REQS@@", WHEELHOUSE_REQUIREMENTS[dev])
        .replace("@@EDITABLE@@", "-e " if dev else "")
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

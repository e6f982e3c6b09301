"""Templates dockyard ships: the UID-aware Dockerfile and its .dockerignore.

``layout.init`` writes them into a repository; :func:`dockerfile_template` fills in the
dependency installation of the project's package manager.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Literal

__all__ = [
    "WHEELHOUSE_CACHE",
    "WHEELHOUSE_REQUIREMENTS",
    "dockerfile_template",
    "dockerignore_template",
    "wheelhouse_key_file",
]

Manager = Literal["uv", "poetry", "pip"]

# Dependencies install as root with a BuildKit cache in root's home (the cache never
# reaches the image, and the app user never sees a root-owned cache), and the venv is
# handed to the app user in the same layer, so the chown costs no second copy.
# Every package manager ends in the same place: a pinned requirements file installed
# into /opt/venv, a venv without pip (installers stay out of the image).
#
# The wheelhouse (`dockyard wheels`, for machines without an index) reaches the build
# through that same cache, never through the build context: `dockyard wheels` loads it
# into /root/.cache/dockyard/wheels/<sha256 of the lock>/, so the code's path needs no
# step to keep it out of images, and a wheelhouse made for another lock is never used.
# Without one (online) the lock is exported inside the build and the index answers.
#
# The installer is uv (the image's, or one kept in the build cache), pip where uv cannot
# be had. With uv and a lock, the installed venv is kept in the build cache too: after
# a lock change the venv is restored from it and synced (`uv pip sync`: what the lock
# added is installed and compiled, what it dropped removed), so a rebuild installs the
# difference only. The kept venv is discarded when the interpreter changes.
_WHEELHOUSE = (
    "    set -eu; set --; tools=/root/.cache/dockyard; \\\n"
    "    wheels=\"$tools/wheels/$(sha256sum @@LOCK@@ | cut -d' ' -f1)\"; \\\n"
    '    if [ -f "$wheels/@@REQS@@" ]; then set -- --no-index --find-links "$wheels"; \\\n'
    '    elif [ -d "$tools/wheels" ]; then \\\n'
    '        echo "dockyard: no wheelhouse for this @@LOCK@@ in the build cache'
    ' (dockyard wheels): using the index"; \\\n'
    "    fi; \\\n"
)
_FIND_UV = (
    '    uv="$(command -v uv || true)"; \\\n'
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
    "@@WHEELHOUSE@@"
    "@@FIND_UV@@"
    '    if [ "$#" -gt 0 ]; then \\\n'
    '        echo "dockyard: installing from the wheelhouse in the build cache (no index)"; \\\n'
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
    "@@APPLICATION@@"
    "    chown -R ${HOST_UID}:${HOST_GID} /opt/venv\n"
    "USER ${HOST_UID}:${HOST_GID}"
)
# An application (no build backend, nothing to install): a .pth file puts /app/src, or
# /app, on the path, decided when Python starts (the code may be bind-mounted). It needs
# no code, so it is written with the dependencies and nothing on the code's path runs.
_APPLICATION = (
    "    site=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()[\"purelib\"])'); \\\n"
    '    echo \'import os, sys; sys.path.append("/app/src" if os.path.isdir("/app/src")'
    ' else "/app")\' > "$site/dockyard-project.pth"; \\\n'
    "    if grep -q '^\\[build-system\\]' pyproject.toml; then \\\n"
    '        echo "dockyard: pyproject.toml names a build backend, and this Dockerfile was'
    " written for an application: the code is put on the path, not installed"
    ' (layout.init --force writes one that installs it)"; \\\n'
    "    fi; \\\n"
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
    "@@WHEELHOUSE@@"
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

#: Where the wheelhouse lives in the build cache (a BuildKit cache mount on /root/.cache).
WHEELHOUSE_CACHE = "/root/.cache/dockyard/wheels"

#: The wheelhouse's requirement files: with the dev group, and without.
WHEELHOUSE_REQUIREMENTS = {True: "requirements-dev.txt", False: "requirements.txt"}


_MANAGERS: dict[str, tuple[str, str, str, tuple[str, str]]] = {
    # files copied for the dependency step, the file the wheelhouse is keyed by,
    # the export, its flags (dev, production)
    "uv": ("pyproject.toml uv.lock", "uv.lock", _EXPORT_UV, ("", " --no-dev")),
    "poetry": ("pyproject.toml poetry.lock", "poetry.lock", _EXPORT_POETRY, (" --all-groups", "")),
    "pip": ("pyproject.toml", "pyproject.toml", _EXPORT_PIP, (_PIP_DEV, "")),
}


def wheelhouse_key_file(manager: Manager) -> str:
    """The file whose sha256 names the wheelhouse in the build cache (the lock, or
    pyproject.toml for pip projects, which have none)."""
    return _MANAGERS[manager][1]


def _wheelhouse(manager: Manager, *, dev: bool) -> str:
    return _WHEELHOUSE.replace("@@LOCK@@", _MANAGERS[manager][1]).replace(
        "@@REQS@@", WHEELHOUSE_REQUIREMENTS[dev]
    )


def _install(manager: Manager, *, dev: bool, package: bool) -> str:
    files, _, export, flags = _MANAGERS[manager]
    install = _UV_INSTALL if manager == "pip" else _UV_SYNC
    return (
        _DEPS.replace("@@WHEELHOUSE@@", _wheelhouse(manager, dev=dev))
        .replace("@@APPLICATION@@", "" if package else _APPLICATION)
        .replace("@@FILES@@", files)
        .replace("@@FIND_UV@@", _FIND_UV)
        .replace("@@EXPORT@@", export.replace("@@FLAGS@@", flags[0 if dev else 1]))
        .replace("@@UV_INSTALL@@", install.replace("@@KIND@@", "dev" if dev else "prod"))
        .replace("@@REQS@@", WHEELHOUSE_REQUIREMENTS[dev])
    )


def _project(manager: Manager, *, dev: bool) -> str:
    find_uv = "".join(f"    {line}\n" for line in _FIND_UV.splitlines())
    return (
        _PROJECT.replace("@@WHEELHOUSE@@", _wheelhouse(manager, dev=dev))
        .replace("@@FIND_UV@@", find_uv)
        .replace("@@EDITABLE@@", "-e " if dev else "")
    )


def dockerfile_template(package_manager: Manager, *, package: bool = True) -> str:
    """The UID-aware multi-stage Dockerfile for ``package_manager`` (uv, poetry, pip).

    ``package``: the project is a package (``pyproject.toml`` names a build backend) and
    is installed, editable in development, from a skeleton of the code. Without one (an
    application, as uv calls a project it does not install), ``package=False`` gives a
    Dockerfile with no skeleton and no install step: the code is put on the path, and a
    change to the code rebuilds with one copy.

    >>> "ARG BASE_IMAGE" in dockerfile_template("uv")
    True
    >>> "AS skeleton" in dockerfile_template("uv", package=False)
    False
    """
    if package_manager not in ("uv", "poetry", "pip"):
        raise ValueError(f"unknown package manager {package_manager!r}")
    text = files("dockyard.templates").joinpath("Dockerfile").read_text(encoding="utf-8")
    text = _package_blocks(text, keep=package)
    return (
        text.replace("@@PM@@", package_manager)
        .replace("@@INSTALL_DEV@@", _install(package_manager, dev=True, package=package))
        .replace("@@INSTALL_PROD@@", _install(package_manager, dev=False, package=package))
        .replace("@@INSTALL_PROJECT_DEV@@", _project(package_manager, dev=True))
        .replace("@@INSTALL_PROJECT_PROD@@", _project(package_manager, dev=False))
    )


def _package_blocks(text: str, *, keep: bool) -> str:
    """Keep (``keep``) or drop the lines between ``@@PACKAGE:BEGIN@@`` and ``@@PACKAGE:END@@``."""
    out: list[str] = []
    inside = False
    for line in text.splitlines(keepends=True):
        marker = line.strip()
        if marker in ("@@PACKAGE:BEGIN@@", "@@PACKAGE:END@@"):
            inside = marker.endswith("BEGIN@@")
        elif keep or not inside:
            out.append(line)
    return "".join(out)


def dockerignore_template() -> str:
    """The .dockerignore that keeps .git, venvs, env files and caches out of builds."""
    return files("dockyard.templates").joinpath("dockerignore").read_text(encoding="utf-8")

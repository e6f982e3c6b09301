"""Templates dockyard ships: the UID-aware Dockerfile and its .dockerignore.

``layout.init`` writes them into a repository; :func:`dockerfile_template` fills in the
dependency installation of the project's package manager.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Literal

__all__ = [
    "WHEELHOUSE_CACHE",
    "WHEELHOUSE_CACHE_ID",
    "WHEELHOUSE_REQUIREMENTS",
    "dockerfile_template",
    "dockerignore_template",
    "install_script",
    "wheelhouse_key_file",
]

Manager = Literal["uv", "poetry", "pip"]

# The install script (templates/install.sh) runs twice per target: `deps` (the lock's
# dependencies) and `project` (the project itself), with `dev` or `prod`. It runs as
# root with a BuildKit cache in root's home (the cache never reaches the image, and the
# app user never sees a root-owned cache), and hands what it wrote to the app user in
# the same layer, so the chown costs no second copy. Every package manager ends in the
# same place: a pinned requirements file installed into /opt/venv, a venv without pip
# (installers stay out of the image).
#
# The wheelhouse (`dockyard wheels`, for machines without an index) reaches the build
# through a cache mount of its own (id dockyard-wheelhouse, on /tmp/wheelhouse), never
# through the build context: `dockyard wheels` loads it there under the sha256 of the
# lock, so the code's path needs no step to keep it out of images, and a wheelhouse made
# for another lock is never used. Without one (online) the lock is exported inside the
# build and the index answers; where that fails, the step says to run `dockyard wheels`
# (a builder may drop its cache mounts: `docker builder prune`, garbage collection).
#
# The installer is uv (the image's, or one kept in the build cache), pip where uv cannot
# be had. With uv and a lock, the installed venv is kept in the build cache too: after
# a lock change the venv is restored from it and synced (`uv pip sync`: what the lock
# added is installed and compiled, what it dropped removed), so a rebuild installs the
# difference only. The kept venv (one per project name and target) is discarded when
# the interpreter changes; `uv pip sync` never removes uv itself: uv goes unless locked.
_EXPORT_UV = """\
    [ -n "$uv" ] || { echo "dockyard: uv.lock needs uv to export it" >&2; exit 1; }
    groups=""
    if [ "$kind" != dev ]; then groups=--no-dev; fi
    "$uv" export --frozen --no-hashes --no-emit-project $groups -o /tmp/requirements.txt
"""
_EXPORT_POETRY = """\
    groups=""
    if [ "$kind" = dev ]; then groups=--all-groups; fi
    python3 -m venv "$tools/poetry"
    "$tools/poetry/bin/pip" install -q poetry poetry-plugin-export
    "$tools/poetry/bin/poetry" export --without-hashes $groups -o /tmp/requirements.txt
"""
_EXPORT_PIP = """\
    python3 -c "import sys, tomllib; d = tomllib.load(open(\\"pyproject.toml\\", \\"rb\\")); \
r = list(d.get(\\"project\\", {}).get(\\"dependencies\\", [])); \
r += [x for x in d.get(\\"dependency-groups\\", {}).get(\\"dev\\", []) if isinstance(x, str)] \
if sys.argv[1] == \\"dev\\" else []; print(chr(10).join(r))" "$kind" > /tmp/requirements.txt
"""
# With a lock: the kept venv is synced in place (/opt/venv points at it meanwhile, so
# every path written stays /opt/venv), then copied into the layer once.
_SYNC = """\
    name=$(sed -n "s/^name *= *.\\([A-Za-z0-9._-]*\\).*/\\1/p" pyproject.toml | head -n 1)
    if [ -z "$name" ]; then name=project; fi
    keep="$tools/venv-$kind-$name"
    stamp="$(readlink -f "$(command -v python3)") $(python3 -V)"
    if [ "$(cat "$keep.stamp" 2>/dev/null)" != "$stamp" ]; then
        mkdir -p "$tools"
        rm -rf "$keep"
        python3 -m venv --without-pip /opt/venv
        cp -a /opt/venv "$keep"
        echo "$stamp" > "$keep.stamp"
    fi
    rm -rf /opt/venv
    ln -s "$keep" /opt/venv
    "$uv" pip sync --python /opt/venv/bin/python --allow-empty-requirements "$@" \
/tmp/requirements.txt
    if ! grep -qi "^uv==" /tmp/requirements.txt \
&& ls /opt/venv/lib/python*/site-packages/uv-*.dist-info >/dev/null 2>&1; then
        "$uv" pip uninstall -q --python /opt/venv/bin/python uv
    fi
    rm /opt/venv
    mkdir /opt/venv
    cp -a "$keep/." /opt/venv/
"""
# Without a lock (pip projects name ranges, not pins): a plain install.
_PLAIN = """\
    python3 -m venv --without-pip /opt/venv
    if grep -q "^[^#[:space:]]" /tmp/requirements.txt; then
        "$uv" pip install --python /opt/venv/bin/python "$@" -r /tmp/requirements.txt
    fi
"""
# An application (no build backend, nothing to install): a .pth file puts /app/src, or
# /app, on the path, decided when Python starts (the code may be bind-mounted). It needs
# no code, so it is written with the dependencies and nothing on the code's path runs.
_APPLICATION = """\
site=$(python3 -c "import site; print(site.getsitepackages()[0])")
echo "import os, sys; sys.path.append(\\"/app/src\\" if os.path.isdir(\\"/app/src\\") \
else \\"/app\\")" > "$site/dockyard-project.pth"
if grep -q "^\\[build-system\\]" pyproject.toml; then
    echo "dockyard: pyproject.toml names a build backend, and this Dockerfile was written \
for an application: the code is put on the path, not installed \
(layout.init --force writes one that installs it)"
fi
"""

#: The wheelhouse's cache mount (its id, and where the install steps mount it).
WHEELHOUSE_CACHE_ID = "dockyard-wheelhouse"
WHEELHOUSE_CACHE = "/tmp/wheelhouse"  # noqa: S108 (a path in the build container, not here)

#: The wheelhouse's requirement files: with the dev group, and without.
WHEELHOUSE_REQUIREMENTS = {True: "requirements-dev.txt", False: "requirements.txt"}

_MANAGERS: dict[str, tuple[str, str, str, str]] = {
    # files copied for the dependency step, the file the wheelhouse is keyed by (the
    # lock; pip projects have none), the export, the install
    "uv": ("pyproject.toml uv.lock", "uv.lock", _EXPORT_UV, _SYNC),
    "poetry": ("pyproject.toml poetry.lock", "poetry.lock", _EXPORT_POETRY, _SYNC),
    "pip": ("pyproject.toml", "pyproject.toml", _EXPORT_PIP, _PLAIN),
}


def wheelhouse_key_file(manager: Manager) -> str:
    """The file whose sha256 names the wheelhouse in the build cache."""
    return _MANAGERS[manager][1]


def install_script(manager: Manager, *, package: bool = True) -> str:
    """The install script the Dockerfile of ``manager`` writes in its installer stage.

    ``sh install.sh deps|project dev|prod`` (as root, HOST_UID/HOST_GID set).

    >>> install_script("uv").splitlines()[0]
    'set -eu'
    """
    _, key, export, install = _MANAGERS[manager]
    text = files("dockyard.templates").joinpath("install.sh").read_text(encoding="utf-8")
    text = text.replace("@@LOCK@@", key).replace("@@EXPORT@@\n", export)
    text = text.replace("@@INSTALL@@\n", install)
    return text.replace("@@APPLICATION@@\n", "" if package else _APPLICATION)


def _installer(script: str) -> str:
    """A RUN that writes ``script`` to /tmp/dockyard/install.sh, one quoted line each.

    The Dockerfile frontend of the engines in use knows no heredoc; ``printf '%s\\n'``
    with one argument per line writes the script byte for byte.
    """
    lines = script.rstrip("\n").replace("\\\n", "").split("\n")
    quoted = ("'" + line.replace("'", "'\"'\"'") + "'" for line in lines)
    body = "".join(f"    {line} \\\n" for line in quoted)
    return f"RUN mkdir -p /tmp/dockyard && printf '%s\\n' \\\n{body}    > /tmp/dockyard/install.sh"


_STAGES = {
    True: (
        "# Stages: base (user, venv outside every bind mount) -> development (dependencies\n"
        "# from the lock file with the dev group, the project installed editable from the\n"
        "# skeleton stage's copy of the code, then the code); builder -> production (no dev\n"
        "# dependencies). Both install with the script the installer stage writes."
    ),
    False: (
        "# Stages: base (user, venv outside every bind mount) -> development (dependencies\n"
        "# from the lock file with the dev group, then the code, put on the path: an\n"
        "# application is not installed); builder -> production (no dev dependencies).\n"
        "# Both install with the script the installer stage writes."
    ),
}


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
    if package_manager not in _MANAGERS:
        raise ValueError(f"unknown package manager {package_manager!r}")
    text = files("dockyard.templates").joinpath("Dockerfile").read_text(encoding="utf-8")
    text = _package_blocks(text, keep=package)
    script = install_script(package_manager, package=package)
    return (
        text.replace("@@PM@@", package_manager)
        .replace("@@STAGES@@", _STAGES[package])
        .replace("@@FILES@@", _MANAGERS[package_manager][0])
        .replace("@@INSTALLER@@", _installer(script))
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

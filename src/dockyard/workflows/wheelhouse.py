"""The wheelhouse: every wheel an image build needs, fetched on the host, from the lock.

Where containers cannot reach a package index (air-gapped machines, CI runners behind
a proxy, this project's own test machines), the image installs from ``docker/wheels``:

* ``requirements-dev.txt`` and ``requirements.txt``: the lock's pins with and without
  the dev group (``uv export``; Poetry's lock read directly, so no export plugin is
  needed; ``[project].dependencies`` and the dev group for pip projects);
* the wheels of both, built or downloaded by the host's pip (``pip wheel``);
* the wheels of ``[build-system].requires`` (and what backends ask for an editable
  install), so the project itself installs offline;
* then the folder is loaded into BuildKit's cache (the cache mount ``dockyard-wheelhouse``
  that the Dockerfile template's install steps use), under the sha256 of the lock: a
  one-step build through compose whose context is the folder. The template finds it
  there, so the build context never carries the wheelhouse (``.dockerignore`` leaves
  ``docker/wheels/`` out), no step on the code's path has to keep it out of images,
  and a wheelhouse made for another lock is never used.

Wheels are made for the host's Python: use a base image with the same minor version
(binary wheels of another version do not install). The load runs in the base image
(``BASE_IMAGE`` from the process environment or the default environment's env file).
A builder may drop its cache mounts (``docker builder prune``, its garbage collection):
the install step then says to run ``dockyard wheels`` again, which reloads the folder.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockyard.adapters.runner import Runner
from dockyard.domain.config import Settings
from dockyard.domain.envfiles import read_env_file
from dockyard.domain.templates import (
    WHEELHOUSE_CACHE,
    WHEELHOUSE_CACHE_ID,
    WHEELHOUSE_REQUIREMENTS,
    wheelhouse_key_file,
)
from dockyard.errors import ConfigError, DockyardError, PlanError
from dockyard.workflows.plans import Step

__all__ = [
    "WheelhousePlan",
    "base_image",
    "load_compose",
    "load_image",
    "plan_wheelhouse",
    "poetry_requirements",
    "run_wheelhouse",
]

FOLDER = "docker/wheels"
LOAD_FILE = "load.compose.yml"
DEFAULT_BASE_IMAGE = "python:3.13-slim"
_EDITABLE_EXTRAS = ("editables", "wheel")


@dataclass(frozen=True)
class WheelhousePlan:
    """Files to write and commands to run to fill the wheelhouse."""

    folder: Path
    manager: str
    writes: Mapping[Path, str]
    steps: tuple[Step, ...]

    def lines(self, relative: Any = str) -> list[str]:
        """The plan as text."""
        import shlex

        out = [f"plan: wheels ({self.manager}) into {relative(self.folder)}"]
        out += [f"  write {relative(path)}" for path in self.writes]
        for i, step in enumerate(self.steps, 1):
            out += [f"  {i}. {shlex.join(step.argv)}", f"     ({step.why})"]
        return out


def plan_wheelhouse(
    settings: Settings,
    python: str = sys.executable,
    *,
    environ: Mapping[str, str] | None = None,
    compose: Sequence[str] = ("docker", "compose"),
) -> WheelhousePlan:
    """Plan the wheelhouse of ``settings``' repository for its package manager.

    ``environ`` (the process environment) may name ``BASE_IMAGE``, the image the
    load into the build cache runs in; ``compose`` is the compose command.
    """
    root = settings.root
    folder = root / FOLDER
    pyproject = _pyproject(root)
    manager = settings.detected_package_manager()
    dev, prod = (folder / WHEELHOUSE_REQUIREMENTS[flag] for flag in (True, False))
    writes: dict[Path, str] = {}
    steps: list[Step] = []
    if manager == "uv":
        export = (_uv(python), "export", "--frozen", "--no-hashes", "--no-emit-project", "-q")
        steps += [
            Step((*export, "-o", str(dev)), "the lock's pins, dev group included"),
            Step((*export, "--no-dev", "-o", str(prod)), "the lock's pins, no dev group"),
        ]
    elif manager == "poetry":
        lock = _toml(root / "poetry.lock")
        writes[dev] = poetry_requirements(lock, dev=True)
        writes[prod] = poetry_requirements(lock, dev=False)
    else:
        project = pyproject.get("project", {})
        runtime = [str(r) for r in project.get("dependencies", [])]
        group = pyproject.get("dependency-groups", {}).get("dev", [])
        writes[dev] = _lines([*runtime, *(r for r in group if isinstance(r, str))])
        writes[prod] = _lines(runtime)
    pip = (python, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "-w", str(folder))
    steps.append(Step((*pip, "-r", str(dev)), "wheels of every pinned package"))
    backend = [str(r) for r in pyproject.get("build-system", {}).get("requires", [])]
    if backend:
        # what backends ask for an editable install (hatchling: editables; older
        # setuptools: wheel) is not in [build-system]: fetched too, both are small
        extra = [name for name in _EDITABLE_EXTRAS if name not in " ".join(backend)]
        steps.append(
            Step((*pip, *backend, *extra), "the build backend, to install the project offline")
        )
    key = _digest(root / wheelhouse_key_file(manager))
    base = base_image(settings, environ)
    load = folder / LOAD_FILE
    checkout = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    writes[load] = load_compose(key, base, nonce=str(time.time_ns()), checkout=checkout)
    project = ("-p", f"dockyard-wheels-{key[:12]}", "-f", str(load))
    steps += [
        Step((*compose, *project, "build"), "load the wheelhouse into the build cache"),
        Step(("docker", "image", "rm", "-f", load_image(key)), "drop the load's image tag"),
    ]
    return WheelhousePlan(folder, manager, writes, tuple(steps))


def load_image(key: str) -> str:
    """The tag of the image the load builds (removed afterwards: only the cache matters)."""
    return f"dockyard-wheels-load:{key[:12]}"


def load_compose(key: str, base: str, *, nonce: str, checkout: str = "") -> str:
    """A compose file whose build copies the folder into ``WHEELHOUSE_CACHE/<key>``.

    The cache mount is the one the Dockerfile template's install steps use (same id,
    ``locked`` as there, so one record serves both). ``nonce`` makes the step run every
    time, so a cache that lost the folder gets it back. A checkout keeps one wheelhouse
    (``checkout`` names it): the one loaded before, for an older lock, goes, and so do
    wheelhouses not loaded for 30 days. Every ``$`` is doubled: compose interpolates.
    """
    home = f"{WHEELHOUSE_CACHE}/{key}"
    return (
        "# written by `dockyard wheels`: loads this folder into the build cache\n"
        "services:\n"
        "  wheelhouse:\n"
        f"    image: {load_image(key)}\n"
        "    build:\n"
        "      context: .\n"
        "      dockerfile_inline: |\n"
        f"        FROM {base}\n"
        "        USER root\n"
        f"        RUN --mount=type=cache,id={WHEELHOUSE_CACHE_ID},target={WHEELHOUSE_CACHE},"
        "sharing=locked \\\n"
        "            --mount=type=bind,target=/tmp/load \\\n"
        f"            set -eu; cd {WHEELHOUSE_CACHE}; \\\n"
        "            for old in */; do \\\n"
        f'                if [ "$$(cat "$${{old}}checkout" 2>/dev/null)" = "{checkout}" ] \\\n'
        '                    || [ -n "$$(find "$$old" -maxdepth 0 -mtime +30 2>/dev/null)" ]; \\\n'
        "                then \\\n"
        '                    rm -rf "$$old"; \\\n'
        "                fi; \\\n"
        "            done; \\\n"
        f"            rm -rf {key}.new; mkdir {key}.new; \\\n"
        "            find /tmp/load -maxdepth 1 -type f \\\n"
        "                \\( -name '*.whl' -o -name 'requirements*.txt' \\) \\\n"
        f"                -exec cp {{}} {key}.new/ \\; ; \\\n"
        f"            echo {checkout} > {key}.new/checkout; \\\n"
        f"            rm -rf {key}; mv {key}.new {key}; \\\n"
        f"            echo 'dockyard: wheelhouse loaded into {home} (load {nonce})'\n"
    )


def base_image(settings: Settings, environ: Mapping[str, str] | None) -> str:
    """``BASE_IMAGE`` of the process environment (``environ``; ``os.environ`` when
    None), else of the default environment's env file, else the template's default."""
    environ = os.environ if environ is None else environ
    if environ.get("BASE_IMAGE"):
        return environ["BASE_IMAGE"]
    try:
        path = settings.environment().env_file
    except DockyardError:
        return DEFAULT_BASE_IMAGE
    if not path.is_file():
        return DEFAULT_BASE_IMAGE
    value = read_env_file(path).values().get("BASE_IMAGE")
    return value or DEFAULT_BASE_IMAGE


def _digest(path: Path) -> str:
    """sha256 of the file the template keys the wheelhouse by (``sha256sum`` there)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        raise PlanError(f"{path.name} not found: lock the project first") from None


def run_wheelhouse(
    plan: WheelhousePlan, runner: Runner, environ: Mapping[str, str], cwd: Path
) -> list[str]:
    """Carry out ``plan``; return the wheel files the folder holds afterwards."""
    plan.folder.mkdir(parents=True, exist_ok=True)
    for path, text in plan.writes.items():
        path.write_text(text, encoding="utf-8")
    for step in plan.steps:
        runner.run(step.argv, env=environ, cwd=cwd, timeout=1800.0)
    return sorted(p.name for p in plan.folder.glob("*.whl"))


def poetry_requirements(lock: Mapping[str, Any], *, dev: bool) -> str:
    """``name==version ; markers`` lines of a poetry.lock (with or without dev groups).

    Lock format 2.1 (Poetry 2) lists each package's ``groups``; older locks have a
    ``category``. Without ``dev``, only packages of the ``main`` group are kept.
    """
    lines = []
    for package in lock.get("package", []):
        groups = package.get("groups") or [package.get("category", "main")]
        if not dev and "main" not in groups:
            continue
        line = f"{package['name']}=={package['version']}"
        markers = package.get("markers")
        if isinstance(markers, Mapping):
            markers = markers.get("main") if not dev or "main" in markers else None
        if isinstance(markers, str) and markers:
            line += f" ; {markers}"
        lines.append(line)
    return _lines(lines)


def _uv(python: str) -> str:
    """uv beside the interpreter (a venv that has it, unactivated), else from PATH."""
    beside = Path(python).parent / "uv"
    return str(beside) if beside.is_file() else "uv"


def _lines(items: list[str]) -> str:
    header = "# written by `dockyard wheels`: the packages the image installs offline\n"
    return header + "".join(f"{item}\n" for item in items)


def _pyproject(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        raise PlanError("pyproject.toml not found: the wheelhouse is made from it and its lock")
    return _toml(path)


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise PlanError(f"{path.name} not found: lock the project first") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", source=path.name) from None

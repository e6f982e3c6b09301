"""dockyard's Invoke collections, and the namespace that holds them all."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from invoke.collection import Collection

from dockyard.surfaces.tasks import check, devcontainer, doctor, env, layout, stack, venv, wheels

__all__ = [
    "build_namespace",
    "check",
    "devcontainer",
    "doctor",
    "env",
    "layout",
    "stack",
    "venv",
    "wheels",
]

_ENV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")  # as domain.config checks it


def build_namespace(environments: Iterable[str] | None = None) -> Collection:
    """A fresh root collection with every dockyard sub-collection.

    ``environments`` names the per-environment collections (dev, test, ci, ...);
    by default they are read from the configuration of the repository around the
    current folder. A broken configuration still gives the default ones, so the
    error surfaces as one line when a task runs rather than when tasks are listed.
    """
    ns = Collection()
    ns.add_collection(env.collection())
    ns.add_collection(layout.collection())
    ns.add_task(check.check)
    ns.add_task(doctor.doctor)
    ns.add_collection(venv.collection())
    ns.add_task(wheels.wheels)
    ns.add_task(devcontainer.devcontainer)
    for name in environments if environments is not None else _configured_environments():
        if name not in ns.collections:
            ns.add_collection(stack.collection_for(name))
    return ns


def _configured_environments() -> list[str]:
    """Environment names for the collections, read with tomllib alone.

    Listing tasks must stay as fast as bare Invoke, so this reads only file names
    (the environments a flat repository's compose files make, see
    :mod:`dockyard.domain.discovery`) and ``[tool.dockyard.environments]`` of the root's
    pyproject.toml (the full, validated configuration is loaded when a task runs, and
    reports any error then).
    """
    import tomllib

    from dockyard.domain import DEFAULT_ENVIRONMENTS
    from dockyard.domain.discovery import discover_names, find_root

    root = find_root(Path(os.environ.get("DOCKYARD_ROOT") or Path.cwd()))
    path = root / "pyproject.toml"
    standard = any((root / "compose").glob("docker-compose.*.yml"))
    found = [] if standard else discover_names(root)
    names = dict.fromkeys(found or DEFAULT_ENVIRONMENTS, True)
    from dockyard.adapters.files import read_text
    from dockyard.errors import ConfigError

    try:  # bounded: a FIFO or /dev/zero here is reported when a task runs
        data = tomllib.loads(read_text(path, what="config"))
        tables = data["tool"]["dockyard"]["environments"]
        for name, table in tables.items():
            if _ENV_NAME.match(str(name)):  # a bad name is reported when a task runs
                names[str(name)] = bool(table.get("enabled", True))
    except (
        OSError,
        ConfigError,
        tomllib.TOMLDecodeError,
        KeyError,
        TypeError,
        AttributeError,
    ):
        pass
    return [name for name, enabled in names.items() if enabled]

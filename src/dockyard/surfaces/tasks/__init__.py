"""dockyard's Invoke collections, and the namespace that holds them all."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from invoke.collection import Collection

from dockyard.surfaces.tasks import check, env, stack, venv

__all__ = ["build_namespace", "check", "env", "stack", "venv"]


def build_namespace(environments: Iterable[str] | None = None) -> Collection:
    """A fresh root collection with every dockyard sub-collection.

    ``environments`` names the per-environment collections (dev, test, ci, ...);
    by default they are read from the configuration of the repository around the
    current folder. A broken configuration still gives the default ones, so the
    error surfaces as one line when a task runs rather than when tasks are listed.
    """
    ns = Collection()
    ns.add_collection(env.collection())
    ns.add_task(check.check)
    ns.add_collection(venv.collection())
    for name in environments if environments is not None else _configured_environments():
        if name not in ns.collections:
            ns.add_collection(stack.collection_for(name))
    return ns


def _configured_environments() -> list[str]:
    from dockyard.domain.config import DEFAULT_ENVIRONMENTS, find_root, load_settings
    from dockyard.errors import DockyardError

    root = Path(os.environ.get("DOCKYARD_ROOT") or find_root(Path.cwd()))
    try:
        return list(load_settings(root, environ=os.environ).environments)
    except DockyardError:
        return list(DEFAULT_ENVIRONMENTS)

"""dockyard's checks: a registry of static and live checks, each with a stable id.

:func:`default_registry` gives every built-in check. A module of checks defines a
:class:`CheckSet` named ``CHECKS`` and is listed in :data:`MODULES`::

    from dockyard.domain.checks import default_registry
    registry = default_registry()
    [check.id for check in registry.select(only=["DF*"])]   # ['DF001', 'DF002', 'DF003']
"""

from __future__ import annotations

import importlib

from dockyard.domain.checks.context import BuildSpec, CheckContext, ComposeFile, LiveData
from dockyard.domain.checks.registry import (
    Check,
    CheckResult,
    CheckSet,
    Hit,
    Kind,
    Registry,
    SkipCheck,
    Status,
)

__all__ = [
    "MODULES",
    "BuildSpec",
    "Check",
    "CheckContext",
    "CheckResult",
    "CheckSet",
    "ComposeFile",
    "Hit",
    "Kind",
    "LiveData",
    "Registry",
    "SkipCheck",
    "Status",
    "default_registry",
]

#: Modules whose ``CHECKS`` make up the default registry, in report order.
MODULES: tuple[str, ...] = (
    "dockyard.domain.checks.dockerfile",
    "dockyard.domain.checks.compose",
    "dockyard.domain.checks.dockerignore",
    "dockyard.domain.checks.envfiles",
    "dockyard.domain.checks.lockfile",
    "dockyard.domain.checks.gitfiles",
    "dockyard.domain.checks.precommit",
    "dockyard.domain.checks.venv",
    "dockyard.domain.checks.live",
)


def default_registry() -> Registry:
    """A fresh registry holding every built-in check (no global state is shared)."""
    registry = Registry()
    for name in MODULES:
        registry.extend(importlib.import_module(name).CHECKS.checks)
    return registry

"""Layout plans: scaffold the standard layout, migrate a flat one.

Pure planning (it reads the tree, never writes it): :func:`plan_init` and
:func:`plan_migrate` return a :class:`Plan`, an ordered list of steps that
``dockyard.workflows.layout`` carries out with a journal and backups.
"""

from __future__ import annotations

from dockyard.domain.layout.migrate import (
    FlatLayout,
    detect_flat,
    dockerfile_proposal,
    plan_migrate,
)
from dockyard.domain.layout.plan import (
    Conflict,
    Edit,
    Mkdir,
    Move,
    Plan,
    Step,
    Write,
    digest,
    step_from_json,
    step_to_json,
)
from dockyard.domain.layout.scaffold import plan_init

__all__ = [
    "Conflict",
    "Edit",
    "FlatLayout",
    "Mkdir",
    "Move",
    "Plan",
    "Step",
    "Write",
    "detect_flat",
    "digest",
    "dockerfile_proposal",
    "plan_init",
    "plan_migrate",
    "step_from_json",
    "step_to_json",
]

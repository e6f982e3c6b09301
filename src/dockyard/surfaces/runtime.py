"""What a task needs from the world: a runner, the process environment, a start folder.

Tasks get it from their Invoke context: tests (and teams embedding dockyard) put a
:class:`Runtime` under the ``dockyard_runtime`` config key; otherwise the real one is
used. The ``dockyard`` section of Invoke's config feeds :func:`settings_for`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from invoke.context import Context

from dockyard.adapters.runner import Runner, SubprocessRunner
from dockyard.domain.config import Settings, find_root, load_settings

__all__ = ["Runtime", "runtime_for", "settings_for"]


@dataclass(frozen=True)
class Runtime:
    """Injectable process-level inputs of a task."""

    runner: Runner = field(default_factory=SubprocessRunner)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path = field(default_factory=Path.cwd)

    def __copy__(self) -> Runtime:  # Invoke copies config values; share this one
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Runtime:
        return self


def runtime_for(c: Context) -> Runtime:
    """The context's :class:`Runtime`, or the real one."""
    value = c.config.get("dockyard_runtime")
    return value if isinstance(value, Runtime) else Runtime()


def settings_for(c: Context, **overrides: Any) -> Settings:
    """Settings of the repository around the current folder, all sources merged."""
    runtime = runtime_for(c)
    root_override = runtime.environ.get("DOCKYARD_ROOT")
    root = Path(root_override) if root_override else find_root(runtime.cwd)
    section = c.config.get("dockyard") or {}
    return load_settings(
        root,
        invoke_config=_plain(section),
        environ=runtime.environ,
        overrides=overrides,
    )


def _plain(value: Any) -> Any:
    """Invoke's DataProxy objects as plain dicts, for validation."""
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    return value

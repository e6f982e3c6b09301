"""dockyard: Invoke tasks and nox sessions for Python projects developed with Docker compose.

The library never prints and never exits; see :mod:`dockyard.errors` for what it raises.
"""

from __future__ import annotations

from dockyard.errors import (
    CommandError,
    CommandNotFoundError,
    CommandTimeoutError,
    ConfigError,
    DockyardError,
    EngineError,
    EnvFileError,
    PlanError,
    UsageError,
)

__version__ = "0.1.0"

__all__ = [
    "CommandError",
    "CommandNotFoundError",
    "CommandTimeoutError",
    "ConfigError",
    "DockyardError",
    "EngineError",
    "EnvFileError",
    "PlanError",
    "UsageError",
    "__version__",
]

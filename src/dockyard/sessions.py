"""Public nox surface: ``import dockyard.sessions; dockyard.sessions.install()``."""

from __future__ import annotations

from dockyard.surfaces.sessions import MISSING, install

__all__ = ["MISSING", "install"]

"""Public nox surface: ``import dockyard.sessions; dockyard.sessions.install()``."""

from __future__ import annotations

from dockyard.surfaces.sessions import install

__all__ = ["install"]

"""Public Invoke surface: ``from dockyard.tasks import namespace``.

``namespace`` is the whole collection; the sub-collections (``env``, ...) and
:func:`build_namespace` are here for teams that compose their own.
"""

from __future__ import annotations

from dockyard.surfaces.tasks import build_namespace, env, layout

__all__ = ["build_namespace", "env", "layout", "namespace"]

namespace = build_namespace()

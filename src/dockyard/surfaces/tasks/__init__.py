"""dockyard's Invoke collections, and the namespace that holds them all."""

from __future__ import annotations

from invoke.collection import Collection

from dockyard.surfaces.tasks import env, layout

__all__ = ["build_namespace", "env", "layout"]


def build_namespace() -> Collection:
    """A fresh root collection with every dockyard sub-collection."""
    ns = Collection()
    ns.add_collection(env.collection())
    ns.add_collection(layout.collection())
    return ns

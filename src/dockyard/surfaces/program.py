"""The ``dockyard`` program: Invoke over dockyard's namespace, no tasks.py needed."""

from __future__ import annotations

from invoke.program import Program

from dockyard import __version__
from dockyard.surfaces.tasks import build_namespace

__all__ = ["main", "program"]

program = Program(
    namespace=build_namespace(),
    name="dockyard",
    binary="dockyard",
    binary_names=["dockyard"],
    version=__version__,
)


def main() -> None:
    """Console-script entry point."""
    program.run()

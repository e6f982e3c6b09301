"""The ``dockyard`` program: Invoke over dockyard's namespace, no tasks.py needed."""

from __future__ import annotations

from invoke.exceptions import Exit, ParseError
from invoke.program import Program

from dockyard import __version__
from dockyard.surfaces.tasks import build_namespace

__all__ = ["DockyardProgram", "main"]


class DockyardProgram(Program):
    """Invoke's Program, with command-line mistakes exiting 2 like every usage error."""

    def parse_core(self, argv: list[str] | None) -> None:
        try:
            super().parse_core(argv)
        except ParseError as exc:
            raise Exit(f"dockyard: error: {exc}", code=2) from None

    def parse_collection(self) -> None:
        """Load the repository's Invoke project configuration (``invoke.yaml`` at the
        root) as a tasks.py would: its ``dockyard`` section configures dockyard."""
        super().parse_collection()
        import os
        from pathlib import Path

        from dockyard.domain.config import find_root

        override = os.environ.get("DOCKYARD_ROOT")
        root = Path(override) if override else find_root(Path.cwd())
        self.config.set_project_location(str(root))
        self.config.load_project()

    def parse_tasks(self) -> None:
        try:
            super().parse_tasks()
        except ParseError as exc:
            raise Exit(f"dockyard: error: {exc}", code=2) from None


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: build the namespace for this folder and run."""
    program = DockyardProgram(
        namespace=build_namespace(),
        name="dockyard",
        binary="dockyard",
        binary_names=["dockyard"],
        version=__version__,
    )
    program.run(argv)

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

    def parse_tasks(self) -> None:
        try:
            super().parse_tasks()
        except ParseError as exc:
            raise Exit(f"dockyard: error: {exc}", code=2) from None


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: build the namespace for this folder and run."""
    from dockyard.surfaces.runtime import install_process_guards

    install_process_guards()  # SIGINT/SIGTERM as Ctrl-C; masked stdout/stderr
    program = DockyardProgram(
        namespace=build_namespace(),
        name="dockyard",
        binary="dockyard",
        binary_names=["dockyard"],
        version=__version__,
    )
    program.run(argv)

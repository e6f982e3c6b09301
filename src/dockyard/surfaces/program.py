"""The ``dockyard`` program: Invoke over dockyard's namespace, no tasks.py needed.

What it changes in Invoke's behaviour, so that a first try does not fall into a trap:

* a command-line mistake exits 2, and a mistyped task name lists the closest names;
* Invoke's core ``--dry`` (which only echoes ``c.run`` commands, and dockyard's tasks
  run none, so it would act for real) is refused: every task has ``--dry-run``;
* output to a pipe that closes early (``dockyard --help | head``) ends quietly.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Iterable
from typing import Any

from dockyard.surfaces.startup import lean_imports

with lean_imports():  # Invoke without unittest.mock and importlib.metadata: see startup
    from invoke.exceptions import Exit, ParseError
    from invoke.parser.argument import Argument
    from invoke.parser.context import ParserContext
    from invoke.parser.parser import Parser
    from invoke.program import Program

from dockyard import __version__
from dockyard.surfaces.tasks import build_namespace

__all__ = ["DockyardProgram", "main", "suggest"]

EXIT_USAGE = 2
EXIT_PIPE = 141  # what a shell reports for a program ended by SIGPIPE
_UNKNOWN = re.compile(r"^No idea what '(?P<word>.+)' is!$")
_DRY_REFUSED = (
    "dockyard: error: --dry is not supported: Invoke's --dry only echoes shell commands, "
    "and dockyard's tasks would still act; use the task's own --dry-run "
    "(for example `dockyard dev.down --dry-run`)"
)


def suggest(word: str, names: Iterable[str], limit: int = 3) -> list[str]:
    """The known names closest to ``word`` (a mistyped task), best first.

    >>> suggest("dev.pu", ["dev.up", "dev.down", "test.up"])
    ['dev.up', 'test.up']
    """
    names = sorted(set(names))
    close = difflib.get_close_matches(word, names, n=limit, cutoff=0.6)
    if not close and "." in word:  # a right task in a mistyped collection, or vice versa
        head, _, tail = word.partition(".")
        close = [n for n in names if n.endswith(f".{tail}") or n.startswith(f"{head}.")]
    return close[:limit]


class DockyardProgram(Program):
    """Invoke's Program with dockyard's command-line behaviour (see the module doc)."""

    def core_args(self) -> list[Argument]:
        args = super().core_args()
        for arg in args:
            if arg.name == "dry":
                arg.help = "Refused by dockyard: use a task's --dry-run."
        return args

    def parse_core(self, argv: list[str] | None) -> None:
        try:
            super().parse_core(argv)
        except ParseError as exc:
            raise self._usage(exc) from None

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

    def _make_parser(self) -> Parser:
        """A parser that knows the tasks the command line names (every task when none).

        Invoke's parser copies every context it is given; a command names one or two
        of dockyard's fifty tasks. Any word that names a task brings that task's
        context, so the parse is the one the whole namespace gives: a word naming no
        task is an option's value or a mistake, reported the same either way.
        """
        words = set(self.core.unparsed)
        names = self.collection.task_names
        wanted = [p for p, aliases in names.items() if p in words or words.intersection(aliases)]
        if not wanted:
            return super()._make_parser()
        ignore = self.config.tasks.ignore_unknown_help
        contexts = [
            ParserContext(
                name=primary,
                aliases=names[primary],
                args=self.collection[primary].get_arguments(ignore_unknown_help=ignore),
            )
            for primary in wanted
        ]
        return Parser(initial=self.initial_context, contexts=contexts)

    def parse_tasks(self) -> None:
        try:
            super().parse_tasks()
        except ParseError as exc:
            raise self._usage(exc) from None
        if self.args.dry.value:
            raise Exit(_DRY_REFUSED, code=EXIT_USAGE)

    def parse_cleanup(self) -> None:
        try:
            super().parse_cleanup()
        except ParseError as exc:
            raise self._usage(exc) from None

    def run(self, argv: list[str] | None = None, exit: bool = True) -> None:
        argv = _help_first(list(sys.argv if argv is None else argv), self.namespace)
        try:
            super().run(argv, exit)
            sys.stdout.flush()
        except BrokenPipeError:
            # the reader went away (`| head`): no traceback, and no second error when
            # Python flushes stdout at exit
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(EXIT_PIPE)

    def _usage(self, exc: ParseError) -> Exit:
        message = f"dockyard: error: {exc}"
        unknown = _UNKNOWN.match(str(exc))
        if unknown and not unknown["word"].startswith("-"):
            close = suggest(unknown["word"], self._task_names())
            # one line, as every usage error: the closest names, then where the rest are
            if close:
                message += f" Did you mean {', '.join(close)}?"
            message += " (`dockyard --list` shows every task)"
        return Exit(message, code=EXIT_USAGE)

    def _task_names(self) -> list[str]:
        collection = getattr(self, "collection", None) or self.namespace
        if collection is None:
            return []
        return [*collection.task_names, *(a for v in collection.task_names.values() for a in v)]


def _help_first(argv: list[str], namespace: Any) -> list[str]:
    """``TASK --help`` as ``--help TASK``: Invoke's parser would take ``--help`` as the
    value of a task's positional argument (``env.explain --help``)."""
    for index, word in enumerate(argv[2:], start=2):
        if word in ("-h", "--help") and namespace is not None:
            task = argv[index - 1]
            if task in namespace.task_names or any(
                task in aliases for aliases in namespace.task_names.values()
            ):
                return [argv[0], *argv[1 : index - 1], word, task, *argv[index + 1 :]]
            break
    return argv


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

"""dockyard's exceptions: one small tree, each error carrying structured data.

The library raises these and never prints or exits; the surfaces (Invoke tasks,
the ``dockyard`` program, nox sessions) turn them into one line of text and the
error's :attr:`DockyardError.exit_code`. The exit-code contract, one for every
command::

    0    ok
    1    findings, or a command that ran and failed (EXIT_FAILED)
    2    bad input, or could not run: no engine, no compose, no file (EXIT_BAD_INPUT)
    130  interrupted (Ctrl-C, SIGINT or SIGTERM); cleanup done (EXIT_INTERRUPTED)

The tree::

    DockyardError                 exit 2 unless noted
    ├── UsageError                a bad argument (an env name that is a path, ...)
    ├── ConfigError               a bad key or value in a configuration source, or an
    │   │                         input file that cannot be used (too large, binary,
    │   │                         a FIFO or device, unreadable)
    │   └── EnvFileError          an env file that is missing, unreadable or malformed
    ├── EngineError               the Docker engine cannot be reached or used
    ├── PlanError                 a plan that cannot be made or carried out safely
    └── CommandError              a subprocess failed                   (exit 1)
        ├── CommandNotFoundError  the program is not on PATH            (exit 2)
        └── CommandTimeoutError   the program outlived its timeout      (exit 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "CommandError",
    "CommandNotFoundError",
    "CommandTimeoutError",
    "ConfigError",
    "DockyardError",
    "EngineError",
    "EnvFileError",
    "PlanError",
    "UsageError",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class DockyardError(Exception):
    """Base class of every error dockyard raises on purpose."""

    exit_code: int = EXIT_BAD_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(DockyardError):
    """A command-line argument or function argument is not acceptable.

    ``argument`` names it (``--env``) so the message can point at it.
    """

    def __init__(self, message: str, *, argument: str | None = None) -> None:
        if argument and argument not in message:
            message = f"{argument}: {message}"
        super().__init__(message)
        self.argument = argument


class ConfigError(DockyardError):
    """A configuration source holds an unknown key or a value of the wrong type."""

    def __init__(
        self, message: str, *, source: str, key: str | None = None, line: int | None = None
    ) -> None:
        where = f"{source}:{line}" if line is not None else source
        DockyardError.__init__(self, f"{where}: {message}")
        self.source = source
        self.key = key
        self.line = line
        self.detail = message


class EnvFileError(ConfigError):
    """An env file cannot be used: missing, a directory, unreadable, undecodable."""

    def __init__(self, message: str, *, path: Path, line: int | None = None) -> None:
        super().__init__(message, source=str(path), line=line)
        self.path = path


class EngineError(DockyardError):
    """The Docker engine is not running, not reachable, or refuses access."""


class PlanError(DockyardError):
    """A plan (layout migration, venv relocation, ownership repair) cannot proceed."""


class CommandError(DockyardError):
    """A subprocess exited non-zero. Carries argv, return code and the tail of stderr."""

    exit_code = EXIT_FAILED

    def __init__(
        self,
        argv: Sequence[str],
        returncode: int,
        stderr_tail: str = "",
        *,
        message: str | None = None,
    ) -> None:
        self.argv = tuple(argv)
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        if message is None:
            message = f"`{_show(self.argv)}` exited with status {returncode}"
            last = _last_line(stderr_tail)
            if last:
                message += f": {last}"
        super().__init__(message)


class CommandNotFoundError(CommandError):
    """The program to run is not on PATH."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, program: str) -> None:
        super().__init__(
            (program,), 127, message=f"`{program}` not found on PATH; is it installed?"
        )
        self.program = program


class CommandTimeoutError(CommandError):
    """The program did not finish within its timeout and was killed."""

    def __init__(self, argv: Sequence[str], timeout: float, stderr_tail: str = "") -> None:
        super().__init__(
            argv,
            -9,
            stderr_tail,
            message=f"`{_show(tuple(argv))}` did not finish within {timeout:g} s and was stopped",
        )
        self.timeout = timeout


def _show(argv: Sequence[str]) -> str:
    import shlex

    return shlex.join(argv)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""

"""The one process runner every subprocess of dockyard goes through.

* argv lists only: no ``shell=True``, no command strings;
* the program is found with :func:`shutil.which` on the *given* environment's PATH;
* a timeout on every call (``None`` only for interactive commands);
* the environment is passed explicitly, never inherited by accident;
* failures raise :class:`~dockyard.errors.CommandError` carrying argv, return code and
  the tail of stderr.

Code that needs to run something takes a :class:`Runner` argument, so unit tests
pass :class:`dockyard.testing.FakeRunner` and need no Docker.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from dockyard.errors import CommandError, CommandNotFoundError, CommandTimeoutError

__all__ = ["DEFAULT_TIMEOUT", "Completed", "Runner", "SubprocessRunner", "tail"]

log = logging.getLogger("dockyard.runner")

#: Seconds a command may run unless the caller says otherwise.
DEFAULT_TIMEOUT = 600.0
_TAIL_LINES = 20


@dataclass(frozen=True)
class Completed:
    """What a finished command left behind."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class Runner(Protocol):
    """Runs one command. Implementations: :class:`SubprocessRunner`, ``FakeRunner``."""

    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        check: bool = True,
        capture: bool = True,
        stdin: str | None = None,
        on_output: Callable[[str], None] | None = None,
    ) -> Completed:
        """Run ``argv``.

        ``capture=False``: the child shares this terminal (interactive commands).
        ``on_output``: stdout and stderr, merged, are handed over line by line as they
        come (the caller shows them) and kept, so a failure still carries its tail.
        """
        ...


def tail(text: str, lines: int = _TAIL_LINES) -> str:
    """The last ``lines`` lines of ``text``: what an error message should carry."""
    return "\n".join(text.splitlines()[-lines:])


def _stream_impl(
    program: str,
    *,
    argv: tuple[str, ...],
    env: Mapping[str, str],
    cwd: Path | None,
    timeout: float | None,
    check: bool,
    on_output: Callable[[str], None],
) -> Completed:
    import time

    deadline = None if timeout is None else time.monotonic() + timeout
    lines: list[str] = []
    with subprocess.Popen(
        [program, *argv[1:]],
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as proc:
        if proc.stdout is None:  # pragma: no cover - stdout=PIPE always gives one
            raise RuntimeError("no stdout pipe")
        try:
            for line in proc.stdout:
                lines.append(line)
                del lines[:-200]
                on_output(line.rstrip("\n"))
                if deadline is not None and time.monotonic() > deadline:
                    proc.kill()
                    raise CommandTimeoutError(argv, timeout or 0.0, tail("".join(lines)))
            returncode = proc.wait()
        except BaseException:
            proc.kill()
            raise
    output = "".join(lines)
    if check and returncode != 0:
        raise CommandError(argv, returncode, tail(output))
    return Completed(argv, returncode, output, "")


class SubprocessRunner:
    """Run commands with :mod:`subprocess`, one at a time, as argv lists."""

    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        check: bool = True,
        capture: bool = True,
        stdin: str | None = None,
        on_output: Callable[[str], None] | None = None,
    ) -> Completed:
        if isinstance(argv, str) or not argv:
            raise TypeError("argv must be a non-empty sequence of strings, not a string")
        argv = tuple(argv)
        program = shutil.which(argv[0], path=env.get("PATH", os.defpath))
        if program is None:
            raise CommandNotFoundError(argv[0])
        log.debug("run: %s (cwd=%s)", shlex.join(argv), cwd or ".")
        if on_output is not None:
            return _stream_impl(
                program,
                argv=argv,
                env=env,
                cwd=cwd,
                timeout=timeout,
                check=check,
                on_output=on_output,
            )
        try:
            proc = subprocess.run(
                [program, *argv[1:]],
                env=dict(env),
                cwd=cwd,
                timeout=timeout,
                input=stdin,
                capture_output=capture,
                text=True,
                errors="replace",
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise CommandTimeoutError(argv, timeout or 0.0, tail(_text(exc.stderr))) from None
        done = Completed(argv, proc.returncode, proc.stdout or "", proc.stderr or "")
        if check and not done.ok:
            raise CommandError(argv, done.returncode, tail(done.stderr))
        return done


def _text(data: str | bytes | None) -> str:
    if data is None:
        return ""
    if isinstance(data, bytes):
        return data.decode(errors="replace")
    return data

"""The one process runner every subprocess of dockyard goes through.

* argv lists only: no ``shell=True``, no command strings;
* the program is found with :func:`shutil.which` on the *given* environment's PATH;
* a timeout on every call (``None`` only for interactive commands);
* the environment is passed explicitly, never inherited by accident;
* failures raise :class:`~dockyard.errors.CommandError` carrying argv, return code and
  the tail of stderr;
* a non-interactive child runs in a process group of its own; the deadline holds
  whether or not it prints; on timeout its group is killed; on an interrupt
  (KeyboardInterrupt) its group gets SIGINT, a grace period and SIGKILL, and the
  interrupt goes on up, never turned into a :class:`CommandError`.

Code that needs to run something takes a :class:`Runner` argument, so unit tests
pass :class:`dockyard.testing.FakeRunner` and need no Docker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

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


_KEPT_LINES = 200  # of streamed output, for the error's tail and Completed.stdout
_LONGEST_LINE = 1024 * 1024  # bytes of a line without end before it is handed over
_DRAIN = 1.0  # seconds to read what is left in the pipes after the child exited
_GRACE = 10.0  # seconds an interrupted child gets to stop before it is killed
_POLL = 0.1


def _run_grouped(
    program: str,
    *,
    argv: tuple[str, ...],
    env: Mapping[str, str],
    cwd: Path | None,
    timeout: float | None,
    check: bool,
    stdin: str | None,
    on_output: Callable[[str], None] | None,
) -> Completed:
    """Run a non-interactive child in a process group of its own.

    This thread multiplexes the child's stdout and stderr (merged when ``on_output``
    is given) with a selector and watches the deadline, so a child that prints
    nothing still times out. On timeout the group is killed; on KeyboardInterrupt
    (Ctrl-C, or SIGINT/SIGTERM turned into one by the program) the group gets SIGINT,
    :data:`_GRACE` seconds to stop, then SIGKILL, and the interrupt goes on up: it is
    never reported as the command's failure. A grandchild left holding the pipes
    after the child exited is not waited for.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    merged = on_output is not None
    proc = subprocess.Popen(
        [program, *argv[1:]],
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merged else subprocess.PIPE,
        process_group=0,
    )
    if stdin is not None and proc.stdin is not None:
        feeder = threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True)
        feeder.start()
    # streamed output was shown as it came: keep its tail only (a long `up` or `logs`)
    output = _Collector(on_output, keep=_KEPT_LINES if merged else None)
    try:
        _pump(proc, output, argv=argv, deadline=deadline, timeout=timeout)
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            returncode = proc.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise CommandTimeoutError(argv, timeout or 0.0, output.tail()) from None
    except KeyboardInterrupt:
        _stop_group(proc)
        raise
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
    if check and returncode != 0:
        raise CommandError(argv, returncode, output.tail())
    return Completed(argv, returncode, output.text(1), output.text(2))


class _Collector:
    """Lines of a child's streams: handed to ``on_output`` as they complete, kept."""

    def __init__(self, on_output: Callable[[str], None] | None, keep: int | None) -> None:
        self.on_output = on_output
        self.lines: dict[int, deque[bytes]] = {1: deque(maxlen=keep), 2: deque()}
        self.partial: dict[int, bytes] = {1: b"", 2: b""}

    def feed(self, stream: int, data: bytes) -> None:
        buffer = self.partial[stream] + data
        *complete, rest = buffer.split(b"\n")
        for line in complete:
            self._line(stream, line + b"\n")
        if len(rest) > _LONGEST_LINE:  # a line without end: hand it over in pieces
            self._line(stream, rest)
            rest = b""
        self.partial[stream] = rest

    def close(self, stream: int) -> None:
        if self.partial[stream]:
            self._line(stream, self.partial[stream])
            self.partial[stream] = b""

    def _line(self, stream: int, line: bytes) -> None:
        self.lines[stream].append(line)
        if self.on_output is not None:
            self.on_output(line.decode(errors="replace").rstrip("\r\n"))

    def text(self, stream: int) -> str:
        return b"".join(self.lines[stream]).decode(errors="replace")

    def tail(self) -> str:
        return tail(self.text(2) or self.text(1))


def _pump(
    proc: subprocess.Popen[bytes],
    output: _Collector,
    *,
    argv: tuple[str, ...],
    deadline: float | None,
    timeout: float | None,
) -> None:
    """Read the child's pipes until they close (or the child is gone), within the deadline."""
    selector = selectors.DefaultSelector()
    for number, pipe in ((1, proc.stdout), (2, proc.stderr)):
        if pipe is not None:
            os.set_blocking(pipe.fileno(), False)
            selector.register(pipe.fileno(), selectors.EVENT_READ, number)
    exited_at: float | None = None
    try:
        while selector.get_map():
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                _kill_group(proc)
                raise CommandTimeoutError(argv, timeout or 0.0, output.tail())
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > _DRAIN:
                break  # the child is gone; a grandchild keeps the pipes open
            wait = _POLL if deadline is None else max(0.0, min(_POLL, deadline - now))
            for key, _ in selector.select(wait):
                try:
                    data = os.read(key.fd, 65536)
                except BlockingIOError:
                    continue
                if data:
                    output.feed(key.data, data)
                else:
                    selector.unregister(key.fd)
                    output.close(key.data)
    finally:
        selector.close()
    for number in (1, 2):
        output.close(number)


def _feed(pipe: IO[bytes], data: str) -> None:
    """Write ``data`` to the child's stdin and close it (this thread alone uses it)."""
    with contextlib.suppress(OSError, ValueError):
        pipe.write(data.encode())
    with contextlib.suppress(OSError, ValueError):
        pipe.close()


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child's whole process group and reap the child."""
    _signal_group(proc, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5.0)


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Ctrl-C for the child's group: SIGINT, a grace period, then SIGKILL.

    A second interrupt during the grace period kills at once.
    """
    if proc.poll() is None:
        _signal_group(proc, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired, KeyboardInterrupt):
            proc.wait(timeout=_GRACE)
    _kill_group(proc)  # whatever the child left running in its group goes too


#: The last signal the program turned into a KeyboardInterrupt (see
#: :func:`dockyard.surfaces.runtime.install_process_guards`): SIGTERM is passed on to an
#: interactive child as SIGTERM, SIGINT not at all (the child has the terminal).
last_signal: list[int] = [signal.SIGINT]


def _run_interactive(
    program: str,
    *,
    argv: tuple[str, ...],
    env: Mapping[str, str],
    cwd: Path | None,
    timeout: float | None,
    check: bool,
) -> Completed:
    """A child that shares this terminal (shells, ``exec -it``).

    It stays in the terminal's process group: a Ctrl-C typed there reaches it
    directly, and dockyard waits for it (a shell at its prompt ignores Ctrl-C and
    goes on). A SIGINT that came from elsewhere (dockyard is not the terminal's
    foreground, or has no terminal) and a SIGTERM are passed on to the child.
    """
    proc = subprocess.Popen([program, *argv[1:]], env=dict(env), cwd=cwd)
    deadline = None if timeout is None else time.monotonic() + timeout
    interrupted = False
    try:
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                returncode = proc.wait(timeout=remaining)
                break
            except KeyboardInterrupt:
                interrupted = True
                if last_signal[0] != signal.SIGINT or not _terminal_foreground():
                    with contextlib.suppress(ProcessLookupError):
                        proc.send_signal(last_signal[0])
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise CommandTimeoutError(argv, timeout or 0.0) from None
    except BaseException:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        raise
    if interrupted and returncode in (-signal.SIGINT, 130, -signal.SIGTERM, 143):
        raise KeyboardInterrupt
    if check and returncode != 0:
        raise CommandError(argv, returncode)
    return Completed(argv, returncode)


def _terminal_foreground() -> bool:
    """True when this process's group is the foreground of its terminal: a Ctrl-C
    typed there went to the whole group, the interactive child included."""
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        try:
            return os.tcgetpgrp(stream.fileno()) == os.getpgrp()
        except (AttributeError, OSError, ValueError):
            continue
    return False


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
        if not capture:
            return _run_interactive(
                program, argv=argv, env=env, cwd=cwd, timeout=timeout, check=check
            )
        return _run_grouped(
            program,
            argv=argv,
            env=env,
            cwd=cwd,
            timeout=timeout,
            check=check,
            stdin=stdin,
            on_output=on_output,
        )

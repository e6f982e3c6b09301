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
import queue
import shlex
import shutil
import signal
import subprocess
import threading
import time
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


_GRACE = 10.0  # seconds an interrupted child gets to stop before it is killed
_POLL = 0.1


def _run_grouped(  # noqa: PLR0912, PLR0915 - one loop: output, deadline, interrupt
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

    Reader threads drain stdout and stderr (merged when ``on_output`` is given) into a
    queue; this thread hands lines to ``on_output`` and watches the deadline, so a
    child that prints nothing still times out. On timeout the group is killed; on
    KeyboardInterrupt (Ctrl-C, or SIGINT/SIGTERM turned into one by the program) the
    group gets SIGINT, :data:`_GRACE` seconds to stop, then SIGKILL, and the interrupt
    goes on up: it is never reported as the command's failure.
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
    lines: queue.Queue[tuple[int, bytes | None]] = queue.Queue()
    readers = [threading.Thread(target=_drain, args=(proc.stdout, 1, lines), daemon=True)]
    if not merged:
        readers.append(threading.Thread(target=_drain, args=(proc.stderr, 2, lines), daemon=True))
    if stdin is not None:
        readers.append(threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True))
    for reader in readers:
        reader.start()
    out: list[bytes] = []
    err: list[bytes] = []
    open_streams = 1 if merged else 2
    try:
        while open_streams:
            wait = _POLL if deadline is None else min(_POLL, max(0.0, deadline - time.monotonic()))
            try:
                stream, chunk = lines.get(timeout=wait)
            except queue.Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    _kill_group(proc)
                    raise CommandTimeoutError(argv, timeout or 0.0, _tail_of(out, err)) from None
                if proc.poll() is not None:  # gone; a grandchild may hold the pipe open
                    for reader in readers:
                        reader.join(timeout=1.0)
                    _take_rest(lines, out, err, on_output)
                    break
                continue
            if chunk is None:
                open_streams -= 1
                continue
            (out if stream == 1 else err).append(chunk)
            if on_output is not None:
                on_output(chunk.decode(errors="replace").rstrip("\r\n"))
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            returncode = proc.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise CommandTimeoutError(argv, timeout or 0.0, _tail_of(out, err)) from None
    except KeyboardInterrupt:
        _stop_group(proc)
        raise
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        for pipe in (proc.stdout, proc.stderr, proc.stdin):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
    stdout = b"".join(out).decode(errors="replace")
    stderr = b"".join(err).decode(errors="replace")
    if check and returncode != 0:
        raise CommandError(argv, returncode, tail(stderr if not merged else stdout))
    return Completed(argv, returncode, stdout, stderr)


def _drain(
    stream: IO[bytes] | None, number: int, sink: queue.Queue[tuple[int, bytes | None]]
) -> None:
    if stream is None:  # pragma: no cover - PIPE always gives one
        sink.put((number, None))
        return
    try:
        for line in iter(stream.readline, b""):
            sink.put((number, line))
    except (OSError, ValueError):
        pass
    finally:
        sink.put((number, None))


def _feed(stream: IO[bytes] | None, data: str) -> None:
    if stream is None:  # pragma: no cover
        return
    with contextlib.suppress(OSError, ValueError):
        stream.write(data.encode())
        stream.close()


def _take_rest(
    lines: queue.Queue[tuple[int, bytes | None]],
    out: list[bytes],
    err: list[bytes],
    on_output: Callable[[str], None] | None,
) -> None:
    while True:
        try:
            stream, chunk = lines.get_nowait()
        except queue.Empty:
            return
        if chunk is not None:
            (out if stream == 1 else err).append(chunk)
            if on_output is not None:
                on_output(chunk.decode(errors="replace").rstrip("\r\n"))


def _tail_of(out: list[bytes], err: list[bytes]) -> str:
    return tail(b"".join(err or out).decode(errors="replace"))


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
    """A child that shares this terminal (shells, ``exec -it``): it stays in the
    terminal's process group and takes Ctrl-C itself; dockyard waits for it. A
    SIGTERM to dockyard (a KeyboardInterrupt here) is passed on as SIGTERM."""
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
                if last_signal[0] != signal.SIGINT:
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

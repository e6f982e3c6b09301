"""What a task needs from the world, and the process-wide promises of every command.

Tasks get a :class:`Runtime` from their Invoke context: tests (and teams embedding
dockyard) put one under the ``dockyard_runtime`` config key; otherwise the real one
is used. The ``dockyard`` section of Invoke's config feeds :func:`settings_for`.

Process-wide, for the ``dockyard`` program and for tasks run by ``invoke``:

* the exit-code contract (:func:`exit_code_for`): 0 ok; 1 findings or a command that
  ran and failed; 2 bad input or could not run; 130 after an interrupt;
* SIGINT and SIGTERM become a KeyboardInterrupt in the main thread, even when the
  shell that started dockyard ignored SIGINT (background jobs): the runner passes it
  on to its child's process group and waits for it (:func:`install_process_guards`);
* every line written to stdout and stderr, and every log record, goes through
  :func:`~dockyard.domain.secrets.mask_text` (:func:`guard_output`): this is the one
  choke point where secrets are cut out of console lines, reports, dry runs and
  failed commands' output.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # imported when a task runs: `dockyard --list` stays fast
    from invoke.context import Context

    from dockyard.adapters.runner import Runner
    from dockyard.domain.config import Settings

__all__ = [
    "MaskedStream",
    "Runtime",
    "exit_code_for",
    "guard_output",
    "install_process_guards",
    "runtime_for",
    "settings_for",
]


def _subprocess_runner() -> Runner:
    from dockyard.adapters.runner import SubprocessRunner

    return SubprocessRunner()


@dataclass(frozen=True)
class Runtime:
    """Injectable process-level inputs of a task."""

    runner: Runner = field(default_factory=_subprocess_runner)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path = field(default_factory=Path.cwd)

    def __copy__(self) -> Runtime:  # Invoke copies config values; share this one
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Runtime:
        return self


def runtime_for(c: Context) -> Runtime:
    """The context's :class:`Runtime`, or the real one."""
    guard_output()
    value = c.config.get("dockyard_runtime")
    return value if isinstance(value, Runtime) else Runtime()


def settings_for(c: Context, **overrides: Any) -> Settings:
    """Settings of the repository around the current folder, all sources merged."""
    from dockyard.domain.config import find_root, load_settings

    runtime = runtime_for(c)
    root_override = runtime.environ.get("DOCKYARD_ROOT")
    root = Path(root_override) if root_override else find_root(runtime.cwd)
    section = c.config.get("dockyard") or {}
    return load_settings(
        root,
        invoke_config=_plain(section),
        environ=runtime.environ,
        overrides=overrides,
    )


def _plain(value: Any) -> Any:
    """Invoke's DataProxy objects as plain dicts, for validation."""
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    return value


def exit_code_for(exc: BaseException) -> int:
    """The exit code of a command that ended with ``exc``.

    0 ok; 1 findings or a command that ran and failed; 2 bad input or could not run
    (no engine, no compose, no file); 130 interrupted (cleanup done).
    """
    from dockyard.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, DockyardError

    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, DockyardError):
        return exc.exit_code
    if isinstance(exc, SystemExit):
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    return EXIT_BAD_INPUT


def install_process_guards() -> None:
    """Signal handlers and the masked output; called once by the ``dockyard`` program."""
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, _interrupt)
    guard_output()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGINT or SIGTERM: a KeyboardInterrupt in the main thread, like Ctrl-C."""
    from dockyard.adapters import runner

    runner.last_signal[0] = signum
    raise KeyboardInterrupt


class MaskedStream:
    """A text stream that masks secrets in everything written through it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    @property
    def wrapped(self) -> TextIO:
        return self._stream

    def write(self, text: str) -> int:
        from dockyard.domain.secrets import mask_text

        self._stream.write(mask_text(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guard_output() -> None:
    """Route stdout, stderr and log records through the masking (idempotent)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, MaskedStream):
            setattr(sys, name, MaskedStream(stream))
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "dockyard_masked", False):
        logging.setLogRecordFactory(_masked_records(factory))


def _masked_records(factory: Any) -> Any:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        from dockyard.domain.secrets import mask_text

        record: logging.LogRecord = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return record
        record.msg, record.args = mask_text(message), None
        return record

    make.dockyard_masked = True  # type: ignore[attr-defined]
    return make

"""Test doubles that ship with dockyard, so users' tests can use them too.

:class:`FakeRunner` stands in for :class:`dockyard.adapters.runner.SubprocessRunner`::

    runner = FakeRunner()
    runner.respond(["docker", "compose", "version"], stdout="Docker Compose version v2.40.3")
    ...code under test runs commands through ``runner``...
    assert runner.calls[0].argv[:2] == ("docker", "compose")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dockyard.adapters.runner import DEFAULT_TIMEOUT, Completed, tail
from dockyard.errors import CommandError, CommandNotFoundError

__all__ = ["Call", "FakeRunner"]


@dataclass(frozen=True)
class Call:
    """One command a :class:`FakeRunner` was asked to run, with its options."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: Path | None
    timeout: float | None
    capture: bool
    stdin: str | None


@dataclass
class _Response:
    prefix: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    raises: BaseException | None = None


@dataclass
class FakeRunner:
    """Records every call and answers from scripted responses.

    A response matches when its argv is a prefix of the call's argv; the most recently
    added match wins. Unmatched calls succeed with empty output unless ``strict``.
    Programs listed in ``missing`` raise :class:`CommandNotFoundError`.
    """

    strict: bool = False
    missing: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    _responses: list[_Response] = field(default_factory=list)

    def respond(
        self,
        argv: Sequence[str],
        *,
        returncode: int = 0,
        stdout: str = "",
        stderr: str = "",
        raises: BaseException | None = None,
    ) -> None:
        """Answer calls starting with ``argv`` with this result.

        ``raises``: the call raises it instead (after handing ``stdout`` to
        ``on_output``), e.g. ``KeyboardInterrupt()`` for a Ctrl-C during a build, or
        a :class:`~dockyard.errors.CommandTimeoutError`.
        """
        self._responses.append(_Response(tuple(argv), returncode, stdout, stderr, raises))

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
        argv = tuple(argv)
        self.calls.append(Call(argv, dict(env), cwd, timeout, capture, stdin))
        if argv[0] in self.missing:
            raise CommandNotFoundError(argv[0])
        raises: BaseException | None = None
        for response in reversed(self._responses):
            if argv[: len(response.prefix)] == response.prefix:
                done = Completed(argv, response.returncode, response.stdout, response.stderr)
                raises = response.raises
                break
        else:
            if self.strict:
                raise AssertionError(f"FakeRunner: unexpected command {argv!r}")
            done = Completed(argv, 0)
        if on_output is not None:
            for line in (done.stdout + done.stderr).splitlines():
                on_output(line)
        if raises is not None:
            raise raises
        if check and not done.ok:
            raise CommandError(argv, done.returncode, tail(done.stderr))
        return done

    @property
    def argvs(self) -> list[tuple[str, ...]]:
        """Just the argv of every call, in order."""
        return [call.argv for call in self.calls]

"""The edge between the library and a person: error handling, exit codes, output.

* a :class:`~dockyard.errors.DockyardError` becomes one line on stderr and its exit
  code (2 for usage and input errors, 1 for failed commands);
* findings exit 1; a clean run exits 0;
* nothing here shows a traceback for an expected error.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from invoke.exceptions import Exit

from dockyard.errors import DockyardError

if TYPE_CHECKING:
    from dockyard.domain.findings import Finding

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_OK",
    "EXIT_USAGE",
    "echo",
    "fail_on_findings",
    "guarded",
    "print_findings",
    "split_list",
]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

P = ParamSpec("P")
R = TypeVar("R")


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Turn dockyard errors raised by a task body into a one-line message and exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DockyardError as exc:
            raise Exit(f"dockyard: error: {exc}", code=exc.exit_code) from None
        except KeyboardInterrupt:
            raise Exit("dockyard: interrupted", code=130) from None

    return wrapper


def split_list(values: str | Iterable[str] | None) -> list[str]:
    """A list option's values: repeated (``--skip A --skip B``), comma-separated, or both.

    >>> split_list(["A,B", "C"])
    ['A', 'B', 'C']
    """
    if values is None:
        return []
    parts = [values] if isinstance(values, str) else list(values)
    return [item.strip() for part in parts for item in part.split(",") if item.strip()]


def echo(*lines: str) -> None:
    """Print lines to stdout (the only printing helper of the task surfaces)."""
    for line in lines:
        print(line)


def print_findings(findings: Iterable[Finding]) -> int:
    """Print findings as ``path:line: level: message [id]`` lines; return their count."""
    count = 0
    for finding in sorted(findings, key=lambda f: (-f.level.rank, str(f.path), f.line or 0)):
        where = f"{finding.location}: " if finding.location else ""
        echo(f"{where}{finding.level.value}: {finding.message} [{finding.check_id}]")
        if finding.hint:
            echo(f"    fix: {finding.hint}")
        count += 1
    return count


def fail_on_findings(count: int, what: str = "finding") -> None:
    """Exit 1 with a summary when there were findings."""
    if count:
        plural = "" if count == 1 else "s"
        print(f"{count} {what}{plural}", file=sys.stderr)
        raise Exit(code=EXIT_FINDINGS)

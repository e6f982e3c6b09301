"""Checks and their registry: what a check is, what running it gives, and selection.

A check is a function decorated with :meth:`CheckSet.check`; it receives the
:class:`~dockyard.domain.checks.context.CheckContext` and returns (or yields)
:class:`Hit` objects, one per problem. No hit means PASS. A check that cannot run
raises :class:`SkipCheck` (not applicable here: no Poetry, no engine requested) or
lets a :class:`~dockyard.errors.DockyardError` escape (ERROR: it should have run and
could not). Nothing is ever a silent pass::

    CHECKS = CheckSet()

    @CHECKS.check("DF001", "Target stage does not run as root", Level.ERROR,
                  hint="add `USER app` to the target stage", aliases=("hadolint:DL3002",))
    def target_not_root(ctx: CheckContext) -> Iterable[Hit]:
        ...
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from dockyard.domain.findings import Finding, Level
from dockyard.errors import DockyardError, UsageError

if TYPE_CHECKING:
    from dockyard.domain.checks.context import CheckContext

__all__ = [
    "Check",
    "CheckResult",
    "CheckSet",
    "Hit",
    "Kind",
    "Registry",
    "SkipCheck",
    "Status",
]

Kind = Literal["static", "live"]


class Status(StrEnum):
    """The outcome of one check."""

    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"


class SkipCheck(Exception):
    """Raised by a check that does not apply here; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Hit:
    """One problem a check found; level and hint default to the check's own."""

    message: str
    path: Path | None = None
    line: int | None = None
    level: Level | None = None
    hint: str | None = None


Probe = Callable[["CheckContext"], Iterable[Hit]]


@dataclass(frozen=True)
class Check:
    """A registered check: stable id, title, level, one-line fix hint, aliases."""

    id: str
    title: str
    level: Level
    hint: str
    kind: Kind
    probe: Probe = field(repr=False, compare=False)
    aliases: tuple[str, ...] = ()
    opt_in: str | None = None

    def run(self, ctx: CheckContext) -> CheckResult:
        """Run the check: PASS, FAIL with findings, SKIP or ERROR with the reason."""
        start = time.perf_counter()
        try:
            hits = list(self.probe(ctx))
        except SkipCheck as skip:
            return CheckResult(self, Status.SKIP, (), skip.reason, time.perf_counter() - start)
        except DockyardError as exc:
            return CheckResult(self, Status.ERROR, (), str(exc), time.perf_counter() - start)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            reason = f"{where}{exc.strerror or type(exc).__name__}"
            return CheckResult(self, Status.ERROR, (), reason, time.perf_counter() - start)
        findings = tuple(self.finding(hit) for hit in hits)
        status = Status.FAIL if findings else Status.PASS
        return CheckResult(self, status, findings, "", time.perf_counter() - start)

    def finding(self, hit: Hit) -> Finding:
        """``hit`` as a Finding of this check."""
        return Finding(
            self.id,
            hit.level or self.level,
            hit.message,
            hit.path,
            hit.line,
            self.hint if hit.hint is None else hit.hint,
        )


@dataclass(frozen=True)
class CheckResult:
    """What running one check gave. ``reason`` explains a SKIP or an ERROR."""

    check: Check
    status: Status
    findings: tuple[Finding, ...] = ()
    reason: str = ""
    duration: float = 0.0

    def worst(self) -> Level | None:
        """The most severe level among the findings, or None."""
        return max((f.level for f in self.findings), key=lambda lv: lv.rank, default=None)


class CheckSet:
    """The checks of one module, collected by the :meth:`check` decorator."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    def check(
        self,
        check_id: str,
        title: str,
        level: Level,
        *,
        hint: str,
        kind: Kind = "static",
        aliases: Sequence[str] = (),
        opt_in: str | None = None,
    ) -> Callable[[Probe], Probe]:
        """Register the decorated function as check ``check_id``."""

        def decorate(probe: Probe) -> Probe:
            self.checks.append(
                Check(check_id, title, level, hint, kind, probe, tuple(aliases), opt_in)
            )
            return probe

        return decorate


class Registry:
    """Checks by id, in registration order. Ids and aliases are unique."""

    def __init__(self, checks: Iterable[Check] = ()) -> None:
        self._checks: dict[str, Check] = {}
        for check in checks:
            self.add(check)

    def add(self, check: Check) -> None:
        """Register ``check``; a duplicate id is a programming error."""
        if check.id in self._checks:
            raise ValueError(f"duplicate check id {check.id}")
        self._checks[check.id] = check

    def extend(self, checks: Iterable[Check]) -> None:
        """Register several checks (a module's :class:`CheckSet`)."""
        for check in checks:
            self.add(check)

    def __iter__(self) -> Iterator[Check]:
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)

    def get(self, check_id: str) -> Check:
        """The check with this id or alias (case-insensitive)."""
        wanted = check_id.strip().upper()
        for check in self._checks.values():
            if check.id.upper() == wanted or wanted in (a.upper() for a in check.aliases):
                return check
        known = ", ".join(self._checks)
        raise UsageError(f"unknown check {check_id!r} (known: {known})", argument="--only/--skip")

    def select(self, only: Iterable[str] = (), skip: Iterable[str] = ()) -> list[Check]:
        """The checks ``only`` names (all when empty) minus those ``skip`` names.

        A name is a check id, an alias, or an id prefix ending in ``*`` (``DF*``).
        """
        only, skip = list(only), list(skip)
        chosen = self._expand(only) if only else list(self._checks.values())
        dropped = {c.id for c in self._expand(skip)}
        return [c for c in chosen if c.id not in dropped]

    def _expand(self, names: Iterable[str]) -> list[Check]:
        picked: dict[str, Check] = {}
        for name in names:
            if name.endswith("*"):
                prefix = name[:-1].upper()
                matches = [c for c in self._checks.values() if c.id.upper().startswith(prefix)]
                if not matches:
                    raise UsageError(
                        f"no check id starts with {prefix!r}", argument="--only/--skip"
                    )
                picked.update((c.id, c) for c in matches)
            else:
                check = self.get(name)
                picked[check.id] = check
        return [c for c in self._checks.values() if c.id in picked]

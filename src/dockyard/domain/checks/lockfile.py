"""Lock-file checks: present, and in sync with pyproject.toml (read-only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dockyard.domain.checks.context import CheckContext
from dockyard.domain.checks.registry import CheckSet, Hit, SkipCheck
from dockyard.domain.findings import Level
from dockyard.errors import CommandError, CommandNotFoundError

__all__ = ["CHECKS"]

CHECKS = CheckSet()

_LOCKS = {"uv": "uv.lock", "poetry": "poetry.lock"}
_TIMEOUT = 120.0


@CHECKS.check(
    "LK001",
    "A lock file is committed",
    Level.ERROR,
    hint="run `uv lock` (or `poetry lock`) and commit the lock file",
)
def lock_present(ctx: CheckContext) -> Iterator[Hit]:
    """uv.lock or poetry.lock exists for the package manager in use."""
    if not (ctx.settings.root / "pyproject.toml").is_file():
        raise SkipCheck("no pyproject.toml: nothing to lock")
    manager = ctx.settings.detected_package_manager()
    if manager == "pip":
        yield Hit(
            "no uv.lock or poetry.lock: image builds resolve versions anew each time",
            Path("pyproject.toml"),
        )
    elif not (ctx.settings.root / _LOCKS[manager]).is_file():
        yield Hit(
            f"package_manager is {manager} but {_LOCKS[manager]} does not exist",
            Path("pyproject.toml"),
        )


@CHECKS.check(
    "LK002",
    "The lock file is in sync with pyproject.toml",
    Level.ERROR,
    hint="run `uv lock` (or `poetry lock`) and commit the result",
)
def lock_in_sync(ctx: CheckContext) -> Iterator[Hit]:
    """``uv lock --check`` or ``poetry check --lock`` agrees (neither writes anything)."""
    manager = ctx.settings.detected_package_manager()
    lock = _LOCKS.get(manager)
    if lock is None or not (ctx.settings.root / lock).is_file():
        raise SkipCheck("no lock file (see LK001)")
    argv = ["uv", "lock", "--check"] if manager == "uv" else ["poetry", "check", "--lock"]
    try:
        done = ctx.runner.run(
            argv, env=ctx.environ, cwd=ctx.settings.root, timeout=_TIMEOUT, check=False
        )
    except CommandNotFoundError:
        raise SkipCheck(f"`{argv[0]}` is not installed: cannot compare {lock}") from None
    if done.ok:
        return
    output = f"{done.stdout}\n{done.stderr}".lower()
    stale = (
        "needs to be updated" in output
        or "changed significantly" in output
        or "not consistent" in output
        or "run `poetry lock" in output
    )
    if not stale:
        raise CommandError(done.argv, done.returncode, done.stderr)
    yield Hit(
        f"{lock} is out of date with pyproject.toml (`{' '.join(argv)}`)",
        ctx.rel(ctx.settings.root / lock),
    )

"""pre-commit: a configuration is present; running the hooks is opt-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dockyard.domain.checks.context import CheckContext
from dockyard.domain.checks.registry import CheckSet, Hit, SkipCheck
from dockyard.domain.findings import Level
from dockyard.errors import CommandNotFoundError

__all__ = ["CHECKS"]

CHECKS = CheckSet()

_CONFIG = ".pre-commit-config.yaml"
_TIMEOUT = 900.0


@CHECKS.check(
    "PC001",
    "A pre-commit configuration is present",
    Level.WARNING,
    hint="add .pre-commit-config.yaml (dockyard ships a hook: id dockyard-check)",
)
def config_present(ctx: CheckContext) -> Iterator[Hit]:
    """``.pre-commit-config.yaml`` exists at the repository root."""
    if not (ctx.settings.root / _CONFIG).is_file():
        yield Hit(f"no {_CONFIG} at the repository root", Path(_CONFIG))


@CHECKS.check(
    "PC002",
    "pre-commit hooks pass on all files",
    Level.ERROR,
    hint="run `pre-commit run --all-files` and fix what it reports",
    opt_in="--pre-commit",
)
def hooks_pass(ctx: CheckContext) -> Iterator[Hit]:
    """``pre-commit run --all-files`` exits 0 (opt-in: hooks may rewrite files)."""
    if not ctx.run_pre_commit:
        raise SkipCheck("opt-in: pass --pre-commit to run `pre-commit run --all-files`")
    if not (ctx.settings.root / _CONFIG).is_file():
        raise SkipCheck(f"no {_CONFIG} (see PC001)")
    try:
        done = ctx.runner.run(
            ["pre-commit", "run", "--all-files", "--color", "never"],
            env=ctx.environ,
            cwd=ctx.settings.root,
            timeout=_TIMEOUT,
            check=False,
        )
    except CommandNotFoundError:
        raise SkipCheck("`pre-commit` is not installed") from None
    if not done.ok:
        failed = [
            line.split("...", 1)[0].strip()
            for line in done.stdout.splitlines()
            if line.rstrip().endswith("Failed")
        ]
        which = f": {', '.join(failed)}" if failed else ""
        yield Hit(f"pre-commit run --all-files exited {done.returncode}{which}", Path(_CONFIG))

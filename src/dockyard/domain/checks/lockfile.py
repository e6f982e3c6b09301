"""Lock-file checks: present, and in sync with pyproject.toml (read-only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dockyard.domain.checks.context import CheckContext
from dockyard.domain.checks.registry import CheckSet, Hit, SkipCheck
from dockyard.domain.findings import Level
from dockyard.domain.repository import PythonProject
from dockyard.errors import CommandError, CommandNotFoundError

__all__ = ["CHECKS"]

CHECKS = CheckSet()

_LOCKS = {"uv": "uv.lock", "poetry": "poetry.lock"}
_TIMEOUT = 120.0


@CHECKS.check(
    "LK001",
    "A lock file is committed",
    Level.ERROR,
    hint="run `uv lock` (or `poetry lock`) and commit the lock file (`git add -f` if ignored)",
)
def lock_present(ctx: CheckContext) -> Iterator[Hit]:
    """Each Python project the environment builds has its lock file, tracked by git and
    not ignored (a fresh clone, and so CI, must build from the same versions)."""
    projects = _projects(ctx)
    git = ctx.is_git_repository()
    locks: list[Path] = []
    for project in projects:
        where = ctx.rel(project.pyproject) if project.pyproject else ctx.rel(project.root)
        if project.package_manager == "pip":
            if project.pyproject is not None and not project.requirements:
                yield Hit(
                    f"{where}: no uv.lock or poetry.lock: image builds resolve versions anew",
                    where,
                )
            locks += project.requirements
        elif project.lock is None:
            expected = _LOCKS[project.package_manager]
            yield Hit(
                f"{where} is managed by {project.package_manager} but "
                f"{ctx.rel(project.root / expected)} does not exist",
                where,
            )
        else:
            locks.append(project.lock)
    if not git or not locks:
        return
    from dockyard.adapters import git as git_adapter

    root = ctx.settings.root
    rels = [p.relative_to(root) for p in locks if root in p.parents]
    tracked = git_adapter.tracked(ctx.runner, root, rels, ctx.environ)
    ignored = git_adapter.ignored(ctx.runner, root, rels, ctx.environ)
    for rel in rels:
        if rel in ignored:
            yield Hit(f"{rel} is ignored by git: a fresh clone builds without it", rel)
        elif rel not in tracked:
            yield Hit(f"{rel} is not tracked by git", rel, hint=f"git add {rel}")


@CHECKS.check(
    "LK002",
    "The lock file is in sync with pyproject.toml",
    Level.ERROR,
    hint="run `uv lock` (or `poetry lock`) and commit the result",
)
def lock_in_sync(ctx: CheckContext) -> Iterator[Hit]:
    """``uv lock --check`` or ``poetry check --lock`` agrees, in each project's folder
    (neither writes anything)."""
    checked = 0
    for project in _projects(ctx):
        if project.lock is None or project.pyproject is None:
            continue
        checked += 1
        yield from _in_sync(ctx, project.root, project.lock, project.package_manager)
    if not checked:
        raise SkipCheck("no lock file (see LK001)")


def _in_sync(ctx: CheckContext, folder: Path, lock: Path, manager: str) -> Iterator[Hit]:
    argv = ["uv", "lock", "--check"] if manager == "uv" else ["poetry", "check", "--lock"]
    try:
        done = ctx.runner.run(argv, env=ctx.environ, cwd=folder, timeout=_TIMEOUT, check=False)
    except CommandNotFoundError:
        raise SkipCheck(f"`{argv[0]}` is not installed: cannot compare {ctx.rel(lock)}") from None
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
        f"{ctx.rel(lock)} is out of date with its pyproject.toml (`{' '.join(argv)}`)",
        ctx.rel(lock),
    )


def _projects(ctx: CheckContext) -> list[PythonProject]:
    projects = ctx.repo.projects(ctx.env.name)
    if not projects:
        raise SkipCheck("no Python project (pyproject.toml or requirements*.txt) is built")
    return projects

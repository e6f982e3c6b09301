"""``layout.*`` tasks: scaffold the compose/, env/, docker/ layout, migrate a flat
repository to it, and roll a change back byte for byte.

Task bodies import the layers below lazily, so listing tasks stays fast.
"""

from __future__ import annotations

from pathlib import Path

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from dockyard.surfaces.cli import echo, guarded

__all__ = ["collection"]


def _root(c: Context) -> Path:
    from dockyard.domain.config import find_root
    from dockyard.surfaces.runtime import runtime_for

    return find_root(runtime_for(c).cwd)


@task(
    help={
        "dry_run": "print every step and difference; change nothing",
        "force": "replace files that exist and differ (the originals are backed up)",
    }
)
@guarded
def init(c: Context, dry_run: bool = False, force: bool = False) -> None:
    """Scaffold compose/, env/, docker/, .gitignore entries, tasks.py and noxfile.py.

    Creates what is missing, with no pyproject.toml one folding requirements*.txt in.
    Idempotent; a file that exists and differs is shown and left alone unless --force
    (then backed up: `dockyard layout.rollback` restores it).
    """
    from dockyard.domain.layout.scaffold import plan_init
    from dockyard.workflows import layout

    root = _root(c)
    layout.guard(root)
    plan, differing = plan_init(root, force=force)
    for rel in differing:
        echo(
            f"{rel}: exists and differs from dockyard's"
            + (" (replaced, backup kept)" if force else "; left alone (--force replaces it)")
        )
    if not plan.steps:
        echo("layout is complete: nothing to do")
        return
    if dry_run:
        echo("plan: layout.init", *plan.describe(root))
        return
    layout.execute(root, plan, operation="layout.init")
    echo(f"layout.init: {len(plan.steps)} steps done; `dockyard layout.rollback` undoes them")


@task(
    help={
        "dry_run": "print every move, every rewritten line and every new file; change nothing",
        "dockerfile": "also replace the Dockerfile by dockyard's UID-aware template",
    }
)
@guarded
def migrate(c: Context, dry_run: bool = False, dockerfile: bool = False) -> None:
    """Move a flat repository (root docker-compose*.yml, .env*) to compose/, env/, docker/.

    Rewrites relative paths in compose files (comments kept), moves `environment:`
    values to env files, fixes .gitignore, folds requirements into pyproject.toml and
    maps Makefile targets to tasks. Every touched file is backed up first; a run that
    was interrupted resumes when run again; `dockyard layout.rollback` undoes it.
    """
    from dockyard.domain.layout.migrate import plan_migration
    from dockyard.workflows import layout

    root = _root(c)
    journal = layout.pending(root)
    if journal is not None and journal["state"] == "running":
        outcome = layout.resume(root)
        echo(
            f"resumed {journal['operation']}: the {outcome.done} remaining steps of "
            f"{outcome.total} done"
        )
        _report(journal.get("left", []))
        return
    layout.guard(root)
    plan = plan_migration(root, dockerfile=dockerfile)
    if dry_run:
        echo("plan: layout.migrate", *plan.describe(root))
        if not dockerfile and any(
            (root / p).is_file() for p in ("Dockerfile", "docker/Dockerfile")
        ):
            echo(*_dockerfile_proposal(root))
        echo(*(f"  note: {n}" for n in plan.notes))
        _report(plan.left)
        return
    outcome = layout.execute(root, plan, operation="layout.migrate")
    echo(f"layout.migrate: {outcome.done} steps done; `dockyard layout.rollback` undoes them")
    echo(*(f"  {n}" for n in plan.notes))
    _report(plan.left)


@task
@guarded
def rollback(c: Context) -> None:
    """Undo the last layout.init or layout.migrate: every file byte for byte, modes too.

    Files it created are removed, files it changed or moved come back from the backup
    under .dockyard/layout/, which is then removed.
    """
    from dockyard.workflows import layout

    root = _root(c)
    count = layout.rollback(root)
    echo(f"layout.rollback: {count} files restored")


def _report(left: list[str]) -> None:
    if left:
        echo("left to you:", *(f"  - {item}" for item in left))


def _dockerfile_proposal(root: object) -> list[str]:
    import difflib

    from dockyard.domain.layout.scaffold import package_manager
    from dockyard.domain.templates import dockerfile_template

    base = Path(str(root))
    current = base / "docker/Dockerfile"
    if not current.is_file():
        current = base / "Dockerfile"
    old = current.read_text(encoding="utf-8").splitlines(keepends=True)
    new = dockerfile_template(package_manager(base)).splitlines(keepends=True)
    diff = difflib.unified_diff(old, new, "a/docker/Dockerfile", "b/docker/Dockerfile (proposed)")
    return ["proposed Dockerfile (apply with --dockerfile):", *(d.rstrip("\n") for d in diff)]


def collection() -> Collection:
    """The ``layout`` collection."""
    return Collection("layout", init, migrate, rollback)

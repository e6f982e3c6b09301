"""``dockyard wheels``: fill docker/wheels from the lock for offline image builds."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from dockyard.surfaces.cli import echo, guarded

__all__ = ["wheels"]


@task(help={"dry_run": "print the files and commands; change nothing"})
@guarded
def wheels(c: Context, dry_run: bool = False) -> None:
    """Fill docker/wheels from the lock so that images build without a package index.

    Writes requirements-dev.txt and requirements.txt (the lock's pins with and without
    the dev group) and the wheels of both and of the build backend, made by this
    host's pip, then loads them into the build cache (a BuildKit cache mount keyed by
    the lock), from where the Dockerfile template installs offline; the build context
    and the images never carry the folder. Rerun it after `docker builder prune`.
    Changes: docker/wheels/ and the builder's cache.
    """
    from dockyard.surfaces.runtime import runtime_for, settings_for
    from dockyard.workflows.wheelhouse import plan_wheelhouse, run_wheelhouse

    runtime = runtime_for(c)
    settings = settings_for(c)
    plan = plan_wheelhouse(settings, environ=runtime.environ)
    if dry_run:
        echo(*plan.lines(settings.relative))
        return
    made = run_wheelhouse(plan, runtime.runner, runtime.environ, settings.root)
    echo(f"{settings.relative(plan.folder)}: {len(made)} wheels ({plan.manager} lock)")

"""``layout.*`` tasks: scaffold the standard layout, migrate a flat one, roll back.

Every change is journaled under ``.dockyard/layout/`` with a backup of each file it
touches, so ``layout.rollback`` restores the tree byte for byte, modes included.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from dockyard.errors import PlanError, UsageError
from dockyard.surfaces.cli import echo, guarded

if TYPE_CHECKING:  # the layout domain loads when a layout task runs, not at start-up
    from dockyard.adapters.runner import Runner
    from dockyard.domain.layout.behaviour import Compose as ComposeCall
    from dockyard.domain.layout.behaviour import (
        EnvironmentResult,
        Verification,
    )

__all__ = ["KILL_AFTER_STEP", "collection", "init", "migrate", "rollback"]

#: Fault injection for tests: SIGKILL the process right after this step (1-based).
KILL_AFTER_STEP = "DOCKYARD_LAYOUT_KILL_AFTER_STEP"

_DRY = "print every step (moves, new files, diffs) and change nothing"


def _root(c: Context) -> Path:
    from dockyard.domain.config import find_root
    from dockyard.surfaces.runtime import runtime_for

    runtime = runtime_for(c)
    override = runtime.environ.get("DOCKYARD_ROOT")
    return Path(override).resolve() if override else find_root(runtime.cwd)


def _fault_hook(environ: Mapping[str, str]) -> Callable[[int], None] | None:
    value = environ.get(KILL_AFTER_STEP)
    if not value:
        return None
    if not value.isdigit():
        raise UsageError(
            f"{KILL_AFTER_STEP}={value!r}: not a step number", argument=KILL_AFTER_STEP
        )
    stop = int(value)

    def hook(step: int) -> None:
        if step == stop:
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


def _report(kind: str, steps: int, notes: tuple[str, ...], left: tuple[str, ...]) -> None:
    for note in notes:
        echo(f"  {note}")
    if left:
        echo(_heading(kind))
        for item in left:
            echo(f"  - {item}")
    echo(f"{kind}: {steps} steps done; undo with `dockyard layout.rollback`")


def _heading(kind: str) -> str:
    """A scaffold's list is what to do next; a migration's is what it did not touch."""
    return "next steps:" if kind.endswith("init") else "left to you (not changed on purpose):"


@task(help={"dry_run": _DRY, "force": "replace files that differ (a backup is kept)"})
@guarded
def init(c: Context, dry_run: bool = False, force: bool = False) -> None:
    """Scaffold the standard layout: compose/, env/, docker/, tasks.py, noxfile.py.

    Changes: creates the missing files of the layout (compose files for dev/test/ci and
    a prod example, env templates and README, env/.env.dev|test (0600) and .env.ci,
    docker/Dockerfile and .dockerignore, tasks.py, noxfile.py), adds dockyard's block
    to .gitignore, creates or edits pyproject.toml (requirements*.txt folded in).
    Idempotent. A file that exists and differs is shown as a diff and left alone
    unless --force, which replaces it and keeps a backup (layout.rollback restores it).
    A rerun after an interrupted run finishes that run first.
    """
    from dockyard.domain.layout import plan_init
    from dockyard.workflows import layout

    root = _root(c)
    from dockyard.surfaces.runtime import runtime_for

    hook = _fault_hook(runtime_for(c).environ)
    if layout.pending_run(root) is not None and not dry_run:
        _resume(root, hook)
        return
    plan = plan_init(root, force=force)
    if plan.conflicts and not force:
        for conflict in plan.conflicts:
            echo(conflict.diff)
        first = plan.conflicts[0].path
        more = len(plan.conflicts) - 1
        extra = f" (and {more} more)" if more else ""
        raise PlanError(
            f"{first}: exists and differs{extra}; nothing changed "
            "(--force replaces it, keeping a backup)"
        )
    if dry_run:
        _dry(plan.render(), plan.notes, plan.left, kind="init")
        return
    if plan.empty:
        echo("layout.init: the layout is complete; nothing to do")
        return
    outcome = layout.apply_plan(root, plan, after_step=hook)
    _report("layout.init", outcome.steps_done, plan.notes, plan.left)


@task(
    help={
        "dry_run": _DRY,
        "dockerfile": "also transform docker/Dockerfile (UID-aware user, venv outside mounts)",
        "resume": "only finish an interrupted run (error when there is none)",
        "accept_changes": "keep a migration that changes what compose runs (differences shown)",
        "no_verify": "skip the compose comparison (when compose is not installed)",
        "base_env": "the environment the base docker-compose.yml serves (dev, prod, ...)",
    }
)
@guarded
def migrate(  # noqa: PLR0917  (Invoke passes each flag by keyword; one per option)
    c: Context,
    dry_run: bool = False,
    dockerfile: bool = False,
    resume: bool = False,
    accept_changes: bool = False,
    no_verify: bool = False,
    base_env: str | None = None,
) -> None:
    """Move a flat repository to the standard layout (compose/, env/, docker/).

    Changes: moves the compose files into compose/, .env* into env/, a root
    Dockerfile (and a template's compose/ folder) into docker/; rewrites relative
    paths in compose files (comments kept); configures each environment's files in
    pyproject.toml where the standard names differ; fixes .gitignore (the `env/`
    trap); rewrites paths in Makefiles, CI workflows and devcontainer files (each
    target keeps its command); folds requirements*.txt into pyproject.toml.
    Dockerfiles change only with --dockerfile. Every touched file is backed up first;
    a rerun resumes an interrupted migration; layout.rollback undoes it.

    What compose runs must not change: `docker compose config` of every environment
    is compared before and after (paths aside). --dry-run prints "unchanged" or every
    difference; a run whose result differs is rolled back (exit 1) unless
    --accept-changes.
    """
    from dockyard.domain.layout import plan_migrate
    from dockyard.domain.layout.migrate import flat_environments
    from dockyard.surfaces.runtime import runtime_for
    from dockyard.workflows import layout, layout_verify

    root = _root(c)
    runtime = runtime_for(c)
    hook = _fault_hook(runtime.environ)

    def compose_call() -> ComposeCall | None:
        return None if no_verify else _compose_call(runtime.runner, runtime.environ)

    if layout.pending_run(root) is not None and not dry_run:
        _resume_migration(root, compose_call(), base_env, accept_changes, hook)
        return
    if resume:
        raise PlanError(f"{layout.STATE_DIR}: no interrupted layout run to resume")
    from dockyard.surfaces.tasks import build_namespace

    known = set(build_namespace().task_names)
    plan = plan_migrate(
        root,
        dockerfile=dockerfile,
        base_env=base_env,
        known_tasks=known,
        tracked=_tracked_env_files(root, runtime.runner, runtime.environ),
    )
    envs = flat_environments(root, base_env)
    if plan.empty:
        for note in plan.notes:
            echo(note)
        for item in plan.left:
            echo(f"  - {item}")
        echo("layout.migrate: nothing to do")
        return
    compose = compose_call()
    if dry_run:
        _dry(plan.render(), plan.notes, plan.left)
        if compose is not None:
            _show_verification(layout_verify.verify_plan(root, plan, envs, compose))
        return
    if compose is None:
        outcome = layout.apply_plan(root, plan, after_step=hook)
        echo("compose comparison skipped (--no-verify)")
    else:
        with _showing_differences():
            outcome, verification = layout_verify.apply_verified(
                root, plan, envs, compose, accept_changes=accept_changes, after_step=hook
            )
        _show_verification(verification)
    _report("layout.migrate", outcome.steps_done, plan.notes, plan.left)


@contextlib.contextmanager
def _showing_differences() -> Iterator[None]:
    """Print each environment's verdict when the comparison refuses the migration."""
    from dockyard.domain.layout.behaviour import BehaviourChanged

    try:
        yield
    except BehaviourChanged as exc:
        for result in exc.results:
            _show_result(result)
        raise


def _tracked_env_files(root: Path, runner: Runner, environ: Mapping[str, str]) -> set[str]:
    """The env files git tracks at the root and in docker/ (a committed .env of defaults):
    the migration keeps them tracked where they go."""
    from dockyard.adapters import git

    if not git.is_repository(runner, root, environ):
        return set()
    candidates = [
        p.relative_to(root)
        for folder in (root, root / "docker")
        if folder.is_dir()
        for p in folder.glob(".env*")
        if p.is_file() and not p.is_symlink()
    ]
    return {p.as_posix() for p in git.tracked(runner, root, candidates, environ)}


def _resume_migration(
    root: Path,
    compose: ComposeCall | None,
    base_env: str | None,
    accept_changes: bool,
    hook: Callable[[int], None] | None,
) -> None:
    from dockyard.workflows import layout_verify

    if compose is None:
        _resume(root, hook)
        echo("compose comparison skipped (--no-verify)")
        return
    with _showing_differences():
        outcome, verification = layout_verify.resume_verified(
            root, compose, base_env=base_env, accept_changes=accept_changes, after_step=hook
        )
    echo(f"resumed the interrupted layout run {outcome.run.name}")
    _show_verification(verification)
    _report("layout.migrate", outcome.steps_done, outcome.notes, outcome.left)


def _compose_call(runner: Runner, environ: Mapping[str, str]) -> ComposeCall:
    from dockyard.adapters.compose import detect_compose
    from dockyard.domain.layout.behaviour import Compose as ComposeCall
    from dockyard.domain.layout.behaviour import compose_environ
    from dockyard.errors import EngineError

    try:
        command = detect_compose(runner, environ)
    except EngineError:
        raise PlanError(
            "docker compose not found: cannot check that the migration keeps what compose "
            "runs (--no-verify migrates without that check)"
        ) from None
    return ComposeCall(runner, command, compose_environ(environ))


def _show_result(result: EnvironmentResult) -> None:
    if result.skipped:
        echo(f"{result.name}: not compared: {result.skipped}")
    elif result.differences:
        echo(f"{result.name}: {len(result.differences)} differences in what compose runs:")
        for line in result.differences:
            echo(f"  {line}")
    else:
        echo(f"{result.name}: unchanged")


def _show_verification(verification: Verification) -> None:
    echo("what compose runs, per environment (compose config before and after):")
    for note in verification.notes:
        echo(f"  {note}")
    for result in verification.results:
        _show_result(result)


@task(help={"force": "roll back even files changed after the run (their changes are lost)"})
@guarded
def rollback(c: Context, force: bool = False) -> None:
    """Undo the latest layout.init or layout.migrate run, byte for byte.

    Changes: restores every file the run touched to its original bytes and mode,
    deletes the files and empty folders the run created, then removes the run's
    journal and backups (and .dockyard/ if the run created it). Refuses when a file
    was edited after the run, unless --force.
    """
    from dockyard.workflows import layout

    root = _root(c)
    if not (root / layout.STATE_DIR).is_dir():
        echo("layout.rollback: nothing to roll back (no layout run recorded)")
        return
    outcome = layout.rollback(root, force=force)
    for rel in outcome.restored:
        echo(f"restored {rel}")
    for rel in outcome.removed:
        echo(f"removed  {rel}")
    for rel in outcome.kept_dirs:
        echo(f"kept     {rel}/ (it holds files the run did not create)")
    echo(f"layout.rollback: {outcome.run.name} undone")


def _resume(root: Path, hook: Callable[[int], None] | None) -> None:
    from dockyard.workflows import layout

    outcome = layout.resume(root, after_step=hook)
    echo(f"resumed the interrupted layout run {outcome.run.name}")
    _report(f"layout.{outcome.kind}", outcome.steps_done, outcome.notes, outcome.left)


def _dry(
    lines: Iterable[str], notes: tuple[str, ...], left: tuple[str, ...], kind: str = "migrate"
) -> None:
    steps = list(lines)
    for line in steps:
        echo(str(line))
    for note in notes:
        echo(f"  {note}")
    if left:
        echo(_heading(kind))
        for item in left:
            echo(f"  - {item}")
    echo("dry run: nothing changed")


def collection() -> Collection:
    """The ``layout`` collection."""
    return Collection("layout", init, migrate, rollback)

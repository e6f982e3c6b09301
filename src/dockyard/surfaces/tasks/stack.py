"""Per-environment collections: ``dev.up``, ``test.run``, ``ci.test``, ...

Every environment of the configuration gets a collection named after it. Task bodies
import the layers below lazily, so listing tasks stays as fast as bare Invoke.
"""

from __future__ import annotations

import shlex
import sys
from typing import TYPE_CHECKING

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from dockyard.surfaces.cli import echo, guarded

if TYPE_CHECKING:
    from dockyard.workflows.stack import Plan, Stack

__all__ = ["collection_for"]

_DRY = "print the plan (commands, build args, env file, variables) instead of acting"


def _stack(c: Context, *, check_files: bool = True) -> Stack:
    from dockyard.surfaces.runtime import runtime_for, settings_for
    from dockyard.workflows.stack import open_stack

    runtime = runtime_for(c)
    settings = settings_for(c)
    name = c.config.get("dockyard_env")
    return open_stack(settings, name, runtime.runner, runtime.environ, check_files=check_files)


def _tty() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _print(line: str) -> None:
    print(line, flush=True)


def _show(plan: Plan) -> None:
    echo(*plan.lines())


def _exit(code: int) -> None:
    if code:
        raise Exit(code=code)


def _remainder(c: Context) -> list[str]:
    """The words after ``--``, exactly as the shell split them.

    Invoke keeps them as one space-joined string, which loses quoting
    (``-- sh -c 'a; b'``); the process's own argv still has them intact.
    """
    if "--" in sys.argv:
        return sys.argv[sys.argv.index("--") + 1 :]
    return shlex.split(getattr(c, "remainder", "") or "")


@task(help={"dry_run": _DRY})
@guarded
def up(c: Context, dry_run: bool = False) -> None:
    """Start the environment, building its image first if missing or stale.

    Stale means built for another uid/gid or an older lock file: such an image is
    rebuilt, never started. Waits until services are running/healthy. Changes:
    images, containers, networks, volumes of this environment's compose project.
    """
    stack = _stack(c)
    plan = stack.up_plan()
    if dry_run:
        _show(plan)
        return
    for note in plan.notes:
        echo(f"dockyard: {note}")
    stack.run_plan(plan, output=_print)
    note = stack.ownership_note()
    if note:
        echo(f"dockyard: note: {note}")
    echo(f"{stack.env.name} is up (compose project {stack.env.project_name})")


@task(help={"volumes": "also remove the environment's named volumes", "dry_run": _DRY})
@guarded
def down(c: Context, volumes: bool = False, dry_run: bool = False) -> None:
    """Stop and remove the environment's containers and networks (volumes with --volumes)."""
    stack = _stack(c, check_files=False)
    plan = stack.plan("down", [stack.down_step(volumes=volumes)])
    if dry_run:
        _show(plan)
        return
    stack.run_plan(plan, output=_print)


@task(help={"dry_run": _DRY})
@guarded
def build(c: Context, dry_run: bool = False) -> None:
    """Build the environment's images for this host's uid/gid and the current lock file.

    Changes: images (labelled with the uid, gid and lock hash they were built for).
    """
    stack = _stack(c)
    plan = stack.plan("build", [stack.build_step()], build=True)
    if dry_run:
        _show(plan)
        return
    stack.run_plan(plan, output=_print)


@task(help={"dry_run": _DRY})
@guarded
def rebuild(c: Context, dry_run: bool = False) -> None:
    """Rebuild the images from scratch (no cache), then restart the environment.

    Changes: images, containers.
    """
    stack = _stack(c)
    plan = stack.plan("rebuild", [stack.build_step(no_cache=True), stack.up_step()], build=True)
    if dry_run:
        _show(plan)
        return
    stack.run_plan(plan, output=_print)


@task(help={"follow": "keep printing new log lines", "service": "one service only"})
@guarded
def logs(c: Context, follow: bool = False, service: str | None = None) -> None:
    """Show the environment's logs. Changes nothing."""
    stack = _stack(c, check_files=False)
    args = ["logs", *(["--follow"] if follow else []), *([service] if service else [])]
    _exit(stack.interactive(*args))


@task(help={"dry_run": _DRY})
@guarded
def restart(c: Context, dry_run: bool = False) -> None:
    """Restart the environment's containers. Changes: container state."""
    stack = _stack(c, check_files=False)
    plan = stack.plan("restart", [stack.step("restart", why="restart every service")])
    if dry_run:
        _show(plan)
        return
    stack.run_plan(plan, output=_print)


@task
@guarded
def status(c: Context) -> None:
    """Show the environment's containers and their state. Changes nothing."""
    stack = _stack(c, check_files=False)
    done = stack.compose.run("ps", "--all", timeout=60.0)
    echo(done.stdout.rstrip())


@task
@guarded
def shell(c: Context) -> None:
    """Open a shell in the app service (bash if present, else sh). Changes nothing itself."""
    stack = _stack(c, check_files=False)
    _exit(stack.interactive(*stack.shell_args(tty=_tty())))


@task(name="exec")
@guarded
def exec_(c: Context) -> None:
    """Run a command in the running app service: `dockyard dev.exec -- CMD ARGS`.

    Gets a terminal when there is one (`-T` otherwise, as in CI); exits with the
    command's exit status.
    """
    command = _remainder(c)
    if not command:
        from dockyard.errors import UsageError

        raise UsageError("give the command after `--`: dockyard dev.exec -- CMD", argument="--")
    stack = _stack(c, check_files=False)
    _exit(stack.interactive(*stack.exec_args(command, tty=_tty())))


@task(name="run")
@guarded
def run_tests(c: Context) -> None:
    """Run the test command inside the test service: `dockyard test.run -- PYTEST_ARGS`.

    Uses a one-off container (`compose run --rm`); exits with the tests' status.
    """
    stack = _stack(c)
    _exit(stack.interactive(*stack.test_args(_remainder(c), tty=_tty())))


@task(name="test", help={"dry_run": _DRY})
@guarded
def ci_test(c: Context, dry_run: bool = False) -> None:
    """One shot: build, run until the app exits, exit with its code, always clean up.

    Containers, networks and volumes are removed afterwards, Ctrl-C included.
    """
    stack = _stack(c)
    if dry_run:
        _show(stack.ci_test_plan())
        return
    _exit(stack.ci_test(output=_print))


@task(help={"dry_run": _DRY})
@guarded
def clean(c: Context, dry_run: bool = False) -> None:
    """Remove the environment's containers, networks, volumes and locally built images."""
    stack = _stack(c, check_files=False)
    plan = stack.plan("clean", [stack.down_step(volumes=True, images=True)])
    if dry_run:
        _show(plan)
        return
    stack.run_plan(plan, output=_print)


def collection_for(name: str) -> Collection:
    """The collection of environment ``name`` (test adds ``run``; ci adds test, clean)."""
    tasks = [up, down, build, rebuild, logs, restart, status, shell, exec_]
    if name == "test":
        tasks.append(run_tests)
    if name == "ci":
        tasks += [ci_test, clean]
    ns = Collection(name, *tasks)
    ns.configure({"dockyard_env": name})
    return ns

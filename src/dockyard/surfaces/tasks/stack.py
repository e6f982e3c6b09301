"""Per-environment collections: ``dev.up``, ``test.run``, ``ci.test``, ...

Every environment of the configuration gets a collection named after it. Task bodies
import the layers below lazily, so listing tasks stays as fast as bare Invoke.

Options every task takes: ``--env`` (must name the collection's own environment: it
is there so that scripts can pass it everywhere) and ``--dry-run`` (print what would
run, change nothing). Lists repeat (``--profile a --profile b``) or take commas.
Words after ``--`` go to compose (up, down, build, logs), to the command (exec) or
to the test command (test.run).
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from dockyard.surfaces.cli import echo, guarded, split_list

if TYPE_CHECKING:
    from dockyard.workflows.stack import Plan, Stack

__all__ = ["collection_for"]

_DRY = "print what would run (commands, build args, env file, variables); change nothing"
_ENV = "the environment; must be this collection's own (given for scripts' sake)"
_PROFILE = "a compose profile to enable (repeat or comma-separate; setting `profiles`)"
_SERVICE = "the service (default: the environment's main service)"
_HELP = {"dry_run": _DRY, "env": _ENV, "profile": _PROFILE}


def _help(*common: str, **more: str) -> dict[str, str]:
    """Help for the common options ``common`` (env and dry_run always) and ``more``."""
    return {**{k: _HELP[k] for k in ("env", "dry_run", *common)}, **more}


def _stack(
    c: Context,
    env: str | None,
    profile: Sequence[str] | None = None,
    *,
    check_files: bool = True,
) -> Stack:
    from dockyard.errors import UsageError
    from dockyard.surfaces.runtime import runtime_for, settings_for
    from dockyard.workflows.stack import open_stack

    name = c.config.get("dockyard_env")
    if env is not None and env != name:
        raise UsageError(
            f"{name}.* tasks act on the {name!r} environment; for {env!r} use `{env}.<task>`",
            argument="--env",
        )
    runtime = runtime_for(c)
    settings = settings_for(c)
    profiles = split_list(profile) or None
    return open_stack(
        settings,
        name,
        runtime.runner,
        runtime.environ,
        check_files=check_files,
        profiles=profiles,
    )


def _tty() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _print(line: str) -> None:
    echo(line)


def _show(plan: Plan) -> None:
    echo(*plan.lines())


def _show_argv(stack: Stack, *args: str, all_profiles: bool = False) -> None:
    echo(f"would run: {shlex.join(stack.argv(*args, all_profiles=all_profiles))}")


def _exit(code: int) -> None:
    if code:
        raise Exit(code=code)


def _remainder(c: Context) -> list[str]:
    """The words after ``--``, exactly as the shell split them.

    Invoke keeps them as one space-joined string, which loses quoting
    (``-- sh -c 'a; b'``); the process's own argv still has them intact.
    """
    if not (getattr(c, "remainder", "") or ""):
        return []
    if "--" in sys.argv:
        return sys.argv[sys.argv.index("--") + 1 :]
    return shlex.split(getattr(c, "remainder", "") or "")


def _seconds(value: str | None, option: str) -> float | None:
    """A number of seconds given on the command line (``None`` when not given)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        from dockyard.errors import UsageError

        raise UsageError(f"{option} takes a number of seconds, got {value!r}", argument=option)
    return seconds


def _services(service: Sequence[str] | None) -> list[str]:
    return split_list(service)


@task(
    iterable=["profile"],
    help=_help(
        "profile",
        build="build the images first, even when they are current (compose runs)",
        no_cache="build without the build cache (implies --build)",
        force_recreate="recreate the containers even when nothing changed (compose runs)",
        timeout="seconds to wait for healthy services (setting `up_timeout`; default 300)",
        settle="seconds a service without healthcheck must stay running (setting `settle_seconds`)",
    ),
)
@guarded
def up(  # noqa: PLR0917 - one parameter per command-line option
    c: Context,
    build: bool = False,
    no_cache: bool = False,
    force_recreate: bool = False,
    timeout: str | None = None,
    settle: str | None = None,
    profile: list[str] | None = None,
    env: str | None = None,
    dry_run: bool = False,
) -> None:
    """Start the environment, building its images first if missing or stale.

    Stale means built for another uid/gid, an older lock file, or from a Dockerfile,
    ignore file or compose build section (args, target) that changed since. Waits until
    every service is healthy (healthcheck) or has stayed running for the settle time;
    a service that exits or turns unhealthy fails the task (exit 1) with its last log
    lines. When the stack is running and healthy and nothing it was started from
    changed (compose and env files, images, options), says "up to date" and runs no
    compose at all; --force-recreate or --build make compose run.
    `dockyard dev.up -- ARGS` passes words to `compose up` (compose runs).
    """
    stack = _stack(c, env, profile)
    extra = [*(["--force-recreate"] if force_recreate else []), *_remainder(c)]
    waiting = stack.waiting(_seconds(timeout, "--timeout"), _seconds(settle, "--settle"))
    plain = not (dry_run or build or no_cache or extra)
    known = stack.known_up_to_date() if plain else None
    if known is not None:  # as the last up left it: not even the engine's details needed
        echo(*(f"dockyard: {note}" for note in known[0]))
        ready: list[str] | None = known[1]
    else:
        plan = stack.up_plan(build=build, no_cache=no_cache, extra=extra, waiting=waiting)
        if dry_run:
            _show(plan)
            return
        echo(*(f"dockyard: {note}" for note in plan.notes))
        ready = stack.up_to_date(plan)
    if ready is not None:
        echo(
            f"dockyard: {stack.env.name} is up to date: running, and nothing it was started "
            "from changed (--force-recreate or --build to run compose anyway)"
        )
    else:
        ready = stack.run_plan(plan, output=_print)
        note = stack.ownership_note()
        if note:
            echo(f"dockyard: note: {note}")
    echo(*(f"  {line}" for line in ready))
    echo(f"{stack.env.name} is up (compose project {stack.env.project_name})")


@task(help=_help(volumes="also remove the environment's named volumes"))
@guarded
def down(c: Context, volumes: bool = False, env: str | None = None, dry_run: bool = False) -> None:
    """Stop and remove the environment's containers (every profile's) and networks.

    Named volumes go too with --volumes. `-- ARGS` go to `compose down`.
    """
    stack = _stack(c, env, check_files=False)
    plan = stack.plan("down", [stack.down_step(volumes=volumes, extra=_remainder(c))])
    if dry_run:
        _show(plan)
        return
    stack.forget_up()
    stack.run_plan(plan, output=_print)


@task(iterable=["profile"], help=_help("profile", no_cache="build without the build cache"))
@guarded
def build(
    c: Context,
    no_cache: bool = False,
    profile: list[str] | None = None,
    env: str | None = None,
    dry_run: bool = False,
) -> None:
    """Build the environment's images for this host's uid/gid and the current lock file.

    Changes: images (labelled with the uid, gid and lock hash they were built for).
    `-- ARGS` go to `compose build`.
    """
    stack = _stack(c, env, profile)
    plan = stack.build_plan(no_cache=no_cache, extra=_remainder(c))
    if dry_run:
        _show(plan)
        return
    stack.run_plan(plan, output=_print)


@task(iterable=["profile"], help=_help("profile"))
@guarded
def rebuild(
    c: Context, profile: list[str] | None = None, env: str | None = None, dry_run: bool = False
) -> None:
    """Rebuild the images from scratch (no cache), then start the environment and wait.

    Changes: images, containers.
    """
    stack = _stack(c, env, profile)
    plan = stack.up_plan(no_cache=True)
    plan.operation = "rebuild"
    if dry_run:
        _show(plan)
        return
    stack.run_plan(plan, output=_print)


@task(
    iterable=["service", "profile"],
    help=_help("profile", follow="keep printing new log lines", service=_SERVICE + "; repeatable"),
)
@guarded
def logs(  # noqa: PLR0917 - one parameter per command-line option
    c: Context,
    follow: bool = False,
    service: list[str] | None = None,
    profile: list[str] | None = None,
    env: str | None = None,
    dry_run: bool = False,
) -> None:
    """Show the environment's logs. Changes nothing. `-- ARGS` go to `compose logs`."""
    stack = _stack(c, env, profile, check_files=False)
    args = ["logs", *(["--follow"] if follow else []), *_remainder(c), *_services(service)]
    if dry_run:
        _show_argv(stack, *args)
        return
    _exit(stack.interactive(*args))


@task(iterable=["service", "profile"], help=_help("profile", service=_SERVICE + "; repeatable"))
@guarded
def restart(
    c: Context,
    service: list[str] | None = None,
    profile: list[str] | None = None,
    env: str | None = None,
    dry_run: bool = False,
) -> None:
    """Restart the environment's containers (or some services). Changes: container state."""
    stack = _stack(c, env, profile, check_files=False)
    names = _services(service)
    why = f"restart {', '.join(names)}" if names else "restart every service"
    plan = stack.plan("restart", [stack.step("restart", *names, why=why)])
    if dry_run:
        _show(plan)
        return
    stack.run_plan(plan, output=_print)


@task(iterable=["profile"], help=_help("profile"))
@guarded
def status(
    c: Context, profile: list[str] | None = None, env: str | None = None, dry_run: bool = False
) -> None:
    """Show the environment's containers and their state. Changes nothing."""
    stack = _stack(c, env, profile, check_files=False)
    if dry_run:
        _show_argv(stack, "ps", "--all")
        return
    done = stack.compose.run(*stack.profile_flags(), "ps", "--all", timeout=60.0)
    echo(done.stdout.rstrip())


@task(help=_help(service=_SERVICE))
@guarded
def shell(
    c: Context, service: str | None = None, env: str | None = None, dry_run: bool = False
) -> None:
    """Open a shell in a running service (bash if present, else sh)."""
    stack = _stack(c, env, check_files=False)
    args = stack.shell_args(tty=_tty(), service=service)
    if dry_run:
        _show_argv(stack, *args)
        return
    _exit(stack.interactive(*args))


@task(name="exec", help=_help(service=_SERVICE))
@guarded
def exec_(
    c: Context, service: str | None = None, env: str | None = None, dry_run: bool = False
) -> None:
    """Run a command in a running service: `dockyard ENV.exec [--service S] -- CMD ARGS`.

    Gets a terminal when there is one (`-T` otherwise, as in CI); exits with the
    command's exit status.
    """
    command = _remainder(c)
    if not command:
        from dockyard.errors import UsageError

        raise UsageError("give the command after `--`: dockyard dev.exec -- CMD", argument="--")
    stack = _stack(c, env, check_files=False)
    args = stack.exec_args(command, tty=_tty(), service=service)
    if dry_run:
        _show_argv(stack, *args)
        return
    _exit(stack.interactive(*args))


@task(name="run", iterable=["profile"], help=_help("profile"))
@guarded
def run_tests(
    c: Context, profile: list[str] | None = None, env: str | None = None, dry_run: bool = False
) -> None:
    """Run the test command inside the test service: `dockyard test.run -- PYTEST_ARGS`.

    Uses a one-off container (`compose run --rm`) and removes the network it made when
    nothing else of the environment was running; exits with the tests' status.
    """
    stack = _stack(c, env, profile)
    if dry_run:
        _show_argv(stack, *stack.test_args(_remainder(c), tty=_tty()))
        return
    _exit(stack.run_tests(_remainder(c), tty=_tty(), output=_print))


@task(name="test", iterable=["profile"], help=_help("profile"))
@guarded
def ci_test(
    c: Context, profile: list[str] | None = None, env: str | None = None, dry_run: bool = False
) -> None:
    """One shot: build, run until the app exits, exit with its code, always clean up.

    Containers, networks and volumes are removed afterwards, Ctrl-C included.
    """
    stack = _stack(c, env, profile)
    if dry_run:
        _show(stack.ci_test_plan())
        return
    _exit(stack.ci_test(output=_print))


@task(help=_help())
@guarded
def clean(c: Context, env: str | None = None, dry_run: bool = False) -> None:
    """Remove the environment's containers (every profile's), networks, volumes and images.

    Only images compose built locally for this environment are removed.
    """
    stack = _stack(c, env, check_files=False)
    plan = stack.plan("clean", [stack.down_step(volumes=True, images=True)])
    if dry_run:
        _show(plan)
        return
    stack.forget_up()
    stack.run_plan(plan, output=_print)
    stack.inputs_path.unlink(missing_ok=True)


def collection_for(name: str) -> Collection:
    """The collection of environment ``name`` (test adds ``run``; ci adds ``test``)."""
    tasks = [up, down, build, rebuild, logs, restart, status, shell, exec_, clean]
    if name == "test":
        tasks.append(run_tests)
    if name == "ci":
        tasks.append(ci_test)
    ns = Collection(name, *tasks)
    ns.configure({"dockyard_env": name})
    return ns

"""``venv.*`` tasks: where venvs live, give files back to their user, relocate, run.

No task needs ``sudo``: what the host user cannot change is changed by a throwaway
root container that mounts the project. Task bodies import the layers below lazily.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from dockyard.surfaces.cli import echo, guarded

if TYPE_CHECKING:
    from collections.abc import Callable

    from dockyard.adapters.engine import Engine
    from dockyard.domain.config import Settings
    from dockyard.surfaces.runtime import Runtime

__all__ = ["collection", "fix_ownership", "info", "relocate", "run"]

_ENV_HELP = "environment whose service and image to use (default: DOCKYARD_ENV, else 'dev')"
_SHOWN = 20


def _connect(runtime: Runtime) -> Callable[[], Engine]:
    clients: list[Engine] = []

    def connect() -> Engine:
        if not clients:
            from dockyard.adapters.engine import connect as engine_connect

            clients.append(engine_connect(runtime.environ))
        return clients[0]

    return connect


def _app_image(settings: Settings, env: str | None, runtime: Runtime) -> str | None:
    """The environment's app image name, when compose can tell it (None otherwise)."""
    from dockyard.errors import DockyardError
    from dockyard.workflows.stack import open_stack

    try:
        stack = open_stack(settings, env, runtime.runner, runtime.environ)
        return stack.compose.image_name(stack.env.service)
    except DockyardError:
        return None


@task(help={"env": "only this environment's container side (default: every environment)"})
@guarded
def info(c: Context, env: str | None = None) -> None:
    """Show where the host and container venvs live, their owners, tool and conflicts.

    Host: the tool (Poetry, uv), the venv path and the setting that puts it there (with
    its level), the in-project .venv's owner and interpreter. Each environment: the
    container venv and the mount holding it. Exits 1 on conflicts. Changes nothing."""
    from dockyard.surfaces.runtime import runtime_for, settings_for
    from dockyard.workflows.venvs import venv_report

    settings = settings_for(c)
    runtime = runtime_for(c)
    envs = [settings.environment(env).name] if env else None
    report = venv_report(settings, runtime.environ, runtime.runner, envs)
    host = report.host
    echo(f"host ({host.tool}): {host.path}  [{host.source}]")
    if host.state is not None:
        state = host.state
        owner = f"owner uid {state.owner_uid}"
        echo(f"  {settings.relative(state.path)}: {owner}, interpreter {state.home or '?'}")
    if host.poetry is not None:
        for setting in (host.poetry.in_project, host.poetry.path):
            echo(f"  poetry {setting.key} = {setting.value}  [{setting.level}: {setting.source}]")
    uv_env = runtime.environ.get("UV_PROJECT_ENVIRONMENT")
    echo(f"  UV_PROJECT_ENVIRONMENT = {uv_env if uv_env else '(unset: .venv)'}")
    for side in report.containers:
        if side.venv is None:
            echo(f"container {side.env}/{side.service}: {side.skipped}")
            continue
        mount = (
            f"inside {side.mount.kind} mount {side.mount.source}:{side.mount.target}"
            if side.mount
            else "not under any mount (lives in the image)"
        )
        echo(
            f"container {side.env}/{side.service}: {side.venv.path}  [{side.venv.source}], {mount}"
        )
    echo(f"project files not owned by uid {report.uid}: {report.foreign.total}")
    if not report.conflicts:
        echo("no conflicts")
        return
    echo("conflicts:")
    for conflict in report.conflicts:
        echo(f"  - {conflict}")
    echo("fix: `dockyard venv.relocate --dry-run`, then `dockyard venv.fix-ownership`")
    raise Exit(code=1)


def _confirm_tty(count: int) -> bool:
    if not sys.stdin.isatty():
        return False
    answer = input(f"give {count} entries back to the host user? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


@task(
    help={
        "yes": "do it without asking",
        "dry_run": "list what would change; change nothing",
        "env": _ENV_HELP,
    }
)
@guarded
def fix_ownership(
    c: Context, yes: bool = False, dry_run: bool = False, env: str | None = None
) -> None:
    """Give project files owned by other users back to the host user, without sudo.

    Lists them, then runs ``chown`` as root in a throwaway container that mounts the
    project (network none, removed afterwards).

    Asks first unless --yes (without a terminal and without --yes it changes nothing).
    Changes: the owner of those files only.
    """
    from dockyard.surfaces.runtime import runtime_for, settings_for
    from dockyard.workflows.venvs import fix_ownership as fix

    settings = settings_for(c)
    runtime = runtime_for(c)

    def confirm(entries: tuple[object, ...]) -> bool:
        return yes or _confirm_tty(len(entries))

    app_image = None if dry_run else _app_image(settings, env, runtime)
    result = fix(
        settings,
        _connect(runtime),
        app_image=app_image,
        dry_run=dry_run,
        confirm=confirm,
        progress=echo,
        environ=runtime.environ,
    )
    if result.skipped:
        echo(f"SKIP: {len(result.before)} entries left as they are: {result.skipped}")
        return
    if not result.before:
        echo(f"every file in the project is owned by uid {result.uid}: nothing to do")
        return
    for entry in result.before[:_SHOWN]:
        kind = "/" if entry.is_dir else ""
        echo(f"  {entry.path}{kind}  uid {entry.uid} gid {entry.gid}")
    if len(result.before) > _SHOWN:
        echo(f"  ... and {len(result.before) - _SHOWN} more")
    target = f"{result.uid}:{result.gid}"
    if not result.applied:
        verb = "would give" if dry_run else "not confirmed: did not give"
        echo(f"{verb} {len(result.before)} entries back to {target}")
        if not dry_run:
            raise Exit(code=1)
        return
    echo(
        f"gave {len(result.before) - len(result.after)} entries back to {target} "
        f"(chown in a throwaway container of {result.image})"
    )
    if result.after:
        echo(f"{len(result.after)} entries still not owned by uid {result.uid}")
        raise Exit(code=1)


@task(help={"dry_run": "print the plan; change nothing", "env": _ENV_HELP})
@guarded
def relocate(c: Context, dry_run: bool = False, env: str | None = None) -> None:
    """Move the host and container venvs apart, rebuild the host venv, verify.

    Poetry's host venv out of the project (local poetry.toml), every container venv out
    of bind mounts (compose environment + Dockerfile ENV), the broken venv removed (in a
    throwaway container when another user owns it), the host venv recreated with the
    project's tool, then verified. The file changes run on the layout journal: an
    interrupted run resumes when run again, `venv.rollback` restores those files byte for
    byte. Running it again does nothing."""
    from dockyard.surfaces.runtime import runtime_for, settings_for
    from dockyard.surfaces.tasks.layout import _fault_hook
    from dockyard.workflows.relocate import apply_relocate, plan_relocate
    from dockyard.workflows.venvs import venv_report

    settings = settings_for(c)
    runtime = runtime_for(c)
    if env is not None:
        settings.environment(env)  # a name, and a known one: one line, exit 2 otherwise
    if not dry_run and _resume_relocation(settings.root):
        echo("resumed the interrupted relocation")
    app_image = None if dry_run else _app_image(settings, env, runtime)
    plan = plan_relocate(
        settings,
        runtime.environ,
        runtime.runner,
        _connect(runtime),
        app_image=app_image,
        progress=echo,
    )
    for line in plan.lines():
        echo(line)
    if dry_run or not plan.actions:
        return
    hook = _fault_hook(runtime.environ)
    for done in apply_relocate(plan, lambda what: None, after_step=hook):
        echo(f"done: {done}")
    after = venv_report(settings, runtime.environ, runtime.runner)
    left = [c for c in after.conflicts if "not owned by uid" not in c]
    if left:
        for conflict in left:
            echo(f"still: {conflict}")
        raise Exit(code=1)
    echo(f"verified: host venv {after.host.path}; no venv conflict left")


@task(help={"env": _ENV_HELP})
@guarded
def run(c: Context, env: str | None = None) -> None:
    """Run a command in the host venv, relocating it first when needed.

    ``dockyard venv.run -- poetry show``: ensures the configuration and the venv exist
    (what venv.relocate does, only when needed), then runs the command after ``--``.

    Changes what venv.relocate changes, only when needed."""
    from dockyard.errors import UsageError
    from dockyard.surfaces.runtime import runtime_for, settings_for
    from dockyard.workflows.relocate import apply_relocate, plan_relocate
    from dockyard.workflows.venvs import run_in_venv

    if "--" in sys.argv:
        command = sys.argv[sys.argv.index("--") + 1 :]
    else:
        command = shlex.split(str(getattr(c, "remainder", "") or ""))
    if not command:
        raise UsageError("give the command after --: dockyard venv.run -- poetry show")
    settings = settings_for(c)
    runtime = runtime_for(c)
    plan = plan_relocate(
        settings,
        runtime.environ,
        runtime.runner,
        _connect(runtime),
        app_image=_app_image(settings, env, runtime),
    )
    for done in apply_relocate(plan, lambda what: None):
        echo(f"venv: {done}")
    code = run_in_venv(settings, runtime.environ, runtime.runner, command)
    if code:
        raise Exit(code=code)


def _resume_relocation(root: Path) -> bool:
    """Finish an interrupted relocation's file changes; refuse over another layout run."""
    from dockyard.errors import PlanError
    from dockyard.workflows import layout

    run = layout.pending_run(root)
    if run is None:
        return False
    kind = layout.run_kind(run)
    if kind != "relocate":
        raise PlanError(
            f"{layout.STATE_DIR}: an interrupted layout.{kind} run is pending; rerun it or "
            "run layout.rollback first"
        )
    layout.resume(root)
    return True


@task(help={"force": "roll back even files changed since the relocation"})
@guarded
def rollback(c: Context, force: bool = False) -> None:
    """Undo the file changes of the latest venv.relocate (poetry.toml, compose files,
    Dockerfiles), byte for byte, interrupted or not.

    Changes: those files only; a removed venv is not brought back (rebuild it with the
    project's tool)."""
    from dockyard.errors import PlanError
    from dockyard.surfaces.runtime import settings_for
    from dockyard.workflows import layout

    root = settings_for(c).root
    if layout.run_kind(layout.latest_run(root)) != "relocate":
        raise PlanError("no venv.relocate run to roll back (layout runs: layout.rollback)")
    outcome = layout.rollback(root, force=force)
    for path in outcome.restored:
        echo(f"restored {path}")
    for path in outcome.removed:
        echo(f"removed {path}")


def collection() -> Collection:
    """The ``venv`` collection."""
    return Collection("venv", info, fix_ownership, relocate, rollback, run)

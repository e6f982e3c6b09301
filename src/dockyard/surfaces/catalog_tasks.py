"""One table of dockyard's tasks and sessions, read by every surface.

The Invoke collections (``dockyard --list``), the nox session factory, the composite
GitHub action (which ``task`` values it accepts) and the docs all agree with this
table; a unit test holds them to it.

    python -m dockyard.surfaces.catalog_tasks          # the task list, as JSON
    python -m dockyard.surfaces.catalog_tasks --environments   # ["dev", "test", "ci"]

The JSON list is what a workflow's matrix reads (``fromJSON``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "SESSIONS",
    "TASKS",
    "SessionSpec",
    "TaskSpec",
    "action_tasks",
    "expand",
    "find",
    "main",
    "task_names",
]


@dataclass(frozen=True, kw_only=True)
class TaskSpec:
    """One task: its name (``up`` for per-environment tasks), what it does, where it runs.

    ``per_env``: one copy per environment (``dev.up``, ``ci.up``, ...); ``only_env``
    limits such a task to one environment (``test.run``, ``ci.test``). ``changes_stack``:
    it starts, stops or removes containers. ``action``: the GitHub action accepts it
    (interactive tasks and layout edits are left to people).
    """

    name: str
    summary: str
    per_env: bool = False
    only_env: str | None = None
    changes_stack: bool = False
    action: bool = True


def _env(name: str, summary: str, **more: Any) -> TaskSpec:
    """A per-environment row."""
    return TaskSpec(name=name, summary=summary, per_env=True, **more)


TASKS: tuple[TaskSpec, ...] = (
    _env("up", "start the environment (build when stale), wait until ready", changes_stack=True),
    _env("down", "stop and remove the environment's containers", changes_stack=True),
    _env("build", "build the images for this host's uid/gid"),
    _env("rebuild", "rebuild without cache, then start", changes_stack=True),
    _env("logs", "show the logs"),
    _env("restart", "restart containers", changes_stack=True),
    _env("status", "show the containers and their state"),
    _env("shell", "open a shell in a running service", action=False),
    _env("exec", "run a command in a running service"),
    _env("clean", "remove containers, networks, volumes and local images", changes_stack=True),
    _env("run", "run the test command in a one-off container", only_env="test"),
    _env(
        "test", "one shot: build, run until the app exits, its exit code, clean up", only_env="ci"
    ),
    TaskSpec(name="check", summary="the checks: Dockerfile, compose, env files, lock, venvs"),
    TaskSpec(name="doctor", summary="the engine, its kind, and what dockyard does about ownership"),
    TaskSpec(name="env.show", summary="the selected env file's values (secrets masked)"),
    TaskSpec(name="env.check", summary="compare an env file with the example"),
    TaskSpec(name="env.init", summary="create a missing env file from the example"),
    TaskSpec(name="env.explain", summary="where a variable's value comes from"),
    TaskSpec(name="venv.info", summary="where the host and container venvs live"),
    TaskSpec(name="venv.fix-ownership", summary="give files of other users back, without sudo"),
    TaskSpec(
        name="venv.relocate", summary="move the container venv out of the bind mount", action=False
    ),
    TaskSpec(
        name="venv.rollback", summary="undo the file changes of the last relocation", action=False
    ),
    TaskSpec(name="venv.run", summary="run a command in the host venv", action=False),
    TaskSpec(name="layout.init", summary="scaffold compose/, env/, docker/", action=False),
    TaskSpec(
        name="layout.migrate", summary="move a flat layout to compose/, env/, docker/", action=False
    ),
    TaskSpec(name="layout.rollback", summary="undo the last layout change", action=False),
    TaskSpec(name="wheels", summary="fill docker/wheels from the lock"),
    TaskSpec(
        name="devcontainer", summary="write .devcontainer/devcontainer.json for an environment"
    ),
)


@dataclass(frozen=True)
class SessionSpec:
    """One nox session: the dockyard tasks it runs, in order, and whether a bare ``nox``
    selects it (sessions that change a running stack are never selected by default).

    ``{env}`` in a step stands for the session's environment. ``posargs``: the step that
    receives ``nox -s NAME -- ARGS``.
    """

    name: str
    summary: str
    env: str
    steps: tuple[tuple[str, ...], ...]
    default: bool
    changes_stack: bool
    posargs: int | None = None


SESSIONS: tuple[SessionSpec, ...] = (
    SessionSpec(
        "ci",
        "build once for this host's ids, test inside the container, tear down, then check",
        "ci",
        (("{env}.test",), ("check", "--env", "{env}")),
        default=True,
        changes_stack=False,  # ci.test always removes what it started
    ),
    SessionSpec(
        "check",
        "dockyard's checks; `-- --live` adds the live ones",
        "dev",
        (("check", "--env", "{env}"),),
        default=True,
        changes_stack=False,
        posargs=0,
    ),
    SessionSpec(
        "up",
        "create the env file if missing, bring the environment up, show it",
        "dev",
        (("env.init", "--env", "{env}"), ("{env}.up",), ("{env}.status",)),
        default=False,
        changes_stack=True,
        posargs=1,
    ),
    SessionSpec(
        "down",
        "stop the environment",
        "dev",
        (("{env}.down",),),
        default=False,
        changes_stack=True,
    ),
    SessionSpec(
        "wheels",
        "fill docker/wheels from the lock (image builds without a package index)",
        "dev",
        (("wheels",),),
        default=False,
        changes_stack=False,
    ),
)


def expand(spec: TaskSpec, environments: Iterable[str]) -> list[str]:
    """The full task names of ``spec`` for ``environments`` (``dev.up``, ``ci.test``)."""
    if not spec.per_env:
        return [spec.name]
    return [f"{env}.{spec.name}" for env in environments if spec.only_env in (None, env)]


def task_names(environments: Sequence[str], *, action_only: bool = False) -> list[str]:
    """Every task name for ``environments``, in table order."""
    return [
        name
        for spec in TASKS
        if spec.action or not action_only
        for name in expand(spec, environments)
    ]


def action_tasks(environments: Sequence[str]) -> list[str]:
    """The ``task`` values the GitHub action accepts for ``environments``."""
    return task_names(environments, action_only=True)


def find(name: str) -> TaskSpec | None:
    """The table row of a full task name (``ci.test`` → the ``test`` row), if any."""
    head, dot, tail = name.partition(".")
    for spec in TASKS:
        if spec.name == name and not spec.per_env:
            return spec
        if dot and spec.per_env and spec.name == tail and spec.only_env in (None, head):
            return spec
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Print the task list (or the environments) of the repository here as JSON."""
    from dockyard.surfaces.tasks import _configured_environments

    args = list(sys.argv[1:] if argv is None else argv)
    environments = _configured_environments()
    if "--environments" in args:
        print(json.dumps(environments))
        return 0
    rows = [
        {
            "name": name,
            "summary": spec.summary,
            "environment": name.partition(".")[0] if spec.per_env else None,
            "changes_stack": spec.changes_stack,
            "action": spec.action,
        }
        for spec in TASKS
        for name in expand(spec, environments)
    ]
    print(json.dumps({"environments": environments, "tasks": rows}, indent=2))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `| head`: the reader went away
        sys.exit(141)

"""The steps of the composite GitHub action (``action.yml``) that need Python.

    python -m dockyard.surfaces.action resolve   # INPUT_* → step outputs
    python -m dockyard.surfaces.action summary   # the task's outcome → job summary

``resolve`` turns the action's inputs into the ``dockyard`` command line: the task
checked against the task table (:mod:`dockyard.surfaces.catalog_tasks`), the
environment (``ci`` when the repository has one and none is given), the options the
action adds only where ``args`` does not give them itself, and the lock tool a check
needs. ``summary`` appends the result, duration, environment and image to the job
summary. Both write to the files GitHub names in ``GITHUB_OUTPUT`` and
``GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dockyard.surfaces.catalog_tasks import action_tasks, find

__all__ = ["Resolved", "main", "resolve", "summary_lines"]

# global tasks that take --env (the per-environment ones carry it in their name)
_TAKES_ENV = frozenset(
    ["check", "env.show", "env.check", "env.init", "env.explain", "venv.info",
     "venv.fix-ownership", "devcontainer"]
)  # fmt: skip
_LOCKS = {"uv.lock": "uv", "poetry.lock": "poetry"}


class ActionInputError(ValueError):
    """An input the action cannot use; the message is the one line to show."""


@dataclass(frozen=True)
class Resolved:
    """What the action runs: the task, its environment, the argv, the lock tool."""

    task: str
    env: str
    argv: tuple[str, ...]
    lock_tool: str


def _has(options: Sequence[str], name: str) -> bool:
    return any(word == name or word.startswith(f"{name}=") for word in options)


def resolve(
    inputs: Mapping[str, str], environments: Sequence[str], root: Path, which: object = None
) -> Resolved:
    """The command line for the action's ``inputs`` in the repository at ``root``.

    >>> resolve({"task": "test"}, ["dev", "ci"], Path(".")).argv
    ('ci.test',)
    """
    import shutil

    task = inputs.get("task", "").strip() or "check"
    env = inputs.get("env", "").strip()
    if not env and "ci" in environments:
        env = "ci"
    if "." not in task and find(task) is None:  # `test`, `up`: the environment's task
        task = f"{env or 'dev'}.{task}"
    head, dot, _ = task.partition(".")
    spec = find(task)
    if dot and spec is not None and spec.per_env:
        if inputs.get("env", "").strip() and env != head:
            raise ActionInputError(f"task {task} runs in the {head} environment, not {env}")
        env = head
    accepted = action_tasks(environments)
    if task not in accepted:
        raise ActionInputError(
            f"task {task!r} is not one the action runs here; one of: {', '.join(accepted)}"
        )
    words = shlex.split(inputs.get("args", ""))
    cut = words.index("--") if "--" in words else len(words)
    options, rest = words[:cut], words[cut:]
    argv = [task]
    if task == "check":
        if not _has(options, "--format"):
            argv += ["--format", "github"]
        fail_on = inputs.get("fail-on", "").strip()
        if fail_on and not _has(options, "--fail-on"):
            argv += ["--fail-on", fail_on]
    if task in _TAKES_ENV and env and not _has(options, "--env"):
        argv += ["--env", env]
    lock_tool = ""
    if task == "check":
        for name, tool in _LOCKS.items():
            found = (root / name).exists() or any(root.glob(f"*/{name}"))
            if found and shutil.which(tool) is None:
                lock_tool = tool
                break
    return Resolved(task, env, (*argv, *options, *rest), lock_tool)


def summary_lines(task: str, env: str, code: int, seconds: int, image: str | None) -> list[str]:
    """The job summary's lines for one task run."""
    result = "passed" if code == 0 else f"failed (exit {code})"
    return [
        f"### dockyard `{task}`",
        "",
        "| result | duration | environment | image |",
        "| --- | --- | --- | --- |",
        f"| {result} | {seconds} s | {env or '-'} | {f'`{image}`' if image else '-'} |",
        "",
    ]


def _image(env: str) -> str | None:
    """The environment's main image as compose names it (None when it cannot tell)."""
    from dockyard.adapters.runner import SubprocessRunner
    from dockyard.domain.config import find_root, load_settings
    from dockyard.errors import DockyardError
    from dockyard.workflows.stack import open_stack

    try:
        settings = load_settings(find_root(Path.cwd()), environ=os.environ)
        stack = open_stack(settings, env, SubprocessRunner(), dict(os.environ))
        return stack.compose.image_name(stack.env.service)
    except (DockyardError, TypeError):
        return None


def _append(variable: str, lines: Sequence[str]) -> None:
    path = os.environ.get(variable)
    if path:
        with Path(path).open("a", encoding="utf-8") as out:
            out.write("".join(f"{line}\n" for line in lines))


def main(argv: Sequence[str] | None = None) -> int:
    """``resolve`` or ``summary``, reading the environment GitHub gives a step."""
    from dockyard.domain.config import find_root
    from dockyard.surfaces.tasks import _configured_environments

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["resolve"]:
        names = ("task", "env", "args", "fail-on")
        inputs = {n: os.environ.get(f"INPUT_{n.upper().replace('-', '_')}", "") for n in names}
        try:
            done = resolve(inputs, _configured_environments(), find_root(Path.cwd()))
        except ActionInputError as exc:
            print(f"::error title=dockyard::{exc}")
            return 2
        _append(
            "GITHUB_OUTPUT",
            [
                f"task={done.task}",
                f"env={done.env}",
                f"argv={shlex.join(done.argv)}",
                f"lock-tool={done.lock_tool}",
            ],
        )
        print(f"dockyard {shlex.join(done.argv)}")
        return 0
    if args[:1] == ["summary"]:
        task = os.environ.get("DOCKYARD_TASK", "")
        env = os.environ.get("DOCKYARD_ENV", "")
        code = int(os.environ.get("DOCKYARD_EXIT", "0") or 0)
        seconds = int(os.environ.get("DOCKYARD_SECONDS", "0") or 0)
        spec = find(task)
        image = _image(env) if spec is not None and spec.per_env else None
        _append("GITHUB_STEP_SUMMARY", summary_lines(task, env, code, seconds, image))
        return 0
    print("usage: python -m dockyard.surfaces.action resolve|summary", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

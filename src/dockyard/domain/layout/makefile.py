"""The dockyard task that does a Makefile target's job.

Targets named like ``dev-up``, ``test-build``, ``ci-test``, ``test`` do what
``dockyard dev.up``, ``dockyard test.build``, ``dockyard ci.test``, ``dockyard test.run``
do. The migration keeps every target's own command (with new paths) and names the task
in its notes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["task_for_target"]

_TARGET = re.compile(r"^(?P<names>[A-Za-z0-9_.\- ]+?)\s*:(?![=:])(?P<deps>[^=]*)$")
_COMPOSE = re.compile(r"docker[ -]compose")
_VERBS = {
    "up": "up",
    "start": "up",
    "down": "down",
    "stop": "down",
    "build": "build",
    "rebuild": "rebuild",
    "logs": "logs",
    "log": "logs",
    "restart": "restart",
    "status": "status",
    "ps": "status",
    "shell": "shell",
    "bash": "shell",
    "clean": "clean",
    "test": "test",
}
_SPECIAL = {"test": "test.run", "tests": "test.run", "ci": "ci.test", "check": "check"}


def task_for_target(target: str, environments: Sequence[str] = ("dev", "test", "ci")) -> str | None:
    """The dockyard task doing ``target``'s job, or None.

    >>> task_for_target("dev-up")
    'dev.up'
    >>> task_for_target("ci-test")
    'ci.test'
    >>> task_for_target("test")
    'test.run'
    """
    if target in _SPECIAL:
        return _SPECIAL[target]
    for sep in ("-", "_", "."):
        env, found, verb = target.partition(sep)
        if not found:
            continue
        if env in environments and verb in _VERBS:
            action = _VERBS[verb]
            if action == "test":
                return "ci.test" if env == "ci" else f"{env}.run" if env == "test" else None
            if env == "ci" and action not in ("build", "clean"):
                return None
            return f"{env}.{action}"
        if verb in environments and env in _VERBS and _VERBS[env] != "test":
            return f"{verb}.{_VERBS[env]}"
    return None

"""Map a Makefile's compose-driving targets to dockyard tasks.

Targets named like ``dev-up``, ``test-build``, ``ci-test``, ``test`` get the task that
does the same job (``dockyard dev.up``, ``dockyard test.build``, ``dockyard ci.test``,
``dockyard test.run``); their recipes are replaced by that one call, so ``make dev-up``
keeps working. Compose-driving targets with no known task keep their recipe, with
compose and env file paths pointed at the new folders, and are reported. The Makefile
is never deleted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["MakefileMapping", "map_makefile", "task_for_target"]

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


@dataclass
class MakefileMapping:
    """The new Makefile text, the targets mapped (target -> task) and those left."""

    text: str
    mapped: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)


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


def map_makefile(
    text: str,
    path_moves: Mapping[str, str],
    environments: Sequence[str] = ("dev", "test", "ci"),
    program: str = "dockyard",
) -> MakefileMapping:
    """Rewrite ``text``: mapped targets call dockyard, the others get the new paths."""
    lines = text.splitlines()
    blocks = _blocks(lines)
    result = MakefileMapping(text="")
    out: list[str] = []
    cursor = 0
    for start, end, name in blocks:
        out.extend(lines[cursor:start])
        recipe = lines[start + 1 : end]
        drives_compose = any(_COMPOSE.search(line) for line in recipe)
        task = task_for_target(name, environments) if drives_compose else None
        out.append(lines[start])
        if task is not None:
            result.mapped[name] = f"{program} {task}"
            out.append(f"\t{program} {task}")
            out.extend(line for line in recipe if not line.startswith("\t"))
        else:
            if drives_compose:
                result.unmapped.append(name)
            out.extend(_repath(line, path_moves) for line in recipe)
        cursor = end
    out.extend(lines[cursor:])
    result.text = "\n".join(out) + ("\n" if text.endswith("\n") else "")
    return result


def _blocks(lines: list[str]) -> list[tuple[int, int, str]]:
    """(header line, end of recipe, first target name) of each rule with a recipe."""
    blocks: list[tuple[int, int, str]] = []
    index = 0
    while index < len(lines):
        found = _TARGET.match(lines[index])
        if found and not lines[index].startswith(("\t", ".")):
            end = index + 1
            while end < len(lines) and (lines[end].startswith("\t") or not lines[end].strip()):
                end += 1
            # trailing blank lines belong to the gap, not the recipe
            while end > index + 1 and not lines[end - 1].strip():
                end -= 1
            blocks.append((index, end, found["names"].split()[0]))
            index = end
        else:
            index += 1
    return blocks


def _repath(line: str, moves: Mapping[str, str]) -> str:
    for old, new in sorted(moves.items(), key=lambda item: -len(item[0])):
        line = re.sub(rf"(?<![\w./-]){re.escape(old)}(?![\w.-])", new, line)
    return line

"""Layout plans: an ordered list of steps, each printable before anything changes.

A step is one of :class:`Mkdir`, :class:`Move`, :class:`Write` (a new file),
:class:`Edit` (new content for an existing file, which it remembers) or
:class:`Chmod`. Paths are POSIX strings relative to the repository root. Plans serialise
to JSON for the journal.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from dockyard.domain.secrets import mask

__all__ = [
    "Chmod",
    "Conflict",
    "Edit",
    "Mkdir",
    "Move",
    "Plan",
    "Step",
    "Write",
    "digest",
    "render_step",
    "step_from_json",
    "step_to_json",
    "unified_diff",
]

PlanKind = Literal["init", "migrate", "relocate"]


def digest(data: bytes) -> str:
    """The sha256 hex digest of ``data`` (how steps recognise a file's content)."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Mkdir:
    """Create a folder (its parent exists or is created by an earlier step)."""

    path: str


@dataclass(frozen=True)
class Move:
    """Rename ``src`` to ``dst``; ``sha256`` is the content expected at ``src``."""

    src: str
    dst: str
    sha256: str


@dataclass(frozen=True)
class Write:
    """Create a new file ``path`` with ``text`` and ``mode``."""

    path: str
    text: str
    mode: int = 0o644


@dataclass(frozen=True)
class Chmod:
    """Set the permission bits of the file ``path`` (env files holding secrets: 0600)."""

    path: str
    mode: int


@dataclass(frozen=True)
class Edit:
    """Replace the content of the existing file ``path`` (``old`` is its current text)."""

    path: str
    old: str
    text: str


Step = Mkdir | Move | Write | Edit | Chmod


@dataclass(frozen=True)
class Conflict:
    """A file the plan would change but may not without ``--force``: path and diff."""

    path: str
    diff: str


@dataclass(frozen=True)
class Plan:
    """What a layout command would do.

    ``notes`` say what the steps achieve (Makefile targets mapped, keys moved);
    ``left`` lists what the plan deliberately leaves to the user; ``conflicts`` are
    files that exist and differ (init refuses them unless forced); ``follows`` maps
    files that are absent here (ignored by git) to where references now expect them.
    """

    kind: PlanKind
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    follows: tuple[tuple[str, str], ...] = ()
    expected: tuple[str, ...] = ()  # compose config fields the plan changes on purpose

    @property
    def empty(self) -> bool:
        """True when there is nothing to do."""
        return not self.steps

    def moves(self) -> dict[str, str]:
        """Old path -> new path of every file the plan moves, present or absent."""
        moved = dict(self.follows)
        moved.update((s.src, s.dst) for s in self.steps if isinstance(s, Move))
        return moved

    def touched(self) -> list[str]:
        """Every path a step creates, changes or removes, in first-touch order."""
        seen: dict[str, None] = {}
        for step in self.steps:
            for path in _paths(step):
                seen.setdefault(path, None)
        return list(seen)

    def render(self) -> Iterator[str]:
        """Every step as text: moves, new files in full, edits as unified diffs."""
        for number, step in enumerate(self.steps, 1):
            yield from render_step(step, number)


def _paths(step: Step) -> tuple[str, ...]:
    if isinstance(step, Move):
        return (step.src, step.dst)
    return (step.path,)


def _is_env_file(path: str) -> bool:
    return path.rsplit("/", 1)[-1].startswith(".env")


_ASSIGN = re.compile(r"^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_.]*)(\s*=\s*)(.*)$")


_YAML_ENTRY = re.compile(r"^(\s*-?\s*)([A-Za-z_][A-Za-z0-9_]*)(\s*[:=]\s*)(\S.*)$")


def _masked(path: str, line: str) -> str:
    """A line with its value masked when the key looks secret (env and compose files)."""
    if path.endswith((".yml", ".yaml", ".yml.example")):
        found = _YAML_ENTRY.match(line)
        if not found:
            return line
        lead, key, sep, value = found.groups()
        return f"{lead}{key}{sep}{mask(key, value)}"
    if not _is_env_file(path):
        return line
    found = _ASSIGN.match(line)
    if not found:
        return line
    lead, key, eq, value = found.groups()
    return f"{lead}{key}{eq}{mask(key, value.strip().strip(chr(34)).strip(chr(39)))}"


def unified_diff(path: str, old: str, new: str) -> str:
    """A unified diff of ``old`` → ``new`` for ``path``; env values are masked."""
    lines = difflib.unified_diff(
        [_masked(path, x) for x in old.splitlines()],
        [_masked(path, x) for x in new.splitlines()],
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
        lineterm="",
    )
    return "\n".join(lines)


def render_step(step: Step, number: int) -> Iterator[str]:
    """The lines that show one step (for ``--dry-run`` and the journal)."""
    if isinstance(step, Mkdir):
        yield f"{number:>3}. mkdir {step.path}/"
    elif isinstance(step, Move):
        yield f"{number:>3}. move  {step.src} -> {step.dst}"
    elif isinstance(step, Chmod):
        yield f"{number:>3}. chmod {step.mode:04o} {step.path}"
    elif isinstance(step, Write):
        yield f"{number:>3}. new   {step.path} (mode {step.mode:04o})"
        for line in step.text.splitlines():
            yield f"       + {_masked(step.path, line)}"
    else:
        yield f"{number:>3}. edit  {step.path}"
        for line in unified_diff(step.path, step.old, step.text).splitlines():
            yield f"       {line}"


def step_to_json(step: Step) -> dict[str, Any]:
    """A JSON-ready dict for ``step``."""
    if isinstance(step, Mkdir):
        return {"op": "mkdir", "path": step.path}
    if isinstance(step, Move):
        return {"op": "move", "src": step.src, "dst": step.dst, "sha256": step.sha256}
    if isinstance(step, Write):
        return {"op": "write", "path": step.path, "text": step.text, "mode": step.mode}
    if isinstance(step, Chmod):
        return {"op": "chmod", "path": step.path, "mode": step.mode}
    return {"op": "edit", "path": step.path, "old": step.old, "text": step.text}


def step_from_json(data: Mapping[str, Any]) -> Step:
    """The step :func:`step_to_json` wrote."""
    op = data["op"]
    if op == "mkdir":
        return Mkdir(str(data["path"]))
    if op == "move":
        return Move(str(data["src"]), str(data["dst"]), str(data["sha256"]))
    if op == "write":
        return Write(str(data["path"]), str(data["text"]), int(data["mode"]))
    if op == "chmod":
        return Chmod(str(data["path"]), int(data["mode"]))
    if op == "edit":
        return Edit(str(data["path"]), str(data["old"]), str(data["text"]))
    raise ValueError(f"unknown step {op!r}")

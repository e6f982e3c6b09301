"""Plan steps: write a file (create or replace) or remove one. Moves are a write and a
removal, so every step is idempotent and a plan can be resumed at any step."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Plan", "Remove", "Write"]


@dataclass(frozen=True)
class Write:
    """Make ``path`` (relative to the root) hold ``data`` with ``mode``."""

    path: str
    data: bytes
    mode: int = 0o644
    why: str = ""


@dataclass(frozen=True)
class Remove:
    """Remove ``path`` (relative to the root); its bytes are in the backup."""

    path: str
    why: str = ""


Step = Write | Remove


@dataclass
class Plan:
    """An ordered list of steps, and what the migration leaves to the user."""

    steps: list[Step] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def touched(self) -> list[str]:
        """Every path a step writes or removes, once, in order."""
        return list(dict.fromkeys(step.path for step in self.steps))

    def digest(self) -> str:
        """A hash of the steps: a journal only resumes the plan it was made for."""
        h = hashlib.sha256()
        for step in self.steps:
            h.update(json.dumps([type(step).__name__, step.path]).encode())
            if isinstance(step, Write):
                h.update(step.data)
                h.update(str(step.mode).encode())
        return h.hexdigest()

    def describe(self, root: Path) -> list[str]:
        """Every step as text; rewritten text files as unified diffs."""
        lines: list[str] = []
        for number, step in enumerate(self.steps, 1):
            why = f"  ({step.why})" if step.why else ""
            if isinstance(step, Remove):
                lines.append(f"{number:>3}. remove {step.path}{why}")
                continue
            current = root / step.path
            if not current.exists():
                lines.append(f"{number:>3}. create {step.path} (mode {step.mode:04o}){why}")
                continue
            lines.append(f"{number:>3}. rewrite {step.path}{why}")
            try:
                old = current.read_text(encoding="utf-8").splitlines(keepends=True)
                new = step.data.decode("utf-8").splitlines(keepends=True)
            except UnicodeDecodeError:
                continue
            diff = difflib.unified_diff(old, new, f"a/{step.path}", f"b/{step.path}")
            lines += ["       " + _masked(d.rstrip("\n")) for d in diff]
        return lines


_ASSIGNMENT = re.compile(
    r"^(?P<lead>[-+ @]?\s*-?\s*)(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?P<sep>\s*[=:]\s*)(?P<value>.+)$"
)


def _masked(line: str) -> str:
    """A diff line with secret values masked (env files and compose environments)."""
    from dockyard.domain.secrets import MASK, is_secret_key, looks_like_secret_value

    match = _ASSIGNMENT.match(line)
    if match is None:
        return line
    value = match["value"].strip().strip("'\"")
    secret = is_secret_key(match["key"]) or looks_like_secret_value(value)
    if value and secret and not value.startswith("${"):
        return f"{match['lead']}{match['key']}{match['sep']}{MASK}"
    return line

"""Fix a ``.gitignore`` for the ``env/`` folder.

Three rules, each one line of reasoning:

* a pattern that matches a folder named ``env`` in any case (``env/``, ``ENV/``,
  ``/env/``, ``env/*``...) would hide the new ``env/`` folder and its committed
  templates (``ENV/`` does so on case-insensitive checkouts): it is commented out (the
  seed's project hit this trap: ``env/`` was there for virtualenvs);
* a pattern ignoring ``uv.lock``/``poetry.lock`` is commented out (``*.lock`` gets the
  lock files re-included): builds install from the lock file;
* root-level ``.env*`` patterns (``.env``, ``.env.*``, ``!.env.example``) are anchored
  with a leading ``/`` so they keep meaning the root and stop matching ``env/.env.ci``;
* dockyard's block keeps the real env files ignored (``env/.env.*``) and the templates
  and CI's file committed, and ignores dockyard's own state folder.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["GitignoreFix", "dockyard_block", "fix_gitignore"]

BEGIN = "# >>> dockyard: env files (layout)"
END = "# <<< dockyard"
_TRAP = re.compile(r"^/?env(/\**)?/?$", re.IGNORECASE)  # ENV/ hides env/ on macOS, Windows
_LOCK = re.compile(r"^/?(uv|poetry)\.lock$")
_LOCK_GLOB = re.compile(r"^/?\*\.lock$")
_ROOT_ENV = re.compile(r"^(!?)(\.env[^/\s]*)$")


@dataclass
class GitignoreFix:
    """The new text and one note per change."""

    text: str
    notes: list[str] = field(default_factory=list)


def dockyard_block(committed_envs: Sequence[str] = ("ci",), kept: Sequence[str] = ()) -> list[str]:
    """The lines dockyard adds: real env files ignored, templates and CI's committed."""
    lines = [
        BEGIN,
        "# env files hold local values and secrets: only templates and committed ones are tracked",
        "/env/.env",
        "/env/.env.*",
        "!/env/.env.example",
        "!/env/.env.*.example",
    ]
    lines += [f"!/env/.env.{name}" for name in committed_envs]
    lines += [f"!/{rel}" for rel in kept if f"!/{rel}" not in lines]  # committed before
    lines += ["# dockyard's state: journals and backups (they may hold env values)", "/.dockyard/"]
    lines.append(END)
    return lines


def fix_gitignore(
    text: str, committed_envs: Sequence[str] = ("ci",), kept: Sequence[str] = ()
) -> GitignoreFix:
    """Return ``text`` fixed for the env/ folder (unchanged when already fixed)."""
    out: list[str] = []
    notes: list[str] = []
    has_block = BEGIN in text
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if _TRAP.match(stripped):
            out.append(f"# {stripped}  (disabled by dockyard: it hid the env/ folder)")
            notes.append(
                f".gitignore:{number}: `{stripped}` hid the env/ folder; commented out "
                "(ignore a root virtualenv as /env-venv/ or .venv/ instead)"
            )
            continue
        if _LOCK.match(stripped):
            out.append(f"# {stripped}  (disabled by dockyard: image builds need the lock file)")
            notes.append(
                f".gitignore:{number}: `{stripped}` ignored the lock file; commented out "
                "(commit it so builds are repeatable)"
            )
            continue
        if _LOCK_GLOB.match(stripped) and "!/uv.lock" not in text:
            out.extend([line, "!/uv.lock", "!/poetry.lock"])
            notes.append(f".gitignore:{number}: `{stripped}` hid the lock file; re-included")
            continue
        found = _ROOT_ENV.match(stripped)
        if found and not has_block:
            anchored = f"{found[1]}/{found[2]}"
            out.append(anchored)
            notes.append(f".gitignore:{number}: `{stripped}` anchored to the root as `{anchored}`")
            continue
        out.append(line)
    if not has_block:
        if out and out[-1].strip():
            out.append("")
        out.extend(dockyard_block(committed_envs, kept))
        notes.append(".gitignore: real env files in env/ ignored; templates and CI's committed")
    new = "\n".join(out) + "\n"
    if has_block and new.rstrip("\n") == text.rstrip("\n"):
        new = text
    return GitignoreFix(new, notes)

"""Carry out a layout plan with a journal and backups; resume it; roll it back.

Before the first step, every path the plan touches is backed up under
``.dockyard/layout/backup/`` (bytes and mode), or recorded as absent. The journal
(``.dockyard/layout/journal.json``, replaced atomically) holds the plan itself and how
many steps are done, so a run killed after any step is resumed by running the command
again, and ``layout.rollback`` restores every touched file byte for byte, modes
included, and removes what the migration created.
"""

from __future__ import annotations

import base64
import json
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockyard.adapters.files import atomic_write
from dockyard.domain.layout.plan import Plan, Remove, Write
from dockyard.errors import PlanError

__all__ = ["Outcome", "execute", "guard", "journal_path", "pending", "resume", "rollback"]

_STATE = Path(".dockyard/layout")
#: Testing hook for crash safety: stop the process with SIGKILL after step N.
_KILL_AFTER = "DOCKYARD_LAYOUT_KILL_AFTER"


def journal_path(root: Path) -> Path:
    """Where the journal of ``root``'s layout change lives."""
    return root / _STATE / "journal.json"


@dataclass(frozen=True)
class Outcome:
    """What a run did: the steps carried out now, of how many, and whether it resumed."""

    done: int
    total: int
    resumed: bool


def pending(root: Path) -> dict[str, Any] | None:
    """The journal of an unfinished (or not rolled back) layout change, if any."""
    path = journal_path(root)
    if not path.is_file():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlanError(f"{path.relative_to(root)}: unreadable journal ({exc})") from None
    return data


def execute(root: Path, plan: Plan, *, operation: str) -> Outcome:
    """Carry out ``plan``; refuses while an earlier change is journaled."""
    guard(root)
    journal = _start(root, plan, operation)
    return _run(root, journal, resumed=False)


def guard(root: Path) -> None:
    """Refuse to plan a new change while an earlier one is journaled."""
    journal = pending(root)
    if journal is not None:
        if journal["state"] == "running":
            raise PlanError(
                f"{journal_path(root).relative_to(root)}: a {journal['operation']} was "
                "interrupted; run it again to resume it, or `dockyard layout.rollback`"
            )
        raise PlanError(
            f"{journal_path(root).relative_to(root)}: a {journal['operation']} is applied; "
            "`dockyard layout.rollback` undoes it, or remove .dockyard/layout to keep it"
        )


def resume(root: Path) -> Outcome:
    """Finish the interrupted change the journal holds."""
    journal = pending(root)
    if journal is None or journal["state"] != "running":
        raise PlanError("nothing to resume: no interrupted layout change")
    return _run(root, journal, resumed=True)


def _start(root: Path, plan: Plan, operation: str) -> dict[str, Any]:
    state = root / _STATE
    backup = state / "backup"
    backup.mkdir(parents=True, exist_ok=True)
    originals = []
    for rel in plan.touched():
        path = root / rel
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise PlanError(f"{rel}: not a regular file; move it away first")
        if path.is_file():
            saved = backup / rel
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_bytes(path.read_bytes())
            originals.append({"path": rel, "existed": True, "mode": path.stat().st_mode & 0o7777})
        else:
            originals.append({"path": rel, "existed": False})
    created_dirs = sorted(
        {
            str(parent.relative_to(root))
            for rel in plan.touched()
            for parent in (root / rel).parents
            if parent != root and root in parent.parents and not parent.exists()
        },
        key=lambda p: p.count("/"),
    )
    journal = {
        "version": 1,
        "operation": operation,
        "state": "running",
        "done": 0,
        "digest": plan.digest(),
        "originals": originals,
        "created_dirs": created_dirs,
        "steps": [_encode(step) for step in plan.steps],
        "left": plan.left,
    }
    _save(root, journal)
    return journal


def _run(root: Path, journal: dict[str, Any], *, resumed: bool) -> Outcome:
    steps = [_decode(s) for s in journal["steps"]]
    kill_after = os.environ.get(_KILL_AFTER)
    start = journal["done"]
    for index in range(start, len(steps)):
        _apply(root, steps[index])
        journal["done"] = index + 1
        _save(root, journal)
        if kill_after is not None and int(kill_after) == index + 1:
            os.kill(os.getpid(), signal.SIGKILL)
    journal["state"] = "done"
    _save(root, journal)
    return Outcome(len(steps) - start, len(steps), resumed)


def _apply(root: Path, step: Write | Remove) -> None:
    path = root / step.path
    if isinstance(step, Remove):
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, step.data, mode=step.mode)


def rollback(root: Path) -> int:
    """Restore every file the journaled change touched; return how many were restored."""
    journal = pending(root)
    if journal is None:
        raise PlanError("nothing to roll back: no .dockyard/layout/journal.json")
    backup = root / _STATE / "backup"
    restored = 0
    for original in journal["originals"]:
        path = root / original["path"]
        if original["existed"]:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, (backup / original["path"]).read_bytes(), mode=original["mode"])
        else:
            path.unlink(missing_ok=True)
        restored += 1
    for rel in sorted(journal["created_dirs"], key=lambda p: -p.count("/")):
        folder = root / rel
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    _remove_state(root)
    return restored


def _remove_state(root: Path) -> None:
    import shutil

    shutil.rmtree(root / _STATE)
    for folder in (root / _STATE.parent,):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _save(root: Path, journal: dict[str, Any]) -> None:
    atomic_write(journal_path(root), json.dumps(journal, indent=1), mode=0o600)


def _encode(step: Write | Remove) -> dict[str, Any]:
    if isinstance(step, Remove):
        return {"op": "remove", "path": step.path, "why": step.why}
    return {
        "op": "write",
        "path": step.path,
        "mode": step.mode,
        "why": step.why,
        "data": base64.b64encode(step.data).decode(),
    }


def _decode(data: dict[str, Any]) -> Write | Remove:
    if data["op"] == "remove":
        return Remove(data["path"], data.get("why", ""))
    return Write(data["path"], base64.b64decode(data["data"]), data["mode"], data.get("why", ""))

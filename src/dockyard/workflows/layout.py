"""Carry out a layout plan with a journal, resume it, roll it back byte for byte.

State lives under ``.dockyard/layout/`` in the repository (ignored by git)::

    .dockyard/layout/created.json          which state folders dockyard created
    .dockyard/layout/run-0001/journal.json the plan, and every touched path's original
    .dockyard/layout/run-0001/backup/N     original bytes (mode 0600)
    .dockyard/layout/run-0001/progress     one line per finished step (fsync'ed)
    .dockyard/layout/run-0001/done         the run finished; the final digests

Before the first step changes anything, every path the plan touches is recorded:
its bytes and mode, or that it was absent. Each step is idempotent (a rerun checks what
is already there), so a run killed at any point resumes; a rollback restores every
recorded path to its original bytes and mode, removes what the run created, and
removes the state folders dockyard created. Runs stack: rollback undoes the latest.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockyard.adapters.files import atomic_write
from dockyard.domain.layout.plan import (
    Chmod,
    Edit,
    Mkdir,
    Move,
    Plan,
    Step,
    Write,
    digest,
    step_from_json,
    step_to_json,
)
from dockyard.errors import PlanError

__all__ = [
    "STATE_DIR",
    "Outcome",
    "RollbackOutcome",
    "apply_plan",
    "latest_run",
    "pending_run",
    "resume",
    "rollback",
    "run_kind",
]

STATE_DIR = Path(".dockyard") / "layout"
_VERSION = 1


@dataclass(frozen=True)
class Outcome:
    """What a run did: the run folder, the steps done now, and whether it resumed."""

    run: Path
    steps_done: int
    resumed: bool
    kind: str
    notes: tuple[str, ...] = ()
    left: tuple[str, ...] = ()


@dataclass(frozen=True)
class RollbackOutcome:
    """What a rollback did."""

    run: Path
    restored: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept_dirs: list[str] = field(default_factory=list)


# -- runs --------------------------------------------------------------------------------
def _runs(root: Path) -> list[Path]:
    state = root / STATE_DIR
    if not state.is_dir():
        return []
    return sorted(p for p in state.iterdir() if p.is_dir() and p.name.startswith("run-"))


def _latest(root: Path) -> Path | None:
    runs = _runs(root)
    return runs[-1] if runs else None


def _journal(run: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads((run / "journal.json").read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise PlanError(f"{run / 'journal.json'}: unreadable journal: {exc}") from None
    return data


def run_kind(run: Path | None) -> str | None:
    """The kind of a journaled run (``migrate``, ``init``, ``relocate``), or None."""
    if run is None:
        return None
    kind = (_journal(run) or {}).get("kind")
    return str(kind) if kind else None


def latest_run(root: Path) -> Path | None:
    """The latest journaled run, finished or not."""
    return _latest(root)


def pending_run(root: Path) -> Path | None:
    """The latest run when it was interrupted (journal written, not finished)."""
    run = _latest(root)
    if run is None or (run / "done").exists() or _journal(run) is None:
        return None
    return run


def _discard_unprepared(root: Path) -> None:
    """A run killed while recording originals changed nothing: forget it."""
    run = _latest(root)
    if run is not None and _journal(run) is None:
        shutil.rmtree(run)


def _ensure_state(root: Path) -> None:
    state = root / STATE_DIR
    marker = state / "created.json"
    if marker.exists():
        return
    created = []
    for folder in (root / ".dockyard", state):
        if not folder.exists():
            folder.mkdir(mode=0o700)
            created.append(folder.relative_to(root).as_posix())
    _write_json(marker, {"created": created})


def _write_json(path: Path, data: Any) -> None:
    atomic_write(path, json.dumps(data, indent=1, sort_keys=True) + "\n", mode=0o600)


# -- apply -------------------------------------------------------------------------------
def apply_plan(
    root: Path,
    plan: Plan,
    *,
    after_step: Callable[[int], None] | None = None,
) -> Outcome:
    """Record originals, then carry out ``plan`` step by step with a journal.

    ``after_step(n)`` is called after step ``n`` (1-based) changed the tree and before
    the journal records it (fault injection for tests; None in normal use).
    """
    if pending_run(root) is not None:
        raise PlanError(
            f"{STATE_DIR}: an interrupted layout run is pending; rerun to resume it "
            "or run layout.rollback"
        )
    _refuse_read_only(root, plan)
    _discard_unprepared(root)
    _ensure_state(root)
    previous = _latest(root)
    number = int(previous.name.split("-")[1]) + 1 if previous else 1
    run = root / STATE_DIR / f"run-{number:04d}"
    run.mkdir(mode=0o700)
    (run / "backup").mkdir(mode=0o700)
    originals = [_record(root, run, index, rel) for index, rel in enumerate(plan.touched())]
    journal = {
        "version": _VERSION,
        "kind": plan.kind,
        "steps": [step_to_json(step) for step in plan.steps],
        "originals": originals,
        "notes": list(plan.notes),
        "left": list(plan.left),
        "follows": [list(pair) for pair in plan.follows],
        "expected": list(plan.expected),
    }
    _write_json(run / "journal.json", journal)  # from here on, the run is resumable
    done = _execute(root, run, list(plan.steps), set(), after_step)
    return Outcome(run, done, resumed=False, kind=plan.kind, notes=plan.notes, left=plan.left)


def _refuse_read_only(root: Path, plan: Plan) -> None:
    """Stop before any change when a folder the plan writes into is read-only.

    A folder whose mode grants no write bit counts as read-only even for root (who
    could write anyway): its owner made it so on purpose.
    """
    folders = {root, *((root / rel).parent for rel in plan.touched())}
    for planned in sorted(folders):
        folder = planned
        while not folder.exists() and folder != root:
            folder = folder.parent
        mode = folder.stat().st_mode
        if not mode & 0o222 or not os.access(folder, os.W_OK):
            shown = folder.relative_to(root).as_posix() if folder != root else "."
            raise PlanError(f"{shown}/: read-only; nothing changed (make it writable, then rerun)")


def resume(root: Path, *, after_step: Callable[[int], None] | None = None) -> Outcome:
    """Finish the interrupted run."""
    run = pending_run(root)
    if run is None:
        raise PlanError(f"{STATE_DIR}: no interrupted layout run to resume")
    journal = _journal(run) or {}
    steps = [step_from_json(item) for item in journal.get("steps", [])]
    finished = _progress(run)
    done = _execute(root, run, steps, finished, after_step)
    return Outcome(
        run,
        done,
        resumed=True,
        kind=str(journal.get("kind", "")),
        notes=tuple(journal.get("notes", [])),
        left=tuple(journal.get("left", [])),
    )


def _record(root: Path, run: Path, index: int, rel: str) -> dict[str, Any]:
    path = root / rel
    if path.is_symlink():
        raise PlanError(f"{rel}: is a symbolic link; the layout will not touch it")
    if path.is_dir():
        return {"path": rel, "kind": "dir", "mode": path.stat().st_mode & 0o7777}
    if not path.exists():
        return {"path": rel, "kind": "absent"}
    backup = run / "backup" / str(index)
    data = path.read_bytes()
    fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return {
        "path": rel,
        "kind": "file",
        "mode": path.stat().st_mode & 0o7777,
        "backup": f"backup/{index}",
        "sha256": digest(data),
    }


def _progress(run: Path) -> set[int]:
    try:
        text = (run / "progress").read_text("utf-8")
    except FileNotFoundError:
        return set()
    return {int(line) for line in text.split() if line.isdigit()}


def _execute(
    root: Path,
    run: Path,
    steps: list[Step],
    finished: set[int],
    after_step: Callable[[int], None] | None,
) -> int:
    count = 0
    with (run / "progress").open("a", encoding="utf-8") as progress:
        for number, step in enumerate(steps, 1):
            if number in finished:
                continue
            _apply(root, step)
            count += 1
            if after_step is not None:
                after_step(number)
            progress.write(f"{number}\n")
            progress.flush()
            os.fsync(progress.fileno())
    final = {rel: _state_digest(root / rel) for rel in _touched(steps)}
    _write_json(run / "done", {"final": final})
    return count


def _touched(steps: list[Step]) -> list[str]:
    return Plan("migrate", tuple(steps)).touched()


def _state_digest(path: Path) -> str:
    if path.is_dir():
        return "dir"
    if not path.exists():
        return "absent"
    return digest(path.read_bytes())


def _apply(root: Path, step: Step) -> None:
    """Carry out one step; a step already carried out is recognised and skipped."""
    if isinstance(step, Mkdir):
        path = root / step.path
        if path.exists() and not path.is_dir():
            raise PlanError(f"{step.path}: exists and is not a folder")
        path.mkdir(exist_ok=True)
    elif isinstance(step, Move):
        src, dst = root / step.src, root / step.dst
        if src.exists():
            if dst.exists():
                raise PlanError(f"{step.dst}: appeared while the layout run was in progress")
            if digest(src.read_bytes()) != step.sha256:
                raise PlanError(f"{step.src}: changed since the plan was made; rerun the plan")
            src.rename(dst)
        elif not (dst.exists() and digest(dst.read_bytes()) == step.sha256):
            raise PlanError(f"{step.src}: missing, and {step.dst} does not hold its content")
    elif isinstance(step, Chmod):
        (root / step.path).chmod(step.mode)
    elif isinstance(step, Write):
        _apply_write(root, step)
    else:
        _apply_edit(root, step)


def _apply_write(root: Path, step: Write) -> None:
    path = root / step.path
    if path.exists():
        if path.read_bytes() != step.text.encode():
            raise PlanError(f"{step.path}: exists and differs; run layout.rollback")
        path.chmod(step.mode)
    else:
        atomic_write(path, step.text, mode=step.mode)


def _apply_edit(root: Path, step: Edit) -> None:
    path = root / step.path
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        raise PlanError(f"{step.path}: missing; run layout.rollback") from None
    if current == step.text.encode():
        return
    if current != step.old.encode():
        raise PlanError(f"{step.path}: changed since the plan was made; rerun the plan")
    atomic_write(path, step.text)


# -- rollback ----------------------------------------------------------------------------
def changed_since(root: Path) -> list[str]:
    """Paths the latest finished run produced that were changed afterwards."""
    run = _latest(root)
    if run is None or not (run / "done").exists():
        return []
    final = json.loads((run / "done").read_text("utf-8")).get("final", {})
    return [rel for rel, state in final.items() if _state_digest(root / rel) != state]


def rollback(root: Path, *, force: bool = False) -> RollbackOutcome:
    """Restore every path the latest run touched to its original bytes and mode.

    Files the run created are removed, folders it created are removed when empty. A
    file changed after the run finished stops the rollback unless ``force``.
    """
    _discard_unprepared(root)
    run = _latest(root)
    if run is None:
        raise PlanError(f"{STATE_DIR}: no layout run to roll back")
    journal = _journal(run)
    if journal is None:
        raise PlanError(f"{run / 'journal.json'}: missing")
    changed = changed_since(root)
    if changed and not force:
        raise PlanError(
            f"{changed[0]}: changed after the layout run; rollback would discard that "
            "(--force to roll back anyway)"
        )
    outcome = RollbackOutcome(run)
    originals: list[dict[str, Any]] = journal.get("originals", [])
    for item in originals:
        _remove_temp_files(root / item["path"])
        if item["kind"] == "absent" and (root / item["path"]).is_file():
            (root / item["path"]).unlink()  # a file the run created
            outcome.removed.append(item["path"])
    for item in originals:
        if item["kind"] == "file" and _restore(root / item["path"], run / item["backup"], item):
            outcome.restored.append(item["path"])
    absent = [item["path"] for item in originals if item["kind"] == "absent"]
    for rel in sorted(absent, key=lambda r: r.count("/"), reverse=True):
        if (root / rel).is_dir():
            try:
                (root / rel).rmdir()  # a folder the run created
                outcome.removed.append(rel + "/")
            except OSError:
                outcome.kept_dirs.append(rel)
    # 4. the run's own state, and the state folders when they were dockyard's
    shutil.rmtree(run)
    _cleanup_state(root)
    return outcome


def _restore(path: Path, backup: Path, item: dict[str, Any]) -> bool:
    """Put the original bytes and mode back; True when the bytes had to be rewritten."""
    data = backup.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    rewritten = not (path.is_file() and path.read_bytes() == data)
    if rewritten:
        atomic_write(path, data, mode=item["mode"])
    path.chmod(item["mode"])
    return rewritten


def _remove_temp_files(path: Path) -> None:
    """Temp files an atomic write killed mid-way left beside ``path``."""
    if path.parent.is_dir():
        for temp in _temps(path):
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


def _temps(path: Path) -> Iterator[Path]:
    yield from path.parent.glob(f".{path.name}.*.tmp")


def _cleanup_state(root: Path) -> None:
    if _runs(root):
        return
    state = root / STATE_DIR
    marker = state / "created.json"
    try:
        created = json.loads(marker.read_text("utf-8")).get("created", [])
    except (OSError, ValueError):
        created = []
    with contextlib.suppress(FileNotFoundError):
        marker.unlink()
    for rel in sorted(created, key=lambda r: r.count("/"), reverse=True):
        with contextlib.suppress(OSError):
            (root / rel).rmdir()

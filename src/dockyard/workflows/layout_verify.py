"""A layout plan carried out with the invariant checked: what compose runs is the same.

:func:`verify_plan` compares on throwaway copies (``--dry-run``); :func:`apply_verified`
carries the plan out, compares, and rolls back when what compose runs changed;
:func:`resume_verified` finishes an interrupted run and compares with the tree its
journal recorded. The comparison itself is :mod:`dockyard.domain.layout.behaviour`'s.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dockyard.domain.layout.behaviour import (
    BehaviourChanged,
    ComposeEnvironment,
    Verification,
    compare_trees,
)
from dockyard.domain.layout.behaviour import Compose as ComposeCall
from dockyard.domain.layout.plan import Plan, step_from_json
from dockyard.workflows.layout import (
    Outcome,
    _journal,
    apply_plan,
    pending_run,
    resume,
    rollback,
)

__all__ = ["apply_verified", "resume_verified", "verify_plan"]


def verify_plan(
    root: Path, plan: Plan, envs: Sequence[ComposeEnvironment], compose: ComposeCall
) -> Verification:
    """What ``plan`` would change in what compose runs, found on throwaway copies."""
    from dockyard.domain.layout.sandbox import copy_tree, materialize

    with tempfile.TemporaryDirectory(prefix="dockyard-layout-") as tmp:
        before = copy_tree(root, Path(tmp) / "before")
        after = copy_tree(root, Path(tmp) / "after")
        materialize(plan, after)
        return compare_trees(compose, before, after, envs, plan.moves(), expected=plan.expected)


def apply_verified(
    root: Path,
    plan: Plan,
    envs: Sequence[ComposeEnvironment],
    compose: ComposeCall,
    *,
    accept_changes: bool = False,
    after_step: Callable[[int], None] | None = None,
) -> tuple[Outcome, Verification]:
    """Carry out ``plan``, then compare what compose runs; roll back when it differs.

    Raises :class:`BehaviourChanged` (exit 1) after rolling back, unless
    ``accept_changes``.
    """
    from dockyard.domain.layout.sandbox import copy_tree

    with tempfile.TemporaryDirectory(prefix="dockyard-layout-") as tmp:
        before = copy_tree(root, Path(tmp) / "before")
        outcome = apply_plan(root, plan, after_step=after_step)
        after = copy_tree(root, Path(tmp) / "after")
        verification = compare_trees(
            compose, before, after, envs, plan.moves(), expected=plan.expected
        )
    _refuse_changes(root, verification, accept_changes=accept_changes)
    return outcome, verification


def _refuse_changes(root: Path, verification: Verification, *, accept_changes: bool) -> None:
    """Roll back and raise :class:`BehaviourChanged` when what compose runs changed."""
    if verification.differences and not accept_changes:
        rollback(root, force=True)
        raise BehaviourChanged(
            f"the migration changes what compose runs ({len(verification.differences)} "
            "differences); rolled back, nothing changed (--accept-changes keeps them)",
            verification.results,
        )


def resume_verified(
    root: Path,
    compose: ComposeCall,
    *,
    base_env: str | None = None,
    accept_changes: bool = False,
    after_step: Callable[[int], None] | None = None,
) -> tuple[Outcome, Verification]:
    """Finish the interrupted run, then compare with the tree its journal recorded."""
    from dockyard.domain.layout.migrate import flat_environments
    from dockyard.domain.layout.sandbox import copy_tree

    run = pending_run(root)
    journal = (_journal(run) if run is not None else None) or {}
    outcome = resume(root, after_step=after_step)
    steps = tuple(step_from_json(item) for item in journal.get("steps", []))
    plan = Plan(
        "migrate",
        steps,
        follows=tuple((str(a), str(b)) for a, b in journal.get("follows", [])),
        expected=tuple(journal.get("expected", [])),
    )
    with tempfile.TemporaryDirectory(prefix="dockyard-layout-") as tmp:
        before = copy_tree(root, Path(tmp) / "before")
        _put_back_originals(before, outcome.run, journal)
        after = copy_tree(root, Path(tmp) / "after")
        envs = flat_environments(before, base_env)
        verification = compare_trees(
            compose, before, after, envs, plan.moves(), expected=plan.expected
        )
    _refuse_changes(root, verification, accept_changes=accept_changes)
    return outcome, verification


def _put_back_originals(copy: Path, run: Path, journal: dict[str, Any]) -> None:
    """Make the copy ``copy`` what the tree was before the run (from its backups)."""
    originals: list[dict[str, Any]] = journal.get("originals", [])
    for item in originals:
        path = copy / item["path"]
        if item["kind"] == "absent" and path.is_file():
            path.unlink()
    for item in sorted(originals, key=lambda i: i["path"].count("/"), reverse=True):
        path = copy / item["path"]
        if item["kind"] == "absent" and path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    for item in originals:
        if item["kind"] == "file":
            path = copy / item["path"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes((run / item["backup"]).read_bytes())
            path.chmod(item["mode"])

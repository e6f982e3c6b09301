"""One table: the Invoke collections, the nox sessions, the action and the docs agree."""

from __future__ import annotations

from pathlib import Path

from dockyard.surfaces.catalog_tasks import SESSIONS, TASKS, action_tasks, find, task_names
from dockyard.surfaces.tasks import build_namespace

ROOT = Path(__file__).resolve().parents[2]
ENVS = ["dev", "test", "ci", "staging"]


def test_the_invoke_collections_are_the_table() -> None:
    namespace = build_namespace(ENVS)
    assert sorted(namespace.task_names) == sorted(task_names(ENVS))


def test_the_action_accepts_the_table_minus_people_only_tasks() -> None:
    accepted = action_tasks(ENVS)
    assert "ci.test" in accepted and "test.run" in accepted and "check" in accepted
    assert not any(name.endswith(".shell") or name.startswith("layout.") for name in accepted)
    assert all(find(name) is not None for name in accepted)


def test_sessions_run_tasks_of_the_table_and_stack_changers_are_not_default() -> None:
    names = set(task_names(ENVS))
    for spec in SESSIONS:
        for step in spec.steps:
            task = step[0].replace("{env}", spec.env)
            assert task in names
            row = find(task)
            assert row is not None
            if row.changes_stack:
                assert spec.changes_stack and not spec.default, spec.name


def test_the_docs_name_every_action_task_and_session() -> None:
    actions = (ROOT / "docs/actions.md").read_text(encoding="utf-8")
    nox_doc = (ROOT / "docs/nox.md").read_text(encoding="utf-8")
    assert "catalog_tasks" in actions
    for spec in TASKS:
        if not spec.action:
            assert f"`{spec.name}`" in actions, spec.name  # named as not run
    for session in SESSIONS:
        assert f"`{session.name}`" in nox_doc, session.name

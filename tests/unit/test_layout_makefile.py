"""Makefile targets mapped to dockyard tasks."""

from __future__ import annotations

import pytest

from dockyard.domain.layout.makefile import task_for_target


@pytest.mark.parametrize(
    ("target", "task"),
    [
        ("dev-up", "dev.up"),
        ("dev-down", "dev.down"),
        ("dev-rebuild", "dev.rebuild"),
        ("test-build", "test.build"),
        ("test", "test.run"),
        ("ci-test", "ci.test"),
        ("ci-build", "ci.build"),
        ("up-dev", "dev.up"),
        ("migrate-db", None),
        ("lint", None),
    ],
)
def test_task_for_target(target: str, task: str | None) -> None:
    assert task_for_target(target) == task

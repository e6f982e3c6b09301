"""Makefile targets mapped to dockyard tasks."""

from __future__ import annotations

import pytest

from dockyard.domain.layout.makefile import map_makefile, task_for_target


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


def test_mapped_recipes_call_dockyard_and_unmapped_get_new_paths() -> None:
    text = (
        ".PHONY: dev-up db\n\ndev-up:\n\t@docker compose -f docker-compose.dev.yml up -d\n\n"
        "db:\n\tdocker compose -f docker-compose.dev.yml --env-file .env.dev exec db psql\n\n"
        "lint:\n\truff check .\n"
    )
    moves = {"docker-compose.dev.yml": "compose/docker-compose.dev.yml", ".env.dev": "env/.env.dev"}
    result = map_makefile(text, moves)
    assert result.mapped == {"dev-up": "dockyard dev.up"}
    assert result.unmapped == ["db"]
    assert "\tdockyard dev.up\n" in result.text
    assert "-f compose/docker-compose.dev.yml --env-file env/.env.dev exec db psql" in result.text
    assert "lint:\n\truff check .\n" in result.text
    assert result.text.startswith(".PHONY: dev-up db\n")

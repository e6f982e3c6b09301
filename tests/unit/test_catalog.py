"""docs/checks.md lists every registered check, as the registry describes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.domain.checks import default_registry
from dockyard.surfaces.reports.catalog import BEGIN, END, markdown_table, update

DOC = Path(__file__).resolve().parents[2] / "docs/checks.md"


def test_docs_table_is_up_to_date() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert update(text) == text, (
        "docs/checks.md is stale: run python -m dockyard.surfaces.reports.catalog docs/checks.md"
    )


def test_table_has_every_check_with_aliases() -> None:
    table = markdown_table()
    for check in default_registry():
        assert f"`{check.id}`" in table and check.hint.replace("|", "\\|") in table
    assert "`hadolint:DL3002`" in table and "`dockle:CIS-DI-0001`" in table


def test_update_needs_markers() -> None:
    with pytest.raises(ValueError, match="markers"):
        update("no markers here")
    assert update(f"a\n{BEGIN}\nold\n{END}\nb\n").startswith(f"a\n{BEGIN}\n| id |")

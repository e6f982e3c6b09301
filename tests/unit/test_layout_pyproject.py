"""Requirements folded into pyproject.toml with tomlkit."""

from __future__ import annotations

import tomllib

import pytest

from dockyard.domain.layout.pyproject import fold_requirements, parse_requirements
from dockyard.errors import PlanError


def test_parse_skips_comments_includes_and_reports_options() -> None:
    parsed = parse_requirements(
        "# c\nfastapi>=0.1  # web\n-r requirements.txt\n-e .\nrequests\n", "requirements-dev.txt"
    )
    assert parsed.items == ["fastapi>=0.1", "requests"]
    assert parsed.skipped == ["requirements-dev.txt:4: `-e .` has no pyproject equivalent"]


def test_new_pyproject_holds_dependencies_and_dev_group() -> None:
    text, _ = fold_requirements(
        None, name="shop", runtime=["fastapi", "sqlalchemy"], dev=["pytest"]
    )
    data = tomllib.loads(text)
    assert data["project"]["name"] == "shop"
    assert data["project"]["dependencies"] == ["fastapi", "sqlalchemy"]
    assert data["dependency-groups"]["dev"] == ["pytest"]


def test_existing_pyproject_is_edited_in_place_keeping_comments() -> None:
    existing = (
        '# keep me\n[project]\nname = "shop"  # the name\ndependencies = ["FastAPI>=0.1"]\n'
        "\n[tool.x]\na = 1\n"
    )
    text, notes = fold_requirements(existing, name="shop", runtime=["fastapi", "redis"], dev=[])
    assert "# keep me" in text
    assert "# the name" in text
    data = tomllib.loads(text)
    assert data["project"]["dependencies"] == ["FastAPI>=0.1", "redis"]
    assert data["tool"]["x"]["a"] == 1
    assert notes


def test_invalid_pyproject_names_the_file() -> None:
    with pytest.raises(PlanError, match=r"^pyproject\.toml:1: "):
        fold_requirements("[project\n", name="x", runtime=["a"], dev=[])

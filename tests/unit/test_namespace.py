"""The namespace: a collection per configured environment, env and check always."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.surfaces.tasks import build_namespace
from tests.conftest import write


def test_default_environments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ns = build_namespace()
    assert set(ns.collections) == {"env", "layout", "venv", "dev", "test", "ci"}
    assert "check" in ns.tasks
    assert "run" in ns.collections["test"].tasks and "run" not in ns.collections["dev"].tasks
    assert {"test", "clean"} <= set(ns.collections["ci"].tasks)


def test_environments_come_from_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path / "pyproject.toml",
        "[tool.dockyard.environments.staging]\n[tool.dockyard.environments.ci]\nenabled = false\n",
    )
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    ns = build_namespace()
    assert set(ns.collections) == {"env", "layout", "venv", "dev", "test", "staging"}
    assert ns.collections["staging"].configuration()["dockyard_env"] == "staging"


def test_broken_pyproject_still_lists_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "pyproject.toml", "[tool.dockyard\n")
    monkeypatch.chdir(tmp_path)
    assert {"dev", "test", "ci"} <= set(build_namespace().collections)

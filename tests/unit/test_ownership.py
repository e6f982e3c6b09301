"""scan_foreign: finds entries of other uids, never follows symlinks, skips what is asked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockyard.domain.ownership import ForeignEntry, scan_foreign, summarize

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="chown to other uids needs root")

ME = 4242


def _tree(root: Path) -> None:
    (root / "src/pkg").mkdir(parents=True)
    (root / "src/pkg/mod.py").write_text("x")
    (root / ".venv/lib").mkdir(parents=True)
    (root / ".venv/lib/site.py").write_text("x")
    (root / ".venv/pyvenv.cfg").write_text("home = /usr/bin\n")
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            os.chown(Path(dirpath) / name, ME, ME)
    os.chown(root, ME, ME)


def test_clean_tree_yields_nothing(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert list(scan_foreign(tmp_path, ME)) == []


def test_foreign_entries_are_found_with_owner_and_kind(tmp_path: Path) -> None:
    _tree(tmp_path)
    os.chown(tmp_path / ".venv", 0, 0)
    os.chown(tmp_path / ".venv/lib/site.py", 0, 7)
    os.chown(tmp_path / "src/pkg/mod.py", 1234, 1234)
    found = sorted(scan_foreign(tmp_path, ME), key=lambda e: e.path)
    assert found == [
        ForeignEntry(Path(".venv"), 0, 0, True),
        ForeignEntry(Path(".venv/lib/site.py"), 0, 7, False),
        ForeignEntry(Path("src/pkg/mod.py"), 1234, 1234, False),
    ]


def test_root_itself_is_reported(tmp_path: Path) -> None:
    _tree(tmp_path)
    os.chown(tmp_path, 0, 0)
    assert [e.path for e in scan_foreign(tmp_path, ME)] == [Path()]


def test_symlinks_are_not_followed_and_loops_end(tmp_path: Path) -> None:
    project = tmp_path / "project"
    outside = tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (outside / "root-file").write_text("x")  # owned by root, outside the project
    (project / "out").symlink_to(outside)
    (project / "loop").symlink_to(project)
    for path in (project, project / "out", project / "loop"):
        os.lchown(path, ME, ME)
    assert list(scan_foreign(project, ME)) == []
    os.lchown(project / "out", 0, 0)
    assert list(scan_foreign(project, ME)) == [ForeignEntry(Path("out"), 0, 0, False)]


def test_skip_does_not_descend(tmp_path: Path) -> None:
    _tree(tmp_path)
    os.chown(tmp_path / ".venv/pyvenv.cfg", 0, 0)
    assert [e.path for e in scan_foreign(tmp_path, ME, skip=frozenset({".venv"}))] == []


def test_summary_keeps_outermost_paths(tmp_path: Path) -> None:
    _tree(tmp_path)
    for rel in (".venv", ".venv/lib", ".venv/lib/site.py", ".venv/pyvenv.cfg"):
        os.chown(tmp_path / rel, 0, 0)
    os.chown(tmp_path / "src/pkg/mod.py", 1, 1)
    summary = summarize(scan_foreign(tmp_path, ME))
    assert summary.total == 5
    assert summary.by_uid == {0: 4, 1: 1}
    assert sorted(summary.tops) == [Path(".venv"), Path("src/pkg/mod.py")]

"""scan_foreign: finds entries of other uids, never follows symlinks, skips what is asked.

Every behaviour is checked for both walks (GNU find and the Python fallback), and the
two are compared entry for entry on trees built to trip them up.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.domain.ownership import ForeignEntry, Method, scan_foreign, summarize
from dockyard.errors import CommandError
from dockyard.testing import FakeRunner

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="chown to other uids needs root")

ME = 4242
HAS_FIND = shutil.which("find") is not None
FIND: list[Method] = ["find"] if HAS_FIND else []
WALKS: list[Method] = ["python", "auto", *FIND]
needs_find = pytest.mark.skipif(not HAS_FIND, reason="GNU find is not on PATH")


def _sorted(entries: Iterator[ForeignEntry]) -> list[ForeignEntry]:
    assert not isinstance(entries, list | tuple), "the scan must be lazy"
    return sorted(entries, key=lambda e: str(e.path))


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


@pytest.mark.parametrize("method", WALKS)
def test_clean_tree_yields_nothing(tmp_path: Path, method: Method) -> None:
    _tree(tmp_path)
    assert list(scan_foreign(tmp_path, ME, method=method)) == []


@pytest.mark.parametrize("method", WALKS)
def test_foreign_entries_are_found_with_owner_and_kind(tmp_path: Path, method: Method) -> None:
    _tree(tmp_path)
    os.chown(tmp_path / ".venv", 0, 0)
    os.chown(tmp_path / ".venv/lib/site.py", 0, 7)
    os.chown(tmp_path / "src/pkg/mod.py", 1234, 1234)
    found = sorted(scan_foreign(tmp_path, ME, method=method), key=lambda e: e.path)
    assert found == [
        ForeignEntry(Path(".venv"), 0, 0, True),
        ForeignEntry(Path(".venv/lib/site.py"), 0, 7, False),
        ForeignEntry(Path("src/pkg/mod.py"), 1234, 1234, False),
    ]


@pytest.mark.parametrize("method", WALKS)
def test_root_itself_is_reported(tmp_path: Path, method: Method) -> None:
    _tree(tmp_path)
    os.chown(tmp_path, 0, 0)
    assert [e.path for e in scan_foreign(tmp_path, ME, method=method)] == [Path()]


@pytest.mark.parametrize("method", WALKS)
def test_symlinks_are_not_followed_and_loops_end(tmp_path: Path, method: Method) -> None:
    project = tmp_path / "project"
    outside = tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (outside / "root-file").write_text("x")  # owned by root, outside the project
    (project / "out").symlink_to(outside)
    (project / "loop").symlink_to(project)
    for path in (project, project / "out", project / "loop"):
        os.lchown(path, ME, ME)
    assert list(scan_foreign(project, ME, method=method)) == []
    os.lchown(project / "out", 0, 0)
    assert list(scan_foreign(project, ME, method=method)) == [
        ForeignEntry(Path("out"), 0, 0, False)
    ]


@pytest.mark.parametrize("method", WALKS)
def test_skip_does_not_descend(tmp_path: Path, method: Method) -> None:
    _tree(tmp_path)
    os.chown(tmp_path / ".venv/pyvenv.cfg", 0, 0)
    assert [
        e.path for e in scan_foreign(tmp_path, ME, skip=frozenset({".venv"}), method=method)
    ] == []


@pytest.mark.parametrize("method", WALKS)
def test_summary_keeps_outermost_paths(tmp_path: Path, method: Method) -> None:
    _tree(tmp_path)
    for rel in (".venv", ".venv/lib", ".venv/lib/site.py", ".venv/pyvenv.cfg"):
        os.chown(tmp_path / rel, 0, 0)
    os.chown(tmp_path / "src/pkg/mod.py", 1, 1)
    summary = summarize(scan_foreign(tmp_path, ME, method=method))
    assert summary.total == 5
    assert summary.by_uid == {0: 4, 1: 1}
    assert sorted(summary.tops) == [Path(".venv"), Path("src/pkg/mod.py")]


def _tricky_tree(root: Path) -> None:
    """Symlinks of every kind, many owners, deep nesting, names that look like globs."""
    rng = random.Random(16)  # noqa: S311 - a reproducible tree, not a secret
    deep = root / "deep"
    for level in range(70):
        deep = deep / f"l{level}"
    deep.mkdir(parents=True)
    (deep / "bottom.txt").write_text("x")
    for d in range(12):
        folder = root / f"pkg {d}" / ("[ab]*?" if d % 3 == 0 else "sub")
        folder.mkdir(parents=True)
        for f in range(15):
            (folder / f"m{f}.py").write_text("x")
    (root / ".git/objects").mkdir(parents=True)
    (root / ".git/objects/blob").write_text("x")
    (root / "to-dir").symlink_to(root / "pkg 1")
    (root / "to-file").symlink_to(root / "pkg 1/sub/m1.py")
    (root / "dangling").symlink_to(root / "nowhere")
    (root / "loop").symlink_to(root)
    (root / "outside").symlink_to("/")
    os.mkfifo(root / "fifo")
    owners = [(ME, ME), (0, 0), (1234, 99), (ME, 0), (65534, 65534)]
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            os.lchown(Path(dirpath) / name, *rng.choice(owners))
    os.chown(root, ME, ME)


@needs_find
@pytest.mark.parametrize("skip", [frozenset(), frozenset({".git", "[ab]*?", "l30"})])
def test_find_and_python_walks_agree(tmp_path: Path, skip: frozenset[str]) -> None:
    _tricky_tree(tmp_path)
    by_python = _sorted(scan_foreign(tmp_path, ME, skip=skip, method="python"))
    by_find = _sorted(scan_foreign(tmp_path, ME, skip=skip, method="find"))
    assert by_find == by_python
    assert len(by_python) > 50
    kinds = {e.path.name: e.is_dir for e in by_python}
    assert all(not kinds.get(link, False) for link in ("to-dir", "loop", "outside"))
    assert not any(e.path.parts[:1] == ("outside",) and len(e.path.parts) > 1 for e in by_find)
    skipped_inside = [e for e in by_find if any(p in skip for p in e.path.parts[:-1])]
    assert skipped_inside == []


@needs_find
def test_find_is_the_walk_that_runs_when_it_can(tmp_path: Path) -> None:
    _tricky_tree(tmp_path)
    runner = FakeRunner()
    runner.respond(["find"], stdout="0 7 d somewhere\0")
    assert list(scan_foreign(tmp_path, ME, runner=runner)) == [
        ForeignEntry(Path("somewhere"), 0, 7, True)
    ]
    (call,) = runner.calls
    assert call.argv[:6] == ("find", "-P", ".", "!", "-uid", str(ME))
    assert call.cwd == tmp_path


@pytest.mark.parametrize(
    "runner",
    [
        FakeRunner(missing={"find"}),
        FakeRunner(),  # a find that printed nothing and failed:
    ],
    ids=["find missing", "find failed"],
)
def test_python_walk_takes_over_when_find_cannot_answer(tmp_path: Path, runner: FakeRunner) -> None:
    _tricky_tree(tmp_path)
    runner.respond(["find"], returncode=1, stderr="find: unknown predicate `-printf'")
    expected = _sorted(scan_foreign(tmp_path, ME, method="python"))
    assert _sorted(scan_foreign(tmp_path, ME, runner=runner)) == expected
    with pytest.raises(CommandError):
        list(scan_foreign(tmp_path, ME, runner=runner, method="find"))


@needs_find
@pytest.mark.parametrize("name", ["new\nline", "carriage\rreturn", "latin-1 \udce9t\udce9"])
def test_names_find_cannot_print_go_to_the_python_walk(tmp_path: Path, name: str) -> None:
    odd = tmp_path / "d" / name
    odd.parent.mkdir()
    odd.write_text("x")
    for path in (tmp_path, tmp_path / "d"):
        os.chown(path, ME, ME)
    os.chown(odd, 0, 0)
    expected = [ForeignEntry(Path("d", name), 0, 0, False)]
    assert list(scan_foreign(tmp_path, ME)) == expected
    # find alone either prints the name exactly (a locale that leaves it raw) or is
    # refused: it never gives a wrong name
    try:
        found = list(scan_foreign(tmp_path, ME, method="find"))
    except CommandError:
        return
    assert found == expected


@pytest.mark.parametrize("method", ["python", "auto"])
def test_a_symlinked_root_is_reported_not_entered(tmp_path: Path, method: Method) -> None:
    target = tmp_path / "target"
    target.mkdir()
    (target / "root-file").write_text("x")
    link = tmp_path / "link"
    link.symlink_to(target)
    os.lchown(link, 0, 0)
    assert list(scan_foreign(link, ME, method=method)) == [ForeignEntry(Path(), 0, 0, True)]
    with pytest.raises(CommandError):  # find would follow it: it is never asked
        list(scan_foreign(link, ME, method="find"))

"""Who owns the files of a project: a fast, low-memory scan for entries of other users.

:func:`scan_foreign` walks a tree iteratively: each directory is opened relative to
its parent (``O_NOFOLLOW``), listed, and its entries ``lstat``-ed relative to it (one
short ``fstatat`` each). Memory grows with the tree's depth and one directory's width,
never with its size. Symbolic links are reported as entries but never followed: the
scan cannot leave the project or loop::

    >>> import os, tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "mine.txt").write_text("x")
    >>> list(scan_foreign(root, os.getuid()))
    []
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ForeignEntry", "OwnershipSummary", "scan_foreign", "summarize"]


@dataclass(frozen=True)
class ForeignEntry:
    """One file, directory or link not owned by the expected uid (path relative to root)."""

    path: Path
    uid: int
    gid: int
    is_dir: bool


def scan_foreign(
    root: Path, uid: int, *, skip: frozenset[str] = frozenset()
) -> Iterator[ForeignEntry]:
    """Yield every entry under ``root`` (root included) whose owner is not ``uid``.

    Each directory is opened relative to its parent's descriptor with ``O_NOFOLLOW``
    and its entries are ``lstat``-ed relative to its own, so the kernel never walks a
    long path and a symlink is never entered. Open descriptors stay bounded by the
    tree's depth. ``skip`` names directories (by base name, e.g. ``.git``) not to
    descend into. An unreadable directory is reported only through its own owner.
    """
    root_stat = os.lstat(root)
    if root_stat.st_uid != uid:
        yield ForeignEntry(Path(), root_stat.st_uid, root_stat.st_gid, is_dir=True)
    if not stat.S_ISDIR(root_stat.st_mode):
        return
    try:
        root_fd = os.open(root, _DIR_FLAGS)
    except OSError:
        return
    # frames of (directory fd, its path relative to root with a trailing "/", subdirs left)
    stack: list[tuple[int, str, list[str]]] = []
    try:
        found, subdirs = _list(root_fd, "", uid, skip)
        yield from found
        stack.append((root_fd, "", subdirs))
        while stack:
            fd, rel, pending = stack[-1]
            if not pending:
                os.close(fd)
                stack.pop()
                continue
            name = pending.pop()
            try:
                child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError:
                continue
            child_rel = f"{rel}{name}/"
            try:
                found, subdirs = _list(child, child_rel, uid, skip)
            except BaseException:
                os.close(child)
                raise
            stack.append((child, child_rel, subdirs))
            yield from found
    finally:
        for fd, _, _ in stack:
            os.close(fd)


_S_IFMT = 0o170000  # the file-type bits of st_mode (what stat.S_IFMT masks)
_S_IFDIR = stat.S_IFDIR
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _list(
    fd: int, rel: str, uid: int, skip: frozenset[str]
) -> tuple[list[ForeignEntry], list[str]]:
    """The foreign entries of one open directory, and the subdirectories to descend into."""
    found: list[ForeignEntry] = []
    subdirs: list[str] = []
    lstat = os.lstat
    try:
        names = os.listdir(fd)
    except OSError:
        return found, subdirs
    # the hot loop: one fstatat per entry, a mode mask instead of a call
    for name in names:
        try:
            st = lstat(name, dir_fd=fd)
        except OSError:
            continue
        is_dir = st.st_mode & _S_IFMT == _S_IFDIR
        if st.st_uid != uid:
            found.append(ForeignEntry(Path(rel + name), st.st_uid, st.st_gid, is_dir))
        if is_dir and name not in skip:
            subdirs.append(name)
    return found, subdirs


@dataclass(frozen=True)
class OwnershipSummary:
    """Foreign entries counted per owner, with the top-level paths that hold them."""

    total: int
    by_uid: dict[int, int]
    tops: tuple[Path, ...]


def summarize(
    entries: Iterator[ForeignEntry] | list[ForeignEntry], *, limit: int = 20
) -> OwnershipSummary:
    """Count ``entries`` per uid and keep up to ``limit`` outermost foreign paths."""
    total = 0
    by_uid: dict[int, int] = {}
    tops: list[Path] = []
    for entry in entries:
        total += 1
        by_uid[entry.uid] = by_uid.get(entry.uid, 0) + 1
        if len(tops) < limit and not any(
            top == Path() or top in entry.path.parents for top in tops
        ):
            tops.append(entry.path)
    return OwnershipSummary(total, by_uid, tuple(tops))

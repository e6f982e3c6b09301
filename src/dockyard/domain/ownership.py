"""Who owns the files of a project: a fast, low-memory scan for entries of other users.

:func:`scan_foreign` has two walks that give the same entries:

* GNU ``find`` (``-P``: symbolic links never followed), when it is on ``PATH`` and knows
  ``-printf``: one child process stats the tree and prints only the foreign entries, so
  the scan runs at ``find``'s own speed. Its output is read once the walk is over and
  parsed lazily; memory grows with the foreign entries only (their paths, about 60
  bytes each), never with the tree.
* the Python walk, the fallback: each directory is opened relative to its parent
  (``O_NOFOLLOW``), listed, and its entries ``lstat``-ed relative to it (one short
  ``fstatat`` each). Memory grows with the tree's depth and one directory's width.

Whenever ``find`` is missing, fails, reports any error (a directory that vanished or
could not be read), or prints a path it cannot print unambiguously (a newline, a
carriage return or bytes that are not UTF-8 in a name), the Python walk runs instead,
so both give identical entries (their order aside). Neither follows a symbolic link,
so the scan cannot leave the project or loop::

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
from typing import TYPE_CHECKING, Literal

from dockyard.errors import CommandError, DockyardError

if TYPE_CHECKING:
    from dockyard.adapters.runner import Runner

__all__ = ["ForeignEntry", "OwnershipSummary", "scan_foreign", "summarize"]


@dataclass(frozen=True)
class ForeignEntry:
    """One file, directory or link not owned by the expected uid (path relative to root)."""

    path: Path
    uid: int
    gid: int
    is_dir: bool


Method = Literal["auto", "find", "python"]


def scan_foreign(
    root: Path,
    uid: int,
    *,
    skip: frozenset[str] = frozenset(),
    method: Method = "auto",
    runner: Runner | None = None,
) -> Iterator[ForeignEntry]:
    """Yield every entry under ``root`` (root included) whose owner is not ``uid``.

    ``skip`` names directories (by base name, e.g. ``.git``) not to descend into; a
    skipped directory is still reported when it is foreign. An unreadable directory is
    reported only through its own owner. ``method`` picks the walk: ``"auto"`` (GNU
    ``find`` when it can, else Python), ``"find"`` (raises :class:`CommandError` when
    ``find`` cannot give an exact answer) or ``"python"``. ``runner`` runs ``find``
    (default: a :class:`~dockyard.adapters.runner.SubprocessRunner`).
    """
    if method == "python":
        return _walk(root, uid, skip)
    found = _find(root, uid, skip, runner, strict=method == "find")
    return _walk(root, uid, skip) if found is None else found


def _walk(root: Path, uid: int, skip: frozenset[str]) -> Iterator[ForeignEntry]:
    """The Python walk: directories opened relative to their parent, never followed.

    Each directory is opened relative to its parent's descriptor with ``O_NOFOLLOW``
    and its entries are ``lstat``-ed relative to its own, so the kernel never walks a
    long path and a symlink is never entered. Open descriptors stay bounded by the
    tree's depth.
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


# One record per foreign entry: uid, gid, file type (d for a directory, never
# followed) and the path relative to the starting point, NUL-terminated.
_RECORD = "%U %G %y %P\\0"
_FIND_TIMEOUT = 600.0


def _find_argv(uid: int, skip: frozenset[str]) -> list[str]:
    """``find -P . ! -uid UID -printf RECORD [, -type d -name SKIP ! -path . -prune]``."""
    argv = ["find", "-P", ".", "!", "-uid", str(uid), "-printf", _RECORD]
    if skip:
        names: list[str] = []
        for name in sorted(skip):
            names += [*(["-o"] if names else []), "-name", _glob_literal(name)]
        argv += [",", "-type", "d", "(", *names, ")", "!", "-path", ".", "-prune"]
    return argv


def _glob_literal(name: str) -> str:
    """``name`` as a ``-name`` pattern that matches only itself."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in name)


def _find(
    root: Path, uid: int, skip: frozenset[str], runner: Runner | None, *, strict: bool
) -> Iterator[ForeignEntry] | None:
    """The foreign entries as GNU ``find`` lists them, or None when it cannot be trusted.

    ``strict``: raise :class:`CommandError` instead of returning None.
    """
    from dockyard.adapters.runner import SubprocessRunner

    argv = _find_argv(uid, skip)
    try:
        root_stat = os.lstat(root)
    except OSError:
        root_stat = None
    if root_stat is None or not stat.S_ISDIR(root_stat.st_mode):
        # nothing to walk (a file, a symlink, an error the Python walk raises as it should)
        if strict:
            raise CommandError(argv, -1, f"{root} is not a directory")
        return None
    env = {"PATH": os.environ.get("PATH", os.defpath), "LC_ALL": "C"}
    try:
        done = (runner or SubprocessRunner()).run(
            argv, env=env, cwd=root, timeout=_FIND_TIMEOUT, check=False
        )
    except (OSError, DockyardError) as exc:
        if strict:
            raise CommandError(argv, -1, str(exc)) from exc
        return None
    out = done.stdout
    if not done.ok or "\n" in out or "\ufffd" in out:
        if strict:
            reason = done.stderr.strip() if not done.ok else "a path find cannot print exactly"
            raise CommandError(argv, done.returncode, reason)
        return None
    return _records(out)


def _records(out: str) -> Iterator[ForeignEntry]:
    """Parse ``find``'s NUL-terminated records one at a time (no list of lines)."""
    pos = 0
    end = out.find("\0")
    while end >= 0:
        owner, group, kind, rel = out[pos:end].split(" ", 3)
        yield ForeignEntry(Path(rel), int(owner), int(group), kind == "d")
        pos = end + 1
        end = out.find("\0", pos)


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

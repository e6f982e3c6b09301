"""A plan under construction, with a view of the tree as the steps so far leave it."""

from __future__ import annotations

import posixpath
from pathlib import Path

from dockyard.domain.layout.plan import (
    Chmod,
    Conflict,
    Edit,
    Mkdir,
    Move,
    Step,
    Write,
    digest,
    unified_diff,
)
from dockyard.errors import PlanError

__all__ = ["PlanBuilder"]

_ABSENT = object()


class PlanBuilder:
    """Collects steps for the repository at ``root``; reads see earlier steps' effects."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.steps: list[Step] = []
        self.notes: list[str] = []
        self.left: list[str] = []
        self.conflicts: list[Conflict] = []
        self._files: dict[str, str | object] = {}  # path -> text, or _ABSENT
        self._dirs: set[str] = set()
        self._modes: dict[str, int] = {}

    # -- reading -------------------------------------------------------------------
    def is_dir(self, rel: str) -> bool:
        """True when ``rel`` is (or will be) a folder."""
        return rel in self._dirs or (self.root / rel).is_dir()

    def exists(self, rel: str) -> bool:
        """True when the file ``rel`` exists after the steps so far."""
        if rel in self._files:
            return self._files[rel] is not _ABSENT
        path = self.root / rel
        return path.is_file() or path.is_symlink()

    def read(self, rel: str) -> str | None:
        """The text of ``rel`` after the steps so far, or None when absent."""
        if rel in self._files:
            value = self._files[rel]
            return None if value is _ABSENT else str(value)
        path = self.root / rel
        if path.is_symlink():
            raise PlanError(f"{rel}: is a symbolic link; move it by hand first")
        if not path.is_file():
            return None
        try:
            return path.read_bytes().decode("utf-8")  # no newline translation
        except UnicodeDecodeError:
            raise PlanError(f"{rel}: not UTF-8 text; cannot plan changes to it") from None
        except OSError as exc:
            raise PlanError(f"{rel}: cannot read: {exc.strerror}") from None

    def planned_files(self) -> list[str]:
        """Files of compose/, env/ and docker/ once the steps so far are carried out."""
        files: set[str] = set()
        for folder in ("compose", "env", "docker"):
            base = self.root / folder
            if base.is_dir():
                files |= {str(p.relative_to(self.root)) for p in base.iterdir() if p.is_file()}
        files |= {k for k, v in self._files.items() if v is not _ABSENT}
        files -= {k for k, v in self._files.items() if v is _ABSENT}
        return sorted(files)

    def mode(self, rel: str) -> int | None:
        """The mode ``rel`` will have once the steps so far are carried out."""
        if rel in self._modes:
            return self._modes[rel]
        path = self.root / rel
        return path.stat().st_mode & 0o7777 if path.is_file() else None

    # -- steps ---------------------------------------------------------------------
    def mkdir(self, rel: str) -> None:
        """Plan a folder (and its missing parents)."""
        parent = posixpath.dirname(rel)
        if parent and not self.is_dir(parent):
            self.mkdir(parent)
        if self.is_dir(rel):
            return
        if self.exists(rel):
            raise PlanError(f"{rel}: exists and is not a folder")
        self._dirs.add(rel)
        self.steps.append(Mkdir(rel))

    def move(self, src: str, dst: str) -> None:
        """Plan a rename; the destination must not exist."""
        if self.exists(dst):
            raise PlanError(f"{dst}: exists and differs from {src}; move or merge it by hand")
        parent = posixpath.dirname(dst)
        if parent:
            self.mkdir(parent)
        if src in self._files:
            raise PlanError(f"{src}: planned to move after it changed")
        try:
            data = (self.root / src).read_bytes()
        except OSError as exc:
            raise PlanError(f"{src}: cannot read: {exc.strerror}") from None
        self.steps.append(Move(src, dst, digest(data)))
        self._modes[dst] = (self.root / src).stat().st_mode & 0o7777
        self._files[dst] = _text_or_marker(data)
        self._files[src] = _ABSENT

    def write(self, rel: str, text: str, mode: int = 0o644) -> None:
        """Plan a new file (error when it exists with other content)."""
        current = self.read(rel)
        if current is not None:
            if current == text:
                return
            raise PlanError(f"{rel}: exists and differs; move it aside or merge by hand")
        parent = posixpath.dirname(rel)
        if parent:
            self.mkdir(parent)
        self.steps.append(Write(rel, text, mode))
        self._files[rel] = text
        self._modes[rel] = mode

    def edit(self, rel: str, text: str) -> None:
        """Plan new content for an existing file (no step when unchanged)."""
        current = self.read(rel)
        if current is None:
            raise PlanError(f"{rel}: cannot edit a file that does not exist")
        if current == text:
            return
        self.steps.append(Edit(rel, current, text))
        self._files[rel] = text

    def chmod(self, rel: str, mode: int) -> None:
        """Plan new permission bits for the file ``rel``."""
        if self.mode(rel) == mode:
            return
        self.steps.append(Chmod(rel, mode))
        self._modes[rel] = mode

    def put(self, rel: str, text: str, *, mode: int = 0o644, force: bool = False) -> None:
        """Init semantics: create; same content is fine; other content is a conflict.

        A conflict becomes an edit only with ``force`` (the journal keeps a backup).
        """
        current = self.read(rel)
        if current is None:
            self.write(rel, text, mode)
        elif current != text:
            self.conflicts.append(Conflict(rel, unified_diff(rel, current, text)))
            if force:
                self.edit(rel, text)


def _text_or_marker(data: bytes) -> str | object:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return f"<binary sha256 {digest(data)}>"

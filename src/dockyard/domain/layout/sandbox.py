"""Throwaway copies of a repository, to ask compose about a tree before or after a plan.

A copy keeps the repository folder's own name (compose derives the project name from
it) and skips what compose never reads (``.git``, virtualenvs, caches, dockyard's
state). :func:`materialize` carries a plan out on such a copy without a journal: it
shows what the plan will produce without touching the repository.

Env files that git ignores are absent from a fresh clone; :func:`fill_absent` writes
what a developer would create in their place (the environment's own template, else the
generic one) so compose can still resolve the stack, and says so.
"""

from __future__ import annotations

import posixpath
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from dockyard.domain.layout.plan import Chmod, Edit, Mkdir, Move, Plan, Write

__all__ = ["SKIPPED", "copy_tree", "fill_absent", "materialize", "template_for"]

#: Folders a copy leaves out: compose never reads them.
SKIPPED = (
    ".git",
    ".hg",
    ".dockyard",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
)


def copy_tree(root: Path, parent: Path) -> Path:
    """Copy ``root`` to ``parent/<root's name>`` (symlinks kept as links); return it."""
    dest = parent / root.name
    parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(root, dest, symlinks=True, ignore=shutil.ignore_patterns(*SKIPPED))
    return dest


def materialize(plan: Plan, root: Path) -> None:
    """Carry ``plan`` out on the copy at ``root`` (no journal, no backups)."""
    for step in plan.steps:
        if isinstance(step, Mkdir):
            (root / step.path).mkdir(parents=True, exist_ok=True)
        elif isinstance(step, Move):
            (root / step.dst).parent.mkdir(parents=True, exist_ok=True)
            (root / step.src).rename(root / step.dst)
        elif isinstance(step, Write):
            path = root / step.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(step.text, encoding="utf-8")
            path.chmod(step.mode)
        elif isinstance(step, Chmod):
            (root / step.path).chmod(step.mode)
        elif isinstance(step, Edit):
            (root / step.path).write_text(step.text, encoding="utf-8")


def template_for(rel: str, exists: Iterable[str]) -> str | None:
    """The template a developer copies to create the env file ``rel``, if any.

    >>> template_for("env/.env.test", ["env/.env.test.example", "env/.env.example"])
    'env/.env.test.example'
    >>> template_for(".env.dev", [".env.example"])
    '.env.example'
    """
    present = set(exists)
    folder, name = posixpath.split(rel)
    candidates = [f"{name}.example", f"{name}.template", f"{name}.sample", f"{name}.dist"]
    candidates += [".env.example", ".env.template", ".env.sample", ".env.dist", "env.example"]
    for candidate in candidates:
        path = posixpath.join(folder, candidate) if folder else candidate
        if path in present and path != rel:
            return path
    return None


def fill_absent(root: Path, wanted: Mapping[str, str | None]) -> list[str]:
    """Create each absent env file of ``wanted`` (path -> template) from its template.

    A file with no template is created empty. Returns one line per file created.
    """
    said: list[str] = []
    for rel, source in sorted(wanted.items()):
        path = root / rel
        if path.exists() or path.is_symlink():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        text = (root / source).read_text("utf-8") if source and (root / source).is_file() else ""
        path.write_text(text, encoding="utf-8")
        origin = f"its template {source}" if source else "an empty file (no template)"
        said.append(f"{rel}: absent (a fresh clone has none); compared with {origin}")
    return said

"""Writing a report to a file (``check --output``) and to the GitHub job summary.

* the target's folder must exist and the target must not be a directory: a one-line
  :class:`~dockyard.errors.UsageError` (exit 2) otherwise;
* a source file (``pyproject.toml``, a Dockerfile, compose or env file, Python code,
  ...) or a file git tracks is never replaced without ``force``; with ``force`` it is
  backed up first, beside it as ``<name>.bak`` (or under ``.dockyard/backups/`` when
  that name is taken);
* the file is written atomically (a temp file beside it) and its text is masked.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping
from pathlib import Path

from dockyard.adapters import git
from dockyard.adapters.files import atomic_write, is_env_file
from dockyard.adapters.runner import Runner
from dockyard.domain.secrets import mask_text
from dockyard.errors import CommandError, UsageError

__all__ = ["append_summary", "is_source_file", "write_report"]

_SOURCE_SUFFIXES = frozenset(
    {".py", ".pyi", ".toml", ".cfg", ".ini", ".lock", ".yml", ".yaml", ".in", ".sh", ".env"}
)
_SOURCE_NAMES = frozenset(
    {
        "Dockerfile",
        "Containerfile",
        "Makefile",
        ".dockerignore",
        ".gitignore",
        "requirements.txt",
        "setup.py",
        "tasks.py",
        "noxfile.py",
    }
)


def is_source_file(path: Path) -> bool:
    """A file of the project itself, by its name: never a report's place."""
    name = path.name
    return (
        path.suffix in _SOURCE_SUFFIXES
        or name in _SOURCE_NAMES
        or name.startswith("Dockerfile")
        or name.endswith(".dockerignore")
        or is_env_file(path)
    )


def write_report(
    target: Path,
    text: str,
    *,
    shown: str,
    root: Path,
    force: bool,
    runner: Runner,
    environ: Mapping[str, str],
) -> Path | None:
    """Write ``text`` (masked) to ``target``; return the backup made, if any.

    ``shown`` is how the user wrote the path (for messages).
    """
    folder = target.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise UsageError(f"--output {shown}: folder {folder} {what}", argument="--output")
    if target.is_dir():
        raise UsageError(f"--output {shown}: is a directory, not a file", argument="--output")
    backup = None
    if target.exists() or target.is_symlink():
        if not target.is_file():
            raise UsageError(f"--output {shown}: not a regular file", argument="--output")
        protected = _protection(target, root, runner, environ)
        if protected and not force:
            raise UsageError(
                f"--output {shown}: refusing to replace {protected}; "
                "pick another file, or add --force to replace it (a backup is kept)",
                argument="--output",
            )
        if protected:
            backup = _backup(target, root)
    try:
        atomic_write(target, mask_text(text))
    except OSError as exc:
        raise UsageError(
            f"--output {shown}: cannot write: {exc.strerror or exc}", argument="--output"
        ) from None
    return backup


def append_summary(path_text: str, text: str) -> None:
    """Append ``text`` (masked) to the GitHub job summary file ``$GITHUB_STEP_SUMMARY``."""
    path = Path(path_text)
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(mask_text(text))
    except OSError as exc:
        raise UsageError(
            f"GITHUB_STEP_SUMMARY={path_text}: cannot append: {exc.strerror or exc}",
            argument="GITHUB_STEP_SUMMARY",
        ) from None


def _protection(target: Path, root: Path, runner: Runner, environ: Mapping[str, str]) -> str:
    """Why ``target`` must not be replaced ('' when it may be)."""
    if is_source_file(target):
        return "a source file of the project"
    try:
        rel = target.resolve().relative_to(root.resolve())
    except ValueError:
        return ""
    try:
        if git.is_repository(runner, root, environ) and git.tracked(runner, root, [rel], environ):
            return "a file git tracks"
    except CommandError:
        return ""
    return ""


def _backup(target: Path, root: Path) -> Path:
    beside = target.with_name(target.name + ".bak")
    if not beside.exists():
        shutil.copy2(target, beside)
        return beside
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    folder = root / ".dockyard" / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / f"{target.name}.{stamp}"
    shutil.copy2(target, kept)
    return kept

"""Bounded reads and safe writes of the files dockyard handles.

Reads: :func:`read_text` opens without blocking, refuses anything but a regular file
(FIFOs, devices, sockets, directories; a symlink to a regular file is fine), refuses
files larger than the cap of their kind (:data:`LIMITS`) and binary (NUL) content,
and raises :class:`~dockyard.errors.ConfigError` naming the file.

Writes: a temp file in the same folder, the mode kept, ``os.replace``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import Literal

from dockyard.errors import ConfigError

__all__ = [
    "LIMITS",
    "FileKind",
    "atomic_write",
    "create_exclusive",
    "is_env_file",
    "read_text",
]

FileKind = Literal["env", "compose", "dockerfile", "ignore", "config", "journal", "text"]

_MIB = 1024 * 1024
#: Largest file dockyard reads, per kind, in bytes. Real files are far smaller: the
#: caps only stop a mistake (a log, a dump, ``/dev/zero``) from eating the memory.
LIMITS: dict[FileKind, int] = {
    "env": 1 * _MIB,
    "compose": 4 * _MIB,
    "dockerfile": 1 * _MIB,
    "ignore": 1 * _MIB,
    "config": 4 * _MIB,
    "journal": 16 * _MIB,
    "text": 4 * _MIB,
}

_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def read_text(
    path: Path,
    *,
    what: FileKind,
    limit: int | None = None,
    display: Path | str | None = None,
) -> str:
    """The UTF-8 text of the regular file ``path`` (a BOM dropped), read with bounds.

    ``what`` picks the size cap (:data:`LIMITS`) unless ``limit`` is given;
    ``display`` is the name used in messages (default: ``path``). A missing file
    raises :class:`FileNotFoundError` (callers decide whether that is an error);
    anything else that makes the file unusable raises :class:`ConfigError` whose
    message starts with the file's name: not a regular file, unreadable, too large,
    binary, not UTF-8.
    """
    shown = str(display if display is not None else path)
    cap = LIMITS[what] if limit is None else limit
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except PermissionError:
        raise ConfigError("permission denied: cannot read it", source=shown) from None
    except OSError as exc:
        if exc.errno == 40:  # ELOOP: a symlink loop
            raise ConfigError("is a symlink loop", source=shown) from None
        raise ConfigError(f"cannot read: {exc.strerror}", source=shown) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            raise ConfigError(f"is {kind}, not {_a(_NOUN[what])}", source=shown)
        if info.st_size > cap:
            raise ConfigError(
                f"is {_size(info.st_size)}, more than the {_size(cap)} {_a(_NOUN[what])} may be",
                source=shown,
            )
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(cap + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", source=shown) from None
    finally:
        os.close(fd)
    if len(raw) > cap:  # grew while being read
        raise ConfigError(f"is more than the {_size(cap)} {_a(_NOUN[what])} may be", source=shown)
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise ConfigError("contains NUL bytes: a binary file, not text", source=shown, line=line)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError("not valid UTF-8 text", source=shown, line=line) from None


_NOUN: dict[FileKind, str] = {
    "env": "env file",
    "compose": "compose file",
    "dockerfile": "Dockerfile",
    "ignore": "ignore file",
    "config": "configuration file",
    "journal": "journal",
    "text": "text file",
}


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _size(n: int) -> str:
    if n >= _MIB:
        return f"{n / _MIB:.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n} bytes"


def atomic_write(path: Path, data: str | bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically.

    The new file keeps the old file's mode (or gets ``mode``; 0644 for a new file).
    An env file (``.env*``, templates aside) written without an explicit ``mode`` that
    others could read (0644) is made owner-only (0600): env files hold secrets. A mode
    someone chose to share with a group only (0640) is kept.
    Readers see the old content or the new, never a half-written file; the temp file
    lives beside ``path`` and is removed if anything fails.
    """
    payload = data.encode() if isinstance(data, str) else data
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
        if is_env_file(path) and mode & 0o007:
            mode &= 0o700
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise


def is_env_file(path: Path) -> bool:
    """``.env``, ``.env.dev``, ...: not ``.env.example`` and other templates."""
    name = path.name
    return name.startswith(".env") and not name.endswith((".example", ".template", ".sample"))


def create_exclusive(path: Path, data: str, *, mode: int = 0o600) -> None:
    """Create ``path`` with ``data`` and ``mode``; raise FileExistsError if it exists.

    The file never exists with a looser mode than ``mode``, not even for an instant.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)  # the umask may have narrowed it; never widened
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        raise

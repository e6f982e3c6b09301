"""Image labels and staleness: was this image built for this host user and this lock?

Images built by dockyard carry three labels (set from build args by the Dockerfile
template). Before ``up``, dockyard compares them with what it would build now and
rebuilds a stale image instead of starting it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "LABEL_GID",
    "LABEL_LOCK",
    "LABEL_UID",
    "LOCK_FILES",
    "Expected",
    "Staleness",
    "lock_hash",
    "staleness",
]

LABEL_UID = "dev.dockyard.host-uid"
LABEL_GID = "dev.dockyard.host-gid"
LABEL_LOCK = "dev.dockyard.lock-hash"

#: Files whose content decides the dependency layer, in order of preference.
LOCK_FILES = ("uv.lock", "poetry.lock", "requirements.txt", "pyproject.toml")


@dataclass(frozen=True)
class Expected:
    """What an up-to-date image must have been built for."""

    uid: int
    gid: int
    lock_hash: str

    def build_args(self) -> dict[str, str]:
        """The build args that produce these labels."""
        return {"HOST_UID": str(self.uid), "HOST_GID": str(self.gid), "LOCK_HASH": self.lock_hash}


@dataclass(frozen=True)
class Staleness:
    """Why an image must be (re)built; empty ``reasons`` means it is current."""

    reasons: tuple[str, ...]

    @property
    def stale(self) -> bool:
        return bool(self.reasons)


def lock_hash(root: Path) -> str:
    """sha256 (16 hex) of the first lock file found in ``root`` (``none`` if none)."""
    for name in LOCK_FILES:
        path = root / name
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            return f"{name}:{digest}"
    return "none"


def staleness(labels: Mapping[str, str] | None, expected: Expected) -> Staleness:
    """Compare an image's labels with ``expected``; ``None`` labels = no image."""
    if labels is None:
        return Staleness(("no image built yet",))
    reasons: list[str] = []
    uid, gid = labels.get(LABEL_UID), labels.get(LABEL_GID)
    if uid is None or gid is None:
        reasons.append("image has no dockyard uid/gid labels (not built by dockyard's Dockerfile)")
    elif (uid, gid) != (str(expected.uid), str(expected.gid)):
        reasons.append(
            f"built for uid:gid {uid}:{gid}, this host needs {expected.uid}:{expected.gid}"
        )
    lock = labels.get(LABEL_LOCK)
    if lock is not None and lock != expected.lock_hash:
        reasons.append(f"built for lock {lock}, the lock is now {expected.lock_hash}")
    return Staleness(tuple(reasons))

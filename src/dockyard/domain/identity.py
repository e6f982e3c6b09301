"""Host identity: the uid/gid that images are built for and files must belong to.

Ids come from :func:`os.getuid`/:func:`os.getgid`, never from ``$UID`` (a read-only,
non-exported bash variable that compose never sees). On a root host (CI) the ids of
the user who ran ``sudo`` are taken, else a documented non-root default (1000:1000,
configurable as ``default_uid``/``default_gid``): building an image whose user is root
would defeat the point.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["HostIds", "host_ids"]


@dataclass(frozen=True)
class HostIds:
    """The ids to build for, and where they came from."""

    uid: int
    gid: int
    origin: str


def host_ids(
    environ: Mapping[str, str],
    *,
    default_uid: int = 1000,
    default_gid: int = 1000,
    uid: int | None = None,
    gid: int | None = None,
) -> HostIds:
    """The host ids: this process's, or ``SUDO_UID``/``SUDO_GID`` or the default as root."""
    uid = os.getuid() if uid is None else uid
    gid = os.getgid() if gid is None else gid
    if uid != 0:
        return HostIds(uid, gid, "os.getuid()/os.getgid()")
    sudo_uid, sudo_gid = environ.get("SUDO_UID", ""), environ.get("SUDO_GID", "")
    if sudo_uid.isdigit() and int(sudo_uid) != 0:
        return HostIds(
            int(sudo_uid),
            int(sudo_gid) if sudo_gid.isdigit() else int(sudo_uid),
            "SUDO_UID/SUDO_GID",
        )
    return HostIds(default_uid, default_gid, "default for a root host (default_uid/default_gid)")

"""Host identity: the uid/gid that images are built for and files must belong to.

One rule, used alike by builds (``HOST_UID``/``HOST_GID``), live checks and ownership
repair (``venv.fix-ownership``):

1. not root: this process's ids, from :func:`os.getuid`/:func:`os.getgid`, never from
   ``$UID`` (a read-only, non-exported bash variable that compose never sees);
2. root, and the checkout belongs to someone else: the checkout's owner (the files
   the container writes through the bind mount must stay theirs);
3. root, on a root-owned checkout: the user who ran ``sudo`` (``SUDO_UID``/``SUDO_GID``);
4. else the documented non-root default, 1000:1000 (``default_uid``/``default_gid``):
   building an image whose user is root would defeat the point.

``HOST_UID``/``HOST_GID`` set in the process environment or the env file beat the rule
for builds (that is resolved with the other variables, see ``env.explain``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

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
    root: Path | None = None,
    default_uid: int = 1000,
    default_gid: int = 1000,
    uid: int | None = None,
    gid: int | None = None,
) -> HostIds:
    """The host ids under the rule above; ``root`` is the checkout (rule 2 needs it).

    >>> host_ids({"SUDO_UID": "1001", "SUDO_GID": "1001"}, uid=0, gid=0).origin
    'SUDO_UID/SUDO_GID'
    """
    uid = os.getuid() if uid is None else uid
    gid = os.getgid() if gid is None else gid
    if uid != 0:
        return HostIds(uid, gid, "os.getuid()/os.getgid()")
    if root is not None:
        try:
            st = root.stat()
        except OSError:
            st = None
        if st is not None and st.st_uid != 0:
            return HostIds(st.st_uid, st.st_gid, f"owner of the checkout ({root.name or root})")
    sudo_uid, sudo_gid = environ.get("SUDO_UID", ""), environ.get("SUDO_GID", "")
    if sudo_uid.isdigit() and int(sudo_uid) != 0:
        return HostIds(
            int(sudo_uid),
            int(sudo_gid) if sudo_gid.isdigit() else int(sudo_uid),
            "SUDO_UID/SUDO_GID",
        )
    return HostIds(default_uid, default_gid, "default for a root host (default_uid/default_gid)")

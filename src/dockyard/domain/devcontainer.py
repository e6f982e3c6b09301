"""``devcontainer.json`` from an environment: editors open the same stack dockyard runs.

Pure: the caller gives the environment's compose files, its main service as compose
resolves it, and the user the image runs as; :func:`devcontainer_config` returns the
mapping to write as ``.devcontainer/devcontainer.json``.

* ``dockerComposeFile`` / ``service``: the environment's files and main service;
* ``workspaceFolder``: where the service's bind mount puts the repository root;
* ``remoteUser``: the image's app user, and ``updateRemoteUserUID: false``, because
  dockyard already builds the image for the host's uid/gid (the editor's own uid
  update skips when the gid is taken, and would differ from dockyard's image);
* ``initializeCommand``: ``dockyard <env>.build`` on the host first, so a stale image
  (other ids, an older lock) is rebuilt before the editor starts it;
* ``shutdownAction: stopCompose``: closing the editor stops the stack.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["FOLDER", "devcontainer_config", "workspace_folder"]

FOLDER = ".devcontainer"


def workspace_folder(root: Path, binds: Sequence[tuple[str, str]]) -> str | None:
    """The container path of ``root`` from ``(host source, container target)`` binds.

    A bind of the root itself wins; a bind of a folder above the root maps the root
    below its target. None when no bind mount holds the repository.

    >>> workspace_folder(Path("/src/p"), [("/src/p", "/app")])
    '/app'
    """
    best: tuple[int, str] | None = None
    for source, target in binds:
        try:
            below = root.relative_to(Path(source))
        except ValueError:
            continue
        path = target.rstrip("/") + ("/" + below.as_posix() if below.parts else "")
        depth = len(Path(source).parts)
        if best is None or depth > best[0]:
            best = (depth, path or "/")
    return best[1] if best else None


def devcontainer_config(
    *,
    root: Path,
    env: str,
    project: str,
    compose_files: Sequence[Path],
    service: str,
    binds: Sequence[tuple[str, str]],
    user: str | None,
    has_command: bool,
) -> dict[str, Any]:
    """The ``devcontainer.json`` mapping for environment ``env`` of the repository at ``root``.

    ``compose_files`` are absolute (or relative to ``root``); they are written relative
    to the ``.devcontainer`` folder, as the devcontainers tools read them. A service
    without a command of its own gets ``overrideCommand`` so that it stays up.
    """
    folder = root / FOLDER
    files = [os.path.relpath(root / path, folder) for path in compose_files]
    config: dict[str, Any] = {
        "name": f"{project} ({env})",
        "dockerComposeFile": files if len(files) != 1 else files[0],
        "service": service,
        "workspaceFolder": workspace_folder(root, binds) or "/",
        "initializeCommand": ["dockyard", f"{env}.build"],
        "shutdownAction": "stopCompose",
        "overrideCommand": not has_command,
        "updateRemoteUserUID": False,
    }
    if user is not None:
        config["remoteUser"] = user
    return config

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
* a compose file of its own (:func:`devcontainer_compose`, listed last): dockyard's
  compose project name, and the image dockyard built instead of a build of the
  editor's (which would read none of the environment's variables: ``BASE_IMAGE``,
  ``HOST_UID``, ...);
* ``shutdownAction: stopCompose``: closing the editor stops the stack.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["COMPOSE", "FOLDER", "devcontainer_compose", "devcontainer_config", "workspace_folder"]

FOLDER = ".devcontainer"
COMPOSE = "compose.yml"


def workspace_folder(root: Path, binds: Sequence[tuple[str, str]]) -> str | None:
    """The container path of ``root`` from ``(host source, container target)`` binds.

    A bind of the root itself wins; a bind of a folder above the root maps the root
    below its target. Where only folders inside the root are mounted (``./src:/app/src``),
    the root is where their targets say it sits (``/app``), else the first one's target.
    None when no bind mount holds any of the repository.

    >>> workspace_folder(Path("/src/p"), [("/src/p", "/app")])
    '/app'
    >>> workspace_folder(Path("/src/p"), [("/src/p/src", "/app/src")])
    '/app'
    >>> workspace_folder(Path("/src/p"), [("/src/p/code", "/srv")])
    '/srv'
    """
    best: tuple[int, str] | None = None
    inside: list[str] = []
    for source, target in binds:
        try:
            below = root.relative_to(Path(source))
        except ValueError:
            try:
                part = Path(source).relative_to(root).as_posix()
            except ValueError:
                continue
            clean = target.rstrip("/")
            aligned = clean.endswith("/" + part) and len(clean) > len(part) + 1
            inside.append(clean[: -len(part) - 1] if aligned else clean or "/")
            continue
        path = target.rstrip("/") + ("/" + below.as_posix() if below.parts else "")
        depth = len(Path(source).parts)
        if best is None or depth > best[0]:
            best = (depth, path or "/")
    if best is not None:
        return best[1]
    return inside[0] if inside else None


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
    files = [os.path.relpath(root / path, folder) for path in compose_files] + [COMPOSE]
    config: dict[str, Any] = {
        "name": f"{project} ({env})",
        "dockerComposeFile": files,
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


def devcontainer_compose(*, env: str, project: str, service: str, image: str, built: bool) -> str:
    """The compose file the editor adds after the environment's (``.devcontainer/compose.yml``).

    It names dockyard's compose project, so the editor's container is the one
    ``dockyard ENV.down`` stops, and for a built service replaces the build with the
    image ``dockyard ENV.build`` made (``!reset``: compose 2.24 or later).
    """
    lines = [
        "# Written by dockyard for the editor's dev container: dockyard's compose project,",
        f"# and the image `dockyard {env}.build` made for this host's uid/gid (the editor's",
        "# initializeCommand runs it first) instead of a build of the editor's own.",
        f"name: {project}",
        "services:",
        f"  {service}:",
    ]
    if built:
        lines.append("    build: !reset null")
    lines.append(f"    image: {image}")
    return "\n".join(lines) + "\n"

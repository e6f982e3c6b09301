"""Venv and ownership checks: files of other users, container-made venvs, shared venv paths.

OW001 scans the project for entries not owned by the project's user (the user running
dockyard, or as root the owner of the project folder). VE001-VE003 find the setups that
let a container and the host fight over one venv (see docs/venvs.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockyard.domain.checks.context import CheckContext
from dockyard.domain.checks.registry import CheckSet, Hit, SkipCheck
from dockyard.domain.findings import Level

if TYPE_CHECKING:
    from dockyard.domain.venv import ContainerVenv, Mount

__all__ = ["CHECKS", "service_venv"]

CHECKS = CheckSet()

_SHOWN = 10


@CHECKS.check(
    "OW001",
    "No files in the project owned by another user",
    Level.ERROR,
    hint="run `dockyard venv.fix-ownership` (chown inside a throwaway container, no sudo)",
)
def project_ownership(ctx: CheckContext) -> Iterator[Hit]:
    """Every entry under the root belongs to the project's user (symlinks not followed)."""
    from dockyard.domain.ownership import scan_foreign, summarize
    from dockyard.domain.venv import project_owner

    root = ctx.settings.root
    uid = project_owner(root)
    summary = summarize(scan_foreign(root, uid), limit=_SHOWN)
    if not summary.total:
        return
    owners = ", ".join(f"uid {u}: {n}" for u, n in sorted(summary.by_uid.items()))
    first = summary.tops[0]
    yield Hit(
        f"{summary.total} entries are not owned by uid {uid} ({owners}); "
        f"the user cannot change or remove them",
        first,
    )
    for top in summary.tops[1:]:
        yield Hit(f"{top} is owned by another user (and what it holds, if a folder)", top)


@CHECKS.check(
    "VE001",
    "The in-project venv was made for this host",
    Level.ERROR,
    hint="run `dockyard venv.relocate` (or `dockyard venv.fix-ownership` to keep it)",
)
def in_project_venv(ctx: CheckContext) -> Iterator[Hit]:
    """``.venv`` (and uv's project environment, when inside the project) belongs to the
    host user and its ``pyvenv.cfg`` interpreter exists on the host."""
    from dockyard.domain.venv import inspect_venv, project_owner, uv_project_environment

    root = ctx.settings.root
    uid = project_owner(root)
    candidates = [root / ".venv", uv_project_environment(root, ctx.environ)[0]]
    seen: set[Path] = set()
    found = False
    for venv in candidates:
        if venv in seen or not _inside(venv, root):
            continue
        seen.add(venv)
        state = inspect_venv(venv, uid)
        if state is None:
            continue
        found = True
        if state.broken:
            yield Hit(
                f"{ctx.rel(venv)} looks made by a container: {'; '.join(state.problems)}",
                ctx.rel(venv),
            )
    if not found:
        raise SkipCheck("no venv inside the project")


@CHECKS.check(
    "VE002",
    "Poetry keeps this project's venv outside the project",
    Level.WARNING,
    hint="run `dockyard venv.relocate` (writes `[virtualenvs] in-project = false` "
    "to the project's poetry.toml)",
)
def poetry_in_project(ctx: CheckContext) -> Iterator[Hit]:
    """Poetry's ``virtualenvs.in-project`` as it resolves for this project is not true
    (and, unset, no ``.venv`` exists for Poetry to pick up)."""
    from dockyard.domain.venv import poetry_venv_config

    root = ctx.settings.root
    if ctx.settings.detected_package_manager() != "poetry":
        raise SkipCheck("the project does not use Poetry")
    config = poetry_venv_config(root, ctx.environ)
    if config.venv_outside(root):
        return
    setting = config.in_project
    if setting.value is None:
        message = (
            "virtualenvs.in-project is unset and .venv exists: Poetry uses it, "
            "so the host shares the venv a container may write"
        )
    elif setting.value is True:
        message = (
            f"virtualenvs.in-project = true ({setting.level}: {setting.source}): "
            "the host venv is .venv in the project, where a bind-mounted container writes too"
        )
    else:
        setting = config.path
        message = (
            f"virtualenvs.path = {setting.value} ({setting.level}: {setting.source}) "
            "lies inside the project"
        )
    yield Hit(message, Path("poetry.toml") if setting.level == "local" else Path("pyproject.toml"))


@CHECKS.check(
    "VE003",
    "The container's venv is not inside a bind mount",
    Level.ERROR,
    hint="run `dockyard venv.relocate` to move it to venv_path (default /opt/venv)",
)
def container_venv_mount(ctx: CheckContext) -> Iterator[Hit]:
    """The service's venv path (compose environment > Dockerfile ENV > venv_path) is not
    under a bind mount: the mount would hide the image's venv and put the container's
    files in the host's project."""
    venv, mount, where = service_venv(ctx)
    if mount is not None and mount.kind == "bind":
        yield Hit(
            f"the container venv {venv.path} ({venv.source}) lies inside the bind mount "
            f"{mount.source}:{mount.target}",
            where,
        )


def service_venv(ctx: CheckContext) -> tuple[ContainerVenv, Mount | None, Path]:
    """The environment's service venv, the mount that holds it, and the compose file
    defining the service (SKIP when no compose file defines it)."""
    from dockyard.domain.venv import container_venv, covering_mount, long_volumes

    body: dict[str, Any] = {"environment": {}, "volumes": []}
    where: Path | None = None
    for compose, name, service in ctx.services():
        if name != ctx.env.service or not hasattr(service, "get"):
            continue
        where = compose.path
        environment = service.get("environment") or {}
        if hasattr(environment, "items"):
            body["environment"].update({str(k): v for k, v in environment.items()})
        else:
            for item in environment:
                key, _, value = str(item).partition("=")
                body["environment"][key] = value
        body["volumes"].extend(long_volumes(service.get("volumes")))
    if where is None:
        raise SkipCheck(f"service {ctx.env.service!r} is not in the compose files")
    try:
        dockerfile = ctx.dockerfile()
    except SkipCheck:
        dockerfile = None
    venv = container_venv(body, dockerfile, ctx.build_spec().target, ctx.settings.venv_path)
    return venv, covering_mount({"services": {"svc": body}}, "svc", venv.path), where


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True

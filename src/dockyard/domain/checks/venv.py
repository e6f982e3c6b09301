"""Venv and ownership checks: files of other users, container-made venvs, shared venv paths.

OW001 scans the project for entries not owned by the project's user (the user running
dockyard, or as root the owner of the project folder). VE001-VE003 find the setups that
let a container and the host fight over one venv (see docs/venvs.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from dockyard.domain.checks.context import CheckContext
from dockyard.domain.checks.registry import CheckSet, Hit, SkipCheck
from dockyard.domain.findings import Level

if TYPE_CHECKING:
    from dockyard.domain.repository import PythonProject
    from dockyard.domain.services import Service, Volume
    from dockyard.domain.venv import ContainerVenv, Mount

__all__ = ["CHECKS", "service_venv", "service_venvs"]

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
    """Each Python project's ``.venv`` (and uv's project environment, when inside the
    project) belongs to the host user and its ``pyvenv.cfg`` interpreter exists here."""
    from dockyard.domain.venv import inspect_venv, project_owner, uv_project_environment

    root = ctx.settings.root
    uid = project_owner(root)
    seen: set[Path] = set()
    for project in _projects(ctx):
        for venv in (project.venv, uv_project_environment(project.root, ctx.environ)[0]):
            if venv in seen or not _inside(venv, root):
                continue
            seen.add(venv)
            state = inspect_venv(venv, uid)
            if state is not None and state.broken:
                yield Hit(
                    f"{ctx.rel(venv)} looks made by a container: {'; '.join(state.problems)}",
                    ctx.rel(venv),
                )
    if not any(inspect_venv(v, uid) is not None for v in seen):
        raise SkipCheck("no venv inside the project")


@CHECKS.check(
    "VE002",
    "Poetry keeps this project's venv outside the project",
    Level.WARNING,
    hint="run `dockyard venv.relocate` (writes `[virtualenvs] in-project = false` "
    "to the project's poetry.toml)",
)
def poetry_in_project(ctx: CheckContext) -> Iterator[Hit]:
    """For each Poetry project, ``virtualenvs.in-project`` as Poetry resolves it in that
    project's folder is not true (and, unset, no ``.venv`` exists for Poetry to use)."""
    from dockyard.domain.venv import poetry_venv_config

    projects = [p for p in _projects(ctx) if p.package_manager == "poetry"]
    if not projects:
        raise SkipCheck("no project uses Poetry")
    for project in projects:
        config = poetry_venv_config(project.root, ctx.environ)
        if config.venv_outside(project.root):
            continue
        setting = config.in_project
        where = ctx.rel(project.root / ".venv")
        if setting.value is None:
            message = (
                f"virtualenvs.in-project is unset and {where} exists: Poetry uses it, "
                "so the host shares the venv a container may write"
            )
        elif setting.value is True:
            message = (
                f"virtualenvs.in-project = true ({setting.level}: {setting.source}): "
                f"the host venv is {where}, where a bind-mounted container writes too"
            )
        else:
            setting = config.path
            message = (
                f"virtualenvs.path = {setting.value} ({setting.level}: {setting.source}) "
                f"lies inside {ctx.rel(project.root)}"
            )
        file = project.root / ("poetry.toml" if setting.level == "local" else "pyproject.toml")
        yield Hit(message, ctx.rel(file))


@CHECKS.check(
    "VE003",
    "The container's venv is not inside a bind mount",
    Level.ERROR,
    hint="run `dockyard venv.relocate` to move it to venv_path (default /opt/venv)",
)
def container_venv_mount(ctx: CheckContext) -> Iterator[Hit]:
    """For each built service, the venv the image makes (compose environment > Dockerfile
    ENV > what its RUN instructions make > venv_path) is not under a bind mount: the
    mount hides the image's venv, and Docker makes the mount point in the host's project
    (root-owned) even when an anonymous volume covers it."""
    for service, venv, bind, inner in service_venvs(ctx):
        if bind is None:
            continue
        masked = ""
        if inner is not None and inner.anonymous:
            masked = " (an anonymous volume covers it, whose mount point Docker creates as root)"
        elif inner is not None:
            masked = f" (volume {inner.source} covers it)"
        file, line = ctx.stack().locate(service.name, "volumes")
        if venv.file is not None:  # the Dockerfile line that puts the venv there
            file, line = venv.file, venv.line
        yield Hit(
            f"service {service.name!r}: the container venv {venv.path} ({venv.source}) lies "
            f"inside the bind mount {ctx.rel(Path(bind.source or ''))}:{bind.target}{masked}",
            file,
            line,
        )


def service_venvs(
    ctx: CheckContext,
) -> list[tuple[Service, ContainerVenv, Volume | None, Volume | None]]:
    """For each service: its container venv, the bind mount holding it (if any) and the
    innermost volume over it when that is not the bind mount itself. A service with no
    venv setting of its own (compose environment, its build) has none to place."""
    from dockyard.domain.venv import container_venv

    stack = ctx.stack()
    if not stack.services:
        raise SkipCheck(f"environment {ctx.env.name!r} runs no service")
    found = []
    for service in stack.services.values():
        build = service.build
        dockerfile = ctx.stage_dockerfile(build) if build is not None else None
        venv = container_venv(
            {"environment": dict(service.environment)},
            dockerfile,
            build.target if build is not None else None,
            ctx.settings.venv_path,
        )
        if not venv.path or (build is None and venv.variable is None):
            continue  # no venv (Poetry without one), or an image dockyard knows nothing of
        binds = [v for v in service.volumes if v.kind == "bind" and _within(venv.path, v.target)]
        bind = max(binds, key=lambda v: len(v.target)) if binds else None
        inner = service.covering(venv.path)
        found.append((service, venv, bind, inner if inner is not bind else None))
    return found


def service_venv(ctx: CheckContext) -> tuple[ContainerVenv, Mount | None, Path]:
    """The environment's main service venv, the mount that holds it, and the compose
    file defining the service (SKIP when the stack does not build it)."""
    from dockyard.domain.venv import Mount

    for service, venv, bind, inner in service_venvs(ctx):
        if service.name != ctx.env.service:
            continue
        where, _ = ctx.stack().locate(service.name)
        chosen = bind if bind is not None else inner
        mount = None
        if chosen is not None:
            mount = Mount(chosen.kind, chosen.source or "", chosen.target)
        return venv, mount, where or Path()
    raise SkipCheck(f"service {ctx.env.service!r} sets no venv of its own")


def _projects(ctx: CheckContext) -> list[PythonProject]:
    projects = ctx.repo.projects(ctx.env.name)
    if not projects:
        raise SkipCheck("no Python project (pyproject.toml or requirements*.txt) is built")
    return projects


def _within(path: str, folder: str) -> bool:
    import posixpath

    path, folder = posixpath.normpath(path), posixpath.normpath(folder)
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True

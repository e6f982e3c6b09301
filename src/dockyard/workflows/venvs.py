"""Venv workflows: report where venvs live, give files back to their user, relocate venvs.

Nothing here needs ``sudo``: files owned by another user (root, from a container that
wrote through a bind mount) are changed or removed by a throwaway container that mounts
the project and runs as root there (network none, removed afterwards). Every file
edited is backed up under ``.dockyard/backups/<timestamp>/`` first; a venv is not
backed up: it is rebuilt from the lock file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockyard.adapters.runner import Runner
from dockyard.domain.config import Environment, Settings
from dockyard.domain.identity import host_ids
from dockyard.domain.ownership import ForeignEntry, OwnershipSummary, scan_foreign, summarize
from dockyard.domain.venv import (
    ContainerVenv,
    Mount,
    PoetryVenvConfig,
    VenvState,
    inspect_venv,
    poetry_venv_config,
    uv_project_environment,
)
from dockyard.errors import CommandError, DockyardError, EngineError

if TYPE_CHECKING:
    from dockyard.adapters.engine import Engine
    from dockyard.domain.repository import Repository
    from dockyard.domain.target import Target

__all__ = [
    "ContainerSide",
    "HostSide",
    "OwnershipFix",
    "VenvReport",
    "fix_ownership",
    "helper_image",
    "project_ids",
    "run_in_venv",
    "venv_report",
]

MOUNT = "/project"
_INSTALL_TIMEOUT = 900.0


def project_ids(
    root: Path,
    environ: Mapping[str, str] | None = None,
    *,
    default_uid: int = 1000,
    default_gid: int = 1000,
) -> tuple[int, int]:
    """The ids the project's files belong to, under the one rule of host identity.

    The same rule picks the ids images are built for (:mod:`dockyard.domain.identity`).
    """
    ids = host_ids(
        os.environ if environ is None else environ,
        root=root,
        default_uid=default_uid,
        default_gid=default_gid,
    )
    return ids.uid, ids.gid


@dataclass(frozen=True)
class HostSide:
    """The host's venv: tool, where it lives and why, its state, Poetry's settings, and
    the folder of the Python project it belongs to (``backend/`` in some repositories)."""

    tool: str
    path: Path
    source: str
    state: VenvState | None
    poetry: PoetryVenvConfig | None
    project: Path | None = None


@dataclass(frozen=True)
class ContainerSide:
    """One environment's container venv and the mount that holds it (None: image only)."""

    env: str
    service: str
    venv: ContainerVenv | None
    mount: Mount | None
    compose_file: Path | None
    skipped: str | None = None
    dockerfile: Path | None = None

    @property
    def in_bind_mount(self) -> bool:
        """True when the container's venv lies inside a bind mount of the project."""
        return self.mount is not None and self.mount.kind == "bind"


@dataclass(frozen=True)
class VenvReport:
    """What ``venv.info`` shows: both sides, foreign files, and every conflict."""

    host: HostSide
    containers: tuple[ContainerSide, ...]
    uid: int
    foreign: OwnershipSummary
    conflicts: tuple[str, ...]


def host_side(
    settings: Settings, environ: Mapping[str, str], uid: int, project: Path | None = None
) -> HostSide:
    """The host venv of the Python project in ``project`` (default: the root) for its
    tool (Poetry, uv, or pip with ``.venv``)."""
    root = project or settings.root
    tool = _tool(settings, root)
    poetry = poetry_venv_config(root, environ) if tool == "poetry" else None
    if poetry is not None:
        if poetry.venv_outside(root):
            path, source = Path(str(poetry.path.value)), f"virtualenvs.path ({poetry.path.level})"
        else:
            level = poetry.in_project.level
            path, source = root / ".venv", f"virtualenvs.in-project ({level})"
    elif tool == "uv":
        path, source = uv_project_environment(root, environ)
    else:
        path, source = root / ".venv", "convention (.venv in the project)"
    state = inspect_venv(root / ".venv", uid)
    if state is None and path != root / ".venv" and _inside(path, root):
        state = inspect_venv(path, uid)
    return HostSide(tool, path, source, state, poetry, root)


def _tool(settings: Settings, folder: Path) -> str:
    if folder == settings.root:
        return settings.detected_package_manager()
    from dockyard.domain.repository import _find_project

    found = _find_project(folder, settings.root, settings)
    return found.package_manager if found is not None else "pip"


def primary_project(repo: Repository, envs: list[str]) -> Path:
    """The folder of the Python project behind the environments' main service build
    (``backend/`` when compose builds ``./backend``), else the first one built, else the
    root."""
    for name in envs:
        try:
            app = repo.stack(name).app
        except DockyardError:
            continue
        if app is None:
            continue
        folders = [app.build.context] if app.build is not None else []
        folders += [Path(v.source) for v in app.volumes if v.kind == "bind" and v.source]
        for folder in folders:
            project = repo.project_for(folder)
            if project is not None:
                return project.root
    for name in envs:
        try:
            projects = repo.projects(name)
        except DockyardError:
            continue
        if projects:
            return projects[0].root
    return repo.root


def container_side(
    settings: Settings,
    env: Environment,
    environ: Mapping[str, str],
    runner: Runner,
    repo: Repository | None = None,
) -> ContainerSide:
    """The container venv of ``env``'s main service, read from the repository model."""
    from dockyard.domain.checks.context import CheckContext
    from dockyard.domain.checks.registry import SkipCheck
    from dockyard.domain.checks.venv import service_venv

    ctx = CheckContext(settings, env, environ, runner, repository=repo)
    try:
        venv, mount, where = service_venv(ctx)
        app = ctx.stack().app
    except (SkipCheck, DockyardError) as exc:
        reason = exc.reason if isinstance(exc, SkipCheck) else str(exc)
        return ContainerSide(env.name, env.service, None, None, None, skipped=reason)
    dockerfile = app.build.dockerfile if app is not None and app.build is not None else None
    return ContainerSide(env.name, env.service, venv, mount, where, dockerfile=dockerfile)


def venv_report(
    settings: Settings,
    environ: Mapping[str, str],
    runner: Runner,
    envs: list[str] | None = None,
    repo: Repository | None = None,
) -> VenvReport:
    """Both sides of every environment (or of ``envs``) and the conflicts between them."""
    from dockyard.domain.repository import Repository

    repo = repo or Repository(settings, runner, environ)
    root = settings.root
    uid, _ = project_ids(root)
    names = envs if envs is not None else list(settings.environments)
    project = primary_project(repo, names)
    host = host_side(settings, environ, uid, project)
    containers = tuple(
        container_side(settings, settings.environment(name), environ, runner, repo)
        for name in names
    )
    foreign = summarize(scan_foreign(root, uid))
    conflicts: list[str] = []
    if host.state is not None and host.state.broken:
        rel = settings.relative(host.state.path)
        conflicts.append(f"{rel} looks made by a container: {'; '.join(host.state.problems)}")
    if host.poetry is not None and not host.poetry.venv_outside(project):
        setting = host.poetry.in_project
        conflicts.append(
            f"Poetry keeps the host venv in the project (virtualenvs.in-project = "
            f"{_toml_value(setting.value)}, {setting.level}: {setting.source})"
        )
    for side in containers:
        if side.in_bind_mount and side.venv is not None and side.mount is not None:
            conflicts.append(
                f"environment {side.env}: the container venv {side.venv.path} "
                f"({side.venv.source}) lies inside the bind mount "
                f"{side.mount.source}:{side.mount.target}"
            )
    if foreign.total:
        conflicts.append(
            f"{foreign.total} entries in the project are not owned by uid {uid} "
            f"(first: {foreign.tops[0]})"
        )
    return VenvReport(host, containers, uid, foreign, tuple(conflicts))


def _toml_value(value: Any) -> str:
    if value is None:
        return "unset"
    return "true" if value is True else "false" if value is False else repr(value)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


# --- throwaway root container -------------------------------------------------------


def helper_image(
    settings: Settings,
    engine: Engine,
    app_image: str | None,
    progress: Callable[[str], None] | None = None,
) -> str:
    """The environment's app image when it exists locally, else ``helper_image``.

    A ``helper_image`` that is not there yet is pulled (``progress`` hears one line
    about it); only a pull that fails is an error.
    """
    for image in (app_image, settings.helper_image):
        if image and engine.image_labels(image) is not None:
            return image
    if progress is not None:
        progress(f"pulling helper image {settings.helper_image}")
    try:
        engine.pull(settings.helper_image)
    except EngineError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineError(
            f"no image to run the repair in: {app_image or '(no app image)'} is not built "
            f"and pulling helper_image {settings.helper_image} failed ({reason}); build the "
            "app image, or set helper_image / DOCKYARD_HELPER_IMAGE to a local image"
        ) from None
    return settings.helper_image


def run_as_root(engine: Engine, image: str, root: Path, script: str) -> str:
    """Run ``sh -c script`` as root in a throwaway container with ``root`` on /project."""
    try:
        return engine.run(
            image,
            ["-c", script],
            entrypoint=["/bin/sh"],
            user="0:0",
            working_dir=MOUNT,
            volumes={str(root): MOUNT},
            labels={"dev.dockyard.role": "venv-repair"},
        )
    except CommandError as exc:
        raise EngineError(
            f"repair container failed ({exc.returncode}): {exc.stderr_tail.strip()}"
        ) from None


@dataclass(frozen=True)
class OwnershipFix:
    """Foreign entries before a repair, the ids given back, and what is left after."""

    uid: int
    gid: int
    before: tuple[ForeignEntry, ...]
    after: tuple[ForeignEntry, ...] = ()
    image: str | None = None
    applied: bool = False
    skipped: str = ""


def foreign_entries(root: Path, uid: int) -> tuple[ForeignEntry, ...]:
    """Every entry under ``root`` not owned by ``uid``."""
    return tuple(scan_foreign(root, uid))


def chown_script(uid: int, gid: int) -> str:
    """The shell script that gives every foreign entry under /project back (links not followed)."""
    return f"find {MOUNT} -xdev ! -uid {uid} -exec chown -h {uid}:{gid} {{}} +"


def fix_ownership(
    settings: Settings,
    connect: Callable[[], Engine],
    *,
    app_image: str | None,
    dry_run: bool = False,
    confirm: Callable[[tuple[ForeignEntry, ...]], bool] = lambda entries: True,
    progress: Callable[[str], None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> OwnershipFix:
    """Give every foreign entry of the project back to the project's user, no sudo.

    Changes nothing with ``dry_run`` or when ``confirm`` answers False. ``progress``
    hears one line when the helper image has to be pulled first.
    """
    root = settings.root
    uid, gid = project_ids(
        root, environ, default_uid=settings.default_uid, default_gid=settings.default_gid
    )
    before = foreign_entries(root, uid)
    if not before or dry_run or not confirm(before):
        return OwnershipFix(uid, gid, before)
    engine = connect()
    image = helper_image(settings, engine, app_image, progress=progress)
    target = _target(engine, uid, gid, environ, image)
    if target.strategy in ("remote", "none"):  # a chown there changes nothing here
        return OwnershipFix(uid, gid, before, before, image, skipped=target.ownership_note)
    # on a rootless engine container root *is* the host user: give files to 0:0 inside
    inside = (0, 0) if target.container_root_is_host_user else (uid, gid)
    run_as_root(engine, image, root, chown_script(*inside))
    return OwnershipFix(uid, gid, before, foreign_entries(root, uid), image, applied=True)


def _target(
    engine: Engine, uid: int, gid: int, environ: Mapping[str, str] | None, image: str
) -> Target:
    """The engine's strategy for the repair (the probe runs in the repair's image)."""
    from dockyard.domain.identity import HostIds
    from dockyard.workflows.target import resolve_target

    ids = HostIds(uid, gid, "the project's files")
    return resolve_target(
        engine, ids, os.environ if environ is None else environ, probe_images=[image]
    )


def run_in_venv(
    settings: Settings, environ: Mapping[str, str], runner: Runner, command: list[str]
) -> int:
    """Run ``command`` in the host venv with the project's tool; return its exit status.

    Poetry: ``poetry run``; uv: ``uv run``; otherwise with ``.venv/bin`` first on PATH.
    """
    tool = settings.detected_package_manager()
    env = {k: v for k, v in environ.items() if k != "VIRTUAL_ENV"}
    if tool == "poetry":
        argv = ["poetry", "run", *command]
    elif tool == "uv":
        argv = ["uv", "run", *command]
    else:
        venv = settings.root / ".venv"
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(venv)
        argv = list(command)
    done = runner.run(argv, env=env, cwd=settings.root, timeout=None, check=False, capture=False)
    return done.returncode

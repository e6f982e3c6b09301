"""Venv workflows: report where venvs live, give files back to their user, relocate venvs.

Nothing here needs ``sudo``: files owned by another user (root, from a container that
wrote through a bind mount) are changed or removed by a throwaway container that mounts
the project and runs as root there (network none, removed afterwards). Every file
edited is backed up under ``.dockyard/backups/<timestamp>/`` first; a venv is not
backed up: it is rebuilt from the lock file.
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockyard.adapters.runner import Runner
from dockyard.domain.config import Environment, Settings
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
from dockyard.errors import DockyardError, EngineError

if TYPE_CHECKING:
    from docker import DockerClient

    from dockyard.domain.repository import Repository

__all__ = [
    "ContainerSide",
    "HostSide",
    "OwnershipFix",
    "RelocatePlan",
    "VenvReport",
    "apply_relocate",
    "fix_ownership",
    "helper_image",
    "plan_relocate",
    "project_ids",
    "run_in_venv",
    "venv_report",
]

MOUNT = "/project"
_INSTALL_TIMEOUT = 900.0


def project_ids(root: Path) -> tuple[int, int]:
    """The ids the project's files belong to: this process's, or as root the folder's."""
    if os.getuid() != 0:
        return os.getuid(), os.getgid()
    st = root.stat()
    return st.st_uid, st.st_gid


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
    client: DockerClient,
    app_image: str | None,
    progress: Callable[[str], None] | None = None,
) -> str:
    """The environment's app image when it exists locally, else ``helper_image``.

    A ``helper_image`` that is not there yet is pulled (``progress`` hears one line
    about it); only a pull that fails is an error.
    """
    from docker.errors import DockerException, ImageNotFound

    for image in (app_image, settings.helper_image):
        if not image:
            continue
        try:
            client.images.get(image)
        except ImageNotFound:
            continue
        return image
    if progress is not None:
        progress(f"pulling helper image {settings.helper_image}")
    try:
        client.images.pull(settings.helper_image)
    except DockerException as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineError(
            f"no image to run the repair in: {app_image or '(no app image)'} is not built "
            f"and pulling helper_image {settings.helper_image} failed ({reason}); build the "
            "app image, or set helper_image / DOCKYARD_HELPER_IMAGE to a local image"
        ) from None
    return settings.helper_image


def run_as_root(client: DockerClient, image: str, root: Path, script: str) -> str:
    """Run ``sh -c script`` as root in a throwaway container with ``root`` on /project."""
    from docker.errors import APIError, ContainerError, ImageNotFound

    try:
        output = client.containers.run(
            image,
            ["-c", script],
            entrypoint=["/bin/sh"],
            user="0:0",
            network_mode="none",
            remove=True,
            working_dir=MOUNT,
            volumes={str(root): {"bind": MOUNT, "mode": "rw"}},
            labels={"dev.dockyard.role": "venv-repair"},
            stdout=True,
            stderr=True,
        )
    except ContainerError as exc:
        raw: Any = exc.stderr
        stderr = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw or "")
        stderr = stderr.strip()
        raise EngineError(f"repair container failed ({exc.exit_status}): {stderr}") from None
    except (ImageNotFound, APIError) as exc:
        raise EngineError(f"cannot run the repair container: {exc}") from None
    return bytes(output).decode(errors="replace")


@dataclass(frozen=True)
class OwnershipFix:
    """Foreign entries before a repair, the ids given back, and what is left after."""

    uid: int
    gid: int
    before: tuple[ForeignEntry, ...]
    after: tuple[ForeignEntry, ...] = ()
    image: str | None = None
    applied: bool = False


def foreign_entries(root: Path, uid: int) -> tuple[ForeignEntry, ...]:
    """Every entry under ``root`` not owned by ``uid``."""
    return tuple(scan_foreign(root, uid))


def chown_script(uid: int, gid: int) -> str:
    """The shell script that gives every foreign entry under /project back (links not followed)."""
    return f"find {MOUNT} -xdev ! -uid {uid} -exec chown -h {uid}:{gid} {{}} +"


def fix_ownership(
    settings: Settings,
    connect: Callable[[], DockerClient],
    *,
    app_image: str | None,
    dry_run: bool = False,
    confirm: Callable[[tuple[ForeignEntry, ...]], bool] = lambda entries: True,
    progress: Callable[[str], None] | None = None,
) -> OwnershipFix:
    """Give every foreign entry of the project back to the project's user, no sudo.

    Changes nothing with ``dry_run`` or when ``confirm`` answers False. ``progress``
    hears one line when the helper image has to be pulled first.
    """
    root = settings.root
    uid, gid = project_ids(root)
    before = foreign_entries(root, uid)
    if not before or dry_run or not confirm(before):
        return OwnershipFix(uid, gid, before)
    client = connect()
    image = helper_image(settings, client, app_image, progress=progress)
    run_as_root(client, image, root, chown_script(uid, gid))
    return OwnershipFix(uid, gid, before, foreign_entries(root, uid), image, applied=True)


# --- relocation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One step of a relocation: what it does and why, and the function doing it."""

    what: str
    why: str
    run: Callable[[], None] = field(compare=False, repr=False)


@dataclass(frozen=True)
class RelocatePlan:
    """Steps to take, in order; empty when there is nothing to do."""

    actions: tuple[Action, ...]

    def lines(self) -> list[str]:
        """The plan as printable lines."""
        if not self.actions:
            return ["nothing to do: venvs already live apart"]
        return [f"{n}. {a.what}\n   why: {a.why}" for n, a in enumerate(self.actions, 1)]


class Backups:
    """Copies files to ``.dockyard/backups/<timestamp>/`` before they change (once each)."""

    def __init__(self, root: Path, stamp: str | None = None) -> None:
        self.root = root
        self.folder = root / ".dockyard" / "backups" / (stamp or time.strftime("%Y%m%d-%H%M%S"))
        self.saved: list[Path] = []

    def save(self, path: Path) -> None:
        """Back ``path`` up (a missing file needs none)."""
        if not path.exists() or path in self.saved:
            return
        target = self.folder / path.relative_to(self.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        if os.geteuid() == 0:  # as root, the backups belong to the project's user too
            uid, gid = project_ids(self.root)
            for made in (target, *target.relative_to(self.root).parents):
                if made != Path():
                    os.lchown(self.root / made, uid, gid)
        self.saved.append(path)


def write_keeping_owner(path: Path, text: str, root: Path) -> None:
    """Write ``path`` atomically; as root, give it the owner it had (or the project's)."""
    from dockyard.adapters.files import atomic_write

    try:
        st = path.stat()
        ids = (st.st_uid, st.st_gid)
    except FileNotFoundError:
        ids = project_ids(root)
    atomic_write(path, text)
    if os.geteuid() == 0:
        os.chown(path, *ids)


def write_local_poetry_config(root: Path, backups: Backups) -> None:
    """Set ``[virtualenvs] in-project = false`` in the project's poetry.toml, keeping comments."""
    import tomlkit

    path = root / "poetry.toml"
    document = (
        tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    )
    table = document.get("virtualenvs")
    if table is None:
        table = tomlkit.table()
        document["virtualenvs"] = table
    table["in-project"] = False
    backups.save(path)
    write_keeping_owner(path, tomlkit.dumps(document), root)


def set_compose_venv(
    path: Path, service: str, venv_path: str, variables: tuple[str, ...], backups: Backups
) -> None:
    """Set the venv variables of ``service``'s ``environment`` in a compose file (round-trip)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(path.read_text(encoding="utf-8"))
    body = data["services"][service]
    environment = body.get("environment")
    if environment is None:
        environment = CommentedMap()
        body["environment"] = environment
    for variable in variables:
        if hasattr(environment, "items"):
            environment[variable] = venv_path
        else:
            entries = [e for e in environment if not str(e).startswith(f"{variable}=")]
            environment.clear()
            environment.extend([*entries, f"{variable}={venv_path}"])
    backups.save(path)
    from io import StringIO

    out = StringIO()
    yaml.dump(data, out)
    write_keeping_owner(path, out.getvalue(), backups.root)


def rewrite_dockerfile_env(text: str, variables: tuple[str, ...], venv_path: str) -> str:
    """``text`` with every ``ENV`` value of ``variables`` (continuation lines included)
    replaced by ``venv_path``."""
    import re

    names = "|".join(re.escape(v) for v in variables)
    pair = re.compile(rf"(?<![\w$])({names})=(\"[^\"]*\"|[^\s\\]+)")
    lines = text.splitlines(keepends=True)
    in_env = False
    for n, line in enumerate(lines):
        stripped = line.strip()
        if not in_env and re.match(r"(?i)ENV\s", stripped):
            in_env = True
        if in_env:
            lines[n] = pair.sub(lambda m: f"{m.group(1)}={venv_path}", line)
            in_env = stripped.endswith("\\")
    return "".join(lines)


def set_dockerfile_venv(
    path: Path, variables: tuple[str, ...], venv_path: str, backups: Backups
) -> None:
    """Point every ``ENV`` of ``variables`` in the Dockerfile at ``venv_path`` (backed up)."""
    text = path.read_text(encoding="utf-8")
    changed = rewrite_dockerfile_env(text, variables, venv_path)
    if changed != text:
        backups.save(path)
        write_keeping_owner(path, changed, backups.root)


def plan_relocate(
    settings: Settings,
    environ: Mapping[str, str],
    runner: Runner,
    connect: Callable[[], DockerClient],
    *,
    app_image: str | None = None,
    envs: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> RelocatePlan:
    """Compute the relocation: host venv outside the reach of containers, container venvs
    outside every bind mount, the broken venv removed and the host venv rebuilt."""
    report = venv_report(settings, environ, runner, envs)
    root = settings.root
    backups = Backups(root)
    host = report.host
    project = host.project or root
    actions: list[Action] = []
    poetry = host.poetry
    if poetry is not None and not (
        poetry.in_project.value is False and poetry.in_project.level == "local"
    ):
        why = (
            "the local poetry.toml only affects this project (the global config would change "
            "every project of this user, and a POETRY_* variable only this shell)"
        )
        if poetry.in_project.level == "environment":
            why += f"; note {poetry.in_project.source} is set and overrides it: unset it"
        actions.append(
            Action(
                "write [virtualenvs] in-project = false to "
                f"{settings.relative(project / 'poetry.toml')} (local config)",
                why,
                lambda: write_local_poetry_config(project, backups),
            )
        )
    moved = [s for s in report.containers if s.in_bind_mount]
    variables = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
    dockerfiles = {s.dockerfile for s in moved if s.dockerfile is not None} or {settings.dockerfile}
    for side in moved:
        if side.venv is None or side.compose_file is None or side.mount is None:
            continue
        actions.append(
            Action(
                f"set {', '.join(variables)}={settings.venv_path} in {side.compose_file} "
                f"(service {side.service})",
                f"the container venv {side.venv.path} lies inside the bind mount "
                f"{side.mount.target}: what the container installs lands in the host's project",
                functools.partial(
                    set_compose_venv,
                    root / side.compose_file,
                    side.service,
                    settings.venv_path,
                    variables,
                    backups,
                ),
            )
        )
    for dockerfile in sorted(dockerfiles):
        if not moved or not dockerfile.is_file():
            continue
        if not _sets(dockerfile, variables, settings.venv_path):
            continue
        actions.append(
            Action(
                f"point ENV {', '.join(variables)} at {settings.venv_path} in "
                f"{settings.relative(dockerfile)} (where it sets them)",
                "keeps the image's venv where the compose environment says it is",
                functools.partial(
                    set_dockerfile_venv,
                    dockerfile,
                    variables,
                    settings.venv_path,
                    backups,
                ),
            )
        )
    state = host.state
    shared = bool(moved) or (poetry is not None and not poetry.venv_outside(project))
    if state is not None and (state.broken or (shared and host.tool == "poetry")):
        venv = state.path
        if state.foreign:
            actions.append(
                Action(
                    f"remove {settings.relative(venv)} in a throwaway root container",
                    f"{'; '.join(state.problems) or 'a container wrote it'}: the host user "
                    "cannot remove it, and sudo is not needed",
                    lambda: _remove_in_container(settings, connect, app_image, venv, progress),
                )
            )
        else:
            actions.append(
                Action(
                    f"remove {settings.relative(venv)}",
                    "; ".join(state.problems) or "Poetry must stop using the in-project venv",
                    lambda: shutil.rmtree(venv),
                )
            )
    if host.tool in ("poetry", "uv") and (
        actions or not _host_venv_exists(host, runner, project, environ)
    ):
        argv = (
            ["poetry", "install", "--no-interaction"] if host.tool == "poetry" else ["uv", "sync"]
        )
        actions.append(
            Action(
                f"recreate the host venv: {' '.join(argv)}"
                + (f" (in {settings.relative(project)})" if project != root else ""),
                "the project's own tool rebuilds it from the lock file",
                lambda: _install(runner, argv, project, environ),
            )
        )
    return RelocatePlan(tuple(actions))


def _host_venv_exists(
    host: HostSide, runner: Runner, root: Path, environ: Mapping[str, str]
) -> bool:
    """True when the tool's host venv exists (Poetry is asked: its path holds a hash)."""
    if host.tool == "uv":
        return (host.path / "pyvenv.cfg").is_file()
    if host.state is not None:
        return True
    env = {k: v for k, v in environ.items() if k != "VIRTUAL_ENV"}
    done = runner.run(
        ["poetry", "env", "info", "--path"], env=env, cwd=root, timeout=120.0, check=False
    )
    return done.ok and bool(done.stdout.strip())


def _sets(dockerfile: Path, variables: tuple[str, ...], venv_path: str) -> bool:
    text = dockerfile.read_text(encoding="utf-8")
    return rewrite_dockerfile_env(text, variables, venv_path) != text


def _remove_in_container(
    settings: Settings,
    connect: Callable[[], DockerClient],
    app_image: str | None,
    venv: Path,
    progress: Callable[[str], None] | None,
) -> None:
    import shlex

    client = connect()
    image = helper_image(settings, client, app_image, progress=progress)
    rel = venv.relative_to(settings.root).as_posix()
    run_as_root(client, image, settings.root, f"rm -rf -- {shlex.quote(f'{MOUNT}/{rel}')}")


def _install(runner: Runner, argv: list[str], root: Path, environ: Mapping[str, str]) -> None:
    env = {k: v for k, v in environ.items() if k != "VIRTUAL_ENV"}
    runner.run(argv, env=env, cwd=root, timeout=_INSTALL_TIMEOUT, capture=True)


def apply_relocate(plan: RelocatePlan, progress: Callable[[str], None]) -> Iterator[str]:
    """Carry out ``plan`` step by step, yielding each step's description once done."""
    for action in plan.actions:
        progress(action.what)
        try:
            action.run()
        except OSError as exc:
            raise DockyardError(f"{action.what}: {exc}") from None
        yield action.what


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

"""Venv relocation: the host's venv out of the reach of containers, each container's venv
out of every bind mount, the broken venv removed (in a throwaway root container when
another user owns it, no sudo) and the host venv rebuilt with the project's own tool.

A plan first (:func:`plan_relocate`, printable with ``--dry-run``), then the actions
(:func:`apply_relocate`). Every file edited is backed up under
``.dockyard/backups/<timestamp>/``; a venv is not backed up: it is rebuilt from the lock.
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dockyard.adapters.runner import Runner
from dockyard.domain.config import Settings
from dockyard.domain.layout.plan import Edit, Plan, Step, Write
from dockyard.errors import DockyardError
from dockyard.workflows.venvs import (
    MOUNT,
    HostSide,
    helper_image,
    project_ids,
    run_as_root,
    venv_report,
)

if TYPE_CHECKING:
    from dockyard.adapters.engine import Engine

__all__ = [
    "Action",
    "Backups",
    "RelocatePlan",
    "apply_relocate",
    "plan_relocate",
    "rewrite_dockerfile_env",
    "set_compose_venv",
    "set_dockerfile_venv",
    "write_keeping_owner",
    "write_local_poetry_config",
]

_INSTALL_TIMEOUT = 900.0


@dataclass(frozen=True)
class Action:
    """One step of a relocation: what it does and why. A file change carries its
    journaled layout step (``edit``); the others (removing a venv, reinstalling) carry
    the function doing them."""

    what: str
    why: str
    run: Callable[[], None] = field(compare=False, repr=False, default=lambda: None)
    edit: Step | None = None


@dataclass(frozen=True)
class RelocatePlan:
    """Steps to take, in order; empty when there is nothing to do.

    The file changes (``poetry.toml``, compose files, Dockerfiles) run first, on the
    layout journal: an interrupted run resumes, ``venv.rollback`` restores those files
    byte for byte. The venv itself is not backed up: it is rebuilt from the lock.
    """

    actions: tuple[Action, ...]
    root: Path | None = None

    def file_plan(self) -> Plan:
        """The file changes as a journaled layout plan."""
        steps = tuple(a.edit for a in self.actions if a.edit is not None)
        return Plan("relocate", steps, notes=tuple(a.what for a in self.actions if a.edit))

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


def poetry_config_text(path: Path) -> str:
    """``path`` (a project's poetry.toml, present or not) with ``[virtualenvs]
    in-project = false``, comments kept."""
    import tomlkit

    document = (
        tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    )
    table = document.get("virtualenvs")
    if table is None:
        table = tomlkit.table()
        document["virtualenvs"] = table
    table["in-project"] = False
    return tomlkit.dumps(document)


def compose_venv_text(text: str, service: str, venv_path: str, variables: tuple[str, ...]) -> str:
    """Compose file ``text`` with the venv variables of ``service``'s ``environment`` set
    to ``venv_path`` (round-trip: comments and layout kept)."""
    from io import StringIO

    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(text)
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
    out = StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def write_local_poetry_config(root: Path, backups: Backups) -> None:
    """Set ``[virtualenvs] in-project = false`` in the project's poetry.toml, keeping comments."""
    path = root / "poetry.toml"
    text = poetry_config_text(path)
    backups.save(path)
    write_keeping_owner(path, text, root)


def set_compose_venv(
    path: Path, service: str, venv_path: str, variables: tuple[str, ...], backups: Backups
) -> None:
    """Set the venv variables of ``service``'s ``environment`` in a compose file (round-trip)."""
    text = compose_venv_text(path.read_text(encoding="utf-8"), service, venv_path, variables)
    backups.save(path)
    write_keeping_owner(path, text, backups.root)


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
    connect: Callable[[], Engine],
    *,
    app_image: str | None = None,
    envs: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> RelocatePlan:
    """Compute the relocation: host venv outside the reach of containers, container venvs
    outside every bind mount, the broken venv removed and the host venv rebuilt."""
    report = venv_report(settings, environ, runner, envs)
    root = settings.root
    host = report.host
    texts: dict[Path, str] = {}

    def edit(path: Path, change: Callable[[str], str]) -> Step:
        """A journaled step changing ``path`` (edits of one file build on each other)."""
        old = texts.get(path)
        if old is None:
            old = path.read_text(encoding="utf-8") if path.exists() else None
        new = change(old or "")
        texts[path] = new
        rel = settings.relative(path).as_posix()
        return Write(rel, new) if old is None else Edit(rel, old, new)

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
        toml = project / "poetry.toml"
        actions.append(
            Action(
                "write [virtualenvs] in-project = false to "
                f"{settings.relative(project / 'poetry.toml')} (local config)",
                why,
                edit=edit(project / "poetry.toml", lambda _: poetry_config_text(toml)),
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
                edit=edit(
                    root / side.compose_file,
                    functools.partial(
                        compose_venv_text,
                        service=side.service,
                        venv_path=settings.venv_path,
                        variables=variables,
                    ),
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
                edit=edit(
                    dockerfile,
                    functools.partial(
                        rewrite_dockerfile_env, variables=variables, venv_path=settings.venv_path
                    ),
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
    return RelocatePlan(tuple(actions), root)


def _keep_owner(root: Path, plan: Plan) -> None:
    """As root, the edited files and dockyard's journal belong to the project's user."""
    if os.geteuid() != 0:
        return
    from dockyard.workflows.layout import STATE_DIR

    uid, gid = project_ids(root)
    state = root / STATE_DIR
    paths = [root / rel for rel in plan.touched()]
    paths += [state, *state.rglob("*")] if state.exists() else []
    paths += [p for p in (root / ".dockyard",) if p.exists()]
    for path in paths:
        if path.exists() or path.is_symlink():
            os.lchown(path, uid, gid)


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
    connect: Callable[[], Engine],
    app_image: str | None,
    venv: Path,
    progress: Callable[[str], None] | None,
) -> None:
    import shlex

    engine = connect()
    image = helper_image(settings, engine, app_image, progress=progress)
    rel = venv.relative_to(settings.root).as_posix()
    run_as_root(engine, image, settings.root, f"rm -rf -- {shlex.quote(f'{MOUNT}/{rel}')}")


def _install(runner: Runner, argv: list[str], root: Path, environ: Mapping[str, str]) -> None:
    env = {k: v for k, v in environ.items() if k != "VIRTUAL_ENV"}
    runner.run(argv, env=env, cwd=root, timeout=_INSTALL_TIMEOUT, capture=True)


def apply_relocate(
    plan: RelocatePlan,
    progress: Callable[[str], None],
    *,
    after_step: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """Carry out ``plan``: the file changes on the layout journal first, then the rest,
    yielding each action's description once done."""
    from dockyard.workflows.layout import apply_plan

    files = plan.file_plan()
    if files.steps:
        if plan.root is None:
            raise DockyardError("a relocation plan with file changes needs its root")
        for action in plan.actions:
            if action.edit is not None:
                progress(action.what)
        apply_plan(plan.root, files, after_step=after_step)
        _keep_owner(plan.root, files)
        yield from (a.what for a in plan.actions if a.edit is not None)
    for action in plan.actions:
        if action.edit is not None:
            continue
        progress(action.what)
        try:
            action.run()
        except OSError as exc:
            raise DockyardError(f"{action.what}: {exc}") from None
        yield action.what

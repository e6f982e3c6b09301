"""The repository before a migration: its environments, as the repository model finds
them, and the files that move.

The environments are :mod:`dockyard.domain.environments`' own (what ``dockyard ENV.up``
runs before the migration): compose files at the root or in ``docker/``, ``COMPOSE_FILE``
in ``.env``, overlays, the env files the Makefile passes. Each becomes a
:class:`~dockyard.domain.layout.behaviour.ComposeEnvironment` with root-relative paths,
which the invariant runs before and after. The base stack keeps the model's name
(``dev``), except where a named dev file exists too: then
:func:`~dockyard.domain.layout.classify.classify_base` decides whether it is the prod
example or, with ``--base-env``, another environment.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from dockyard.domain.commands import compose_calls
from dockyard.domain.layout.behaviour import ComposeEnvironment
from dockyard.domain.layout.classify import classify_base
from dockyard.domain.layout.compose import load_compose
from dockyard.errors import DockyardError, PlanError

__all__ = [
    "ENVFILE",
    "FlatLayout",
    "Stacks",
    "detect_flat",
    "flat_environments",
    "flat_stacks",
]

_COMPOSE = re.compile(r"^(?:docker-)?compose(?:\.(?P<env>[A-Za-z0-9][A-Za-z0-9_-]*))?\.ya?ml$")
ENVFILE = re.compile(r"^\.env(?:\.(?P<env>[A-Za-z0-9][A-Za-z0-9_.${}:-]*))?$")
_DOCKERFILES = ("Dockerfile", "docker/Dockerfile")
_FOLDERS = ("", "docker")


@dataclass
class FlatLayout:
    """What a flat repository holds: compose files (root-relative), env files, ..."""

    folder: str = ""  # where the compose files are: "" (the root) or "docker"
    compose: dict[str, str | None] = field(default_factory=dict)  # file -> env in its name
    env_files: list[str] = field(default_factory=list)
    dockerfile: str | None = None
    requirements: list[str] = field(default_factory=list)
    makefile: str | None = None
    invalid: dict[str, str] = field(default_factory=dict)  # compose file -> why skipped
    symlinks: dict[str, str] = field(default_factory=dict)  # compose/env link -> target

    @property
    def found(self) -> bool:
        """True when there is anything to migrate."""
        return bool(self.compose or self.env_files or self.dockerfile == "Dockerfile")


def detect_flat(root: Path) -> FlatLayout:
    """Inspect ``root`` (and ``docker/``) for the flat layout's files."""
    flat = FlatLayout()
    for folder in _FOLDERS:
        if _scan(root, folder, flat):
            flat.folder = folder
            break
    for path in sorted(root.iterdir()):
        name = path.name
        if not path.is_file() or path.is_symlink():
            continue
        if name in ("requirements.txt", "requirements-dev.txt"):
            flat.requirements.append(name)
        elif name in ("Makefile", "makefile", "GNUmakefile"):
            flat.makefile = name
    if flat.folder:
        _scan_env_files(root, "", flat)
    for candidate in _DOCKERFILES:
        if (root / candidate).is_file():
            flat.dockerfile = candidate
            break
    return flat


def _scan(root: Path, folder: str, flat: FlatLayout) -> bool:
    """Record the compose and env files of ``folder``; True when it holds compose files."""
    base = root / folder if folder else root
    if not base.is_dir():
        return False
    paths = sorted(base.iterdir())
    if not any(_COMPOSE.match(p.name) and (p.is_file() or p.is_symlink()) for p in paths):
        return False
    for path in paths:
        rel = posixpath.join(folder, path.name) if folder else path.name
        compose = _COMPOSE.match(path.name)
        if path.is_symlink() and (compose or ENVFILE.match(path.name)):
            flat.symlinks[rel] = str(path.readlink())
        elif compose and path.is_file():
            why = _unusable(path, rel)
            if why is None:
                flat.compose[rel] = compose["env"]
            else:
                flat.invalid[rel] = why
    _scan_env_files(root, folder, flat)
    _one_base(flat, folder)
    return True


def _one_base(flat: FlatLayout, folder: str) -> None:
    """Compose reads the first base file (and override) it finds: the others are left."""
    from dockyard.domain.discovery import BASE_NAMES, OVERRIDE_NAMES

    for order in (BASE_NAMES, OVERRIDE_NAMES):
        present = [
            rel
            for name in order
            if (rel := posixpath.join(folder, name) if folder else name) in flat.compose
        ]
        for extra in present[1:]:
            del flat.compose[extra]
            flat.invalid[extra] = f"{extra}: compose reads {present[0]} instead (both are there)"


def _scan_env_files(root: Path, folder: str, flat: FlatLayout) -> None:
    base = root / folder if folder else root
    for path in sorted(base.iterdir()):
        if ENVFILE.match(path.name) and path.is_file() and not path.is_symlink():
            flat.env_files.append(posixpath.join(folder, path.name) if folder else path.name)
        elif ENVFILE.match(path.name) and path.is_symlink():
            rel = posixpath.join(folder, path.name) if folder else path.name
            flat.symlinks[rel] = str(path.readlink())


def _unusable(path: Path, rel: str) -> str | None:
    """Why a compose file cannot take part (empty, invalid), or None."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return f"{rel}: unreadable: {exc}"
    if not text.strip():
        return f"{rel}: empty"
    try:
        load_compose(text, rel)
    except PlanError as exc:
        return str(exc)
    return None


@dataclass
class Stacks:
    """The environments to keep, and what the migration decided about the base file."""

    environments: list[ComposeEnvironment]
    projects: dict[str, str]  # environment -> the compose project name it runs under
    services: dict[str, str] = field(default_factory=dict)  # environment -> main service,
    # where the model found one other than the configured default
    keep_literals: dict[str, str] = field(default_factory=dict)  # environment -> why its
    # literal values stay in compose (a command runs it with other env files)
    example: str | None = None  # the base file that becomes the prod example
    default: str | None = None  # the environment a bare `docker compose` runs
    notes: list[str] = field(default_factory=list)


def flat_environments(
    root: Path, base_env: str | None = None, committed_envs: Collection[str] = ("ci",)
) -> list[ComposeEnvironment]:
    """The environments of the flat repository at ``root``, as dockyard runs them today."""
    return flat_stacks(root, base_env, committed_envs).environments


def flat_stacks(
    root: Path, base_env: str | None = None, committed_envs: Collection[str] = ("ci",)
) -> Stacks:
    """The environments of ``root`` outside the standard layout (see the module).

    A committed environment (``ci``) runs from a fresh clone: the optional ``.env``
    compose would read beside its files is not part of it.
    """
    from dockyard.domain.config import load_settings

    flat = detect_flat(root)
    try:
        settings = load_settings(root, environ={})
    except DockyardError as exc:
        raise PlanError(f"cannot read this repository's environments: {exc}") from None
    stacks = Stacks([], {})
    commands = {where: compose_calls(text) for where, text in _command_texts(root, flat).items()}
    commands.update(_editor_calls(root))
    names = {e.name for e in settings.environments.values()}
    for env in settings.environments.values():
        if env.origin in ("standard",):
            continue
        files = tuple(_rel(root, p) for p in env.compose_files)
        if not files or any(f.startswith("compose/") or not (root / f).is_file() for f in files):
            continue
        usable = tuple(f for f in files if f not in flat.invalid)
        if not usable:
            continue
        name = env.name
        if name == "default" or (base_env is not None and _is_base_stack(env.origin)):
            name = _base_name(root, usable, names - {env.name}, flat, base_env, stacks)
            if stacks.example == usable[0]:
                stacks.notes.append(
                    f"{env.name} ({' + '.join(usable)}): becomes the prod example, which "
                    "dockyard does not run: not compared"
                )
                continue
        optional = not env.env_file_required
        env_files = tuple(
            rel
            for path in env.env_files
            if not (optional and path == env.env_file and name in committed_envs)
            and _reads(
                root,
                rel := _rel(root, path),
                required=path != env.env_file or not optional,
            )
        )
        stacks.environments.append(ComposeEnvironment(name, usable, env_files, env.variables))
        other = _other_env_files(
            root,
            commands,
            usable,
            env_files,
            default=_is_base_stack(env.origin),
            fresh=name in committed_envs,
        )
        if other is not None:
            stacks.keep_literals[name] = other
        if _is_base_stack(env.origin) and stacks.default is None:
            stacks.default = name
        stacks.projects[name] = env.project_name
        if env.service != settings.service:
            stacks.services[name] = env.service
    return stacks


def _other_env_files(
    root: Path,
    commands: Mapping[str, list[list[str]]],
    files: tuple[str, ...],
    env_files: tuple[str, ...],
    *,
    default: bool,
    fresh: bool,
) -> str | None:
    """A project command (Makefile, CI) that runs ``files`` with env files other than
    ``env_files`` (its ``--env-file`` list, else the ``.env`` compose reads), said; or
    None. Literal values moved to one env file would reach one of them only. CI
    workflows, and ``fresh`` (committed) environments, run from a fresh clone: no
    ``.env`` there."""
    folder = posixpath.dirname(files[0])
    implicit = posixpath.join(folder, ".env")
    present = (implicit,) if (root / implicit).is_file() else ()
    for where, calls in commands.items():
        dotenv = () if fresh or where.startswith(".github/") else present
        for words in calls:
            pairs = list(pairwise(words))
            named = [posixpath.normpath(w) for f, w in pairs if f in ("-f", "--file")]
            # a dev container runs the stack's files with its own after them
            editor = where.endswith("devcontainer.json") and named[: len(files)] == list(files)
            if set(named) != set(files) and (named or not default) and not editor:
                continue
            passed = tuple(posixpath.normpath(w) for f, w in pairs if f == "--env-file")
            if editor:  # no --env-file there, and its implicit .env cannot follow a move
                return f"{where} runs {' + '.join(files)} with the .env beside them"
            if set(passed or dotenv) != set(env_files):
                shown = ", ".join(passed or dotenv) or "none"
                return f"{where} runs {' + '.join(files)} with env files {shown}"
    return None


def _is_base_stack(origin: str) -> bool:
    return origin.startswith(("base file", "COMPOSE_FILE")) and "without" not in origin


def _base_name(  # noqa: PLR0917 - the stack, its neighbours, the choice and the record
    root: Path,
    files: tuple[str, ...],
    others: set[str],
    flat: FlatLayout,
    chosen: str | None,
    stacks: Stacks,
) -> str:
    commands = _command_texts(root, flat)
    text = "\n".join((root / f).read_text("utf-8") for f in files)
    decision = classify_base(files[0], text, others, commands=commands, chosen=chosen)
    stacks.notes.append(decision.reason)
    if decision.env in others:
        raise PlanError(
            f"{files[0]}: serves {decision.env}, like another stack: say which environment "
            "it serves with --base-env NAME (nothing changed)"
        )
    if chosen is None and decision.env == "prod":
        stacks.example = files[0]
    return decision.env


def _reads(root: Path, rel: str, *, required: bool) -> bool:
    """True when compose reads the env file ``rel``: required, present, or templated."""
    from dockyard.domain.layout.sandbox import template_for

    if required or (root / rel).exists():
        return True
    folder = posixpath.dirname(rel)
    try:
        present = [
            posixpath.join(folder, p.name) if folder else p.name
            for p in (root / folder if folder else root).iterdir()
        ]
    except OSError:
        return False
    return template_for(rel, present) is not None


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _editor_calls(root: Path) -> dict[str, list[list[str]]]:
    """A dev container's compose call: the files its ``dockerComposeFile`` lists
    (root-relative), with no ``--env-file``: compose reads the first file's ``.env``."""
    from dockyard.domain.layout.references import devcontainer_compose_files

    calls: dict[str, list[list[str]]] = {}
    for rel in (".devcontainer/devcontainer.json", ".devcontainer.json"):
        try:
            text = (root / rel).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        files = devcontainer_compose_files(rel, text)
        if files:
            calls[rel] = [[word for path in files for word in ("-f", path)]]
    return calls


def _command_texts(root: Path, flat: FlatLayout) -> dict[str, str]:
    texts: dict[str, str] = {}
    paths = [root / flat.makefile] if flat.makefile else []
    workflows = root / ".github" / "workflows"
    if workflows.is_dir():
        paths += sorted(workflows.glob("*.y*ml"))
    for path in paths:
        try:
            texts[path.relative_to(root).as_posix()] = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return texts

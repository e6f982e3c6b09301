"""Where each file of a flat repository goes, and the environments after the move.

* compose files go to ``compose/``: a file one environment uses alone is named after it
  (``compose/docker-compose.<env>.yml``), its override beside it
  (``docker-compose.<env>.override.yml``); a base file several environments share stays
  ``compose/docker-compose.yml``; a named file keeps its name;
* env files and their templates go to ``env/``: ``.env`` becomes the env file of the one
  environment that reads it (``env/.env.dev``), else the shared ``env/.env``;
* env files compose or the Makefile name that a fresh clone lacks are followed too;
* each environment then reads the moved compose files and env files, in the same order
  (:func:`after_environments`); the configuration says so where the standard names do
  not.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dockyard.domain.discovery import BASE_NAMES
from dockyard.domain.discovery import NAMED as _NAMED
from dockyard.domain.layout.behaviour import referenced_env_files
from dockyard.domain.layout.builder import PlanBuilder
from dockyard.domain.layout.flat import ENVFILE, FlatLayout, Stacks
from dockyard.errors import PlanError

__all__ = ["After", "after_environments", "compose_targets", "plan_moves"]


@dataclass(frozen=True)
class After:
    """One environment after the move: its compose files and env files, in order."""

    name: str
    files: tuple[str, ...]
    env_files: tuple[str, ...]
    variables: tuple[tuple[str, str], ...] = ()


def _compose_target(path: str, envs: Sequence[str]) -> str:
    """Where compose file ``path`` goes, given the environments that use it."""
    from dockyard.domain.discovery import BASE_NAMES, OVERRIDE_NAMES

    name = posixpath.basename(path)
    single = len(envs) == 1
    if name in BASE_NAMES:
        return f"compose/docker-compose.{envs[0]}.yml" if single else "compose/docker-compose.yml"
    if name in OVERRIDE_NAMES:
        if single:
            return f"compose/docker-compose.{envs[0]}.override.yml"
        return "compose/docker-compose.override.yml"
    named = _NAMED.match(name)
    if named:
        return f"compose/docker-compose.{named['name']}.yml"
    return f"compose/docker-compose.{envs[0]}.yml" if single else f"compose/{name}"


def compose_targets(stacks: Stacks, flat: FlatLayout) -> dict[str, str]:
    """Compose file -> its path in ``compose/``; two files for one path is an error."""
    usage: dict[str, list[str]] = {}
    for env in stacks.environments:
        for path in env.files:
            usage.setdefault(path, []).append(env.name)
    targets: dict[str, str] = {}
    if stacks.example is not None:
        targets[stacks.example] = "compose/docker-compose.prod.yml.example"
    for path in [*usage, *flat.compose]:
        if path not in targets:
            targets[path] = _compose_target(path, usage.get(path, []))
    seen: dict[str, str] = {}
    for path, target in targets.items():
        if target in seen:
            raise PlanError(
                f"{path}: would become {target}, like {seen[target]}: rename one of them "
                "(nothing changed)"
            )
        seen[target] = path
    return targets


def plan_moves(
    builder: PlanBuilder,
    flat: FlatLayout,
    stacks: Stacks,
    targets: Mapping[str, str],
    committed_envs: Collection[str] = ("ci",),
) -> tuple[dict[str, str], dict[str, str]]:
    """Plan the moves; return (present file moves, absent env file follows).

    A ``.env`` never becomes the env file of a committed environment: it may hold secrets.
    """
    root = builder.root
    moves = {**_template_folder(builder, flat), **targets}
    readers: dict[str, list[str]] = {}
    for env in stacks.environments:
        for rel in env.env_files:
            readers.setdefault(rel, []).append(env.name)
    names = {posixpath.basename(rel) for rel in flat.env_files}
    owners = {rel: _owner(envs, committed_envs) for rel, envs in readers.items()}
    for rel in flat.env_files:
        moves[rel] = _env_target(builder, rel, owners.get(rel, "dev"), names)
        if posixpath.basename(rel) == ".env" and rel not in readers and stacks.environments:
            builder.notes.append(
                f"{rel}: no environment reads it (each passes its own env file); "
                f"kept as {moves[rel]}"
            )
    if flat.dockerfile == "Dockerfile":
        moves["Dockerfile"] = "docker/Dockerfile"
    for src, dst in moves.items():
        if builder.exists(dst):
            if _same(root / src, root / dst):
                builder.left.append(f"{src}: same content as {dst}; delete it by hand")
                continue
            raise PlanError(f"{dst}: exists and differs from {src}; merge them by hand, then rerun")
        builder.move(src, dst)
    follows = _absent_env_files(builder, stacks, moves, owners, names)
    for src, dst in follows.items():
        builder.notes.append(f"{src}: absent (ignored by git); references now name {dst}")
    return moves, follows


def _template_folder(builder: PlanBuilder, flat: FlatLayout) -> dict[str, str]:
    """A project template's ``compose/`` folder (Dockerfiles, start scripts, per
    environment) moves to ``docker/`` under the same sub-paths: in dockyard's layout
    ``compose/`` holds the compose files alone."""
    base = builder.root / "compose"
    if flat.folder == "compose" or not base.is_dir():
        return {}
    if any(_NAMED.match(p.name) or p.name in BASE_NAMES for p in base.iterdir()):
        return {}  # compose files there already: dockyard's compose/, half made
    moves: dict[str, str] = {}
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(builder.root).as_posix()
        if path.is_symlink():
            builder.left.append(f"{rel}: a symbolic link; left in compose/ (move it by hand)")
        elif path.is_file():
            moves[rel] = "docker/" + rel.removeprefix("compose/")
    if moves:
        builder.notes.append(
            f"compose/: its {len(moves)} files (Dockerfiles, scripts) move to docker/; "
            "compose/ holds the compose files (the emptied folders are left: git keeps none)"
        )
    return moves


_COPY = re.compile(r"^(?P<head>\s*(?:COPY|ADD)\s)(?P<args>.*)$", re.IGNORECASE)


def rewrite_dockerfile_sources(builder: PlanBuilder, moves: Mapping[str, str]) -> None:
    """``COPY``/``ADD`` sources of the moved Dockerfiles that name moved files follow them
    (sources are read from the build context: the root, where these files were)."""
    for src, dst in moves.items():
        if not posixpath.basename(dst).startswith("Dockerfile") or dst.endswith(".dockerignore"):
            continue
        text = builder.read(dst)
        if text is None:
            continue
        lines = text.splitlines(keepends=True)
        for index, line in enumerate(lines):
            found = _COPY.match(line)
            if found:
                words = [_moved_source(w, moves) for w in found["args"].split(" ")]
                lines[index] = (
                    found["head"] + " ".join(words) + ("\n" if line.endswith("\n") else "")
                )
        new = "".join(lines)
        if new != text:
            builder.edit(dst, new)
            builder.notes.append(f"{dst}: COPY/ADD sources of moved files (moved with {src})")


def _moved_source(word: str, moves: Mapping[str, str]) -> str:
    if word.startswith("-") or not word:
        return word
    norm = posixpath.normpath(word.rstrip("\n"))
    if norm not in moves:
        return word
    prefix = "./" if word.startswith("./") else ""
    return prefix + moves[norm] + ("\n" if word.endswith("\n") else "")


def _owner(readers: Sequence[str], committed_envs: Collection[str]) -> str | None:
    """The one environment whose env file a ``.env`` can become, or None (shared)."""
    return readers[0] if len(readers) == 1 and readers[0] not in committed_envs else None


def _env_target(builder: PlanBuilder, rel: str, owner: str | None, names: set[str]) -> str:
    """``env/<name>``; a ``.env`` becomes the env file of its owner when that is free."""
    name = posixpath.basename(rel)
    if name != ".env":
        return f"env/{name}"
    free = owner is not None and f".env.{owner}" not in names
    if free and not builder.exists(f"env/.env.{owner}"):
        return f"env/.env.{owner}"
    return "env/.env"


def _absent_env_files(
    builder: PlanBuilder,
    stacks: Stacks,
    moves: Mapping[str, str],
    owners: Mapping[str, str | None],
    names: set[str],
) -> dict[str, str]:
    """Env files (``.env*`` beside the compose files or at the root) that compose or the
    Makefile name and that do not exist here: a fresh clone lacks them."""
    root = builder.root
    follows: dict[str, str] = {}
    folders = {posixpath.dirname(f) for env in stacks.environments for f in env.files} | {""}
    for env in stacks.environments:
        for rel in [*env.env_files, *referenced_env_files(root, env)]:
            folder, name = posixpath.split(rel)
            if folder not in folders or (root / rel).exists() or rel in moves:
                continue
            if ENVFILE.match(name) and "$" not in name:
                follows[rel] = _env_target(builder, rel, owners.get(rel, "dev"), names)
    return follows


def after_environments(
    stacks: Stacks, moves: Mapping[str, str], values: Mapping[str, str]
) -> list[After]:
    """Each environment with its files moved; ``values``: environment -> the env file the
    migration writes its moved literal values to (read last)."""
    result = []
    for env in stacks.environments:
        files = tuple(moves.get(f, f) for f in env.files)
        env_files = [moves.get(f, f) for f in env.env_files]
        extra = values.get(env.name)
        if extra is not None and extra not in env_files:
            env_files.append(extra)
        result.append(After(env.name, files, tuple(dict.fromkeys(env_files)), env.variables))
    return result


def _same(a: Path, b: Path) -> bool:
    try:
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False

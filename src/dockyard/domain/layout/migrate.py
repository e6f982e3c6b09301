"""``layout.migrate``: the plan that moves a flat repository to the standard layout.

A migration changes where things are, never what runs: the workflow compares
``docker compose config`` of every environment before and after (see
:mod:`dockyard.domain.layout.behaviour`). The plan, in order:

1. folders ``compose/``, ``env/``, ``docker/``;
2. moves: compose files into ``compose/`` (each environment classified by
   :mod:`dockyard.domain.layout.classify`; an override moves with its base), env files
   and their templates into ``env/`` (a lone ``.env`` becomes ``env/.env.dev``), a root
   ``Dockerfile`` into ``docker/``; env files that git ignores and a fresh clone lacks
   are followed too, so references point where they will be created;
3. compose rewrites: paths follow the files, literal ``environment:`` values go to
   their own environment's env file (``KEY: ${KEY}`` stays in compose), ``name:``
   keeps the project name compose derived from the root folder;
4. env files and examples per environment; env files holding secrets become 0600;
5. new files: ``env/README.md``, ``tasks.py``, ``noxfile.py`` when missing; the
   ignore file BuildKit reads beside ``docker/Dockerfile``, with the project's rules;
6. ``.gitignore``, ``Makefile`` (every target keeps its command, with new paths), CI
   workflows and ``.devcontainer.json`` rewritten; scripts and docs listed;
7. with ``dockerfile=True``, the Dockerfile of each built stage becomes UID-aware.

An empty or invalid compose file is reported and left alone.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from dockyard.domain.layout.behaviour import referenced_env_files
from dockyard.domain.layout.builder import PlanBuilder
from dockyard.domain.layout.classify import project_name_from_folder
from dockyard.domain.layout.compose import load_compose, rewrite_compose
from dockyard.domain.layout.envvalues import (
    env_values,
    format_env_line,
    plan_env_values,
    private_env_files,
    undocumented_keys,
)
from dockyard.domain.layout.flat import (
    FlatLayout,
    Stacks,
    detect_flat,
    flat_environments,
    flat_stacks,
)
from dockyard.domain.layout.leftovers import leftovers
from dockyard.domain.layout.moves import (
    After,
    after_environments,
    compose_targets,
    plan_moves,
    rewrite_dockerfile_sources,
)
from dockyard.domain.layout.plan import Plan
from dockyard.domain.layout.scaffold import (
    fix_gitignore_file,
    fold_requirement_files,
    repo_project_name,
    template,
)

__all__ = [
    "FlatLayout",
    "detect_flat",
    "dockerfile_proposal",
    "flat_environments",
    "format_env_line",
    "plan_migrate",
]


def plan_migrate(
    root: Path,
    *,
    dockerfile: bool = False,
    committed_envs: Sequence[str] = ("ci",),
    base_env: str | None = None,
    known_tasks: Collection[str] = (),
    tracked: Collection[str] = (),
) -> Plan:
    """The plan that moves the flat layout in ``root`` to the standard one.

    ``base_env`` settles which environment the base compose file serves;
    ``known_tasks`` are the dockyard tasks that exist (notes name only those);
    ``tracked``: the env files git tracks (a committed ``.env`` of defaults stays tracked
    where it goes: the new ignore rules get an exception for it).
    """
    from dockyard.domain.layout.references import plan_references
    from dockyard.domain.layout.sidecars import plan_dockerfile, plan_ignore_file

    flat = detect_flat(root)
    builder = PlanBuilder(root)
    for why in flat.invalid.values():
        builder.left.append(f"{why}; left alone (not migrated)")
    for name, target in flat.symlinks.items():
        builder.left.append(
            f"{name}: a symbolic link to {target}; left where it is (references to it "
            "keep working; move the link and its target by hand)"
        )
    if not flat.found:
        builder.notes.append(
            "no compose file at the root or in docker/, no .env* or Dockerfile: nothing to "
            "migrate (layout.init scaffolds a new layout)"
        )
        return Plan("migrate", (), tuple(builder.notes), tuple(builder.left))
    stacks = flat_stacks(root, base_env, committed_envs)
    builder.notes.extend(stacks.notes)
    project = repo_project_name(builder)
    for folder in ("compose", "env", "docker"):
        builder.mkdir(folder)
    targets = compose_targets(stacks, flat)
    moves, follows = plan_moves(builder, flat, stacks, targets, committed_envs)
    all_moves = {**follows, **moves}
    rewrite_dockerfile_sources(builder, all_moves)
    owners = _owners(stacks, targets)
    additions, sources = _rewrite_compose_files(builder, stacks, targets, all_moves, owners)
    reads = {
        env.name: {all_moves.get(f, f) for f in referenced_env_files(builder.root, env)}
        for env in stacks.environments
    }
    plan_env_values(builder, additions, sources, committed_envs, reads)
    private_env_files(builder, committed_envs)
    undocumented_keys(builder)
    values = {e: f"env/.env.{e}" for e in additions}
    after = after_environments(stacks, all_moves, values)
    _plan_new_files(builder, project)
    plan_ignore_file(builder)
    kept = sorted(all_moves[f] for f in tracked if all_moves.get(f, "").startswith("env/"))
    fix_gitignore_file(builder, committed_envs, kept)
    for rel in kept:
        builder.notes.append(f"{rel}: stays tracked by git, as it was (committed values)")
    plan_references(
        builder,
        flat.makefile,
        all_moves,
        {targets[f]: env for f, env in owners.items()},
        known_tasks=known_tasks,
        committed_envs=committed_envs,
        stacks={a.name: (a.files, a.env_files) for a in after},
        bare=stacks.default,
        dotenv=all_moves.get(posixpath.join(flat.folder, ".env")),
        values=values,
    )
    if flat.requirements:
        fold_requirement_files(builder, project)
    _configure_environments(builder, after, stacks.services)
    expected = plan_dockerfile(builder, apply=dockerfile)
    leftovers(builder)
    return Plan(
        "migrate",
        tuple(builder.steps),
        tuple(builder.notes),
        tuple(builder.left),
        tuple(builder.conflicts),
        tuple(sorted(follows.items())),
        expected,
    )


def _owners(stacks: Stacks, targets: Mapping[str, str]) -> dict[str, str]:
    """Compose file -> the one environment that uses it (shared files are left out)."""
    usage: dict[str, list[str]] = {}
    for env in stacks.environments:
        for path in env.files:
            usage.setdefault(path, []).append(env.name)
    return {
        path: envs[0]
        for path, envs in usage.items()
        if len(envs) == 1 and not targets[path].endswith(".example")
    }


def _rewrite_compose_files(
    builder: PlanBuilder,
    stacks: Stacks,
    targets: Mapping[str, str],
    moves: Mapping[str, str],
    owners: Mapping[str, str],
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Plan the compose rewrites; return the values moved out and their source, per env.

    Literal values move to the env file of the one environment that uses the file; a
    file several environments share keeps them. The first file of each stack gets the
    project name compose gave it (``name:``) where it has none.
    """
    additions: dict[str, dict[str, str]] = {}
    sources: dict[str, str] = {}
    firsts = {env.files[0]: stacks.projects.get(env.name) for env in stacks.environments}
    for path, target in sorted(targets.items(), key=lambda item: item[1]):
        text = builder.read(target)
        if text is None:
            continue
        env = owners.get(path)
        env_file = f"env/.env.{env}" if env is not None else None
        if env is not None and env in stacks.keep_literals:
            env_file = None
            builder.left.append(
                f"{target}: literal environment values stay in compose: "
                f"{stacks.keep_literals[env]}, dockyard with {env}'s own"
            )
        existing = env_values(builder.read(env_file) or "") if env_file else {}
        if env is not None:
            existing.update(additions.get(env, {}))
        rewrite = rewrite_compose(
            text,
            name=target,
            new_dir="compose",
            moves=moves,
            env_file=env_file,
            existing=existing,
            project=_project_of(builder, path, firsts),
            old_dir=posixpath.dirname(path),
        )
        builder.edit(target, rewrite.text)
        builder.notes.extend(rewrite.notes)
        builder.left.extend(rewrite.left)
        if rewrite.moved and env is not None:
            additions.setdefault(env, {}).update(rewrite.moved)
            sources.setdefault(env, target)
    _rewrite_extended(builder, targets, moves)
    return additions, sources


def _rewrite_extended(
    builder: PlanBuilder, targets: Mapping[str, str], moves: Mapping[str, str]
) -> None:
    """Compose files the moved ones extend (``extends: file:``) stay where they are; the
    paths in them that name moved files follow those files."""
    extended: set[str] = set()
    for path in targets:
        text = builder.read(targets[path])
        data = load_compose(text, targets[path]) if text else {}
        for service in (data.get("services") or {}).values():
            extends = service.get("extends") if isinstance(service, dict) else None
            if isinstance(extends, dict) and isinstance(extends.get("file"), str):
                target = posixpath.normpath(posixpath.join("compose", extends["file"]))
                if target not in targets.values():
                    extended.add(target)
    for rel in sorted(extended):
        text = builder.read(rel)
        if text is None:
            continue
        folder = posixpath.dirname(rel)
        rewrite = rewrite_compose(
            text, name=rel, new_dir=folder, moves=moves, env_file=None, old_dir=folder
        )
        if rewrite.text != text:
            builder.edit(rel, rewrite.text)
            builder.notes.append(f"{rel}: paths of moved files (compose files extend it)")


def _project_of(builder: PlanBuilder, path: str, firsts: Mapping[str, str | None]) -> str | None:
    """The project name to write into ``path``: compose's for the stacks it starts."""
    if path not in firsts:
        return None
    return firsts[path] or _derived_project_name(builder)


def _configure_environments(
    builder: PlanBuilder, after: Sequence[After], services: Mapping[str, str]
) -> None:
    """Environments whose files, env files or main service the standard layout does not
    give, configured."""
    from dockyard.domain import DEFAULT_ENVIRONMENTS
    from dockyard.domain.layout.pyproject import set_environments

    files: dict[str, list[str]] = {}
    env_files: dict[str, list[str]] = {}
    variables: dict[str, dict[str, str]] = {}
    for env in after:
        standard = (f"compose/docker-compose.{env.name}.yml",)
        if env.files != standard or env.name not in DEFAULT_ENVIRONMENTS:
            files[env.name] = list(env.files) if env.files != standard else []
        if env.env_files != (f"env/.env.{env.name}",):
            env_files[env.name] = list(env.env_files)
            files.setdefault(env.name, list(env.files) if env.files != standard else [])
        if env.name in services:
            files.setdefault(env.name, list(env.files) if env.files != standard else [])
        if env.variables:
            variables[env.name] = dict(env.variables)
            files.setdefault(env.name, list(env.files) if env.files != standard else [])
    project = _common_project_name(builder, {e.name: list(e.files) for e in after})
    if not files and project is None:
        return
    current = builder.read("pyproject.toml")
    text = set_environments(
        current or "", files, project, env_files=env_files, services=services, variables=variables
    )
    if current is None:
        builder.write("pyproject.toml", text)
    else:
        builder.edit("pyproject.toml", text)
    if files:
        builder.notes.append(
            f"pyproject.toml: environments {', '.join(sorted(files))} configured "
            "([tool.dockyard.environments])"
        )
    if project is not None and text != (current or ""):
        builder.notes.append(
            f"pyproject.toml: project_name = {project!r}: dockyard's tasks run each stack "
            "under its own name (<project>-<env>)"
        )


def _common_project_name(builder: PlanBuilder, files: Mapping[str, list[str]]) -> str | None:
    """``X`` when every stack is named ``X-<env>`` (dockyard's ``-p``), else None (said)."""
    names: dict[str, str] = {}
    for env, paths in files.items():
        data = load_compose(builder.read(paths[0]) or "{}", paths[0])
        if data.get("name"):
            names[env] = str(data["name"])
    prefixes = {n.removesuffix(f"-{env}") for env, n in names.items() if n.endswith(f"-{env}")}
    every = all(n.endswith(f"-{env}") for env, n in names.items())
    if names and every and len(prefixes) == 1 and len(names) == len(files):
        prefix = prefixes.pop()
        if re.fullmatch(r"[a-z0-9][a-z0-9_-]*", prefix):
            return prefix
    return None


def _derived_project_name(builder: PlanBuilder) -> str:
    """The project name compose derives at the root: ``COMPOSE_PROJECT_NAME`` or the folder."""
    dotenv = builder.root / ".env"
    if dotenv.is_file():
        try:
            value = env_values(dotenv.read_text("utf-8")).get("COMPOSE_PROJECT_NAME")
        except (OSError, UnicodeDecodeError):
            value = None
        if value:
            return value
    return project_name_from_folder(builder.root.name)


def _plan_new_files(builder: PlanBuilder, project: str) -> None:
    if not builder.exists("env/README.md"):
        builder.write("env/README.md", template("env-README.md", project))
    for name in ("tasks.py", "noxfile.py"):
        if not builder.exists(name):
            builder.write(name, template(f"{name}.tmpl", project))


def dockerfile_proposal(root: Path) -> str | None:
    """The diff from the repository's Dockerfile to its UID-aware form, if any."""
    from dockyard.domain.layout.sidecars import dockerfile_diff

    return dockerfile_diff(PlanBuilder(root), ("Dockerfile", "docker/Dockerfile"))

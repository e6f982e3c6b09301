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

import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from dockyard.domain.layout.behaviour import ComposeEnvironment
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
    ENVFILE,
    FlatLayout,
    base_and_overrides,
    classify,
    detect_flat,
    flat_environments,
)
from dockyard.domain.layout.plan import Plan
from dockyard.domain.layout.scaffold import (
    fix_gitignore_file,
    fold_requirement_files,
    repo_project_name,
    template,
)
from dockyard.errors import PlanError

__all__ = [
    "FlatLayout",
    "detect_flat",
    "dockerfile_proposal",
    "flat_environments",
    "format_env_line",
    "plan_migrate",
]


def _compose_target(env: str, *, override: bool, base: bool) -> str:
    if override:
        return f"compose/docker-compose.{env}.override.yml"
    if env == "prod" and base:
        return "compose/docker-compose.prod.yml.example"  # classified, not named: an example
    return f"compose/docker-compose.{env}.yml"


def plan_migrate(
    root: Path,
    *,
    dockerfile: bool = False,
    committed_envs: Sequence[str] = ("ci",),
    base_env: str | None = None,
    known_tasks: Collection[str] = (),
) -> Plan:
    """The plan that moves the flat layout in ``root`` to the standard one.

    ``base_env`` settles which environment the base compose file serves;
    ``known_tasks`` are the dockyard tasks that exist (notes name only those).
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
            "no root compose file, .env* or Dockerfile: nothing to migrate "
            "(layout.init scaffolds a new layout)"
        )
        return Plan("migrate", (), tuple(builder.notes), tuple(builder.left))
    project = repo_project_name(builder)
    classes = classify(root, flat, base_env)
    _existing_folders(builder)
    for folder in ("compose", "env", "docker"):
        builder.mkdir(folder)
    moves, follows = _plan_moves(builder, flat, classes)
    all_moves = {**follows, **moves}
    compose_env = {moves[n]: classes[n] for n in classes if n in moves}
    additions, sources = _rewrite_compose_files(builder, all_moves, compose_env)
    plan_env_values(builder, additions, sources, committed_envs)
    private_env_files(builder, committed_envs)
    undocumented_keys(builder)
    _plan_new_files(builder, project)
    plan_ignore_file(builder)
    fix_gitignore_file(builder, committed_envs)
    plan_references(
        builder,
        flat.makefile,
        all_moves,
        compose_env,
        known_tasks=known_tasks,
        committed_envs=committed_envs,
    )
    if flat.requirements:
        fold_requirement_files(builder, project)
    _configure_environments(builder, compose_env)
    expected = plan_dockerfile(builder, apply=dockerfile)
    _leftovers(builder)
    return Plan(
        "migrate",
        tuple(builder.steps),
        tuple(builder.notes),
        tuple(builder.left),
        tuple(builder.conflicts),
        tuple(sorted(follows.items())),
        expected,
    )


def _existing_folders(builder: PlanBuilder) -> None:
    """Say when a target folder already holds other files (a template's compose/)."""
    for folder in ("compose", "env", "docker"):
        base = builder.root / folder
        if not base.is_dir():
            continue
        others = sorted(
            p.relative_to(builder.root).as_posix() for p in base.rglob("*") if p.is_file()
        )
        if others and folder == "compose":
            shown = ", ".join(others[:3]) + (" ..." if len(others) > 3 else "")
            builder.left.append(
                f"compose/: already holds {shown}; the compose files join them there "
                "(their relative paths are rewritten accordingly)"
            )


def _plan_moves(
    builder: PlanBuilder, flat: FlatLayout, classes: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Plan the moves; return (present file moves, absent env file follows)."""
    root = builder.root
    base, overrides = base_and_overrides(flat)
    moves = {
        n: _compose_target(env, override=n in overrides, base=n == base)
        for n, env in classes.items()
    }
    env_names = {n[len(".env.") :] for n in flat.env_files if n.startswith(".env.")}
    for name in flat.env_files:
        if name != ".env":
            moves[name] = f"env/{name}"
        elif "dev" in env_names or builder.exists("env/.env.dev"):
            builder.left.append(
                ".env: left at the root (there is a .env.dev); compose no longer reads it "
                "once the compose files are in compose/: merge its values into env/.env.<env>"
            )
        else:
            moves[name] = "env/.env.dev"
    if flat.dockerfile == "Dockerfile":
        moves["Dockerfile"] = "docker/Dockerfile"
    for src, dst in moves.items():
        if builder.exists(dst):
            if _same(root / src, root / dst):
                builder.left.append(f"{src}: same content as {dst}; delete it by hand")
                continue
            raise PlanError(f"{dst}: exists and differs from {src}; merge them by hand, then rerun")
        builder.move(src, dst)
    follows = _absent_env_files(root, flat, moves)
    for src, dst in follows.items():
        builder.notes.append(f"{src}: absent (ignored by git); references now name {dst}")
    return moves, follows


def _absent_env_files(root: Path, flat: FlatLayout, moves: Mapping[str, str]) -> dict[str, str]:
    """Root ``.env*`` files the compose files reference that do not exist here."""
    from dockyard.domain.layout.behaviour import referenced_env_files

    follows: dict[str, str] = {}
    for name in flat.compose:
        for rel in referenced_env_files(root, ComposeEnvironment("", (name,))):
            if "/" in rel or (root / rel).exists() or rel in moves:
                continue
            if ENVFILE.match(rel):
                follows[rel] = "env/.env.dev" if rel == ".env" else f"env/{rel}"
    return follows


def _rewrite_compose_files(
    builder: PlanBuilder, moves: Mapping[str, str], compose_env: Mapping[str, str]
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Plan the compose rewrites; return the values moved out and their source, per env."""
    additions: dict[str, dict[str, str]] = {}
    sources: dict[str, str] = {}
    derived = _derived_project_name(builder)
    for target, env in sorted(compose_env.items()):
        text = builder.read(target)
        if text is None:
            continue
        env_file: str | None = f"env/.env.{env}"
        if target.endswith(".example"):
            env_file = None  # an example stack: its values stay where they are
        existing = env_values(builder.read(f"env/.env.{env}") or "")
        existing.update(additions.get(env, {}))
        override = target.endswith(".override.yml")
        rewrite = rewrite_compose(
            text,
            name=target,
            new_dir="compose",
            moves=moves,
            env_file=env_file,
            existing=existing,
            project=None if override else derived,
        )
        builder.edit(target, rewrite.text)
        builder.notes.extend(rewrite.notes)
        builder.left.extend(rewrite.left)
        if rewrite.moved:
            additions.setdefault(env, {}).update(rewrite.moved)
            sources.setdefault(env, target)
    return additions, sources


def _configure_environments(builder: PlanBuilder, compose_env: Mapping[str, str]) -> None:
    """Environments dockyard does not know by default, and override pairs, configured."""
    from dockyard.domain import DEFAULT_ENVIRONMENTS
    from dockyard.domain.layout.pyproject import set_environments

    files: dict[str, list[str]] = {}
    for path, env in sorted(compose_env.items(), key=lambda i: i[0].endswith(".override.yml")):
        if not path.endswith(".example"):
            files.setdefault(env, []).append(path)
    wanted = {
        env: paths if len(paths) > 1 else []
        for env, paths in files.items()
        if len(paths) > 1 or env not in DEFAULT_ENVIRONMENTS
    }
    project = _common_project_name(builder, files)
    if not wanted and project is None:
        return
    current = builder.read("pyproject.toml")
    text = set_environments(current or "", wanted, project)
    if current is None:
        builder.write("pyproject.toml", text)
    else:
        builder.edit("pyproject.toml", text)
    if wanted:
        builder.notes.append(
            f"pyproject.toml: environments {', '.join(sorted(wanted))} configured "
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
    if names and len(prefixes) == 1 and len(names) == len(files):
        prefix = prefixes.pop()
        if re.fullmatch(r"[a-z0-9][a-z0-9_-]*", prefix):
            return prefix
    if names:
        shown = ", ".join(f"{env}: {name}" for env, name in sorted(names.items()))
        builder.left.append(
            f"project names ({shown}): dockyard's tasks pass -p <project>-<env>, so their "
            "containers and volumes differ from plain `docker compose` on these files"
        )
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


def _leftovers(builder: PlanBuilder) -> None:
    """What the static checks will still report, said up front."""
    if not any(builder.exists(n) for n in ("uv.lock", "poetry.lock")):
        builder.left.append(
            "no lock file: `uv lock` (or `poetry lock`) makes image builds repeatable"
        )
    if not builder.exists(".pre-commit-config.yaml"):
        builder.left.append(
            "no .pre-commit-config.yaml: add one (dockyard ships a hook: id dockyard-check)"
        )
    for rel in sorted(
        p
        for p in builder.planned_files()
        if p.startswith("compose/") and p.endswith((".yml", ".yaml"))
    ):
        text = builder.read(rel)
        if text is None or rel.endswith(".example"):
            continue
        services = load_compose(text, rel).get("services") or {}
        missing = [
            str(n) for n, s in services.items() if isinstance(s, dict) and "healthcheck" not in s
        ]
        if missing:
            builder.left.append(
                f"{rel}: no healthcheck for {', '.join(missing)}: add one so `up` waits for health"
            )


def dockerfile_proposal(root: Path) -> str | None:
    """The diff from the repository's Dockerfile to its UID-aware form, if any."""
    from dockyard.domain.layout.sidecars import dockerfile_diff

    return dockerfile_diff(PlanBuilder(root), ("Dockerfile", "docker/Dockerfile"))


def _same(a: Path, b: Path) -> bool:
    try:
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False

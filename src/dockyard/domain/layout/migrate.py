"""``layout.migrate``: the plan that moves a flat repository to the standard layout.

Detection looks at the root for ``docker-compose*.yml``, ``.env*`` files, a Dockerfile
(root or ``docker/``), ``requirements*.txt`` and a ``Makefile``. The plan, in order:

1. folders ``compose/``, ``env/``, ``docker/``;
2. moves: compose files into ``compose/`` (a base ``docker-compose.yml`` becomes
   ``docker-compose.prod.yml.example``), env files into ``env/`` (a lone ``.env``
   becomes ``env/.env.dev``), a root ``Dockerfile`` into ``docker/``;
3. compose rewrites (paths, ``environment:`` → ``env_file``, mounted ``.env``);
4. env files: moved keys appended where missing, missing env files created;
5. new files: ``env/.env.prod.example``, ``env/README.md``, ``docker/Dockerfile.dockerignore``,
   ``tasks.py``, ``noxfile.py`` when missing;
6. ``.gitignore``, ``Makefile`` and ``pyproject.toml`` edited in place;
7. with ``dockerfile=True``, the UID-aware Dockerfile replaces the existing one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dockyard.domain.layout.behaviour import ComposeEnvironment
from dockyard.domain.layout.builder import PlanBuilder
from dockyard.domain.layout.compose import rewrite_compose
from dockyard.domain.layout.makefile import map_makefile
from dockyard.domain.layout.plan import Plan, unified_diff
from dockyard.domain.layout.scaffold import (
    detect_package_manager,
    fix_gitignore_file,
    fold_requirement_files,
    repo_project_name,
    template,
)
from dockyard.domain.secrets import is_secret_key
from dockyard.errors import PlanError

__all__ = [
    "FlatLayout",
    "detect_flat",
    "dockerfile_proposal",
    "flat_environments",
    "format_env_line",
    "plan_migrate",
]

_COMPOSE = re.compile(r"^docker-compose(?:\.(?P<env>[A-Za-z0-9][A-Za-z0-9_-]*))?\.ya?ml$")
_ENVFILE = re.compile(r"^\.env(?:\.(?P<env>[A-Za-z0-9][A-Za-z0-9_.-]*))?$")
_DOCKERFILES = ("Dockerfile", "docker/Dockerfile")


@dataclass
class FlatLayout:
    """What the root of a flat repository holds."""

    compose: dict[str, str | None] = field(default_factory=dict)  # file -> env (None: base)
    env_files: list[str] = field(default_factory=list)
    dockerfile: str | None = None
    requirements: list[str] = field(default_factory=list)
    makefile: str | None = None

    @property
    def found(self) -> bool:
        """True when there is anything to migrate."""
        return bool(self.compose or self.env_files or self.dockerfile == "Dockerfile")


def detect_flat(root: Path) -> FlatLayout:
    """Inspect ``root`` for the flat layout's files."""
    flat = FlatLayout()
    for path in sorted(root.iterdir()):
        if not path.is_file() or path.is_symlink():
            continue
        name = path.name
        compose = _COMPOSE.match(name)
        if compose:
            flat.compose[name] = compose["env"]
        elif _ENVFILE.match(name):
            flat.env_files.append(name)
        elif name in ("requirements.txt", "requirements-dev.txt"):
            flat.requirements.append(name)
        elif name in ("Makefile", "makefile", "GNUmakefile"):
            flat.makefile = name
    for candidate in _DOCKERFILES:
        if (root / candidate).is_file():
            flat.dockerfile = candidate
            break
    return flat


def flat_environments(root: Path) -> list[ComposeEnvironment]:
    """The environments of the flat repository at ``root``, as compose runs them today.

    Seam: this is the planner's own discovery (root ``docker-compose*.yml``). The
    repository model's environments replace it when they land; everything downstream
    (:mod:`dockyard.domain.layout.behaviour`) takes a list of environments.
    """
    flat = detect_flat(root)
    base = [n for n, env in flat.compose.items() if env is None]
    overrides = [n for n, env in flat.compose.items() if env == "override"]
    envs = []
    for name, env in flat.compose.items():
        if env is None:
            envs.append(ComposeEnvironment(_compose_target(name, env)[1], (name, *overrides)))
        elif env != "override":
            envs.append(ComposeEnvironment(env, (name,)))
    if overrides and not base:
        envs.append(ComposeEnvironment("override", tuple(overrides)))
    return envs


def format_env_line(key: str, value: str) -> str:
    """``KEY=value`` quoted so python-dotenv and compose read back ``value`` exactly.

    >>> format_env_line("A", "two words")
    "A='two words'"
    """
    if value and re.fullmatch(r"[A-Za-z0-9_./:@%+,=-]+", value) is None and "'" not in value:
        return f"{key}='{value}'"
    return f"{key}={value}"


def _compose_target(name: str, env: str | None) -> tuple[str, str]:
    """(new path, environment) of a root compose file."""
    if env is None:
        return "compose/docker-compose.prod.yml.example", "prod"
    return f"compose/{name.replace('.yaml', '.yml')}", env


def plan_migrate(
    root: Path,
    *,
    dockerfile: bool = False,
    committed_envs: Sequence[str] = ("ci",),
) -> Plan:
    """The plan that moves the flat layout in ``root`` to the standard one."""
    flat = detect_flat(root)
    builder = PlanBuilder(root)
    if not flat.found:
        builder.notes.append(
            "no root docker-compose*.yml, .env* or Dockerfile: nothing to migrate "
            "(layout.init scaffolds a new layout)"
        )
        return Plan("migrate", (), tuple(builder.notes))
    project = repo_project_name(builder)
    for folder in ("compose", "env", "docker"):
        builder.mkdir(folder)
    moves, compose_env = _plan_moves(builder, flat)
    additions = _rewrite_compose_files(builder, moves, compose_env)
    _plan_env_files(builder, additions, sorted(set(compose_env.values())), committed_envs)
    _plan_new_files(builder, project)
    fix_gitignore_file(builder, committed_envs)
    if flat.makefile is not None:
        _map_makefile(builder, flat.makefile, moves)
    if flat.requirements:
        fold_requirement_files(builder, project)
    _plan_dockerfile(builder, apply=dockerfile)
    _leftovers(builder)
    return Plan(
        "migrate",
        tuple(builder.steps),
        tuple(builder.notes),
        tuple(builder.left),
        tuple(builder.conflicts),
    )


def _plan_moves(builder: PlanBuilder, flat: FlatLayout) -> tuple[dict[str, str], dict[str, str]]:
    """Plan the moves; return (old path -> new path, new compose path -> environment)."""
    root = builder.root
    moves: dict[str, str] = {}
    compose_env: dict[str, str] = {}
    for name, env in flat.compose.items():
        if env == "override":
            builder.left.append(
                f"{name}: an override file has no place in the layout; merge it by hand"
            )
            continue
        target, env_name = _compose_target(name, env)
        moves[name] = target
        compose_env[target] = env_name
    env_names = {n[len(".env.") :] for n in flat.env_files if n.startswith(".env.")}
    for name in flat.env_files:
        if name != ".env":
            moves[name] = f"env/{name}"
        elif "dev" in env_names or builder.exists("env/.env.dev"):
            builder.left.append(
                ".env: left at the root (there is a .env.dev); merge its values into "
                "env/.env.<env> and delete it"
            )
        else:
            moves[name] = "env/.env.dev"
    if flat.dockerfile == "Dockerfile":
        moves["Dockerfile"] = "docker/Dockerfile"
    if (root / ".dockerignore").is_file():
        builder.left.append(
            ".dockerignore: kept at the root, where Docker reads it for builds whose "
            "context is the repository without BuildKit; BuildKit reads "
            "docker/Dockerfile.dockerignore"
        )
    for src, dst in moves.items():
        if builder.exists(dst):
            if _same(root / src, root / dst):
                builder.left.append(f"{src}: same content as {dst}; delete it by hand")
                continue
            raise PlanError(f"{dst}: exists and differs from {src}; merge them by hand, then rerun")
        builder.move(src, dst)
    return moves, compose_env


def _rewrite_compose_files(
    builder: PlanBuilder, moves: Mapping[str, str], compose_env: Mapping[str, str]
) -> dict[str, dict[str, str]]:
    """Plan the compose rewrites; return the keys moved out, per environment."""
    additions: dict[str, dict[str, str]] = {}
    for target, env in sorted(compose_env.items(), key=lambda item: _env_order(item[1])):
        text = builder.read(target)
        if text is None:
            continue
        rewrite = rewrite_compose(
            text, name=target, new_dir="compose", moves=moves, env_file=f"env/.env.{env}"
        )
        builder.edit(target, rewrite.text)
        builder.notes.extend(rewrite.notes)
        builder.left.extend(rewrite.left)
        for key, value in rewrite.moved.items():
            additions.setdefault(env, {}).setdefault(key, value)
    return additions


def _env_order(env: str) -> tuple[int, str]:
    """dev first (its values make the best example), prod last."""
    rank = {"dev": 0, "test": 1, "ci": 2, "prod": 9}
    return rank.get(env, 5), env


def _plan_env_files(
    builder: PlanBuilder,
    additions: Mapping[str, Mapping[str, str]],
    envs: Sequence[str],
    committed_envs: Sequence[str],
) -> None:
    """Examples get every moved key; env files get their keys; missing ones are created."""
    example_keys: dict[str, str] = {}
    for env, keys in additions.items():
        if env != "prod":
            for key, value in keys.items():
                example_keys.setdefault(key, value)
    example_text = builder.read("env/.env.example")
    if example_text is None:
        header = "# Every variable the project reads, with safe non-production values.\n"
        builder.write("env/.env.example", _append(header, example_keys, "", example=True))
    else:
        builder.edit("env/.env.example", _append(example_text, example_keys, "", example=True))
    example_text = builder.read("env/.env.example") or ""
    prod_example = builder.read("env/.env.prod.example")
    prod_keys = additions.get("prod", {})
    if prod_example is None:
        text = _append(example_text, prod_keys, "", example=True)
        builder.write("env/.env.prod.example", text)
    else:
        builder.edit("env/.env.prod.example", _append(prod_example, prod_keys, "", example=True))
    for env in envs:
        if env == "prod":
            continue
        rel = f"env/.env.{env}"
        keys = additions.get(env, {})
        source = f"compose/docker-compose.{env}.yml"
        current = builder.read(rel)
        if current is None:
            mode = 0o644 if env in committed_envs else 0o600
            base = _without(example_text, keys)
            builder.write(rel, _append(base, keys, source, example=False), mode)
            builder.notes.append(f"{rel}: created from env/.env.example (mode {mode:04o})")
        elif keys:
            builder.edit(rel, _append(current, keys, source, example=False))
    _consistent_keys(builder, committed_envs)


def _consistent_keys(builder: PlanBuilder, committed_envs: Sequence[str]) -> None:
    """Every env file and the example end up with the same keys (what env.check compares)."""
    from dockyard.domain.envfiles import parse_env_text

    real = sorted(
        p
        for p in builder.planned_files()
        if p.startswith("env/.env.") and not p.endswith(".example")
    )
    texts = {rel: builder.read(rel) or "" for rel in real}
    example = builder.read("env/.env.example") or ""

    def values(text: str) -> dict[str, str]:
        return {e.key: e.value or "" for e in parse_env_text(text, Path("env")).entries}

    documented = values(example)
    undocumented: dict[str, str] = {}
    for text in texts.values():
        for key, value in values(text).items():
            if key not in documented:
                undocumented.setdefault(key, value)
    if undocumented:
        builder.edit(
            "env/.env.example", _append(example, undocumented, "the env files", example=True)
        )
        documented = values(builder.read("env/.env.example") or "")
    for rel, text in texts.items():
        missing = {k: v for k, v in documented.items() if k not in values(text)}
        if missing:
            builder.edit(rel, _append(text, missing, "env/.env.example", example=False))
        mode = builder.mode(rel)
        committed = rel.removeprefix("env/.env.") in committed_envs
        if mode is not None and mode & 0o077 and not committed:
            builder.left.append(
                f"{rel}: mode {mode:04o} kept from the moved file: `chmod 600 {rel}` "
                "if it holds secrets"
            )


def _plan_new_files(builder: PlanBuilder, project: str) -> None:
    from dockyard.domain.templates import dockerignore_template

    if not builder.exists("env/README.md"):
        builder.write("env/README.md", template("env-README.md", project))
    if not builder.exists("docker/Dockerfile.dockerignore"):
        builder.write("docker/Dockerfile.dockerignore", dockerignore_template())
    for name in ("tasks.py", "noxfile.py"):
        if not builder.exists(name):
            builder.write(name, template(f"{name}.tmpl", project))


def _plan_dockerfile(builder: PlanBuilder, *, apply: bool) -> None:
    """The UID-aware Dockerfile: written when there is none, else proposed."""
    from dockyard.domain.templates import dockerfile_template

    proposal = dockerfile_template(detect_package_manager(builder))
    current = builder.read("docker/Dockerfile")
    if current is None:
        builder.write("docker/Dockerfile", proposal)
        _host_id_args(builder)
    elif current != proposal:
        if apply:
            builder.edit("docker/Dockerfile", proposal)
            builder.notes.append("docker/Dockerfile: replaced by the UID-aware template")
            _host_id_args(builder)
        else:
            builder.left.append(
                "docker/Dockerfile: not replaced; review the UID-aware proposal with "
                "`dockyard layout.migrate --dry-run --dockerfile`, apply it with --dockerfile"
            )


def _host_id_args(builder: PlanBuilder) -> None:
    """Compose files building dockyard's Dockerfile pass it the host ids."""
    from dockyard.domain.layout.compose import add_host_id_args

    for rel in sorted(p for p in builder.planned_files() if p.startswith("compose/")):
        text = builder.read(rel)
        if text is None:
            continue
        new, added = add_host_id_args(text, rel)
        if added:
            builder.edit(rel, new)
            builder.notes.extend(added)


def _leftovers(builder: PlanBuilder) -> None:
    """What the static checks will still report, said up front."""
    from dockyard.domain.layout.compose import load_compose

    if not any(builder.exists(n) for n in ("uv.lock", "poetry.lock")):
        builder.left.append(
            "no lock file: `uv lock` (or `poetry lock`) makes image builds repeatable"
        )
    if not builder.exists(".pre-commit-config.yaml"):
        builder.left.append(
            "no .pre-commit-config.yaml: add one (dockyard ships a hook: id dockyard-check)"
        )
    for rel in sorted(p for p in builder.planned_files() if p.startswith("compose/")):
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
    """The diff from the repository's Dockerfile to the UID-aware template, if any."""
    from dockyard.domain.templates import dockerfile_template

    builder = PlanBuilder(root)
    for candidate in _DOCKERFILES:
        current = builder.read(candidate)
        if current is not None:
            proposal = dockerfile_template(detect_package_manager(builder))
            return unified_diff("docker/Dockerfile", current, proposal) or None
    return None


def _same(a: Path, b: Path) -> bool:
    try:
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _append(text: str, keys: Mapping[str, str], source: str, *, example: bool) -> str:
    """``text`` with the keys it lacks appended (examples get no secret values)."""
    from dockyard.domain.envfiles import parse_env_text

    present = {entry.key for entry in parse_env_text(text, Path("env")).entries}
    missing = {k: v for k, v in keys.items() if k not in present}
    if not missing:
        return text
    lines = [text.rstrip("\n")] if text.strip() else []
    header = "# moved from compose environment: blocks by dockyard layout.migrate"
    if source:
        header = f"# moved from {source} by dockyard layout.migrate"
    lines.append(header)
    for key, value in missing.items():
        shown = "" if example and is_secret_key(key) and value else value
        lines.append(format_env_line(key, shown))
    return "\n".join(lines) + "\n"


def _without(text: str, keys: Mapping[str, str]) -> str:
    """``text`` without the lines that assign one of ``keys``."""
    from dockyard.domain.envfiles import parse_env_text

    drop = {e.line for e in parse_env_text(text, Path("env")).entries if e.key in keys}
    kept = [line for number, line in enumerate(text.splitlines(), 1) if number not in drop]
    return "\n".join(kept) + "\n" if kept else ""


def _map_makefile(builder: PlanBuilder, name: str, moves: Mapping[str, str]) -> None:
    text = builder.read(name)
    if text is None:
        return
    mapping = map_makefile(text, moves)
    builder.edit(name, mapping.text)
    for target, task in mapping.mapped.items():
        builder.notes.append(f"{name}: target {target} -> {task}")
    for target in mapping.unmapped:
        builder.left.append(
            f"{name}: target {target} drives compose but has no dockyard task; "
            "its paths were updated, check its recipe"
        )

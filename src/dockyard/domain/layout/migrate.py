"""Plan the migration of a flat repository to the compose/, env/, docker/ layout.

Input, the second seed's "current state": root ``docker-compose*.yml`` (a base
``docker-compose.yml`` plus one per environment), root ``.env*`` files, a Dockerfile at
the root or in ``docker/``, requirements files, a Makefile, a ``.gitignore``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from dockyard.domain.layout.compose import rewrite_compose
from dockyard.domain.layout.plan import Plan, Remove, Write
from dockyard.domain.layout.scaffold import (
    env_readme,
    fix_gitignore,
    fold_requirements,
    map_makefile,
    package_manager,
)
from dockyard.errors import PlanError

__all__ = ["FlatLayout", "detect", "plan_migration"]

_COMPOSE = re.compile(r"^docker-compose(?:\.(?P<env>[A-Za-z0-9_-]+))?\.ya?ml$")
_ENV = re.compile(r"^\.env(?:\.(?P<name>[A-Za-z0-9_.-]+))?$")


@dataclass
class FlatLayout:
    """What :func:`detect` found at the root of a repository."""

    compose: dict[str, str] = field(default_factory=dict)  # env -> file; "" = the base file
    env_files: list[str] = field(default_factory=list)
    dockerfile: str | None = None
    requirements: list[str] = field(default_factory=list)
    makefile: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.compose or self.env_files)


def detect(root: Path) -> FlatLayout:
    """Find the flat layout's files at ``root`` (nothing is read yet)."""
    found = FlatLayout()
    for path in sorted(root.iterdir()):
        if not path.is_file():
            continue
        if match := _COMPOSE.match(path.name):
            found.compose[match["env"] or ""] = path.name
        elif _ENV.match(path.name):
            found.env_files.append(path.name)
        elif path.name in ("requirements.txt", "requirements-dev.txt"):
            found.requirements.append(path.name)
        elif path.name in ("Makefile", "makefile", "GNUmakefile"):
            found.makefile = path.name
    for candidate in ("Dockerfile", "docker/Dockerfile"):
        if (root / candidate).is_file():
            found.dockerfile = candidate
            break
    return found


def _read(root: Path, rel: str) -> bytes:
    return (root / rel).read_bytes()


def _mode(root: Path, rel: str) -> int:
    return (root / rel).stat().st_mode & 0o7777


def plan_migration(root: Path, *, dockerfile: bool = False) -> Plan:
    """The plan that moves a flat repository at ``root`` to the standard layout.

    ``dockerfile=True`` also replaces the Dockerfile by dockyard's UID-aware template
    (otherwise the proposal is shown as a difference and left to the user).
    """
    flat = detect(root)
    if flat.empty:
        raise PlanError(
            f"{root.name}: no root docker-compose*.yml or .env* files: nothing to migrate"
        )
    plan = Plan()
    taken = [p for p in ("compose", "env") if (root / p).exists() and not (root / p).is_dir()]
    if taken:
        raise PlanError(f"{taken[0]}: exists and is not a folder; move it away first")

    new_dockerfile = _plan_dockerfile(root, flat, plan, replace=dockerfile)
    example_values, env_values = _plan_compose(
        root, flat, plan, new_dockerfile, host_ids=dockerfile
    )
    _plan_env_files(root, flat, plan, example_values, env_values)
    _plan_extras(root, flat, plan)
    return plan


def _plan_dockerfile(root: Path, flat: FlatLayout, plan: Plan, *, replace: bool) -> str:
    """docker/Dockerfile (moved, optionally replaced) and its .dockerignore."""
    from dockyard.domain.templates import dockerfile_template, dockerignore_template

    dockerfile = replace
    new_dockerfile = "docker/Dockerfile"
    if flat.dockerfile == "Dockerfile":
        if (root / new_dockerfile).exists():
            raise PlanError("docker/Dockerfile: exists, and so does a root Dockerfile")
        plan.steps.append(
            Write(
                new_dockerfile,
                _read(root, "Dockerfile"),
                _mode(root, "Dockerfile"),
                "Dockerfile moves to docker/",
            )
        )
        plan.steps.append(Remove("Dockerfile", "moved to docker/Dockerfile"))
    manager = package_manager(root)
    template = dockerfile_template(manager)
    if dockerfile:
        plan.steps.append(
            Write(
                new_dockerfile,
                template.encode(),
                0o644,
                f"dockyard's UID-aware Dockerfile ({manager})",
            )
        )
    elif flat.dockerfile:
        plan.left.append(
            "docker/Dockerfile: not replaced; `dockyard layout.migrate --dockerfile` applies "
            "dockyard's UID-aware template (the plan shows the difference)"
        )
    if not (root / "docker/Dockerfile.dockerignore").exists():
        plan.steps.append(
            Write(
                "docker/Dockerfile.dockerignore",
                dockerignore_template().encode(),
                0o644,
                "the ignore file BuildKit reads for docker/Dockerfile",
            )
        )
    return new_dockerfile


def _plan_compose(
    root: Path, flat: FlatLayout, plan: Plan, new_dockerfile: str, *, host_ids: bool
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """compose/ files, rewritten; returns the environment values they held."""
    env_values: dict[str, dict[str, str]] = {}
    example_values: dict[str, str] = {}
    for env, name in sorted(flat.compose.items()):
        target_env = env or "prod"
        target = (
            f"compose/docker-compose.{env}.yml"
            if env
            else "compose/docker-compose.prod.yml.example"
        )
        text = _read(root, name).decode("utf-8-sig")
        rewritten = rewrite_compose(
            text,
            source=name,
            env_name=target_env,
            dockerfile=new_dockerfile if flat.dockerfile == "Dockerfile" else None,
            host_ids=host_ids,
        )
        if "healthcheck:" not in rewritten.text:
            plan.left.append(f"{target}: no healthcheck: add one so `up` can wait for health")
        env_values.setdefault(target_env, {}).update(rewritten.env_values)
        for key, value in rewritten.example_values.items():
            example_values.setdefault(key, value)
        why = "base compose file becomes the prod template" if not env else f"{env} compose file"
        plan.steps.append(Write(target, rewritten.text.encode(), _mode(root, name), why))
        plan.steps.append(Remove(name, f"moved to {target}"))
        plan.notes += [f"{target}: {change}" for change in rewritten.changes]
    return example_values, env_values


def _plan_env_files(
    root: Path,
    flat: FlatLayout,
    plan: Plan,
    example_values: dict[str, str],
    env_values: dict[str, dict[str, str]],
) -> None:
    """env/ files, with the keys and values the compose files held."""
    moved: dict[str, str] = {}
    for name in flat.env_files:
        match = _ENV.match(name)
        suffix = match["name"] if match else None
        if suffix is None:
            target = "env/.env.dev" if ".env.dev" not in flat.env_files else None
            if target is None:
                plan.left.append(
                    ".env: left at the root (there is a .env.dev too): merge it by hand"
                )
                continue
        else:
            target = f"env/.env.{suffix}"
        if (root / target).exists():
            raise PlanError(f"{target}: exists and differs; move {name} by hand")
        moved[target] = name
    example_target = "env/.env.example"
    for target, name in moved.items():
        data = _read(root, name)
        env = target.removeprefix("env/.env.")
        extra = (
            example_values
            if target == example_target
            else {**example_values, **env_values.get(env, {})}
        )
        data = _append_missing(data, extra)
        mode = _mode(root, name)
        if target != example_target:
            mode = mode & 0o700 if mode & 0o077 else mode  # real env files: owner only
        plan.steps.append(Write(target, data, mode, f"{name} moves to env/"))
        plan.steps.append(Remove(name, f"moved to {target}"))
    if example_target not in moved:
        plan.steps.append(
            Write(
                example_target,
                _append_missing(b"", example_values),
                0o644,
                "the template of every variable",
            )
        )
    for env, values in env_values.items():
        target = f"env/.env.{env}"
        if target not in moved and env != "prod" and values:
            plan.steps.append(
                Write(
                    target,
                    _append_missing(b"", values),
                    0o600,
                    f"values {env}'s compose file held",
                )
            )
    if not (root / "env/.env.prod.example").exists():
        source = next(
            (s for s in plan.steps if isinstance(s, Write) and s.path == example_target), None
        )
        plan.steps.append(
            Write(
                "env/.env.prod.example",
                source.data if source else b"",
                0o644,
                "production template",
            )
        )
    plan.steps.append(Write("env/README.md", env_readme().encode(), 0o644, "what each env file is"))


def _plan_extras(root: Path, flat: FlatLayout, plan: Plan) -> None:
    """.gitignore, pyproject.toml from the requirements files, the Makefile map."""
    gitignore = (
        (root / ".gitignore").read_text(encoding="utf-8") if (root / ".gitignore").is_file() else ""
    )
    fixed, changes = fix_gitignore(gitignore)
    if fixed != gitignore:
        plan.steps.append(
            Write(
                ".gitignore",
                fixed.encode(),
                _mode(root, ".gitignore") if gitignore else 0o644,
                "; ".join(changes),
            )
        )
    if flat.requirements:
        pyproject = root / "pyproject.toml"
        current = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else None
        reqs = {name: (root / name).read_text(encoding="utf-8") for name in flat.requirements}
        new = fold_requirements(current, reqs, project=root.name)
        if new != current:
            plan.steps.append(
                Write(
                    "pyproject.toml",
                    new.encode(),
                    _mode(root, "pyproject.toml") if current else 0o644,
                    "requirements folded into pyproject.toml",
                )
            )
        plan.left.append(
            f"{', '.join(flat.requirements)}: kept for reference; pyproject.toml is the source now"
        )
    if not any((root / name).is_file() for name in ("uv.lock", "poetry.lock")):
        plan.left.append("no lock file: `uv lock` (or `poetry lock`) makes image builds repeatable")
    if not (root / ".pre-commit-config.yaml").is_file():
        plan.left.append("no .pre-commit-config.yaml: dockyard ships a hook (id dockyard-check)")
    if flat.makefile:
        mapped, unmapped = map_makefile((root / flat.makefile).read_text(encoding="utf-8"))
        plan.notes += [f"Makefile: make {t} -> {cmd}" for t, cmd in mapped.items()]
        if unmapped:
            plan.left.append(f"Makefile targets with no dockyard task: {', '.join(unmapped)}")
        plan.left.append(f"{flat.makefile}: kept; its compose targets map to the tasks above")


def _append_missing(data: bytes, values: dict[str, str]) -> bytes:
    """``data`` (an env file) with ``KEY=value`` lines added for keys it lacks."""
    from dockyard.domain.envfiles import parse_env_text

    text = data.decode("utf-8-sig")
    have = parse_env_text(text, Path("env")).keys()
    missing = [(k, v) for k, v in values.items() if k not in have]
    if not missing:
        return data
    if text and not text.endswith("\n"):
        text += "\n"
    text += "# moved from the compose file's environment: by dockyard layout.migrate\n"
    text += "".join(f"{k}={_quote(v)}\n" for k, v in missing)
    return text.encode()


def _quote(value: str) -> str:
    return f'"{value}"' if any(c in value for c in " #'\"$") else value

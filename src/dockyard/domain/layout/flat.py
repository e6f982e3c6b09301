"""The flat layout: what the root of a repository holds, and its environments.

Seam: this is the planner's own discovery of root compose files (``docker-compose*.yml``,
``compose.yaml`` and overrides), env files, a Dockerfile, requirements files and a
Makefile. The repository model's environments replace :func:`flat_environments` when
they land; everything downstream takes plain inputs (a list of
:class:`~dockyard.domain.layout.behaviour.ComposeEnvironment`, file texts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from dockyard.domain.layout.behaviour import ComposeEnvironment
from dockyard.domain.layout.classify import classify_base
from dockyard.domain.layout.compose import load_compose
from dockyard.errors import PlanError

__all__ = [
    "ENVFILE",
    "FlatLayout",
    "base_and_overrides",
    "classify",
    "detect_flat",
    "flat_environments",
]

_COMPOSE = re.compile(r"^(?:docker-)?compose(?:\.(?P<env>[A-Za-z0-9][A-Za-z0-9_-]*))?\.ya?ml$")
ENVFILE = re.compile(r"^\.env(?:\.(?P<env>[A-Za-z0-9][A-Za-z0-9_.-]*))?$")
_DOCKERFILES = ("Dockerfile", "docker/Dockerfile")
_BASE_ORDER = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


@dataclass
class FlatLayout:
    """What the root of a flat repository holds."""

    compose: dict[str, str | None] = field(default_factory=dict)  # file -> env (None: base)
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
    """Inspect ``root`` for the flat layout's files (seam: the repository model's)."""
    flat = FlatLayout()
    for path in sorted(root.iterdir()):
        name = path.name
        if path.is_symlink() and (_COMPOSE.match(name) or ENVFILE.match(name)):
            flat.symlinks[name] = str(path.readlink())
            continue
        if not path.is_file() or path.is_symlink():
            continue
        compose = _COMPOSE.match(name)
        if compose:
            why = _unusable(path)
            if why is None:
                flat.compose[name] = compose["env"]
            else:
                flat.invalid[name] = why
        elif ENVFILE.match(name):
            flat.env_files.append(name)
        elif name in ("requirements.txt", "requirements-dev.txt"):
            flat.requirements.append(name)
        elif name in ("Makefile", "makefile", "GNUmakefile"):
            flat.makefile = name
    bases = sorted((n for n, e in flat.compose.items() if e is None), key=_BASE_ORDER.index)
    for extra in bases[1:]:
        del flat.compose[extra]
        flat.invalid[extra] = f"{extra}: compose reads {bases[0]} instead (both are base files)"
    for candidate in _DOCKERFILES:
        if (root / candidate).is_file():
            flat.dockerfile = candidate
            break
    return flat


def _unusable(path: Path) -> str | None:
    """Why a compose file cannot take part (empty, invalid), or None."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return f"{path.name}: unreadable: {exc}"
    if not text.strip():
        return f"{path.name}: empty"
    try:
        load_compose(text, path.name)
    except PlanError as exc:
        return str(exc)
    return None


def base_and_overrides(flat: FlatLayout) -> tuple[str | None, list[str]]:
    bases = [n for n, env in flat.compose.items() if env is None]
    base = min(bases, key=_BASE_ORDER.index) if bases else None
    overrides = sorted(n for n, env in flat.compose.items() if env == "override")
    return base, overrides


def classify(root: Path, flat: FlatLayout, base_env: str | None) -> dict[str, str]:
    """Root compose file -> environment."""
    named = {n: e for n, e in flat.compose.items() if e not in (None, "override")}
    result: dict[str, str] = {n: str(e) for n, e in named.items()}
    base, overrides = base_and_overrides(flat)
    if base is None:
        for name in overrides:
            result[name] = "override"
        return result
    commands = _command_texts(root, flat)
    decision = classify_base(
        base,
        "\n".join((root / n).read_text("utf-8") for n in (base, *overrides)),
        set(result.values()),
        commands=commands,
        chosen=base_env,
    )
    if decision.env in result.values():
        raise PlanError(
            f"{base}: serves {decision.env}, like {_named(result, decision.env)}: say which "
            "environment it serves with --base-env NAME (nothing changed)"
        )
    result[base] = decision.env
    for name in overrides:
        result[name] = decision.env
    return result


def _named(result: dict[str, str], env: str) -> str:
    return next(name for name, e in result.items() if e == env)


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


def flat_environments(root: Path, base_env: str | None = None) -> list[ComposeEnvironment]:
    """The environments of the flat repository at ``root``, as compose runs them today.

    Seam: this is the planner's own discovery (root compose files). The repository
    model's environments replace it when they land; everything downstream
    (:mod:`dockyard.domain.layout.behaviour`) takes a list of environments.
    """
    flat = detect_flat(root)
    classes = classify(root, flat, base_env)
    base, overrides = base_and_overrides(flat)
    commands = "\n".join(_command_texts(root, flat).values())
    envs = []
    for name in flat.compose:
        if name in overrides:
            continue
        files = (name, *overrides) if name == base else (name,)
        envs.append(ComposeEnvironment(classes[name], files, _env_file_used(commands, name)))
    return envs


def _env_file_used(commands: str, compose_file: str) -> str | None:
    """The ``--env-file`` the project's own commands pass with ``compose_file``."""
    for line in commands.splitlines():
        if re.search(rf"(-f|--file)[ =]\.?/?{re.escape(compose_file)}(\s|$)", line):
            found = re.search(r"--env-file[ =](\S+)", line)
            if found and not found[1].startswith(("$", "/")):
                return found[1].removeprefix("./")
    return None

"""What compose runs, per environment, before and after a migration.

An environment is the compose files compose merges for it and the env file compose
interpolates from: :class:`ComposeEnvironment`. :func:`compose_config` asks compose
itself (``config --format json``, through the runner) and :func:`compare_environments`
applies :mod:`dockyard.domain.layout.invariant` to each one.

Before a migration an environment runs as plain ``docker compose -f FILE...`` from the
root (compose reads the root ``.env``); after it, as dockyard runs it:
``-f compose/FILE... --env-file env/.env.<env>`` when that env file exists.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockyard.adapters.runner import Runner, tail
from dockyard.domain.layout.invariant import compare_configs
from dockyard.domain.selected import resolve_name
from dockyard.errors import CommandNotFoundError, PlanError

__all__ = [
    "BehaviourChanged",
    "Compose",
    "ComposeEnvironment",
    "EnvironmentResult",
    "Verification",
    "after_environments",
    "compare_environments",
    "compare_trees",
    "compose_config",
    "compose_environ",
    "configs_of",
    "referenced_env_files",
]

_TIMEOUT = 60.0
_KEPT_VARIABLES = ("PATH", "HOME", "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CONTEXT")


@dataclass(frozen=True)
class ComposeEnvironment:
    """One environment: its compose files and ``--env-file`` files (root-relative, in
    order; none: compose reads the ``.env`` of the first file's folder), and the
    variables that choose it (``APP_ENV=test``), set for compose on both sides."""

    name: str
    files: tuple[str, ...]
    env_files: tuple[str, ...] = ()
    variables: tuple[tuple[str, str], ...] = ()


@dataclass
class EnvironmentResult:
    """The comparison for one environment: differences, or why it was not compared."""

    name: str
    differences: list[str] = field(default_factory=list)
    skipped: str | None = None

    @property
    def unchanged(self) -> bool:
        """True when compared and equal."""
        return self.skipped is None and not self.differences


class BehaviourChanged(PlanError):
    """A migration would change what compose runs (exit 1): the differences, per env."""

    exit_code = 1

    def __init__(self, message: str, results: Sequence[EnvironmentResult]) -> None:
        super().__init__(message)
        self.results = list(results)


def compose_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """The process environment compose gets on both sides: no ``COMPOSE_*`` overrides.

    Variables exported in the shell would interpolate the same way before and after;
    leaving them out makes the comparison about the files alone.
    """
    return {k: environ[k] for k in _KEPT_VARIABLES if k in environ}


def referenced_env_files(root: Path, env: ComposeEnvironment) -> list[str]:
    """Root-relative paths of the env files ``env`` reads (``env_file``, mounted ``.env*``)."""
    from dockyard.domain.layout.compose import load_compose

    found: list[str] = list(env.env_files)
    for rel in env.files:
        try:
            data = load_compose((root / rel).read_text("utf-8"), rel)
        except (OSError, UnicodeDecodeError, PlanError):
            continue
        folder = posixpath.dirname(rel)
        for service in (data.get("services") or {}).values():
            if isinstance(service, dict):
                found.extend(_service_env_files(service, folder, dict(env.variables)))
    return list(dict.fromkeys(found))


def _service_env_files(
    service: Mapping[str, Any], folder: str, variables: Mapping[str, str]
) -> list[str]:
    """The env files a service reads, a ``${VAR:-default}`` in a name resolved with
    the variables that choose the environment, else its default."""
    paths: list[str] = []
    value = service.get("env_file")
    entries = value if isinstance(value, list) else [value] if value is not None else []
    for entry in entries:
        if isinstance(entry, dict) and entry.get("required", True) not in (False, "false"):
            paths.append(str(entry.get("path", "")))
        elif isinstance(entry, str):
            paths.append(entry)
    for volume in service.get("volumes") or []:
        source = volume.split(":")[0] if isinstance(volume, str) else None
        if isinstance(volume, dict) and volume.get("type") == "bind":
            source = str(volume.get("source", ""))
        if source and posixpath.basename(source).startswith(".env"):
            paths.append(source)
    paths = [resolve_name(p, variables) for p in paths]
    local = [p for p in paths if not p.startswith(("/", "~", "$"))]
    return [posixpath.normpath(posixpath.join(folder, p)) for p in local]


def compose_config(
    runner: Runner,
    command: Sequence[str],
    root: Path,
    env: ComposeEnvironment,
    environ: Mapping[str, str],
) -> dict[str, Any] | str:
    """What compose resolves ``env`` to in the tree at ``root``, or why it cannot."""
    argv = [*command, *(item for f in env.files for item in ("-f", f))]
    for env_file in env.env_files:
        argv += ["--env-file", env_file]
    argv += ["config", "--format", "json"]
    try:
        environ = {**environ, **dict(env.variables)}
        done = runner.run(argv, env=environ, cwd=root, timeout=_TIMEOUT, check=False)
    except CommandNotFoundError:
        raise PlanError(
            "docker compose not found: cannot check that the migration keeps what compose "
            "runs (--no-verify migrates without that check)"
        ) from None
    if not done.ok:
        return tail(done.stderr, 3).strip() or f"exit {done.returncode}"
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        return f"compose config printed invalid JSON: {exc}"
    return data if isinstance(data, dict) else "compose config printed no mapping"


def compare_environments(
    before: Mapping[str, dict[str, Any] | str],
    after: Mapping[str, dict[str, Any] | str],
    *,
    root_before: Path,
    root_after: Path,
    moves: Mapping[str, str],
    expected: Collection[str] = (),
) -> list[EnvironmentResult]:
    """One result per environment: differences, or why it was not compared."""
    results = []
    for name in before:
        old, new = before[name], after.get(name, "not run after the migration")
        result = EnvironmentResult(name)
        if isinstance(old, str):
            result.skipped = f"compose config fails before the migration: {old}"
        elif isinstance(new, str):
            result.differences.append(f"compose config fails after the migration: {new}")
        else:
            result.differences = compare_configs(
                old,
                new,
                root_before=str(root_before),
                root_after=str(root_after),
                moves=moves,
                expected=expected,
            )
        results.append(result)
    return results


@dataclass
class Verification:
    """The outcome of comparing a plan's result with the tree before it."""

    results: list[EnvironmentResult]
    notes: list[str] = field(default_factory=list)

    @property
    def differences(self) -> list[str]:
        """Every difference, prefixed with its environment."""
        return [f"{r.name}: {line}" for r in self.results for line in r.differences]


@dataclass(frozen=True)
class Compose:
    """How to ask compose: the runner, the compose command, the environment to pass."""

    runner: Runner
    command: tuple[str, ...]
    environ: Mapping[str, str]


def _templates(root: Path, wanted: Sequence[str]) -> dict[str, str | None]:
    from dockyard.domain.layout.sandbox import template_for

    result: dict[str, str | None] = {}
    for rel in wanted:
        if (root / rel).exists():
            continue
        folder = posixpath.dirname(rel)
        try:
            names = [
                posixpath.join(folder, n) if folder else n
                for n in sorted(p.name for p in (root / folder).iterdir())
            ]
        except OSError:
            names = []
        result[rel] = template_for(rel, names)
    return result


def configs_of(
    compose: Compose, root: Path, envs: Sequence[ComposeEnvironment]
) -> tuple[dict[str, dict[str, Any] | str], list[str]]:
    """Fill the absent env files ``envs`` read in the copy at ``root``, then ask compose."""
    from dockyard.domain.layout.sandbox import fill_absent

    wanted: list[str] = []
    for env in envs:
        wanted.extend(referenced_env_files(root, env))
    notes = fill_absent(root, _templates(root, list(dict.fromkeys(wanted))))
    configs = {
        env.name: compose_config(compose.runner, compose.command, root, env, compose.environ)
        for env in envs
    }
    return configs, notes


def after_environments(
    root: Path, envs: Sequence[ComposeEnvironment], moves: Mapping[str, str]
) -> list[ComposeEnvironment]:
    """``envs`` as dockyard runs them in the migrated tree at ``root``: the compose files
    and env files its configuration gives each environment there (``moves`` unused: the
    configuration the migration wrote is what is tested)."""
    from dockyard.domain.config import load_settings
    from dockyard.errors import DockyardError

    del moves
    try:
        settings = load_settings(root, environ={})
    except DockyardError as exc:
        raise PlanError(f"after the migration, the configuration cannot be read: {exc}") from None
    result = []
    for env in envs:
        found = settings.environments.get(env.name)
        if found is None:
            continue
        files = tuple(_rel(root, p) for p in found.compose_files)
        env_files = tuple(
            rel
            for path in found.env_files
            if (rel := _rel(root, path))
            and (
                (root / rel).exists()
                or _templates(root, [rel]).get(rel)
                or path != found.env_file
                or found.env_file_required
            )
        )
        result.append(ComposeEnvironment(env.name, files, env_files, found.variables))
    return result


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def compare_trees(
    compose: Compose,
    before: Path,
    after: Path,
    envs: Sequence[ComposeEnvironment],
    moves: Mapping[str, str],
    *,
    expected: Collection[str] = (),
) -> Verification:
    """Compare ``envs`` in the copy ``before`` with the same envs in the copy ``after``.

    Both are throwaway copies: absent env files are created in them from templates.
    """
    old, notes = configs_of(compose, before, envs)
    new, after_notes = configs_of(compose, after, after_environments(after, envs, moves))
    notes += [note for note in after_notes if note not in notes]
    results = compare_environments(
        old, new, root_before=before, root_after=after, moves=moves, expected=expected
    )
    return Verification(results, notes)

"""Environments: the configured ones, the standard layout's, and those the compose files
of a repository in any other layout make (see :mod:`dockyard.domain.discovery`).

For each: its compose files, env files, template, main service and compose project
name, found in the documented order (configuration first). Called by
:func:`dockyard.domain.config.merge`; the result is part of
:class:`~dockyard.domain.config.Settings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockyard.domain import DEFAULT_ENVIRONMENTS
from dockyard.domain.config import _ENV_NAME, Environment, _path

__all__ = ["default_env", "resolve_environments"]


def resolve_environments(
    root: Path,
    project: str,
    *,
    top: Mapping[str, Any],
    envs: Mapping[str, Mapping[str, Any]],
    origins: Mapping[str, str],
    environ: Mapping[str, str],
) -> dict[str, Environment]:
    """Every enabled environment of the repository at ``root``, by name."""
    compose_dir = _path(root, top["compose_dir"], "compose_dir", origins)
    env_example = _path(root, top["env_example"], "env_example", origins)
    discovered = _discovered(root, compose_dir, envs, environ)
    defaults: dict[str, dict[str, Any]] = {}
    if not discovered or all(f.origin == "standard" for f in discovered.values()):
        defaults = {n: {} for n in DEFAULT_ENVIRONMENTS}
    environments: dict[str, Environment] = {}
    for name, table in {**defaults, **{n: {} for n in discovered}, **envs}.items():
        if not table.get("enabled", True):
            continue
        found = discovered.get(name)
        variables = found.variables if found is not None else ()
        if table.get("compose_files"):
            files = tuple(
                _path(root, f, f"environments.{name}.compose_files", origins)
                for f in table["compose_files"]
            )
            origin = "configuration"
            variables = ()
        elif found is not None:
            files, origin = found.files, found.origin
        else:
            files = (compose_dir / f"docker-compose.{name}.yml",)
            origin = "standard"
        env_file, required = _env_file(root, top, table, name, files, origin, origins)
        extra = _extra_env_files(root, table, name, files, origin, env_file, origins)
        environments[name] = Environment(
            name=name,
            compose_files=files,
            env_file=env_file,
            service=table.get("service") or _service(top, files, origin, origins),
            project_name=_project_name(project, name, files, origin, origins, environ),
            test_command=tuple(table.get("test_command") or top["test_command"]),
            env_example=_env_example(root, table, name, env_file, env_example, origins),
            env_file_required=required,
            origin=origin,
            extra_env_files=extra,
            profiles=tuple(table.get("profiles") or top["profiles"]),
            variables=tuple(sorted(table["variables"].items()))
            if "variables" in table
            else variables,
        )
    return environments


def _discovered(
    root: Path, compose_dir: Path, envs: Mapping[str, Mapping[str, Any]], environ: Mapping[str, str]
) -> dict[str, Any]:
    """Stacks found outside the standard layout, when the standard layout is absent."""
    from dockyard.domain.discovery import discover

    standard = compose_dir.is_dir() and any(compose_dir.glob("docker-compose.*.yml"))
    if standard:
        extra = {}
        for path in sorted(compose_dir.glob("docker-compose.*.yml")):
            name = path.name[len("docker-compose.") : -len(".yml")]
            if _ENV_NAME.match(name) and name not in envs:
                extra[name] = _Found((path,), "standard")
        return extra
    if any(table.get("compose_files") for table in envs.values()):
        return {}
    rel = compose_dir.relative_to(root).as_posix() if compose_dir != root else "."
    skip = (rel,) if rel not in (".", "docker") and (compose_dir / "Dockerfile").exists() else ()
    return {
        stack.name: _Found(stack.files, stack.origin, stack.variables)
        for stack in discover(root, environ, skip=skip)
        if _ENV_NAME.match(stack.name)
    }


@dataclass(frozen=True)
class _Found:
    files: tuple[Path, ...]
    origin: str
    variables: tuple[tuple[str, str], ...] = ()


def _env_file(  # noqa: PLR0917, PLR0911 - one value of each source, named at the call
    root: Path,
    top: Mapping[str, Any],
    table: Mapping[str, Any],
    name: str,
    files: tuple[Path, ...],
    origin: str,
    origins: Mapping[str, str],
) -> tuple[Path, bool]:
    """The ``--env-file`` of an environment, and whether it must exist.

    Configured, else ``env/.env.<name>`` in the standard layout; outside it,
    ``.env.<name>`` beside the compose files when it exists (or, optional, when only
    its template does: a fresh clone), else the ``.env`` plain compose reads (optional,
    as it is for compose).
    """
    if table.get("env_file"):
        return _path(root, table["env_file"], f"environments.{name}.env_file", origins), True
    if table.get("env_files"):
        last = table["env_files"][-1]
        return _path(root, last, f"environments.{name}.env_files", origins), True
    if "env_files" in table:  # env_files = []: compose reads none (env/.env.<env> if present)
        return _path(root, f"{top['env_dir']}/.env.{name}", "env_dir", origins), False
    if origin in ("standard", "configuration"):
        return _path(root, f"{top['env_dir']}/.env.{name}", "env_dir", origins), True
    from dockyard.domain.commands import makefile_env_files

    default = origin.startswith(("base file", "COMPOSE_FILE"))
    from_make = makefile_env_files(root, files, default_stack=default)
    if from_make:
        return from_make[-1], True
    folder = files[0].parent
    named = folder / f".env.{name}"
    if named.is_file() or named.is_symlink():
        return named, True
    from dockyard.domain.selected import TEMPLATE_SUFFIXES

    if any(named.with_name(named.name + s).is_file() for s in TEMPLATE_SUFFIXES):
        return named, False  # a fresh clone: env.init makes it from its template
    return folder / ".env", False


def _extra_env_files(  # noqa: PLR0917 - one value of each source, named at the call
    root: Path,
    table: Mapping[str, Any],
    name: str,
    files: tuple[Path, ...],
    origin: str,
    env_file: Path,
    origins: Mapping[str, str],
) -> tuple[Path, ...]:
    """Env files compose reads before the main one: configured ``env_files`` (all but
    the last, which is the env file), else the ``--env-file`` list of the Makefile."""
    listed: tuple[Path, ...] = ()
    if "env_files" in table:
        listed = tuple(
            _path(root, f, f"environments.{name}.env_files", origins) for f in table["env_files"]
        )
    elif origin not in ("standard", "configuration") and not table.get("env_file"):
        from dockyard.domain.commands import makefile_env_files

        default = origin.startswith(("base file", "COMPOSE_FILE"))
        listed = makefile_env_files(root, files, default_stack=default)
    return tuple(p for p in listed if p != env_file)


def _env_example(  # noqa: PLR0917 - one value of each source, named at the call
    root: Path,
    table: Mapping[str, Any],
    name: str,
    env_file: Path,
    default: Path,
    origins: Mapping[str, str],
) -> Path | None:
    """The template of an environment's env file: configured, else ``<env file>.example``
    (``.env.test.example``), else the project's example (``env/.env.example``,
    ``.env.example`` beside the env file), else None."""
    if table.get("env_example"):
        return _path(root, table["env_example"], f"environments.{name}.env_example", origins)
    candidates = [
        env_file.with_name(env_file.name + ".example"),
        env_file.parent / f".env.{name}.example",
        default,
        env_file.parent / ".env.example",
        env_file.parent / ".env.sample",
        env_file.parent / ".env.template",
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return default if origins.get("env_example", "default") != "default" else None


def _project_name(  # noqa: PLR0917 - one value of each source, named at the call
    project: str,
    name: str,
    files: tuple[Path, ...],
    origin: str,
    origins: Mapping[str, str],
    environ: Mapping[str, str],
) -> str:
    """``<project>-<env>`` in the standard layout or when configured; otherwise the
    name compose derives itself (the stack's ``name:`` or its folder), so volumes and
    containers keep the names the project's own ``docker compose`` gives them."""
    from dockyard.domain.discovery import compose_project_name

    if origins.get("project_name", "default") != "default":
        return f"{project}-{name}"
    if origin in ("standard", "configuration"):
        return compose_project_name(files, {}) if _declares_name(files) else f"{project}-{name}"
    return compose_project_name(files, environ)


def _declares_name(files: tuple[Path, ...]) -> bool:
    from dockyard.domain.discovery import _NAME_KEY, sniff

    return any(_NAME_KEY.search(sniff(path)) for path in files)


def _service(
    top: Mapping[str, Any], files: tuple[Path, ...], origin: str, origins: Mapping[str, str]
) -> str:
    """The configured service; outside the standard layout, the stack's Python service."""
    if origin == "standard" or origins.get("service", "default") != "default":
        return str(top["service"])
    from dockyard.domain.discovery import guess_app_service

    return guess_app_service(files, str(top["service"]))


def default_env(
    top: Mapping[str, Any], environments: Mapping[str, Environment], origins: Mapping[str, str]
) -> str:
    """The configured default environment; where the environments were discovered and
    none is called ``dev`` (``local``, ``production``), the first one."""
    wanted = str(top["default_env"])
    if wanted in environments or origins.get("default_env", "default") != "default":
        return wanted
    discovered = [e for e in environments.values() if e.origin not in ("standard", "configuration")]
    return discovered[0].name if discovered else wanted

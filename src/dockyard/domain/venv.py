"""Where virtual environments live, on the host and in containers, and what conflicts.

Pure detectors over files and mappings (no subprocess, no engine):

- :func:`inspect_venv`: an in-project ``.venv``: who owns it, whether its
  ``pyvenv.cfg`` ``home`` interpreter exists on this host (a venv a container made
  points at ``/usr/local/bin`` or ``/usr/bin`` of the image);
- :func:`poetry_venv_config`: Poetry's ``virtualenvs.in-project`` and
  ``virtualenvs.path`` as Poetry resolves them, and which level set each
  (``POETRY_*`` variable > local ``poetry.toml`` > global ``config.toml`` > default);
- :func:`uv_project_environment`: uv's project environment (``UV_PROJECT_ENVIRONMENT``
  or ``.venv``);
- :func:`container_venv`: the service's venv path (compose ``environment`` >
  Dockerfile ``ENV`` > the configured ``venv_path``) and :func:`covering_mount`, the
  mount of ``docker compose config`` that holds it::

    >>> covering_mount({"services": {"app": {"volumes": [
    ...     {"type": "bind", "source": "/src", "target": "/app"}]}}}, "app", "/app/.venv")
    Mount(kind='bind', source='/src', target='/app')
"""

from __future__ import annotations

import os
import posixpath
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockyard.domain.dockerfile import Dockerfile, stage_chain, substitute
from dockyard.domain.ownership import scan_foreign
from dockyard.errors import ConfigError

__all__ = [
    "ContainerVenv",
    "Mount",
    "PoetrySetting",
    "PoetryVenvConfig",
    "VenvState",
    "container_venv",
    "covering_mount",
    "inspect_venv",
    "poetry_config_dir",
    "poetry_venv_config",
    "project_owner",
    "read_pyvenv_cfg",
    "uv_project_environment",
]

VENV_VARIABLES = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")


def project_owner(root: Path) -> int:
    """The uid files of the project should belong to: this process's, or as root the root's owner.

    Running as root (CI, a container), the project belongs to whoever owns its folder.
    """
    uid = os.getuid()
    return uid if uid != 0 else root.stat().st_uid


def read_pyvenv_cfg(venv: Path) -> dict[str, str]:
    """The ``key = value`` lines of ``venv/pyvenv.cfg`` (empty when absent or unreadable)."""
    try:
        text = (venv / "pyvenv.cfg").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    return values


@dataclass(frozen=True)
class VenvState:
    """An existing venv folder: owner, foreign entries, interpreter, and what is wrong."""

    path: Path
    owner_uid: int
    foreign: int
    home: str | None
    home_exists: bool
    problems: tuple[str, ...]

    @property
    def broken(self) -> bool:
        """True when the host user cannot use or replace this venv as it is."""
        return bool(self.problems)


def inspect_venv(
    venv: Path, uid: int, *, exists: Callable[[str], bool] = os.path.exists
) -> VenvState | None:
    """The state of the venv at ``venv`` for host user ``uid``; None when there is none.

    ``exists`` answers whether an interpreter path exists on the host (injectable).
    """
    try:
        st = os.lstat(venv)
    except FileNotFoundError:
        return None
    foreign = sum(1 for _ in scan_foreign(venv, uid))
    cfg = read_pyvenv_cfg(venv)
    home = cfg.get("home")
    home_exists = home is None or _interpreter_exists(home, cfg, exists)
    problems: list[str] = []
    if st.st_uid != uid:
        problems.append(f"owned by uid {st.st_uid}, not the host user (uid {uid})")
    elif foreign:
        problems.append(f"{foreign} entries owned by another user than uid {uid}")
    if not home_exists:
        problems.append(f"pyvenv.cfg home {home} does not exist on this host")
    return VenvState(venv, st.st_uid, foreign, home, home_exists, tuple(problems))


def _interpreter_exists(home: str, cfg: Mapping[str, str], exists: Callable[[str], bool]) -> bool:
    executable = cfg.get("executable")
    if executable:
        return exists(executable)
    version = cfg.get("version_info") or cfg.get("version") or ""
    short = ".".join(version.split(".")[:2])
    names = [f"python{short}"] if short else []
    names += ["python3", "python"]
    return any(exists(posixpath.join(home, name)) for name in names)


@dataclass(frozen=True)
class PoetrySetting:
    """One resolved Poetry setting: its value and the level that set it."""

    key: str
    value: Any
    level: str
    source: str


@dataclass(frozen=True)
class PoetryVenvConfig:
    """``virtualenvs.in-project`` and ``virtualenvs.path`` as Poetry resolves them."""

    in_project: PoetrySetting
    path: PoetrySetting

    def venv_outside(self, root: Path) -> bool:
        """True when Poetry keeps this project's venv outside the project folder."""
        if self.in_project.value is True:
            return False
        if self.in_project.value is None and (root / ".venv").is_dir():
            return False  # unset: Poetry uses an existing in-project .venv
        return not _is_within(Path(str(self.path.value)), root)


def poetry_config_dir(environ: Mapping[str, str]) -> Path:
    """Poetry's global config folder: ``POETRY_CONFIG_DIR``, else XDG, else ``~/.config``."""
    if environ.get("POETRY_CONFIG_DIR"):
        return Path(environ["POETRY_CONFIG_DIR"])
    if environ.get("XDG_CONFIG_HOME"):
        return Path(environ["XDG_CONFIG_HOME"]) / "pypoetry"
    return Path(environ.get("HOME", "~")).expanduser() / ".config" / "pypoetry"


def _poetry_cache_dir(environ: Mapping[str, str], global_cfg: Mapping[str, Any]) -> str:
    if environ.get("POETRY_CACHE_DIR"):
        return environ["POETRY_CACHE_DIR"]
    if isinstance(global_cfg.get("cache-dir"), str):
        return str(global_cfg["cache-dir"])
    if environ.get("XDG_CACHE_HOME"):
        return str(Path(environ["XDG_CACHE_HOME"]) / "pypoetry")
    return str(Path(environ.get("HOME", "~")).expanduser() / ".cache" / "pypoetry")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", source=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", source=str(path)) from None


def _boolish(text: str) -> bool | None:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    return None


def poetry_venv_config(root: Path, environ: Mapping[str, str]) -> PoetryVenvConfig:
    """Resolve Poetry's venv settings for the project at ``root`` without running Poetry.

    Poetry reads a ``POETRY_VIRTUALENVS_*`` variable first, then the project's
    ``poetry.toml``, then the global ``config.toml``, then its default.
    """
    local_path = root / "poetry.toml"
    global_path = poetry_config_dir(environ) / "config.toml"
    local = _read_toml(local_path).get("virtualenvs", {})
    global_all = _read_toml(global_path)
    glob = global_all.get("virtualenvs", {})
    local = local if isinstance(local, dict) else {}
    glob = glob if isinstance(glob, dict) else {}

    def resolve(
        key: str, variable: str, default: Any, parse: Callable[[str], Any]
    ) -> PoetrySetting:
        full = f"virtualenvs.{key}"
        if variable in environ:
            return PoetrySetting(full, parse(environ[variable]), "environment", variable)
        if key in local:
            return PoetrySetting(full, local[key], "local", str(local_path))
        if key in glob:
            return PoetrySetting(full, glob[key], "global", str(global_path))
        return PoetrySetting(full, default, "default", "Poetry's default")

    in_project = resolve("in-project", "POETRY_VIRTUALENVS_IN_PROJECT", None, _boolish)
    path = resolve("path", "POETRY_VIRTUALENVS_PATH", "{cache-dir}/virtualenvs", str)
    cache_dir = _poetry_cache_dir(environ, global_all)
    value = str(path.value).replace("{cache-dir}", cache_dir)
    value = str((root / Path(value).expanduser()).resolve()) if value else value
    return PoetryVenvConfig(in_project, PoetrySetting(path.key, value, path.level, path.source))


def uv_project_environment(root: Path, environ: Mapping[str, str]) -> tuple[Path, str]:
    """uv's project environment for ``root`` and where it comes from."""
    configured = environ.get("UV_PROJECT_ENVIRONMENT")
    if configured:
        return (root / configured).resolve(), "UV_PROJECT_ENVIRONMENT"
    return root / ".venv", "uv default (.venv in the project)"


@dataclass(frozen=True)
class ContainerVenv:
    """The venv path inside the service's container, what set it, and the Dockerfile
    line that did (when a Dockerfile did)."""

    path: str
    source: str
    variable: str | None
    file: Path | None = None
    line: int | None = None


def container_venv(
    service: Mapping[str, Any] | None,
    dockerfile: Dockerfile | None,
    target: str | None,
    default: str,
) -> ContainerVenv:
    """The container's venv: compose ``environment`` > Dockerfile ``ENV`` > ``default``.

    ``service`` is the service's mapping of ``docker compose config`` (environment as
    a mapping) or of the compose file (mapping or ``KEY=VALUE`` list).
    """
    environment = _environment(service)
    for variable in VENV_VARIABLES:
        if environment.get(variable):
            return ContainerVenv(str(environment[variable]), "compose environment", variable)
    if dockerfile is not None:
        found = dockerfile_env(dockerfile, target)
        for variable in VENV_VARIABLES:
            if variable in found:
                value, line = found[variable]
                return ContainerVenv(
                    value, f"{dockerfile.path}:{line} ENV", variable, dockerfile.path, line
                )
        from dockyard.domain.imagevenv import venv_made_by_build

        made = venv_made_by_build(dockerfile, target, environment)
        if made is not None:
            return made
    return ContainerVenv(default, "configuration (venv_path)", None)


def dockerfile_env(dockerfile: Dockerfile, target: str | None) -> dict[str, tuple[str, int]]:
    """``ENV`` values in effect in the target stage (following ``FROM <stage>``), with lines."""
    values: dict[str, tuple[str, int]] = {}
    scope: dict[str, str | None] = dict(dockerfile.global_defaults())
    for stage in reversed(stage_chain(dockerfile, target)):
        scope.update(stage.args())
        for instruction in stage.find("ENV"):
            words = instruction.words()
            pairs: list[tuple[str, str]] = []
            if words and "=" not in words[0]:
                pairs.append((words[0], " ".join(words[1:])))
            else:
                for word in words:
                    key, _, value = word.partition("=")
                    pairs.append((key, value))
            for key, value in pairs:
                resolved = substitute(value, scope)
                shown = value if resolved is None else resolved
                values[key] = (shown, instruction.line)
                scope[key] = shown
    return values


def _environment(service: Mapping[str, Any] | None) -> dict[str, Any]:
    if service is None:
        return {}
    raw = service.get("environment") or {}
    if hasattr(raw, "items"):
        return {str(k): v for k, v in raw.items()}
    result: dict[str, Any] = {}
    for item in raw:
        key, sep, value = str(item).partition("=")
        result[key] = value if sep else None
    return result


@dataclass(frozen=True)
class Mount:
    """A mount of a service: ``bind``, ``volume`` or ``tmpfs``, with source and target."""

    kind: str
    source: str
    target: str


def covering_mount(config: Mapping[str, Any], service: str, path: str) -> Mount | None:
    """The innermost mount of ``service`` that contains container ``path``, if any.

    ``config`` is what ``docker compose config --format json`` prints (long volume
    syntax). A named volume or tmpfs on the venv inside a bind mount hides the bind
    mount there: the innermost mount is the one that counts.
    """
    services = config.get("services") or {}
    body = services.get(service) or {}
    best: Mount | None = None
    for volume in body.get("volumes") or []:
        if not isinstance(volume, Mapping):
            continue
        target = str(volume.get("target", ""))
        if not target or not _within_posix(path, target):
            continue
        if best is None or len(target) > len(best.target):
            best = Mount(str(volume.get("type", "volume")), str(volume.get("source", "")), target)
    return best


def _within_posix(path: str, folder: str) -> bool:
    path = posixpath.normpath(path)
    folder = posixpath.normpath(folder)
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def long_volumes(volumes: Any) -> list[dict[str, str]]:
    """A compose file's ``volumes:`` entries in long syntax (short ``SRC:TARGET[:MODE]`` read).

    A short entry whose source is a path (``.``, ``/``, ``~``) is a bind mount, a
    name is a named volume, and a lone target is an anonymous volume.
    """
    result: list[dict[str, str]] = []
    for volume in volumes or []:
        if isinstance(volume, Mapping):
            result.append({str(k): str(v) for k, v in volume.items() if not isinstance(v, Mapping)})
            continue
        parts = str(volume).split(":")
        if len(parts) == 1:
            result.append({"type": "volume", "source": "", "target": parts[0]})
            continue
        source, target = parts[0], parts[1]
        kind = "bind" if source.startswith((".", "/", "~", "$")) else "volume"
        result.append({"type": kind, "source": source, "target": target})
    return result

"""dockyard's configuration: defaults, sources, and the one function that merges them.

Sources, lowest to highest precedence (:func:`merge` applies them in this order):

1. defaults in code (the standard ``compose/``, ``env/``, ``docker/`` layout);
2. ``[tool.dockyard]`` in ``pyproject.toml``;
3. the ``dockyard`` section of Invoke's configuration (``invoke.yaml`` and friends);
4. ``DOCKYARD_*`` environment variables (see :data:`ENV_VARS`);
5. command-line flags.

Every source is validated on its own, so an unknown key or a wrong type is reported
with the key and the source (file) it came from.
"""

from __future__ import annotations

import hashlib
import re
import shlex
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal, cast

from dockyard.domain import DEFAULT_ENVIRONMENTS
from dockyard.errors import ConfigError, UsageError

__all__ = [
    "DEFAULT_ENVIRONMENTS",
    "ENV_VARS",
    "Environment",
    "Layer",
    "Settings",
    "find_root",
    "layer_from_environ",
    "layer_from_mapping",
    "layer_from_pyproject",
    "load_settings",
    "merge",
    "validate_env_name",
]

PackageManager = Literal["auto", "uv", "poetry", "pip"]

_ENV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# key -> expected type; "list" means a list of strings, "table" a table of environments
_TOP_KEYS: dict[str, str] = {
    "project_name": "str",
    "default_env": "str",
    "service": "str",
    "compose_dir": "str",
    "env_dir": "str",
    "env_example": "str",
    "dockerfile": "str",
    "dockerignore": "str",
    "package_manager": "str",
    "venv_path": "str",
    "helper_image": "str",
    "default_uid": "int",
    "default_gid": "int",
    "test_command": "list",
    "committed_envs": "list",
    "profiles": "list",
    "up_timeout": "int",
    "settle_seconds": "int",
    "environments": "table",
}
_ENV_KEYS: dict[str, str] = {
    "compose_files": "list",
    "env_file": "str",
    "env_files": "list",
    "env_example": "str",
    "service": "str",
    "test_command": "list",
    "profiles": "list",
    "enabled": "bool",
    "variables": "strings",
}

#: ``DOCKYARD_*`` variables read by :func:`layer_from_environ` and the key each sets.
ENV_VARS: dict[str, str] = {
    "DOCKYARD_ENV": "default_env",
    "DOCKYARD_PROJECT_NAME": "project_name",
    "DOCKYARD_SERVICE": "service",
    "DOCKYARD_COMPOSE_DIR": "compose_dir",
    "DOCKYARD_ENV_DIR": "env_dir",
    "DOCKYARD_ENV_EXAMPLE": "env_example",
    "DOCKYARD_DOCKERFILE": "dockerfile",
    "DOCKYARD_DOCKERIGNORE": "dockerignore",
    "DOCKYARD_PACKAGE_MANAGER": "package_manager",
    "DOCKYARD_VENV_PATH": "venv_path",
    "DOCKYARD_HELPER_IMAGE": "helper_image",
    "DOCKYARD_DEFAULT_UID": "default_uid",
    "DOCKYARD_DEFAULT_GID": "default_gid",
    "DOCKYARD_TEST_COMMAND": "test_command",
    "DOCKYARD_PROFILES": "profiles",
    "DOCKYARD_UP_TIMEOUT": "up_timeout",
    "DOCKYARD_SETTLE_SECONDS": "settle_seconds",
}

_DEFAULTS: dict[str, Any] = {
    "default_env": "dev",
    "service": "app",
    "compose_dir": "compose",
    "env_dir": "env",
    "env_example": "env/.env.example",
    "dockerfile": "docker/Dockerfile",
    "dockerignore": "docker/Dockerfile.dockerignore",
    "package_manager": "auto",
    "venv_path": "/opt/venv",
    "helper_image": "debian:bookworm-slim",
    "default_uid": 1000,
    "default_gid": 1000,
    "test_command": ["pytest"],
    "committed_envs": ["ci"],
    "profiles": [],
    "up_timeout": 300,
    "settle_seconds": 3,
    "environments": {name: {} for name in DEFAULT_ENVIRONMENTS},
}


@dataclass(frozen=True)
class Layer:
    """One configuration source: a name for messages and the keys it sets."""

    source: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Environment:
    """One environment (dev, test, ci, ...): its compose files, env file and service.

    ``origin`` says where the compose files come from: ``standard`` (the
    ``compose/docker-compose.<env>.yml`` layout), ``configuration``, or what discovery
    saw (``base file and its override``, ``file name``, ``COMPOSE_FILE``...). The env
    file is passed to compose with ``--env-file``; outside the standard layout it may be
    absent (``env_file_required`` false), as plain compose runs without ``.env``.
    ``variables`` are set for every compose call of the environment, over the process
    environment: the ones that choose it (``APP_ENV=test`` where the compose files load
    ``.env.${APP_ENV:-dev}``).
    """

    name: str
    compose_files: tuple[Path, ...]
    env_file: Path
    service: str
    project_name: str
    test_command: tuple[str, ...]
    env_example: Path | None = None
    env_file_required: bool = True
    origin: str = "standard"
    extra_env_files: tuple[Path, ...] = ()
    profiles: tuple[str, ...] = ()
    variables: tuple[tuple[str, str], ...] = ()

    @property
    def env_files(self) -> tuple[Path, ...]:
        """Every ``--env-file`` compose gets, in order (later ones win)."""
        return (*self.extra_env_files, self.env_file)

    @property
    def project_dir(self) -> Path:
        """The folder compose resolves relative paths from: the first file's folder."""
        return self.compose_files[0].parent


@dataclass(frozen=True)
class Settings:
    """The merged configuration of one repository. Paths are absolute."""

    root: Path
    project_name: str
    default_env: str
    service: str
    compose_dir: Path
    env_dir: Path
    env_example: Path
    dockerfile: Path
    dockerignore: Path
    package_manager: PackageManager
    venv_path: str
    helper_image: str
    default_uid: int
    default_gid: int
    test_command: tuple[str, ...]
    committed_envs: tuple[str, ...]
    environments: Mapping[str, Environment]
    origins: Mapping[str, str] = field(default_factory=dict)
    up_timeout: int = 300
    settle_seconds: int = 3

    def environment(self, name: str | None = None) -> Environment:
        """The environment called ``name`` (default: :attr:`default_env`)."""
        name = self.default_env if name is None else name
        validate_env_name(name)
        try:
            return self.environments[name]
        except KeyError:
            known = ", ".join(sorted(self.environments)) or "none"
            raise UsageError(
                f"unknown environment {name!r} (configured: {known})", argument="--env"
            ) from None

    def relative(self, path: Path) -> Path:
        """``path`` relative to the repository root when it lies inside it."""
        try:
            return path.relative_to(self.root)
        except ValueError:
            return path

    def detected_package_manager(self) -> Literal["uv", "poetry", "pip"]:
        """The package manager: configured, else uv.lock → uv, poetry.lock → Poetry."""
        if self.package_manager != "auto":
            return self.package_manager
        if (self.root / "uv.lock").is_file():
            return "uv"
        if (self.root / "poetry.lock").is_file():
            return "poetry"
        return "pip"


def validate_env_name(name: str) -> str:
    """Refuse an env name that is not a plain name (``../../etc/passwd``, ``a/b``)."""
    if not _ENV_NAME.match(name):
        raise UsageError(
            f"invalid environment name {name!r}: use letters, digits, '-' and '_' "
            "(a name, not a path)",
            argument="--env",
        )
    return name


def find_root(start: Path) -> Path:
    """The repository root: the git top level, else the folder holding the compose
    files, else the nearest pyproject.toml (see :func:`dockyard.domain.discovery.find_root`)."""
    from dockyard.domain.discovery import find_root as discovered_root

    return discovered_root(start)


def layer_from_pyproject(root: Path) -> Layer:
    """``[tool.dockyard]`` of ``root/pyproject.toml`` (empty when either is absent)."""
    from dockyard.adapters.files import read_text

    path = root / "pyproject.toml"
    source = "pyproject.toml"
    try:
        data = tomllib.loads(read_text(path, what="config", display=source))
    except FileNotFoundError:
        return Layer(source, {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", source=source) from None
    table = data.get("tool", {}).get("dockyard", {})
    if not isinstance(table, dict):
        raise ConfigError("[tool.dockyard] must be a table", source=source, key="tool.dockyard")
    return Layer(f"{source} [tool.dockyard]", table)


def layer_from_mapping(source: str, values: Mapping[str, Any] | None) -> Layer:
    """A layer from an already-parsed mapping (Invoke's ``dockyard`` section, flags)."""
    return Layer(source, dict(values or {}))


def layer_from_environ(environ: Mapping[str, str]) -> Layer:
    """The ``DOCKYARD_*`` variables of :data:`ENV_VARS` present in ``environ``."""
    values: dict[str, Any] = {}
    for var, key in ENV_VARS.items():
        raw = environ.get(var)
        if raw is None or raw == "":
            continue
        kind = _TOP_KEYS[key]
        if kind == "int":
            try:
                values[key] = int(raw)
            except ValueError:
                raise ConfigError(
                    f"{var} must be an integer, got {raw!r}", source="environment", key=var
                ) from None
        elif kind == "list":
            try:
                values[key] = shlex.split(raw)
            except ValueError as exc:  # "No closing quotation", "No escaped character"
                raise ConfigError(
                    f"{var} is not a valid shell-quoted command: {str(exc).lower()}",
                    source="environment",
                    key=var,
                ) from None
        else:
            values[key] = raw
    return Layer("environment (DOCKYARD_*)", values)


def merge(
    root: Path, layers: Sequence[Layer], environ: Mapping[str, str] | None = None
) -> Settings:
    """Apply ``layers`` over the defaults, lowest precedence first, and build Settings.

    ``environ`` is what compose itself would read (``COMPOSE_FILE``,
    ``COMPOSE_PROJECT_NAME``) when the environments are discovered.
    """
    merged: dict[str, Any] = {k: v for k, v in _DEFAULTS.items() if k != "environments"}
    envs: dict[str, dict[str, Any]] = {}
    origins: dict[str, str] = dict.fromkeys(merged, "default")
    for layer in layers:
        _validate(layer)
        for key, value in layer.values.items():
            if key == "environments":
                for name, table in value.items():
                    envs.setdefault(name, {}).update(table)
                    origins[f"environments.{name}"] = layer.source
            else:
                merged[key] = value
                origins[key] = layer.source
    return _build(root, merged, envs, origins, environ or {})


def load_settings(
    root: Path,
    *,
    invoke_config: Mapping[str, Any] | None = None,
    invoke_source: str = "Invoke configuration [dockyard]",
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Read and merge every source for the repository at ``root``."""
    layers = [
        layer_from_pyproject(root),
        layer_from_mapping(invoke_source, invoke_config),
        layer_from_environ(environ or {}),
        layer_from_mapping(
            "command line", {k: v for k, v in (overrides or {}).items() if v is not None}
        ),
    ]
    return merge(root, layers, environ)


def _validate(layer: Layer) -> None:  # noqa: PLR0912 - one branch per rule reads best
    for key, value in layer.values.items():
        kind = _TOP_KEYS.get(key)
        if kind is None:
            raise ConfigError(f"unknown key {key!r}", source=layer.source, key=key)
        if kind == "table":
            if not isinstance(value, Mapping):
                raise ConfigError(f"{key!r} must be a table", source=layer.source, key=key)
            for name, table in value.items():
                try:
                    validate_env_name(str(name))
                except UsageError as exc:
                    raise ConfigError(
                        f"'environments.{name}': {exc}",
                        source=layer.source,
                        key=f"environments.{name}",
                    ) from None
                if not isinstance(table, Mapping):
                    raise ConfigError(
                        f"'environments.{name}' must be a table", source=layer.source, key=key
                    )
                for sub, subvalue in table.items():
                    subkind = _ENV_KEYS.get(sub)
                    full = f"environments.{name}.{sub}"
                    if subkind is None:
                        raise ConfigError(f"unknown key {full!r}", source=layer.source, key=full)
                    _check_type(layer.source, full, subkind, subvalue)
        else:
            _check_type(layer.source, key, kind, value)
    if "package_manager" in layer.values and layer.values["package_manager"] not in (
        "auto",
        "uv",
        "poetry",
        "pip",
    ):
        raise ConfigError(
            "'package_manager' must be one of auto, uv, poetry, pip",
            source=layer.source,
            key="package_manager",
        )
    if "project_name" in layer.values and not _PROJECT_NAME.match(layer.values["project_name"]):
        raise ConfigError(
            "'project_name' must be lowercase letters, digits, '-' and '_' "
            "(a compose project name)",
            source=layer.source,
            key="project_name",
        )
    if "default_env" in layer.values:
        try:
            validate_env_name(layer.values["default_env"])
        except UsageError as exc:
            raise ConfigError(
                f"'default_env': {exc}", source=layer.source, key="default_env"
            ) from None


def _check_type(source: str, key: str, kind: str, value: Any) -> None:
    ok = {
        "str": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "list": isinstance(value, list) and all(isinstance(v, str) for v in value),
        "strings": isinstance(value, Mapping)
        and all(isinstance(v, str) and _VARIABLE_NAME.match(str(k)) for k, v in value.items()),
    }[kind]
    if not ok:
        expected = {
            "str": "a string",
            "int": "an integer",
            "bool": "true or false",
            "list": "a list of strings",
            "strings": "a table of variable names (A-Z, 0-9, _) to strings",
        }[kind]
        raise ConfigError(
            f"{key!r} must be {expected}, got {type(value).__name__}", source=source, key=key
        )


def _build(
    root: Path,
    top: dict[str, Any],
    envs: dict[str, dict[str, Any]],
    origins: dict[str, str],
    environ: Mapping[str, str],
) -> Settings:
    from dockyard.domain.environments import default_env, resolve_environments

    root = root.resolve()
    project = top.get("project_name") or default_project_name(root)
    compose_dir = _path(root, top["compose_dir"], "compose_dir", origins)
    env_dir = _path(root, top["env_dir"], "env_dir", origins)
    env_example = _path(root, top["env_example"], "env_example", origins)
    environments = resolve_environments(
        root, project, top=top, envs=envs, origins=origins, environ=environ
    )
    return Settings(
        root=root,
        project_name=project,
        default_env=default_env(top, environments, origins),
        service=top["service"],
        compose_dir=compose_dir,
        env_dir=env_dir,
        env_example=env_example,
        dockerfile=_path(root, top["dockerfile"], "dockerfile", origins),
        dockerignore=_path(root, top["dockerignore"], "dockerignore", origins),
        package_manager=cast(PackageManager, top["package_manager"]),
        venv_path=top["venv_path"],
        helper_image=top["helper_image"],
        default_uid=top["default_uid"],
        default_gid=top["default_gid"],
        test_command=tuple(top["test_command"]),
        committed_envs=tuple(top["committed_envs"]),
        environments=environments,
        origins=origins,
        up_timeout=top["up_timeout"],
        settle_seconds=top["settle_seconds"],
    )


def default_project_name(root: Path) -> str:
    """``<folder>-<6 hex of the path>``: readable, and unique to this checkout."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", root.name.lower()).strip("-_") or "project"
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:6]
    return f"{slug}-{digest}"


def _path(root: Path, value: str, key: str, origins: Mapping[str, str]) -> Path:
    if PurePosixPath(value).is_absolute() or ".." in PurePosixPath(value).parts:
        source = origins.get(key) or origins.get(key.rsplit(".", 1)[0], "configuration")
        raise ConfigError(
            f"{key!r} must be a path inside the repository, got {value!r}",
            source=source,
            key=key,
        )
    return root / value

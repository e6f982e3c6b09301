"""What one compose service is: image or build, user, volumes, env files, environment.

:func:`services_from_config` reads the JSON of ``docker compose config --format json``
(compose's own answer: profiles applied, overrides merged, paths resolved, variables
interpolated). :func:`merge_files` is the fallback when compose cannot answer: the
files' mappings merged the way compose merges them, with what it cannot follow said in
notes rather than guessed. Env file lists, which compose folds into ``environment``, are
always read from the files (:func:`env_files_of`).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "BuildInfo",
    "EnvFileRef",
    "Service",
    "Volume",
    "env_files_of",
    "ignore_file_for",
    "interpolate",
    "merge_files",
    "services_from_config",
]

_INTERP = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}")


@dataclass(frozen=True)
class Volume:
    """A service mount: ``bind`` (source an absolute host path), ``volume`` (source a
    name, or None for an anonymous volume), ``tmpfs``."""

    kind: str
    source: str | None
    target: str
    read_only: bool = False

    @property
    def anonymous(self) -> bool:
        """An unnamed volume (``- /app/.venv``): a fresh one for each container."""
        return self.kind == "volume" and not self.source


@dataclass(frozen=True)
class EnvFileRef:
    """An ``env_file`` entry: the absolute path, whether compose requires it, where."""

    path: Path
    required: bool
    file: Path
    line: int | None


@dataclass(frozen=True)
class BuildInfo:
    """How a service's image is built, and the ignore file BuildKit reads for it."""

    context: Path
    dockerfile: Path | None
    target: str | None
    args: Mapping[str, str]
    ignore_file: Path

    @property
    def stage_label(self) -> str:
        """The stage built: the ``target``, else the last stage."""
        return self.target or "(last stage)"


@dataclass(frozen=True)
class Service:
    """One service as compose will run it."""

    name: str
    image: str | None
    build: BuildInfo | None
    user: str | None
    volumes: tuple[Volume, ...]
    environment: Mapping[str, str | None]
    env_files: tuple[EnvFileRef, ...] = ()
    profiles: tuple[str, ...] = ()
    command: Any = None
    working_dir: str | None = None
    healthcheck: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def covering(self, path: str) -> Volume | None:
        """The innermost mount that holds container ``path`` (None: the image's own)."""
        best: Volume | None = None
        for volume in self.volumes:
            if _within(path, volume.target) and (
                best is None or len(volume.target) > len(best.target)
            ):
                best = volume
        return best


def ignore_file_for(dockerfile: Path | None, context: Path) -> Path:
    """The ignore file BuildKit reads: ``<Dockerfile>.dockerignore`` beside the
    Dockerfile when it exists, else ``<context>/.dockerignore`` (which may not exist)."""
    if dockerfile is not None:
        beside = dockerfile.with_name(dockerfile.name + ".dockerignore")
        if beside.is_file():
            return beside
    return context / ".dockerignore"


def services_from_config(config: Mapping[str, Any]) -> dict[str, Service]:
    """Services of ``docker compose config --format json`` (absolute paths already)."""
    result: dict[str, Service] = {}
    for name, body in (config.get("services") or {}).items():
        if isinstance(body, Mapping):
            result[str(name)] = _service(str(name), body, None)
    return result


def _service(name: str, body: Mapping[str, Any], folder: Path | None) -> Service:
    build = _build(body.get("build"), folder)
    environment = _environment(body.get("environment"))
    health = body.get("healthcheck")
    return Service(
        name=name,
        image=str(body["image"]) if body.get("image") else None,
        build=build,
        user=str(body["user"]) if body.get("user") not in (None, "") else None,
        volumes=tuple(_volumes(body.get("volumes"), folder)),
        environment=environment,
        profiles=tuple(str(p) for p in body.get("profiles") or ()),
        command=body.get("command"),
        working_dir=str(body["working_dir"]) if body.get("working_dir") else None,
        healthcheck=health if isinstance(health, Mapping) else None,
        raw=body,
    )


def _build(raw: Any, folder: Path | None) -> BuildInfo | None:
    if raw is None:
        return None
    if not isinstance(raw, str | Mapping):
        return None
    spec: Mapping[str, Any] = {"context": raw} if isinstance(raw, str) else raw
    context = _host_path(str(spec.get("context") or "."), folder)
    dockerfile: Path | None = None
    if not spec.get("dockerfile_inline"):
        named = str(spec.get("dockerfile") or "Dockerfile")
        dockerfile = Path(os.path.normpath(context / named))
    args: dict[str, str] = {}
    raw_args = spec.get("args") or {}
    if isinstance(raw_args, Mapping):
        args = {str(k): str(v) for k, v in raw_args.items() if v is not None}
    else:
        for item in raw_args:
            key, sep, value = str(item).partition("=")
            if sep:
                args[key] = value
    target = spec.get("target")
    return BuildInfo(
        context,
        dockerfile,
        str(target) if target else None,
        args,
        ignore_file_for(dockerfile, context),
    )


def _host_path(value: str, folder: Path | None) -> Path:
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = (folder or Path.cwd()) / path
    return Path(os.path.normpath(path))


def _environment(raw: Any) -> dict[str, str | None]:
    if isinstance(raw, Mapping):
        return {str(k): None if v is None else str(v) for k, v in raw.items()}
    result: dict[str, str | None] = {}
    for item in raw or ():
        key, sep, value = str(item).partition("=")
        result[key] = value if sep else None
    return result


def _volumes(raw: Any, folder: Path | None) -> list[Volume]:
    result: list[Volume] = []
    for item in raw or ():
        if isinstance(item, Mapping):
            kind = str(item.get("type") or "volume")
            source = item.get("source")
            source_text = str(source) if source else None
            if kind == "bind" and source_text:
                source_text = str(_host_path(source_text, folder))
            result.append(
                Volume(kind, source_text, str(item.get("target", "")), bool(item.get("read_only")))
            )
            continue
        parts = str(item).split(":")
        if len(parts) == 1:
            result.append(Volume("volume", None, parts[0]))
            continue
        source, target = parts[0], parts[1]
        read_only = len(parts) > 2 and "ro" in parts[2].split(",")
        if source.startswith((".", "/", "~")):
            result.append(Volume("bind", str(_host_path(source, folder)), target, read_only))
        else:
            result.append(Volume("volume", source, target, read_only))
    return result


def _within(path: str, folder: str) -> bool:
    path, folder = posixpath.normpath(path), posixpath.normpath(folder)
    return path == folder or path.startswith(folder.rstrip("/") + "/")


# ------------------------------------------------------------------ from the files


def env_files_of(
    files: Sequence[tuple[Path, Any]],
    service: str,
    display: Any,
    variables: Mapping[str, str] | None = None,
) -> tuple[EnvFileRef, ...]:
    """The ``env_file`` entries of ``service`` across ``files`` (``(path, data)``), in
    compose's order (later files add to earlier ones), with the line of each; names
    such as ``.env.${APP_ENV:-dev}`` interpolated with ``variables``."""
    refs: dict[Path, EnvFileRef] = {}
    for path, data in files:
        body = _service_body(data, service)
        if body is None:
            continue
        raw = body.get("env_file")
        entries = [raw] if isinstance(raw, str | Mapping) else list(raw or ())
        for index, entry in enumerate(entries):
            if isinstance(entry, Mapping):
                name = str(entry.get("path", ""))
                required = entry.get("required", True) is not False
            else:
                name, required = str(entry), True
            name = str(interpolate(name, variables or {}, set()))
            if not name:
                continue
            target = _host_path(name, path.parent)
            line = _line(raw, index) if not isinstance(raw, str) else _line(body, "env_file")
            refs[target] = EnvFileRef(target, required, display(path), line)
    return tuple(refs.values())


def _service_body(data: Any, service: str) -> Mapping[str, Any] | None:
    services = data.get("services") if isinstance(data, Mapping) else None
    body = services.get(service) if isinstance(services, Mapping) else None
    return body if isinstance(body, Mapping) else None


def _line(container: Any, key: Any) -> int | None:
    lc = getattr(container, "lc", None)
    try:
        if lc is None:
            return None
        return int(lc.item(key)[0] if isinstance(key, int) else lc.key(key)[0]) + 1
    except (KeyError, TypeError, AttributeError, IndexError):
        return None


def interpolate(value: Any, variables: Mapping[str, str], missing: set[str]) -> Any:
    """Compose's ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?err}``
    in every string of ``value``; names it could not resolve are added to ``missing``."""
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name, op, arg = match["name"], match["op"] or "", match["arg"] or ""
            present = name in variables
            current = variables.get(name, "")
            if op in (":-", ":?") and not current:
                present = False
            if present:
                return arg if op in (":+", "+") else current
            if op in (":-", "-"):
                return arg
            missing.add(name)
            return ""

        return _INTERP.sub(replace, value.replace("$$", "\0")).replace("\0", "$")
    if isinstance(value, Mapping):
        return {k: interpolate(v, variables, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, variables, missing) for v in value]
    return value


def merge_files(
    files: Sequence[tuple[Path, Any]], variables: Mapping[str, str], profiles: Sequence[str]
) -> tuple[dict[str, Service], dict[str, Any], list[str]]:
    """Compose's merge of ``files``, for when compose itself cannot answer.

    Returns the services (profiles applied), the merged top level, and notes naming what
    was not followed (``include``, an ``extends`` it cannot find, unresolved variables).
    """
    notes: list[str] = []
    missing: set[str] = set()
    merged: dict[str, dict[str, Any]] = {}
    folders: dict[str, Path] = {}
    top: dict[str, Any] = {}
    for path, data in files:
        if not isinstance(data, Mapping):
            continue
        if data.get("include"):
            notes.append(f"{path.name}: `include:` is not followed without compose")
        for key, value in data.items():
            if key != "services":
                top[str(key)] = interpolate(_plain(value), variables, missing)
        for name, declared in (data.get("services") or {}).items():
            if not isinstance(declared, Mapping):
                continue
            body = interpolate(_plain(declared), variables, missing)
            if "extends" in body:
                body = _extend(body, data, path, notes, depth=0)
            folders.setdefault(str(name), path.parent)
            merged[str(name)] = _merge_service(merged.get(str(name), {}), body)
    if missing:
        notes.append("variables left empty: " + ", ".join(sorted(missing)))
    active = set(profiles)
    services = {
        name: _service(name, body, folders[name])
        for name, body in merged.items()
        if not body.get("profiles") or active.intersection(map(str, body["profiles"]))
    }
    return services, top, notes


def _extend(
    body: dict[str, Any], data: Mapping[str, Any], path: Path, notes: list[str], depth: int
) -> dict[str, Any]:
    """``body`` with its ``extends`` applied: the named service (in this file or in
    ``file``) under the body's own keys, as compose merges them."""
    spec = body.pop("extends")
    target = spec if isinstance(spec, str) else None
    if isinstance(spec, Mapping):
        target = spec.get("service")
    other = spec.get("file") if isinstance(spec, Mapping) else None
    source: Any = data
    if other:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            source = YAML(typ="rt").load((path.parent / str(other)).read_text(encoding="utf-8"))
        except (OSError, YAMLError, UnicodeDecodeError):
            notes.append(f"{path.name}: `extends` names {other}, which cannot be read")
            return body
    services = source.get("services") if isinstance(source, Mapping) else None
    base = services.get(str(target)) if isinstance(services, Mapping) else None
    if not isinstance(base, Mapping) or depth > 8:
        notes.append(f"{path.name}: `extends` names service {target!r}, which is not found")
        return body
    origin = path.parent / str(other) if other else path
    parent = _plain(base)
    if "extends" in parent:
        parent = _extend(parent, source, origin, notes, depth + 1)
    if other:
        parent = _rebase(parent, origin.parent)
    return _merge_service(parent, body)


def _rebase(body: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Relative paths of a service read from another file, made absolute from its folder
    (compose resolves them from the file that declares them)."""

    def absolute(value: str) -> str:
        return str(_host_path(value, folder)) if value.startswith(".") else value

    result = dict(body)
    build = result.get("build")
    if isinstance(build, str):
        result["build"] = absolute(build)
    elif isinstance(build, Mapping):
        result["build"] = {**build, "context": absolute(str(build.get("context", ".")))}
    env_file = result.get("env_file")
    if isinstance(env_file, str):
        result["env_file"] = absolute(env_file)
    elif isinstance(env_file, list):
        result["env_file"] = [
            absolute(e) if isinstance(e, str) else {**e, "path": absolute(str(e.get("path", "")))}
            for e in env_file
        ]
    volumes: list[Any] = []
    for volume in result.get("volumes") or ():
        if isinstance(volume, str) and volume.startswith("."):
            source, _, rest = volume.partition(":")
            volumes.append(f"{absolute(source)}:{rest}")
        elif isinstance(volume, Mapping) and str(volume.get("source", "")).startswith("."):
            volumes.append({**volume, "source": absolute(str(volume["source"]))})
        else:
            volumes.append(volume)
    if volumes:
        result["volumes"] = volumes
    return result


_APPENDED = ("ports", "expose", "dns", "extra_hosts", "env_file", "cap_add", "devices")


def _merge_service(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in over.items():
        old = result.get(key)
        if key == "volumes" and isinstance(old, list) and isinstance(value, list):
            by_target = {_target(v): v for v in old}
            by_target.update({_target(v): v for v in value})
            result[key] = list(by_target.values())
        elif key in ("environment", "labels") and old is not None:
            result[key] = {**_environment(old), **_environment(value)}
        elif key in _APPENDED and isinstance(old, list) and isinstance(value, list):
            result[key] = old + [v for v in value if v not in old]
        elif isinstance(old, Mapping) and isinstance(value, Mapping):
            result[key] = {**old, **value}
        else:
            result[key] = value
    return result


def _target(volume: Any) -> str:
    if isinstance(volume, Mapping):
        return str(volume.get("target", ""))
    parts = str(volume).split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value

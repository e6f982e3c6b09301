"""Compose files merged without compose: the fallback when compose cannot answer.

The files' mappings merged the way compose merges them (services by name, volumes by
target, environment by key, lists such as ports appended), ``extends`` followed in the
file and from another file (its paths from that file's folder), ``${VAR}`` interpolated,
profiles applied; what cannot be followed (``include:``, an ``extends`` that is not
there, variables without a value) is said in notes rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dockyard.domain.services import Service, _environment, _host_path, _service

__all__ = ["interpolate", "merge_files"]

_INTERP = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}")


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

    ``files`` include what their ``include:`` pulls in, first (the repository model
    reads them). Returns the services (profiles applied), the merged top level, and
    notes naming what was not followed (an ``extends`` it cannot find, unresolved
    variables).
    """
    notes: list[str] = []
    missing: set[str] = set()
    merged: dict[str, dict[str, Any]] = {}
    folders: dict[str, Path] = {}
    top: dict[str, Any] = {}
    for path, data in files:
        if not isinstance(data, Mapping):
            continue
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
        elif key == "build" and old is not None and value is not None:
            result[key] = _merge_mapping(_build_mapping(old), _build_mapping(value))
        elif isinstance(old, Mapping) and isinstance(value, Mapping):
            result[key] = _merge_mapping(old, value)
        else:
            result[key] = value
    return result


def _build_mapping(build: Any) -> Mapping[str, Any]:
    """``build: .`` is ``build: {context: .}`` to compose."""
    return build if isinstance(build, Mapping) else {"context": build}


def _merge_mapping(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Compose's merge of nested mappings: key by key, all the way down; ``args``,
    ``environment`` and ``labels`` by name, whether written as lists or mappings."""
    result = dict(old)
    for key, value in new.items():
        prev = result.get(key)
        if key in ("args", "environment", "labels") and prev is not None and value is not None:
            result[key] = {**_environment(prev), **_environment(value)}
        elif isinstance(prev, Mapping) and isinstance(value, Mapping):
            result[key] = _merge_mapping(prev, value)
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

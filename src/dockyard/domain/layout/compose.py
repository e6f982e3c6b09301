"""Rewrite a root-level compose file for its new home in ``compose/``.

Round-trip YAML (ruamel.yaml) keeps comments and key order. Relative paths were
relative to the repository root and become relative to ``compose/``; ``environment:``
entries move to the environment's env file, replaced by ``env_file``; a mounted ``.env``
file becomes ``env_file`` too.
"""

from __future__ import annotations

import io
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from dockyard.errors import PlanError

__all__ = ["Rewritten", "rewrite_compose"]

_INTERPOLATION = re.compile(r"^\$\{(?P<var>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?P<default>[^}]*))?\}$")


@dataclass
class Rewritten:
    """The new compose text, and what moved out of ``environment:``."""

    text: str
    env_values: dict[str, str] = field(default_factory=dict)
    example_values: dict[str, str] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)


def _rel(path: str) -> str:
    """A root-relative path as seen from ``compose/``."""
    if path.startswith(("/", "~", "$")) or "://" in path:
        return path
    return posixpath.normpath(posixpath.join("..", path))


def _is_path(source: str) -> bool:
    return source.startswith((".", "/", "~")) or "/" in source


def rewrite_compose(
    text: str,
    *,
    source: str,
    env_name: str,
    dockerfile: str | None,
    host_ids: bool = False,
) -> Rewritten:
    """Rewrite compose ``text`` (from ``source``) for ``compose/``; ``env_name`` picks
    ``../env/.env.<env_name>``; ``dockerfile`` is the Dockerfile's new root-relative path
    when it moved (its path in ``build.dockerfile`` is relative to the build context);
    ``host_ids`` adds ``HOST_UID``/``HOST_GID`` build args (for dockyard's Dockerfile)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    try:
        data: Any = yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise PlanError(
            f"{source}{where}: not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
    result = Rewritten("")
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        raise PlanError(f"{source}: not a compose file (no `services:` mapping)")
    env_file = f"../env/.env.{env_name}"
    for name, service in data["services"].items():
        if not isinstance(service, dict):
            continue
        _build(service, name, result, dockerfile)
        if host_ids and "build" in service:
            _host_id_args(service, name, result)
        mounted_env = _volumes(service, name, result)
        moved = _environment(service, name, result)
        if moved or mounted_env or "env_file" in service:
            _env_file(service, name, env_file, result)
    out = io.StringIO()
    yaml.dump(data, out)
    result.text = out.getvalue()
    return result


def _build(service: dict[str, Any], name: str, result: Rewritten, dockerfile: str | None) -> None:
    build = service.get("build")
    if isinstance(build, str):
        service["build"] = _rel(build)
        result.changes.append(f"{name}: build {build} -> {service['build']}")
        build = None
        if dockerfile:
            from ruamel.yaml.comments import CommentedMap

            service["build"] = CommentedMap([("context", _rel(".")), ("dockerfile", dockerfile)])
        return
    if not isinstance(build, dict):
        return
    context = str(build.get("context", "."))
    build["context"] = _rel(context)
    result.changes.append(f"{name}: build.context {context} -> {build['context']}")
    if dockerfile:
        old = build.get("dockerfile")
        new = posixpath.relpath(dockerfile, posixpath.normpath(context))
        if old != new:
            build["dockerfile"] = new
            result.changes.append(f"{name}: build.dockerfile {old} -> {new}")


def _host_id_args(service: dict[str, Any], name: str, result: Rewritten) -> None:
    from ruamel.yaml.comments import CommentedMap

    build = service["build"]
    if isinstance(build, str):
        build = service["build"] = CommentedMap([("context", build)])
    args = build.setdefault("args", CommentedMap())
    if isinstance(args, list):
        return  # list form: left as written
    for key in ("HOST_UID", "HOST_GID"):
        if key not in args:
            args[key] = f"${{{key}:-1000}}"
            result.changes.append(f"{name}: build.args {key} from the host")


def _volumes(service: dict[str, Any], name: str, result: Rewritten) -> bool:
    volumes = service.get("volumes")
    if not isinstance(volumes, list):
        return False
    mounted_env = False
    keep = []
    for entry in volumes:
        if isinstance(entry, str):
            source, sep, rest = entry.partition(":")
            if sep and _is_path(source):
                if posixpath.basename(posixpath.normpath(source)) == ".env":
                    mounted_env = True
                    result.changes.append(f"{name}: mounted {source} replaced by env_file")
                    continue
                entry = f"{_rel(source)}:{rest}"  # noqa: PLW2901 - rebuilt on purpose
                result.changes.append(f"{name}: volume {source} -> {_rel(source)}")
        elif isinstance(entry, dict) and entry.get("type") == "bind" and "source" in entry:
            old = str(entry["source"])
            entry["source"] = _rel(old)
            result.changes.append(f"{name}: volume {old} -> {entry['source']}")
        keep.append(entry)
    volumes[:] = keep
    if not volumes:
        del service["volumes"]
    return mounted_env


def _environment(service: dict[str, Any], name: str, result: Rewritten) -> bool:
    env = service.get("environment")
    items: list[tuple[str, str | None]] = []
    if isinstance(env, dict):
        items = [(str(k), None if v is None else str(v)) for k, v in env.items()]
    elif isinstance(env, list):
        for entry in env:
            name_, sep, raw = str(entry).partition("=")
            items.append((name_, raw if sep else None))
    else:
        return False
    moved = False
    for key, value in items:
        if value is None:
            continue  # passes the host's value through: stays
        found = _INTERPOLATION.match(value.strip())
        if found and found["var"] == key:
            default = found["default"] or ""
            result.env_values.setdefault(key, default)
            result.example_values.setdefault(key, default)
        elif "${" in value:
            continue  # computed from other variables: stays, compose interpolates it
        else:
            from dockyard.domain.secrets import is_secret_key

            result.env_values.setdefault(key, value)
            result.example_values.setdefault(key, "" if is_secret_key(key) else value)
        _drop(env, key)
        moved = True
        result.changes.append(f"{name}: environment {key} moved to the env file")
    if not env:
        del service["environment"]
    return moved


def _drop(env: Any, key: str) -> None:
    if isinstance(env, dict):
        del env[key]
    else:
        env[:] = [e for e in env if str(e).partition("=")[0] != key]


def _env_file(service: dict[str, Any], name: str, env_file: str, result: Rewritten) -> None:
    current = service.get("env_file")
    if current is None:
        service["env_file"] = [env_file]
        result.changes.append(f"{name}: env_file {env_file}")
        return
    files = [current] if isinstance(current, str) else list(current)
    new = []
    for entry in files:
        base = posixpath.basename(str(entry))
        if base == ".env":
            new.append(env_file)  # the bare root .env becomes this environment's file
        elif base.startswith(".env"):
            new.append(f"../env/{base}")
        else:
            new.append(_rel(str(entry)))
    if env_file not in new:
        new.append(env_file)
    deduped = list(dict.fromkeys(str(f) for f in new))
    if isinstance(current, str):
        service["env_file"] = deduped if len(deduped) > 1 else deduped[0]
    else:
        current[:] = deduped
    result.changes.append(f"{name}: env_file -> {', '.join(deduped)}")

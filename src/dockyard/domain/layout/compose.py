"""Rewrite a compose file that moves from the repository root into ``compose/``.

Round-trip YAML (ruamel.yaml) keeps comments, key order and quoting. Relative paths
(build context, dockerfile, bind-mount sources, env_file) are re-expressed from the
new folder, following files that move too; ``environment:`` entries that only pass a
variable through (``KEY: ${KEY:-default}``) or hard-code a literal move to the
environment's env file (plus the example), and a bind-mounted ``.env`` becomes
``env_file``.
"""

from __future__ import annotations

import io
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dockyard.errors import PlanError

__all__ = ["ComposeRewrite", "relocate", "rewrite_compose"]

_PASSTHROUGH = re.compile(r"^\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?P<default>[^}]*))?\}$")


@dataclass
class ComposeRewrite:
    """The new text of a compose file and what the rewrite moved or left alone."""

    text: str
    moved: dict[str, str] = field(default_factory=dict)  # KEY -> value/default, in order
    notes: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


def relocate(value: str, new_dir: str, moves: Mapping[str, str]) -> str:
    """``value`` (a path relative to the root) as seen from ``new_dir``.

    Absolute paths, ``~``, variables and URLs are returned unchanged; a path that a
    move relocates follows it.

    >>> relocate("./src", "compose", {})
    '../src'
    >>> relocate(".env.dev", "compose", {".env.dev": "env/.env.dev"})
    '../env/.env.dev'
    """
    if _not_local(value):
        return value
    norm = posixpath.normpath(value)
    norm = moves.get(norm, norm)
    return posixpath.relpath(norm, new_dir)


def _not_local(value: str) -> bool:
    return value.startswith(("/", "~", "$", "git@")) or "://" in value


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


def _indent_style(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) indentation the file already uses."""
    previous = ""
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("- ") and previous.rstrip().endswith(":"):
            parent = len(previous) - len(previous.lstrip())
            offset = len(line) - len(stripped) - parent
            if offset >= 2:
                return 2, offset + 2, offset
            return 2, 2, 0
        if stripped and not stripped.startswith("#"):
            previous = line
    return 2, 4, 2


def load_compose(text: str, name: str) -> Any:
    """Parse compose YAML round-trip; a syntax error is a one-line PlanError naming it."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        data = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        raise PlanError(f"{where}: not valid YAML: {exc.problem or exc.context}") from None
    except YAMLError as exc:
        raise PlanError(f"{name}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise PlanError(f"{name}: not a compose file (the top level is not a mapping)")
    return data


def rewrite_compose(
    text: str,
    *,
    name: str,
    new_dir: str,
    moves: Mapping[str, str],
    env_file: str | None,
) -> ComposeRewrite:
    """Rewrite compose ``text`` (file ``name`` at the root) for its new folder.

    ``env_file`` is the environment's env file relative to the root (``env/.env.dev``),
    or None when the file has no environment (nothing then moves out of
    ``environment:``).
    """
    data = load_compose(text, name)
    result = ComposeRewrite(text="")
    services = data.get("services")
    if isinstance(services, dict):
        for service_name, service in services.items():
            if isinstance(service, dict):
                _rewrite_service(service, str(service_name), name, new_dir, moves, env_file, result)
    for key in ("include",):
        if key in data:
            result.left.append(f"{name}: `{key}:` paths are not rewritten; check them by hand")
    yaml = _yaml()
    yaml.indent(*_indent_style(text))
    out = io.StringIO()
    yaml.dump(data, out)
    result.text = out.getvalue()
    return result


def _rewrite_service(  # noqa: PLR0917  (one call site; every argument is needed)
    service: Any,
    service_name: str,
    name: str,
    new_dir: str,
    moves: Mapping[str, str],
    env_file: str | None,
    result: ComposeRewrite,
) -> None:
    where = f"{name}: service {service_name}"
    if "build" in service:
        service["build"] = _rewrite_build(service["build"], new_dir, moves)
    if (
        "extends" in service
        and isinstance(service["extends"], dict)
        and "file" in service["extends"]
    ):
        service["extends"]["file"] = relocate(str(service["extends"]["file"]), new_dir, moves)
    wants_env_file = False
    volumes = service.get("volumes")
    if isinstance(volumes, list):
        for index in reversed(range(len(volumes))):  # in place: comments stay attached
            item = volumes[index]
            source = _volume_source(item)
            if source is not None and _is_dotenv(source) and env_file is not None:
                wants_env_file = True
                result.notes.append(f"{where}: mounted {source} replaced by env_file")
                del volumes[index]
                continue
            new = _rewrite_volume(item, new_dir, moves)
            if new is not item:
                volumes[index] = new
        if not volumes:
            del service["volumes"]
    if "env_file" in service:
        service["env_file"] = _rewrite_env_file(service["env_file"], new_dir, moves)
    environment = service.get("environment")
    if (
        environment is not None
        and env_file is not None
        and _move_environment(service, environment, where, result)
    ):
        wants_env_file = True
    if wants_env_file and env_file is not None:
        _add_env_file(service, posixpath.relpath(env_file, new_dir))


def _rewrite_build(build: Any, new_dir: str, moves: Mapping[str, str]) -> Any:
    from ruamel.yaml.comments import CommentedMap

    if isinstance(build, str):
        context, dockerfile = build, None
    elif isinstance(build, dict):
        context, dockerfile = str(build.get("context", ".")), build.get("dockerfile")
    else:
        return build
    if _not_local(context):
        return build
    ctx = posixpath.normpath(context)
    new_dockerfile: str | None = None
    if dockerfile is None or not _not_local(str(dockerfile)):
        old_df = posixpath.normpath(posixpath.join(ctx, str(dockerfile or "Dockerfile")))
        moved_df = moves.get(old_df, old_df)
        if moved_df != old_df:
            new_dockerfile = posixpath.relpath(moved_df, ctx)
    new_context = relocate(context, new_dir, moves)
    if isinstance(build, str):
        if new_dockerfile is None:
            return new_context
        mapping = CommentedMap()
        mapping["context"] = new_context
        mapping["dockerfile"] = new_dockerfile
        return mapping
    build["context"] = new_context
    if new_dockerfile is not None:
        build["dockerfile"] = new_dockerfile
    return build


def _volume_source(item: Any) -> str | None:
    if isinstance(item, str):
        parts = item.split(":")
        return parts[0] if len(parts) >= 2 and parts[0].startswith(".") else None
    if isinstance(item, dict) and item.get("type") == "bind" and "source" in item:
        source = str(item["source"])
        return source if source.startswith(".") else None
    return None


def _is_dotenv(source: str) -> bool:
    return posixpath.normpath(source) == ".env"


def _rewrite_volume(item: Any, new_dir: str, moves: Mapping[str, str]) -> Any:
    source = _volume_source(item)
    if source is None:
        return item
    if isinstance(item, str):
        rest = item[len(source) :]
        return type(item)(relocate(source, new_dir, moves) + rest)  # keeps its quoting
    item["source"] = relocate(source, new_dir, moves)
    return item


def _rewrite_env_file(value: Any, new_dir: str, moves: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return relocate(value, new_dir, moves)
    if isinstance(value, list):
        for index, entry in enumerate(value):
            if isinstance(entry, str):
                value[index] = relocate(entry, new_dir, moves)
            elif isinstance(entry, dict) and "path" in entry:
                entry["path"] = relocate(str(entry["path"]), new_dir, moves)
    return value


def _move_environment(service: Any, environment: Any, where: str, result: ComposeRewrite) -> bool:
    """Move pass-through and literal entries out; True when any moved."""
    moved_any = False
    if isinstance(environment, dict):
        for key in list(environment):
            value = environment[key]
            movable = _movable(str(key), value)
            if movable is None:
                if value is not None:
                    result.left.append(
                        f"{where}: environment {key} interpolates other variables; "
                        "left in the compose file"
                    )
                continue
            result.moved.setdefault(str(key), movable)
            del environment[key]
            moved_any = True
    elif isinstance(environment, list):
        keep = []
        for entry in environment:
            key, sep, value = str(entry).partition("=")
            movable = _movable(key, value) if sep else None
            if movable is None:
                if sep:
                    result.left.append(
                        f"{where}: environment {key} interpolates other variables; "
                        "left in the compose file"
                    )
                keep.append(entry)
                continue
            result.moved.setdefault(key, movable)
            moved_any = True
        environment[:] = keep
    if moved_any:
        result.notes.append(f"{where}: environment entries moved to env_file")
    if moved_any and not environment:
        _replace_key(service, "environment")
    return moved_any


def _movable(key: str, value: Any) -> str | None:
    """The value an env file should hold for ``key``, or None to leave the entry."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    found = _PASSTHROUGH.match(text)
    if found:
        if found["name"] != key:
            return None
        return found["default"] or ""
    if "$" in text:
        return None
    return text


def _replace_key(service: Any, key: str) -> None:
    """Delete ``key``, leaving a placeholder for env_file at its position."""
    position = list(service).index(key)
    del service[key]
    service.insert(position, "env_file", None)


def _add_env_file(service: Any, path: str) -> None:
    current = service.get("env_file")
    if current is None:
        if "env_file" in service:
            service["env_file"] = [path]
            return
        keys = list(service)
        position = keys.index("environment") if "environment" in keys else len(keys)
        service.insert(position, "env_file", [path])
        return
    if isinstance(current, str):
        if posixpath.normpath(current) != posixpath.normpath(path):
            service["env_file"] = [current, path]
        return
    if isinstance(current, list):
        paths = [str(e["path"]) if isinstance(e, dict) and "path" in e else str(e) for e in current]
        if posixpath.normpath(path) not in {posixpath.normpath(p) for p in paths}:
            current.append(path)


def add_host_id_args(text: str, name: str) -> tuple[str, list[str]]:
    """``text`` with ``HOST_UID``/``HOST_GID`` build args on every service that builds.

    dockyard's Dockerfile creates its user from them; dockyard passes them on its own
    builds, and these make a plain ``docker compose build`` do the same.
    """
    from ruamel.yaml.comments import CommentedMap

    data = load_compose(text, name)
    added: list[str] = []
    for service_name, service in (data.get("services") or {}).items():
        if not isinstance(service, dict) or "build" not in service:
            continue
        build = service["build"]
        if isinstance(build, str):
            build = service["build"] = CommentedMap([("context", build)])
        if not isinstance(build, dict):
            continue
        args = build.setdefault("args", CommentedMap())
        if not isinstance(args, dict):
            continue  # the list form is left as written
        for key in ("HOST_UID", "HOST_GID"):
            if key not in args:
                args[key] = f"${{{key}:-1000}}"
                added.append(f"{name}: service {service_name}: build arg {key} from the host")
    if not added:
        return text, added
    yaml = _yaml()
    yaml.indent(*_indent_style(text))
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue(), added

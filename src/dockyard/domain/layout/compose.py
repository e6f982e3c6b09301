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


@dataclass
class ComposeRewrite:
    """The new text of a compose file and what the rewrite moved or left alone."""

    text: str
    moved: dict[str, str] = field(default_factory=dict)  # KEY -> value/default, in order
    notes: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


def relocate(value: str, new_dir: str, moves: Mapping[str, str], old_dir: str = "") -> str:
    """``value`` (a path relative to ``old_dir``, the root by default) as seen from
    ``new_dir``.

    Absolute paths, ``~``, variables and URLs are returned unchanged; a path that a
    move relocates follows it, and so does a name holding a variable
    (``.env.${APP_ENV}``) when every file it can name moved to the same folder.

    >>> relocate("./src", "compose", {})
    '../src'
    >>> relocate(".env.dev", "compose", {".env.dev": "env/.env.dev"})
    '../env/.env.dev'
    >>> relocate("../src", "compose", {}, old_dir="docker")
    '../src'
    >>> relocate(".env.${APP_ENV:-dev}", "compose", {".env.dev": "env/.env.dev"})
    '../env/.env.${APP_ENV:-dev}'
    """
    if _not_local(value):
        return value
    norm = posixpath.normpath(posixpath.join(old_dir, value))
    norm = moves.get(norm) or _pattern_move(norm, moves) or norm
    return posixpath.relpath(norm, new_dir)


_VARIABLE = re.compile(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*")


def _pattern_move(path: str, moves: Mapping[str, str]) -> str | None:
    """Where ``path``, whose file name holds a variable, goes when every moved file it
    can name went to the same folder; None otherwise."""
    folder, name = posixpath.split(path)
    if "$" not in name or "$" in folder:
        return None
    pattern = re.compile(_name_pattern(name))
    targets = {
        posixpath.dirname(dst)
        for src, dst in moves.items()
        if posixpath.dirname(src) == folder and pattern.fullmatch(posixpath.basename(src))
    }
    if len(targets) != 1:
        return None
    return posixpath.join(targets.pop(), name)


def _name_pattern(name: str) -> str:
    parts: list[str] = []
    last = 0
    for match in _VARIABLE.finditer(name):
        parts += [re.escape(name[last : match.start()]), ".*"]
        last = match.end()
    parts.append(re.escape(name[last:]))
    return "".join(parts)


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
    existing: Mapping[str, str] | None = None,
    project: str | None = None,
    old_dir: str = "",
) -> ComposeRewrite:
    """Rewrite compose ``text`` (file ``name``, its paths relative to ``old_dir``, the
    root by default) for its new folder.

    ``env_file`` is the environment's env file relative to the root (``env/.env.dev``),
    the file dockyard passes as ``--env-file``; None leaves ``environment:`` alone.
    A literal entry (``DEBUG: "false"``) becomes ``DEBUG: ${DEBUG}`` and its value is
    returned in :attr:`ComposeRewrite.moved` for that env file, unless its key looks
    secret, or ``existing`` (the env file's values) holds the key with another value,
    or another service sets it differently: those stay literal and are listed.
    Pass-through entries (``KEY: ${KEY}``) stay as they are. ``project``, when given,
    is written as ``name:`` where the file has none, so compose keeps the project name
    it derived from the root folder.
    """
    data = load_compose(text, name)
    result = ComposeRewrite(text="")
    state = _State(name, new_dir, moves, env_file, dict(existing or {}), result, old_dir)
    services = data.get("services")
    if isinstance(services, dict) and env_file is not None:
        state.loaders = _loaders(services, moves, env_file, old_dir)
    if isinstance(services, dict):
        for service_name, service in services.items():
            if isinstance(service, dict):
                _rewrite_service(service, str(service_name), state)
    if isinstance(data.get("include"), list):
        _rewrite_include(data["include"], state)
    if project is not None and "name" not in data:
        data.insert(0, "name", project)
        result.notes.append(f"{name}: name: {project} kept (the name compose gave it before)")
    yaml = _yaml()
    yaml.indent(*_indent_style(text))
    out = io.StringIO()
    yaml.dump(data, out)
    result.text = out.getvalue()
    return result


@dataclass
class _State:
    """What one compose rewrite carries from service to service."""

    name: str
    new_dir: str
    moves: Mapping[str, str]
    env_file: str | None
    existing: dict[str, str]
    result: ComposeRewrite
    old_dir: str = ""
    seen: set[int] = field(default_factory=set)  # YAML nodes shared through anchors
    loaders: set[str] = field(default_factory=set)  # services loading env_file already
    service: str = ""

    def first_visit(self, node: Any) -> bool:
        """True the first time ``node`` (a mapping or list) is met."""
        if not isinstance(node, (dict, list)):
            return True
        if id(node) in self.seen:
            return False
        self.seen.add(id(node))
        return True


def _loaders(
    services: Mapping[str, Any], moves: Mapping[str, str], env_file: str, old_dir: str
) -> set[str]:
    """Services whose ``env_file`` (or bind mount) is ``env_file`` once files moved."""
    found: set[str] = set()
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        value = service.get("env_file")
        entries = value if isinstance(value, list) else [value]
        paths = [str(e["path"]) if isinstance(e, dict) else str(e) for e in entries if e]
        paths += [s for s in (_volume_source(v) for v in service.get("volumes") or []) if s]
        for path in paths:
            norm = posixpath.normpath(posixpath.join(old_dir, path))
            if moves.get(norm, norm) == env_file:
                found.add(str(name))
    return found


def _rewrite_service(service: Any, service_name: str, state: _State) -> None:
    where = f"{state.name}: service {service_name}"
    state.service = service_name
    new_dir, moves, old = state.new_dir, state.moves, state.old_dir
    if "build" in service and state.first_visit(service["build"]):
        build = _rewrite_build(service["build"], new_dir, moves, old)
        if build is not service["build"]:  # a mapping is edited in place (anchors stay)
            service["build"] = build
    extends = service.get("extends")
    if isinstance(extends, dict) and "file" in extends and state.first_visit(extends):
        extends["file"] = relocate(str(extends["file"]), new_dir, moves, old)
    volumes = service.get("volumes")
    if isinstance(volumes, list) and state.first_visit(volumes):
        for index in range(len(volumes)):  # in place: comments stay attached
            item = volumes[index]
            if not state.first_visit(item):
                continue
            new = _rewrite_volume(item, new_dir, moves, old)
            if new is not item:
                volumes[index] = new
            elif isinstance(item, str) and _RELATIVE_DEFAULT.match(item):
                state.result.left.append(
                    f"{where}: volume {item}: a relative path in a variable's default is "
                    "not rewritten; compose resolves it from compose/ now"
                )
    if "env_file" in service and state.first_visit(service["env_file"]):
        env_file = _rewrite_env_file(service["env_file"], new_dir, moves, old)
        if env_file is not service["env_file"]:
            service["env_file"] = env_file
    environment = service.get("environment")
    if environment is not None and state.env_file is not None and state.first_visit(environment):
        _move_environment(environment, where, state)


_RELATIVE_DEFAULT = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:?-\.")


def _rewrite_include(entries: list[Any], state: _State) -> None:
    """``include:`` entries (a path, or ``path``/``env_file``/``project_directory``)."""
    new_dir, moves, old = state.new_dir, state.moves, state.old_dir
    for index, entry in enumerate(entries):
        if isinstance(entry, str):
            entries[index] = type(entry)(relocate(entry, new_dir, moves, old))
        elif isinstance(entry, dict):
            for key in ("path", "env_file", "project_directory"):
                value = entry.get(key)
                if isinstance(value, str):
                    entry[key] = relocate(value, new_dir, moves, old)
                elif isinstance(value, list):
                    for i, item in enumerate(value):
                        if isinstance(item, str):
                            value[i] = relocate(item, new_dir, moves, old)


def _rewrite_build(build: Any, new_dir: str, moves: Mapping[str, str], old_dir: str) -> Any:
    from ruamel.yaml.comments import CommentedMap

    if isinstance(build, str):
        context, dockerfile = build, None
    elif isinstance(build, dict):
        context, dockerfile = str(build.get("context", ".")), build.get("dockerfile")
    else:
        return build
    if _not_local(context):
        return build
    ctx = posixpath.normpath(posixpath.join(old_dir, context))
    new_dockerfile: str | None = None
    if dockerfile is None or not _not_local(str(dockerfile)):
        old_df = posixpath.normpath(posixpath.join(ctx, str(dockerfile or "Dockerfile")))
        moved_df = moves.get(old_df, old_df)
        if moved_df != old_df:
            new_dockerfile = posixpath.relpath(moved_df, ctx)
    new_context = relocate(context, new_dir, moves, old_dir)
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


def _rewrite_volume(item: Any, new_dir: str, moves: Mapping[str, str], old_dir: str) -> Any:
    source = _volume_source(item)
    if source is None:
        return item
    if isinstance(item, str):
        rest = item[len(source) :]
        return type(item)(relocate(source, new_dir, moves, old_dir) + rest)  # keeps its quoting
    item["source"] = relocate(source, new_dir, moves, old_dir)
    return item


def _rewrite_env_file(value: Any, new_dir: str, moves: Mapping[str, str], old_dir: str) -> Any:
    if isinstance(value, str):
        return relocate(value, new_dir, moves, old_dir)
    if isinstance(value, list):
        for index, entry in enumerate(value):
            if isinstance(entry, str):
                value[index] = relocate(entry, new_dir, moves, old_dir)
            elif isinstance(entry, dict) and "path" in entry:
                entry["path"] = relocate(str(entry["path"]), new_dir, moves, old_dir)
    return value


def _move_environment(environment: Any, where: str, state: _State) -> None:
    """Literal entries become ``${KEY}`` with their value for the env file."""
    result = state.result
    target = state.env_file
    moved: list[str] = []
    if isinstance(environment, dict):
        for key in list(environment):
            value = _literal(str(key), environment[key], where, state)
            if value is not None:
                environment[key] = f"${{{key}}}"
                moved.append(str(key))
    elif isinstance(environment, list):
        for index, entry in enumerate(environment):
            key, sep, raw = str(entry).partition("=")
            value = _literal(key, raw, where, state) if sep else None
            if value is not None:
                environment[index] = f"{key}=${{{key}}}"
                moved.append(key)
    if moved:
        result.notes.append(f"{where}: {', '.join(moved)}: values moved to {target}")


def _literal(key: str, value: Any, where: str, state: _State) -> str | None:
    """The literal value of an entry that may move to the env file, else None."""
    from dockyard.domain.secrets import is_secret_key, looks_like_secret_value

    if value is None:
        return None
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if "$" in text:
        return None  # a pass-through or an interpolation: compose keeps resolving it
    if is_secret_key(key) or looks_like_secret_value(text):
        state.result.left.append(
            f"{where}: environment {key} is a literal secret in a committed file; "
            f"move it to {state.env_file} by hand (left in place)"
        )
        return None
    others = state.loaders - {state.service}
    if others:
        state.result.left.append(
            f"{where}: environment {key} left in the compose file: "
            f"{', '.join(sorted(others))} also load{'s' if len(others) == 1 else ''} "
            f"{state.env_file}"
        )
        return None
    known = state.result.moved.get(key, state.existing.get(key))
    if known is not None and known != text:
        state.result.left.append(
            f"{where}: environment {key} is set differently elsewhere in this "
            "environment; left in the compose file"
        )
        return None
    state.result.moved[key] = text
    return text


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

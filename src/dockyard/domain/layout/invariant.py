"""The migration invariant: what compose runs is the same before and after, paths aside.

Pure: it takes the JSON that ``docker compose config --format json`` printed for one
environment before and after a migration, and says how they differ. Compose has
already resolved everything that matters there: interpolation, ``env_file`` values
merged into ``environment``, relative paths made absolute from the project directory,
the project name, the names of named volumes. So the comparison only has to

* make paths relative to the repository root (a compose file that moved from the root
  into ``compose/`` then resolves ``..`` to the same place), and follow files the
  migration moved (``.env.dev`` before is ``env/.env.dev`` after);
* ignore the order compose does not care about (mounts, ports, maps);
* compare the fields that decide what runs: per service ``image``, ``build`` (context,
  Dockerfile, target, args), ``command``, ``entrypoint``, ``environment``, ``volumes``
  (sources resolved), ``ports``, ``user``, ``depends_on``, ``networks``; top level
  ``name`` and ``volumes``.

>>> before = {"services": {"app": {"environment": {"DEBUG": "false"}}}}
>>> after = {"services": {"app": {"environment": {}}}}
>>> compare_configs(before, after, root_before="/r", root_after="/r")
["service app: environment.DEBUG: 'false' → absent"]

Values of secret-looking keys are masked in every difference.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Collection, Mapping
from typing import Any

from dockyard.domain.secrets import mask

__all__ = ["ABSENT", "compare_configs", "flatten_config", "render_difference"]

#: How a value that one side lacks is shown.
ABSENT = "absent"

_Flat = dict[str, str | None]


def _relative(value: str, root: str, moves: Mapping[str, str]) -> str:
    """An absolute path under ``root`` as a root-relative path, following ``moves``."""
    root = posixpath.normpath(root)
    norm = posixpath.normpath(value)
    if norm == root:
        rel = "."
    elif norm.startswith(root + "/"):
        rel = norm[len(root) + 1 :]
    elif norm.startswith(posixpath.dirname(root) + "/"):
        return posixpath.relpath(norm, root)  # beside the repository: ../shared
    else:
        return norm
    if rel in moves:
        return moves[rel]
    for old, new in moves.items():  # a path inside a moved folder
        if rel.startswith(old + "/"):
            return new + rel[len(old) :]
    return rel


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def _build(build: Any, root: str, moves: Mapping[str, str]) -> _Flat:
    if not isinstance(build, Mapping):
        return {}
    flat: _Flat = {}
    context = build.get("context")
    local = isinstance(context, str) and context.startswith("/")
    if isinstance(context, str):
        flat["build.context"] = _relative(context, root, moves) if local else context
    dockerfile = build.get("dockerfile")
    if dockerfile is None and build.get("dockerfile_inline") is not None:
        flat["build.dockerfile_inline"] = _scalar(build["dockerfile_inline"])
    elif local and isinstance(context, str):
        joined = posixpath.join(context, str(dockerfile or "Dockerfile"))
        flat["build.dockerfile"] = _relative(joined, root, moves)
    elif dockerfile is not None:
        flat["build.dockerfile"] = str(dockerfile)
    if build.get("target") is not None:
        flat["build.target"] = str(build["target"])
    args = build.get("args") or {}
    if isinstance(args, Mapping):
        for key, value in args.items():
            flat[f"build.args.{key}"] = _scalar(value)
    return flat


def _volume(item: Any, root: str, moves: Mapping[str, str]) -> tuple[str, str]:
    if not isinstance(item, Mapping):
        return str(item), str(item)
    kind = str(item.get("type", "volume"))
    source = item.get("source")
    if kind == "bind" and isinstance(source, str):
        source = _relative(source, root, moves)
    shown = f"{kind} {source or ''}".rstrip()
    if item.get("read_only"):
        shown += " (read-only)"
    return str(item.get("target", "")), shown


def _ports(ports: Any) -> _Flat:
    flat: _Flat = {}
    if not isinstance(ports, list):
        return flat
    seen: dict[str, int] = {}
    for item in ports:
        if not isinstance(item, Mapping):
            key, shown = str(item), str(item)
        else:
            key = f"{item.get('target')}/{item.get('protocol', 'tcp')}"
            host = item.get("host_ip")
            published = item.get("published")
            shown = f"{host}:{published}" if host else str(published)
        count = seen.get(key, 0)
        seen[key] = count + 1
        flat[f"ports.{key}" + (f"#{count}" if count else "")] = shown
    return dict(sorted(flat.items()))


def _links(spec: Mapping[str, Any]) -> _Flat:
    """depends_on and networks, whichever form compose printed."""
    flat: _Flat = {}
    depends = spec.get("depends_on") or {}
    if isinstance(depends, Mapping):
        for name in sorted(depends):
            condition = depends[name]
            if isinstance(condition, Mapping):
                condition = condition.get("condition", "service_started")
            flat[f"depends_on.{name}"] = _scalar(condition)
    elif isinstance(depends, list):
        for name in sorted(str(n) for n in depends):
            flat[f"depends_on.{name}"] = "service_started"
    networks = spec.get("networks") or {}
    if isinstance(networks, Mapping):
        for name in sorted(networks):
            flat[f"networks.{name}"] = _scalar(networks[name]) or ""
    elif isinstance(networks, list):
        for name in sorted(str(n) for n in networks):
            flat[f"networks.{name}"] = ""
    return flat


def _service(spec: Mapping[str, Any], root: str, moves: Mapping[str, str]) -> _Flat:
    flat: _Flat = {}
    for key in ("image", "user"):
        if spec.get(key) is not None:
            flat[key] = str(spec[key])
    flat.update(_build(spec.get("build"), root, moves))
    for key in ("command", "entrypoint"):
        if spec.get(key) is not None:
            flat[key] = _scalar(spec[key])
    environment = spec.get("environment") or {}
    if isinstance(environment, Mapping):
        for key in sorted(environment):
            flat[f"environment.{key}"] = _scalar(environment[key])
    volumes = spec.get("volumes") or []
    if isinstance(volumes, list):
        for target, shown in sorted(_volume(v, root, moves) for v in volumes):
            flat[f"volumes.{target}"] = shown
    flat.update(_ports(spec.get("ports")))
    flat.update(_links(spec))
    if spec.get("network_mode") is not None:
        flat["network_mode"] = str(spec["network_mode"])
    return flat


def flatten_config(
    config: Mapping[str, Any], *, root: str, moves: Mapping[str, str] | None = None
) -> dict[str, _Flat]:
    """``config`` as {section: {field: value}}: ``""`` for the top level, else a service.

    Absolute paths under ``root`` become root-relative; ``moves`` (old relative path
    -> new one) makes a file the migration moved compare equal to its new place.
    """
    moves = dict(moves or {})
    top: _Flat = {}
    if config.get("name") is not None:
        top["name"] = str(config["name"])
    volumes = config.get("volumes") or {}
    if isinstance(volumes, Mapping):
        for key in sorted(volumes):
            spec = volumes[key] or {}
            if isinstance(spec, Mapping):
                for field in ("name", "external", "driver"):
                    if spec.get(field) is not None:
                        top[f"volumes.{key}.{field}"] = _scalar(spec[field])
    result = {"": top}
    services = config.get("services") or {}
    if isinstance(services, Mapping):
        for name in sorted(services):
            spec = services[name]
            result[str(name)] = _service(spec if isinstance(spec, Mapping) else {}, root, moves)
    return result


def _shown(field: str, value: object) -> str:
    if value is _MISSING:
        return ABSENT
    if value is None:
        return "null"
    text = str(value)
    key = field.rsplit(".", 1)[-1]
    if field.startswith(("environment.", "build.args.")):
        text = mask(key, text)
    return repr(text)


_MISSING = object()


def render_difference(section: str, field: str, before: object, after: object) -> str:
    """One difference as a line: ``service web: environment.DEBUG: 'false' → absent``."""
    where = f"service {section}" if section else "project"
    return f"{where}: {field}: {_shown(field, before)} → {_shown(field, after)}"


def compare_configs(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    root_before: str,
    root_after: str,
    moves: Mapping[str, str] | None = None,
    expected: Collection[str] = (),
) -> list[str]:
    """Every difference between two ``compose config`` results; empty when unchanged.

    ``moves`` maps the migration's old relative paths to the new ones; it applies to
    ``before``. ``expected`` names fields that change on purpose (``build.args.HOST_UID``
    when the user asked for the UID-aware Dockerfile): they are not differences.
    """
    old = flatten_config(before, root=root_before, moves=moves)
    new = flatten_config(after, root=root_after)
    lines: list[str] = []
    for section in sorted(set(old) | set(new)):
        if section not in new:
            lines.append(f"service {section}: present → {ABSENT}")
            continue
        if section not in old:
            lines.append(f"service {section}: {ABSENT} → present")
            continue
        a, b = old[section], new[section]
        for field in sorted(set(a) | set(b)):
            va = a.get(field, _MISSING)
            vb = b.get(field, _MISSING)
            if va != vb and field not in expected:
                lines.append(render_difference(section, field, va, vb))
    return lines

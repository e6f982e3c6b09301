"""Where a repository keeps its compose files, and the environments they make.

dockyard's standard layout is ``compose/docker-compose.<env>.yml``. Repositories written
by other people keep their stacks elsewhere, and plain ``docker compose`` finds them by
rules of its own. This module finds them the same way, without running anything:

* ``COMPOSE_FILE`` (process environment, else the ``.env`` beside the files) names the
  files plain ``docker compose`` uses;
* at the root, then in ``docker/``, then in ``compose/``: the base file
  (``compose.yaml``, ``compose.yml``, ``docker-compose.yaml``, ``docker-compose.yml``)
  with its override (``compose.override.yaml`` … ``docker-compose.override.yml``), merged
  as compose merges them, and ``docker-compose.<name>.yml`` / ``compose.<name>.yaml``;
* at the root, a file named after an environment (``local.yml``, ``production.yml``)
  whose text has a top-level ``services:``.

Environment **names** come from file names alone (so listing tasks stays cheap): a named
file ``docker-compose.<name>.yml`` is environment ``<name>``; the base file is ``dev``
unless a file already names ``dev``, and then ``default``. The **files** of an
environment also look at content: a named file whose services lack ``image``/``build``
and exist in the base file is an overlay, run as ``-f base -f named`` (how such files are
written to be used); one that stands alone is run alone.

>>> from pathlib import Path
>>> [s.name for s in discover(Path("."), {})]  # doctest: +SKIP
['dev', 'test']
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

__all__ = [
    "BASE_NAMES",
    "OVERRIDE_NAMES",
    "DiscoveredStack",
    "compose_project_name",
    "discover",
    "discover_names",
    "dotenv_value",
    "find_root",
    "guess_app_service",
]

#: Compose's own default file names, in the order it tries them.
BASE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
#: The override files compose merges over the base file when present.
OVERRIDE_NAMES = (
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
)
#: Folders searched for compose files, in order (the first holding any wins).
FOLDERS = (".", "docker", "compose")
#: Root file stems that name an environment (``local.yml``) when the file has services.
_ENV_STEMS = (
    "local",
    "dev",
    "development",
    "test",
    "testing",
    "ci",
    "staging",
    "prod",
    "production",
)
#: ``docker-compose.<name>.yml`` / ``compose.<name>.yaml``: a file named after an environment.
NAMED = _NAMED = re.compile(r"^(?:docker-)?compose\.(?P<name>[A-Za-z0-9][A-Za-z0-9_-]*)\.ya?ml$")
_SERVICES = re.compile(r"^services\s*:", re.MULTILINE)
_NAME_KEY = re.compile(r"^name\s*:\s*['\"]?(?P<name>[^'\"#\s]+)", re.MULTILINE)
_MAX_SNIFF = 1 << 20


@dataclass(frozen=True)
class DiscoveredStack:
    """One environment found on disk: its compose files, in ``-f`` order, and why."""

    name: str
    files: tuple[Path, ...]
    origin: str
    variables: tuple[tuple[str, str], ...] = ()


def find_root(start: Path) -> Path:
    """The repository root around ``start``: the git top level, else the nearest folder
    holding compose files, else the nearest ``pyproject.toml``, else ``start``."""
    start = start.resolve()
    folders = (start, *start.parents)
    for folder in folders:
        if (folder / ".git").exists():
            return folder
    for folder in folders:
        if _compose_files_in(folder) or (folder / "compose").is_dir():
            return folder
    for folder in folders:
        if (folder / "pyproject.toml").is_file():
            return folder
    return start


def _compose_files_in(folder: Path) -> list[str]:
    """Compose file names in ``folder``: names matched first, then one ``is_file`` each
    (a folder of thousands of entries costs no stat per entry)."""
    import os

    try:
        with os.scandir(folder) as entries:
            names = sorted(
                e.name
                for e in entries
                if (e.name in BASE_NAMES or e.name in OVERRIDE_NAMES or _NAMED.match(e.name))
                and e.is_file()
            )
    except OSError:
        return []
    return names


def _stack_folder(root: Path, skip: Sequence[str] = ()) -> tuple[Path, list[str]] | None:
    for rel in FOLDERS:
        if rel in skip:
            continue
        folder = root / rel
        found = _compose_files_in(folder)
        if found:
            return folder, found
    return None


def _env_stem_files(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for stem in _ENV_STEMS:
        for suffix in (".yml", ".yaml"):
            path = root / f"{stem}{suffix}"
            if path.is_file() and _has_services(path):
                found.setdefault(stem, path)
    return found


def _has_services(path: Path) -> bool:
    return bool(_SERVICES.search(sniff(path)))


def sniff(path: Path) -> str:
    """The text of a small regular file, or '' (a FIFO, a device, a huge or unreadable
    file is not read here: the task that needs it says what is wrong with it)."""
    from dockyard.adapters.files import read_text
    from dockyard.errors import DockyardError

    try:
        return read_text(path, what="compose")
    except (DockyardError, OSError):
        return ""


def discover_names(root: Path, *, skip: Sequence[str] = ()) -> list[str]:
    """Environment names from file names (and the variable an env file's name holds:
    :mod:`dockyard.domain.selected`), what :func:`discover` would return."""
    candidates = _candidates(root, skip)
    names = [name for name, _ in candidates]
    base = next(((n, f) for n, f in candidates if _is_base(f) and n != "prod"), None)
    if base is not None:
        from dockyard.domain.selected import selected_environments

        names += [name for name, _ in selected_environments(base[0], base[1], names)[1]]
    return names


def _candidates(root: Path, skip: Sequence[str]) -> list[tuple[str, list[Path]]]:
    """``(name, [files])`` before content decides overlays: base files first."""
    located = _stack_folder(root, skip)
    result: list[tuple[str, list[Path]]] = []
    named: dict[str, Path] = {}
    base: list[Path] = []
    if located is not None:
        folder, names = located
        base_name = next((n for n in BASE_NAMES if n in names), None)
        if base_name is not None:
            base.append(folder / base_name)
            override = next((n for n in OVERRIDE_NAMES if n in names), None)
            if override is not None:
                base.append(folder / override)
        for name in names:
            match = _NAMED.match(name)
            if match and match["name"] != "override" and name not in BASE_NAMES:
                named.setdefault(match["name"], folder / name)
    if not base and not named and "." not in skip:
        named.update(_env_stem_files(root))
    if base:
        result.append(("default" if "dev" in named else "dev", base))
        if len(base) > 1 and not named.keys() & {"prod", "production"}:
            # compose's documented convention: the override holds the development
            # changes, the base file alone is what production runs
            result.append(("prod", base[:1]))
    result += [(name, [path]) for name, path in sorted(named.items())]
    return result


def discover(
    root: Path,
    environ: Mapping[str, str],
    *,
    skip: Sequence[str] = (),
    load: Any = None,
) -> list[DiscoveredStack]:
    """The environments of a repository outside the standard layout (see the module).

    ``load`` reads a compose file into a mapping (default: a safe YAML load); files it
    cannot read are kept as they are named, and the model reports them.
    """
    loader = load or _safe_load
    candidates = _candidates(root, skip)
    stacks: list[DiscoveredStack] = []
    chosen: list[DiscoveredStack] = []
    base = next((files for name, files in candidates if _is_base(files)), [])
    compose_file = _compose_file_variable(root, base, environ)
    for name, files in candidates:
        if name == "prod" and base and files == base[:1]:
            stacks.append(DiscoveredStack(name, (base[0],), "base file without its override"))
            continue
        if files is base:
            if compose_file:
                stacks.append(DiscoveredStack(name, compose_file, "COMPOSE_FILE"))
            else:
                origin = "base file" + (" and its override" if len(files) > 1 else "")
                stacks.append(DiscoveredStack(name, tuple(files), origin))
            own, *others = _selected(stacks.pop(), [n for n, _ in candidates])
            stacks.append(own)
            chosen += others
            continue
        named = files[0]
        if base and _is_overlay(named, base[0], loader):
            stacks.append(DiscoveredStack(name, (base[0], named), f"overlay on {base[0].name}"))
        else:
            stacks.append(DiscoveredStack(name, (named,), "file name"))
    return stacks + chosen


def _selected(stack: DiscoveredStack, taken: Sequence[str]) -> list[DiscoveredStack]:
    """``stack`` with the variable that chooses it, and the environments it chooses."""
    from dockyard.domain.selected import selected_environments

    own, others = selected_environments(stack.name, stack.files, taken)
    found = [replace(stack, variables=own)]
    for name, variables in others:
        how = ", ".join(f"{k}={v}" for k, v in variables)
        # not "base file ...": a project command that runs the base stack without the
        # variable (a Makefile's `docker compose --env-file .env.dev up`) is not this one
        origin = f"chosen by {how} over the {stack.origin}"
        found.append(DiscoveredStack(name, stack.files, origin, variables))
    return found


def _is_base(files: Sequence[Path]) -> bool:
    return bool(files) and (files[0].name in BASE_NAMES or files[0].name in OVERRIDE_NAMES)


def _is_overlay(named: Path, base: Path, load: Any) -> bool:
    """A file written to be used over the base file: its services complete services of
    the base file (no image/build of their own), or depend on services only the base
    file defines (``depends_on``, ``links``, ``network_mode: service:...``)."""
    data, base_data = load(named), load(base)
    services = data.get("services") if isinstance(data, Mapping) else None
    base_services = base_data.get("services") if isinstance(base_data, Mapping) else None
    if not isinstance(services, Mapping) or not isinstance(base_services, Mapping):
        return False
    partial = [key for key, body in services.items() if not _complete(body)]
    if partial:
        return all(key in base_services for key in partial)
    needed = {ref for body in services.values() for ref in _references(body)}
    outside = needed - set(services)
    if outside:
        return outside <= set(base_services)
    return _used_together(named, base)


def _complete(body: Any) -> bool:
    """A service that can run from this file alone: an image, a build with a context,
    or ``extends``."""
    if not isinstance(body, Mapping):
        return False
    build = body.get("build")
    has_build = isinstance(build, str) or (isinstance(build, Mapping) and "context" in build)
    return bool(body.get("image")) or has_build or "extends" in body


def _used_together(named: Path, base: Path) -> bool:
    """The file's own comments or the Makefile run it as ``-f base -f named``."""
    pattern = re.compile(rf"-f\s+\S*{re.escape(base.name)}\s+.*-f\s+\S*{re.escape(named.name)}")
    files = (named, base.parent / "Makefile", named.parent.parent / "Makefile")
    return any(pattern.search(sniff(path)) for path in files)


def _references(body: Any) -> set[str]:
    """Services a service needs: ``depends_on``, ``links``, ``network_mode: service:x``."""
    if not isinstance(body, Mapping):
        return set()
    refs: set[str] = set()
    depends = body.get("depends_on") or ()
    refs.update(str(d) for d in depends)
    refs.update(str(link).split(":")[0] for link in body.get("links") or ())
    mode = str(body.get("network_mode") or "")
    if mode.startswith("service:"):
        refs.add(mode.split(":", 1)[1])
    return refs


def _compose_file_variable(
    root: Path, base: Sequence[Path], environ: Mapping[str, str]
) -> tuple[Path, ...]:
    folder = base[0].parent if base else root
    value = environ.get("COMPOSE_FILE") or dotenv_value(folder / ".env", "COMPOSE_FILE")
    if not value:
        return ()
    separator = environ.get("COMPOSE_PATH_SEPARATOR") or ":"
    return tuple((folder / part).resolve() for part in value.split(separator) if part)


def dotenv_value(path: Path, key: str) -> str | None:
    """``key``'s value in the dotenv file ``path`` (None when absent or unreadable)."""
    try:
        if not path.is_file() or path.stat().st_size > _MAX_SNIFF:
            return None
        from dotenv import dotenv_values

        value = dotenv_values(path, interpolate=False).get(key)
    except (OSError, UnicodeDecodeError):
        return None
    return value or None


def compose_project_name(files: Sequence[Path], environ: Mapping[str, str]) -> str:
    """The project name compose derives: ``COMPOSE_PROJECT_NAME``, else the last
    top-level ``name:`` of the files, else the first file's folder name, normalized."""
    folder = files[0].parent if files else Path.cwd()
    explicit = environ.get("COMPOSE_PROJECT_NAME") or dotenv_value(
        folder / ".env", "COMPOSE_PROJECT_NAME"
    )
    if explicit:
        return _normalize(explicit)
    name: str | None = None
    for path in files:
        match = _NAME_KEY.search(sniff(path))
        if match and "$" not in match["name"]:
            name = match["name"]
    return _normalize(name or folder.resolve().name)


def _normalize(name: str) -> str:
    """Compose's rule: lowercase, only ``[a-z0-9_-]``, starting with a letter or digit."""
    cleaned = re.sub(r"[^a-z0-9_-]", "", name.lower())
    return cleaned.lstrip("_-") or "default"


def _safe_load(path: Path) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    text = sniff(path)
    try:
        # round-trip: compose's own tags (!reset, !override) load as tagged values
        return YAML(typ="rt").load(text) if text else None
    except (YAMLError, ValueError):
        return None


_PYTHON_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "Pipfile", "requirements.txt")
_APP_NAMES = ("app", "web", "backend", "api", "django", "server")


def guess_app_service(files: Sequence[Path], default: str) -> str:
    """The stack's main Python service when none is configured: ``default`` when a file
    defines it; else the first service whose build context holds a Python project; else
    the first built service with a usual name (web, backend, api...); else ``default``."""
    services: dict[str, Any] = {}
    for path in files:
        data = _safe_load(path)
        body = data.get("services") if isinstance(data, Mapping) else None
        if isinstance(body, Mapping):
            for name, spec in body.items():
                merged = dict(services.get(str(name)) or {})
                merged.update(spec if isinstance(spec, Mapping) else {})
                merged["_folder"] = merged.get("_folder") or path.parent
                services[str(name)] = merged
    if default in services or not services:
        return default
    built = {name: spec for name, spec in services.items() if spec.get("build") is not None}
    for name, spec in built.items():
        build = spec["build"]
        context = build if isinstance(build, str) else (build or {}).get("context", ".")
        if _python_folder(spec["_folder"] / str(context)):
            return name
    for name, spec in services.items():
        for volume in spec.get("volumes") or ():
            source = str(volume).split(":")[0] if isinstance(volume, str) else ""
            if source.startswith(".") and _python_folder(spec["_folder"] / source):
                return name  # the image runs a Python project bind-mounted from here
    for candidate in _APP_NAMES:
        if candidate in built or candidate in services:
            return candidate
    return next(iter(built), default)


def _python_folder(folder: Path) -> bool:
    return any((folder / marker).is_file() for marker in _PYTHON_MARKERS)

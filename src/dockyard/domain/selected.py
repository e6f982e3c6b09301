"""Environments chosen by a variable: compose files that load ``.env.${APP_ENV:-dev}``.

A project may run one set of compose files as several environments, choosing each
with a variable in a service's ``env_file`` name (``APP_ENV=test docker compose run
web pytest``). The values that variable takes are the env files, or their committed
templates (``.env.test.example``), that the name matches: each one is an environment
run with the variable set. Read from the compose files' text, without a YAML parser,
so listing the environments stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "TEMPLATE_SUFFIXES",
    "Selector",
    "env_file_entries",
    "env_file_selector",
    "loaded_env_files",
    "resolve_name",
    "selected_environments",
]

Variables = tuple[tuple[str, str], ...]

_ENV_FILE_KEY = re.compile(r"^(?P<indent>\s*)(?:-\s+)?env_file\s*:\s*(?P<value>.*)$")
_ITEM = re.compile(r"^(?P<indent>\s*)-\s*(?:path\s*:\s*)?(?P<value>\S.*)$")
_PATH_KEY = re.compile(r"^\s*path\s*:\s*(?P<value>\S.*)$")
_VARIABLE = re.compile(
    r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?P<default>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)
_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
#: Suffixes of a committed template of an env file.
TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist")


@dataclass(frozen=True)
class Selector:
    """A variable in an env file's name, and the values that name an existing file."""

    variable: str
    default: str | None
    values: tuple[str, ...]


def env_file_selector(files: Sequence[Path]) -> Selector | None:
    """The first ``env_file`` of ``files`` whose name holds one variable, with its values.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in (".env.dev.example", ".env.test.example", ".env.test"):
    ...     _ = (folder / name).write_text("")
    >>> _ = (folder / "compose.yaml").write_text(
    ...     "services:\\n  web:\\n    env_file:\\n      - .env.${APP_ENV:-dev}\\n")
    >>> env_file_selector([folder / "compose.yaml"])
    Selector(variable='APP_ENV', default='dev', values=('dev', 'test'))
    """
    from dockyard.domain.discovery import sniff

    for path in files:
        for entry in env_file_entries(sniff(path)):
            selector = _selector(path.parent, entry)
            if selector is not None:
                return selector
    return None


def env_file_entries(text: str) -> Iterator[str]:
    """The names ``env_file:`` keys list in a compose file's ``text``: a scalar, a flow
    list, or a block list of names or of ``path:`` mappings."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        key = _ENV_FILE_KEY.match(line)
        if key is None:
            continue
        value = key["value"].split(" #", 1)[0].strip()
        if value.startswith("["):
            yield from (_unquote(v) for v in value.strip("[]").split(",") if v.strip())
            continue
        if value:
            yield _unquote(value)
            continue
        indent = len(key["indent"])
        for follow in lines[i + 1 :]:
            stripped = follow.strip()
            if not stripped or stripped.startswith("#"):
                continue
            depth = len(follow) - len(follow.lstrip())
            if depth < indent or (depth == indent and not stripped.startswith("-")):
                break
            item = _ITEM.match(follow) or _PATH_KEY.match(follow)
            if item is not None:
                name = _unquote(item["value"].split(" #", 1)[0])
                if name and not name.endswith(":"):
                    yield name


def _unquote(value: str) -> str:
    return value.strip().strip("'\"")


def _without_template(name: str, suffix: str) -> str:
    """``.env.test.example`` -> ``.env.test`` (unless the pattern itself ends so)."""
    for template in TEMPLATE_SUFFIXES:
        if name.endswith(template) and not suffix.endswith(template):
            return name[: -len(template)]
    return name


def _selector(folder: Path, entry: str) -> Selector | None:
    found = list(_VARIABLE.finditer(entry))
    if len(found) != 1:
        return None
    match = found[0]
    prefix, suffix = entry[: match.start()], entry[match.end() :]
    if "/" in suffix:
        return None  # the variable names a folder: not followed
    where, _, head = prefix.rpartition("/")
    if not head and not suffix:
        return None  # the whole name is the variable (${ENV_FILE:-.env}): nothing to match
    directory = (folder / where) if where else folder
    values: set[str] = set()
    try:
        names = [p.name for p in directory.iterdir()]
    except OSError:
        return None
    for found_name in names:
        name = _without_template(found_name, suffix)
        if not (name.startswith(head) and name.endswith(suffix)):
            continue
        value = name[len(head) : len(name) - len(suffix)]
        if _VALUE.match(value):
            values.add(value)
    if not values:
        return None
    default = match["default"]
    return Selector(match["name"] or match["bare"], default, tuple(sorted(values)))


def selected_environments(
    name: str, files: Sequence[Path], taken: Collection[str]
) -> tuple[Variables, list[tuple[str, Variables]]]:
    """For the stack ``name`` run from ``files``: the variable that chooses it (where
    its name is one of the values), and the other environments the variable chooses,
    each ``(name, variables)``. The variable's default is what the stack runs
    without it; a value already naming an environment is left to that one.
    """
    selector = env_file_selector(files)
    if selector is None:
        return (), []
    own: Variables = ((selector.variable, name),) if name in selector.values else ()
    others: list[tuple[str, Variables]] = [
        (value, ((selector.variable, value),))
        for value in selector.values
        if value not in (name, selector.default) and value not in taken
    ]
    return own, others


def loaded_env_files(files: Sequence[Path], variables: Sequence[tuple[str, str]]) -> list[Path]:
    """The env files the services of ``files`` load (``env_file:``), a ``${VAR:-default}``
    in a name resolved with ``variables``, else its default; names left unresolved are
    skipped. Read from the text, in order, each once."""
    from dockyard.domain.discovery import sniff

    chosen = dict(variables)
    found: list[Path] = []
    for path in files:
        for entry in env_file_entries(sniff(path)):
            name = resolve_name(entry, chosen)
            if "$" in name:
                continue
            resolved = (path.parent / name).resolve()
            if resolved not in found:
                found.append(resolved)
    return found


def resolve_name(name: str, variables: Mapping[str, str]) -> str:
    """``name`` with each ``${VAR:-default}``, ``${VAR}`` or ``$VAR`` taken from
    ``variables``, else its default; one with neither is left as it is.

    >>> resolve_name(".env.${APP_ENV:-dev}", {})
    '.env.dev'
    >>> resolve_name("envs/$STAGE.env", {"STAGE": "test"})
    'envs/test.env'
    """

    def value(match: re.Match[str]) -> str:
        key = match["name"] or match["bare"]
        if key in variables:
            return variables[key]
        return match["default"] if match["default"] is not None else match[0]

    return _VARIABLE.sub(value, name)

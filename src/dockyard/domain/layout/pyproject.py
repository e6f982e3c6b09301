"""Fold ``requirements.txt`` / ``requirements-dev.txt`` into ``pyproject.toml``.

A new pyproject gets ``[project]`` with the requirements as ``dependencies`` and the dev
requirements as the ``dev`` dependency group; an existing one is edited in place with
tomlkit (comments, order and formatting kept), adding only what is missing. Lines pip
understands but pyproject cannot hold (``-e``, ``--index-url``, ``-c``...) are reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dockyard.errors import PlanError

__all__ = ["Requirements", "fold_requirements", "parse_requirements", "project_name"]

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass
class Requirements:
    """Requirement strings read from a file, and the lines that could not be used."""

    items: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def parse_requirements(text: str, name: str) -> Requirements:
    """The requirement specifiers of a requirements file (comments, includes skipped)."""
    result = Requirements()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement", "-r")) and "requirements" in line:
            continue  # an include of the other file: folded anyway
        if line.startswith("-"):
            result.skipped.append(f"{name}:{number}: `{line}` has no pyproject equivalent")
            continue
        result.items.append(line)
    return result


def _key(requirement: str) -> str:
    found = _NAME.match(requirement)
    return re.sub(r"[-_.]+", "-", found[1]).lower() if found else requirement


def project_name(folder: str) -> str:
    """A valid project name from a folder name.

    >>> project_name("My Shop_API")
    'my-shop-api'
    """
    name = re.sub(r"[^A-Za-z0-9]+", "-", folder).strip("-").lower()
    return name or "app"


def fold_requirements(
    existing: str | None,
    *,
    name: str,
    runtime: Sequence[str],
    dev: Sequence[str],
) -> tuple[str, list[str]]:
    """The pyproject text with ``runtime`` and ``dev`` requirements folded in, and notes.

    ``existing`` is the current pyproject.toml text (None: create one).
    """
    import tomlkit
    from tomlkit.exceptions import ParseError

    notes: list[str] = []
    if existing is None:
        doc = tomlkit.document()
        project = tomlkit.table()
        project.add("name", name)
        project.add("version", "0.1.0")
        project.add("requires-python", ">=3.11")
        project.add("dependencies", _array(runtime))
        doc.add("project", project)
        if dev:
            groups = tomlkit.table()
            groups.add("dev", _array(dev))
            doc.add(tomlkit.nl())
            doc.add("dependency-groups", groups)
        notes.append(
            f"pyproject.toml created: {len(runtime)} dependencies, {len(dev)} in the dev group"
        )
        return tomlkit.dumps(doc), notes
    try:
        doc = tomlkit.parse(existing)
    except ParseError as exc:
        raise PlanError(f"pyproject.toml:{exc.line}: not valid TOML: {exc}") from None
    existing_project: Any = doc.get("project")
    if existing_project is None:
        project = tomlkit.table()
        project.add("name", name)
        project.add("version", "0.1.0")
        doc.add("project", project)
    else:
        project = existing_project
    added = _merge(project, "dependencies", runtime)
    added_dev = 0
    if dev:
        groups_item: Any = doc.get("dependency-groups")
        if groups_item is None:
            groups_item = tomlkit.table()
            doc.add("dependency-groups", groups_item)
        added_dev = _merge(groups_item, "dev", dev)
    if added or added_dev:
        notes.append(f"pyproject.toml: {added} dependencies and {added_dev} dev requirements added")
    return tomlkit.dumps(doc), notes


def _array(items: Sequence[str]) -> Any:
    import tomlkit

    array = tomlkit.array()
    array.extend(items)
    return array.multiline(multiline=True) if items else array


def _merge(table: Any, key: str, items: Sequence[str]) -> int:
    import tomlkit

    if key not in table:
        if not items:
            return 0
        table.add(key, _array(items))
        return len(items)
    current = table[key]
    have = {_key(str(item)) for item in current}
    new = [item for item in items if _key(item) not in have]
    for item in new:
        current.append(item)
    if new and isinstance(current, tomlkit.items.Array) and len(current) > 1:
        current.multiline(multiline=True)
    return len(new)


def set_environments(
    text: str,
    environments: Mapping[str, Sequence[str]],
    project_name: str | None = None,
    *,
    env_files: Mapping[str, Sequence[str]] | None = None,
    services: Mapping[str, str] | None = None,
    variables: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """``text`` with ``[tool.dockyard.environments.<env>]`` for each environment.

    ``environments`` maps an environment to its compose files (empty: dockyard's default
    ``compose/docker-compose.<env>.yml``); ``env_files`` to its ``--env-file`` files
    (an empty list: none); ``services`` to its main service; ``variables`` to the
    variables that choose it (``{APP_ENV = "test"}``); ``project_name`` sets
    ``[tool.dockyard] project_name`` when it is not set. Existing tables and keys are kept.
    """
    import tomlkit

    doc = tomlkit.parse(text)
    tool: Any = doc.setdefault("tool", tomlkit.table(is_super_table=True))
    dockyard: Any = tool.setdefault("dockyard", tomlkit.table())
    if project_name is not None and "project_name" not in dockyard:
        dockyard.add("project_name", project_name)
    if not environments:
        return tomlkit.dumps(doc)
    tables: Any = dockyard.setdefault("environments", tomlkit.table(is_super_table=True))
    for env, files in environments.items():
        table = tables.setdefault(env, tomlkit.table())
        if files and "compose_files" not in table:
            table.add("compose_files", _array(list(files)))
        if env_files is not None and env in env_files and "env_files" not in table:
            table.add("env_files", _array(list(env_files[env])))
        if services is not None and env in services and "service" not in table:
            table.add("service", services[env])
        if variables is not None and variables.get(env) and "variables" not in table:
            inline = tomlkit.inline_table()
            inline.update(dict(variables[env]))
            table.add("variables", inline)
    return tomlkit.dumps(doc)

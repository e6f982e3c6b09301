"""The files a compose file loads: ``env_file``, ``label_file``, ``include``, ``extends``.

Compose reads them when it resolves the stack, so a change to any of them can change
what ``compose up`` does. :func:`loaded_files` finds them in the files' YAML, without
compose::

    loaded_files([Path("compose/docker-compose.dev.yml")], {"APP_ENV": "dev"})
    # [PosixPath('env/.env.dev'), PosixPath('compose/base.yml'), ...]
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["loaded_files"]


def loaded_files(
    compose_files: Sequence[Path], compose_env: Mapping[str, str]
) -> list[Path] | None:
    """Files the compose files load: ``env_file``, ``label_file``, ``include``, ``extends``.

    Followed through included and extended files. A relative path is taken from both
    the file's folder and the project folder (the first file's), whichever compose
    uses. None when a compose file cannot be read as YAML.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from dockyard.domain.composefiles import interpolate

    project = compose_files[0].parent if compose_files else Path()
    found: list[Path] = []
    queue = list(compose_files)
    read: set[Path] = set()
    while queue:
        path = queue.pop(0)
        if path in read:
            continue
        read.add(path)
        try:
            data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue  # its absence is in the key; compose reports it
        except (OSError, YAMLError, ValueError):
            return None
        for raw, composeish in _references(data):
            name = str(interpolate(raw, compose_env, set()))
            for folder in dict.fromkeys((path.parent, project)):
                target = Path(os.path.normpath(folder / name))  # an absolute name stays
                found.append(target)
                if composeish:
                    queue.append(target)
    return list(dict.fromkeys(found))


def _references(data: Any) -> list[tuple[str, bool]]:
    """``(path, is_compose_file)`` for every file reference of one compose file."""
    refs: list[tuple[str, bool]] = []
    if not isinstance(data, Mapping):
        return refs
    for item in _items(data.get("include")):
        if isinstance(item, Mapping):
            refs += [(p, True) for p in _names(item.get("path"))]
            refs += [(p, False) for p in _names(item.get("env_file"))]
        else:
            refs += [(p, True) for p in _names(item)]
    services = data.get("services")
    for body in services.values() if isinstance(services, Mapping) else ():
        if not isinstance(body, Mapping):
            continue
        for key in ("env_file", "label_file"):
            refs += [(p, False) for p in _names(body.get(key))]
        extends = body.get("extends")
        if isinstance(extends, Mapping) and extends.get("file"):
            refs.append((str(extends["file"]), True))
    return refs


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _names(value: Any) -> list[str]:
    """Paths of an ``env_file``-like value: a string, a list, entries with ``path``."""
    names: list[str] = []
    for item in _items(value):
        entry = item.get("path") if isinstance(item, Mapping) else item
        if isinstance(entry, str | list):
            names += [str(i) for i in _items(entry) if i]
    return names

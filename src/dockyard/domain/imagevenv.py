"""Where an image's build really puts the venv, read from its Dockerfile.

Without ``VIRTUAL_ENV``/``UV_PROJECT_ENVIRONMENT``, the tools decide: ``uv sync`` makes
``.venv`` in the working directory; Poetry does the same when
``virtualenvs.in-project`` is true (``POETRY_VIRTUALENVS_IN_PROJECT`` or ``poetry config``),
uses no venv at all when ``virtualenvs.create`` is false, and otherwise one under its
cache; ``python -m venv DIR``, ``uv venv DIR`` and ``virtualenv DIR`` name it. The
working directory is the ``WORKDIR`` in effect at that ``RUN``::

    >>> from pathlib import Path
    >>> from dockyard.domain.dockerfile import parse_dockerfile
    >>> df = parse_dockerfile("FROM python\\nWORKDIR /app\\nRUN uv sync --frozen\\n", Path("D"))
    >>> venv_made_by_build(df, None, {}).path
    '/app/.venv'
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from dockyard.domain.dockerfile import Dockerfile, stage_chain, substitute

if TYPE_CHECKING:
    from dockyard.domain.venv import ContainerVenv

__all__ = ["venv_made_by_build"]

_UV_SYNC = re.compile(r"\buv\s+sync\b")
_POETRY_INSTALL = re.compile(r"\bpoetry\s+install\b")
_MAKE_VENV = re.compile(
    r"(?:\bpython3?(?:\.\d+)?\s+-m\s+venv|\buv\s+venv|\bvirtualenv)\s+(?P<rest>.*)"
)
_POETRY_CONFIG = re.compile(
    r"\bpoetry\s+config\s+(?:--local\s+)?virtualenvs\.(?P<key>in-project|create)\s+(?P<value>\S+)"
)
_TRUE = ("1", "true", "yes", "on")


def venv_made_by_build(
    dockerfile: Dockerfile, target: str | None, environment: Mapping[str, Any]
) -> ContainerVenv | None:
    """The venv the target stage's build makes (see the module), or None if unknown."""
    settings: dict[str, str] = {
        k: str(v) for k, v in environment.items() if k.startswith("POETRY_") and v is not None
    }
    scope: dict[str, str | None] = dict(dockerfile.global_defaults())
    workdir = "/"
    found: ContainerVenv | None = None
    for stage in reversed(stage_chain(dockerfile, target)):
        for instruction in stage.instructions:
            where = f"{dockerfile.path}:{instruction.line}"
            if instruction.keyword == "ARG":
                scope.update(stage.args())
            elif instruction.keyword == "ENV":
                for key, value in _pairs(instruction.words()):
                    resolved = substitute(value, scope) or value
                    scope[key] = resolved
                    if key.startswith("POETRY_") and key not in environment:
                        settings[key] = resolved
            elif instruction.keyword == "WORKDIR":
                folder = substitute(instruction.args.strip(), scope) or instruction.args.strip()
                workdir = posixpath.normpath(posixpath.join(workdir, folder))
            elif instruction.keyword == "RUN":
                made = _from_run(instruction.args, workdir, where, settings)
                if made is not None:
                    found = replace(made, file=dockerfile.path, line=instruction.line)
    return found


def _from_run(
    command: str, workdir: str, where: str, settings: dict[str, str]
) -> ContainerVenv | None:
    from dockyard.domain.venv import ContainerVenv

    for match in _POETRY_CONFIG.finditer(command):
        key = (
            "POETRY_VIRTUALENVS_IN_PROJECT"
            if match["key"] == "in-project"
            else ("POETRY_VIRTUALENVS_CREATE")
        )
        settings[key] = match["value"]
    if made := _MAKE_VENV.search(command):
        words = [w for w in made["rest"].split() if not w.startswith("-")]
        if words:
            path = posixpath.normpath(posixpath.join(workdir, words[0].strip("'\";&")))
            return ContainerVenv(path, f"{where} RUN (creates the venv)", None)
    if _UV_SYNC.search(command):
        return ContainerVenv(
            posixpath.join(workdir, ".venv"), f"{where} RUN uv sync (in WORKDIR {workdir})", None
        )
    if _POETRY_INSTALL.search(command):
        if settings.get("POETRY_VIRTUALENVS_CREATE", "true").lower() not in _TRUE:
            return ContainerVenv("", f"{where} RUN poetry install (virtualenvs.create false)", None)
        if settings.get("POETRY_VIRTUALENVS_IN_PROJECT", "").lower() in _TRUE:
            return ContainerVenv(
                posixpath.join(workdir, ".venv"),
                f"{where} RUN poetry install (virtualenvs.in-project, WORKDIR {workdir})",
                None,
            )
        cache = settings.get("POETRY_CACHE_DIR", "/root/.cache/pypoetry")
        path = settings.get("POETRY_VIRTUALENVS_PATH", posixpath.join(cache, "virtualenvs"))
        return ContainerVenv(path, f"{where} RUN poetry install (Poetry's own venv folder)", None)
    return None


def _pairs(words: list[str]) -> list[tuple[str, str]]:
    if words and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    return [(key, value) for key, _, value in (word.partition("=") for word in words)]

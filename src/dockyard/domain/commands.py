"""The compose calls of a project's own commands (a Makefile, a justfile, CI steps).

How a project runs its stacks tells what compose reads: the ``--env-file`` flags a
Makefile passes, the ``-f`` files it names. Read with simple ``VAR = value``
definitions expanded, never run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

__all__ = ["compose_calls", "makefile_env_files"]

_COMPOSE_CALL = re.compile(r"docker[ -]compose\b(?P<args>[^;&|\n]*)")
_MAKE_VAR = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*[:?]?=\s*(?P<value>.*)$", re.M)


def compose_calls(text: str) -> list[list[str]]:
    """The arguments of each ``docker compose`` call in a Makefile or workflow ``text``,
    simple ``VAR = value`` definitions expanded (``$(COMPOSE) up`` included)."""
    variables = {m["name"]: m["value"].strip() for m in _MAKE_VAR.finditer(text)}

    def value(match: re.Match[str]) -> str:
        return variables.get(match["name"], match[0])

    for _ in range(3):
        text = re.sub(r"\$[({](?P<name>[A-Za-z_][A-Za-z0-9_]*)[)}]", value, text)
    return [call["args"].split() for call in _COMPOSE_CALL.finditer(text)]


def makefile_env_files(
    root: Path, files: Sequence[Path], *, default_stack: bool
) -> tuple[Path, ...]:
    """The ``--env-file`` arguments the Makefile passes to compose for ``files``.

    A Makefile is how the project runs its stacks: a compose call there whose ``-f``
    files are ``files`` (or which names none, for the ``default_stack`` plain compose
    runs) tells which env files compose interpolates with.
    """
    from dockyard.domain.discovery import sniff

    text = sniff(root / "Makefile")
    if not text:
        return ()
    wanted = {f.resolve() for f in files}
    for words in compose_calls(text):
        named = [root / w for f, w in pairwise(words) if f in ("-f", "--file")]
        envs = [w for f, w in pairwise(words) if f == "--env-file"]
        if not envs:
            continue
        if {p.resolve() for p in named} == wanted or (not named and default_stack):
            return tuple(root / e for e in envs)
    return ()

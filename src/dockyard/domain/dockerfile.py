"""A small Dockerfile model: instructions with line numbers, stages, and the target's user.

Parsing is pure and never raises: line continuations (``\\`` or the character an
``# escape=`` directive names) are joined, comments and blank lines inside a
continuation are dropped, and every :class:`Instruction` remembers the line it starts
on. Stages are split at ``FROM``; ``FROM <stage>`` chains are followed, so the user a
target stage runs as is known even when it inherits ``USER`` from the stage it is
built from::

    df = parse_dockerfile(text, Path("docker/Dockerfile"))
    user = effective_user(df, target="development")
    user.name, user.line, user.is_root

Unlike linters that look at every stage on its own (hadolint DL3002 flags a builder
stage that ends as root; trivy DS-0002 flags a final stage with no ``USER`` even when
its parent stage sets one), only the target stage counts, through its chain.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Dockerfile",
    "Instruction",
    "Stage",
    "UserInfo",
    "effective_user",
    "is_root_user",
    "parse_dockerfile",
    "stage_chain",
    "substitute",
]

_DIRECTIVE = re.compile(r"^#\s*(\w+)\s*=\s*(\S+)\s*$")
_VAR = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-+][^}]*)?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass(frozen=True)
class Instruction:
    """One instruction: ``keyword`` upper-cased, ``flags`` such as ``--chown``, the rest."""

    keyword: str
    args: str
    line: int
    flags: Mapping[str, str] = field(default_factory=dict)

    def words(self) -> list[str]:
        """The arguments split like a shell would (JSON form read as a list)."""
        text = self.args.strip()
        if text.startswith("["):
            import json

            try:
                value = json.loads(text)
            except ValueError:
                pass
            else:
                if isinstance(value, list):
                    return [str(v) for v in value]
        try:
            return shlex.split(text, posix=True)
        except ValueError:
            return text.split()


@dataclass(frozen=True)
class Stage:
    """A build stage: its base (image or stage name), its ``AS`` name and instructions."""

    index: int
    base: str
    name: str | None
    line: int
    instructions: tuple[Instruction, ...]

    def find(self, keyword: str) -> list[Instruction]:
        """The instructions of this stage with ``keyword`` (upper-case), in order."""
        return [i for i in self.instructions if i.keyword == keyword]

    def args(self) -> dict[str, str | None]:
        """``ARG`` names declared in this stage and their defaults (None when none)."""
        declared: dict[str, str | None] = {}
        for instruction in self.find("ARG"):
            for word in instruction.words():
                name, sep, default = word.partition("=")
                declared[name] = default if sep else None
        return declared


@dataclass(frozen=True)
class Dockerfile:
    """A parsed Dockerfile: global ``ARG``s (before the first ``FROM``) and stages."""

    path: Path
    global_args: tuple[Instruction, ...]
    stages: tuple[Stage, ...]

    def stage(self, target: str | None = None) -> Stage | None:
        """The stage named ``target`` (case-insensitive), or the last one when None."""
        if not self.stages:
            return None
        if target is None:
            return self.stages[-1]
        for stage in self.stages:
            if stage.name is not None and stage.name.lower() == target.lower():
                return stage
        if target.isdigit() and int(target) < len(self.stages):
            return self.stages[int(target)]
        return None

    def global_defaults(self) -> dict[str, str | None]:
        """Global ``ARG`` names and their defaults."""
        declared: dict[str, str | None] = {}
        for instruction in self.global_args:
            for word in instruction.words():
                name, sep, default = word.partition("=")
                declared[name] = default if sep else None
        return declared


@dataclass(frozen=True)
class UserInfo:
    """Who the target stage runs as, and which instruction (if any) decided it.

    ``name`` is None when no stage of the chain sets ``USER``: the base image's
    default applies (root for every official Python image).
    """

    name: str | None
    resolved: str | None
    line: int | None
    stage: Stage
    base_image: str

    @property
    def is_root(self) -> bool:
        """True when the user is root, or unset (the base image's default, root).

        A ``USER`` naming a variable with no known value is not counted as root:
        nothing shows it is.
        """
        if self.name is None:
            return True
        return self.resolved is not None and is_root_user(self.resolved)


def parse_dockerfile(text: str, path: Path) -> Dockerfile:
    """Parse ``text`` into instructions and stages without raising."""
    escape = "\\"
    lines = text.splitlines()
    for raw in lines:  # parser directives: only at the very top, before anything else
        match = _DIRECTIVE.match(raw.strip())
        if not match:
            break
        if match[1].lower() == "escape" and match[2] in ("\\", "`"):
            escape = match[2]
    instructions = _instructions(lines, escape)
    global_args: list[Instruction] = []
    stages: list[Stage] = []
    current: list[Instruction] | None = None
    head: Instruction | None = None
    for instruction in instructions:
        if instruction.keyword == "FROM":
            if head is not None and current is not None:
                stages.append(_stage(len(stages), head, current))
            head, current = instruction, []
        elif current is None:
            if instruction.keyword == "ARG":
                global_args.append(instruction)
        else:
            current.append(instruction)
    if head is not None and current is not None:
        stages.append(_stage(len(stages), head, current))
    return Dockerfile(path, tuple(global_args), tuple(stages))


def stage_chain(dockerfile: Dockerfile, target: str | None = None) -> list[Stage]:
    """The target stage and the stages it is built ``FROM``, target first.

    Stops at an image that is not a stage of this file, and at a cycle.
    """
    stage = dockerfile.stage(target)
    chain: list[Stage] = []
    while stage is not None and stage not in chain:
        chain.append(stage)
        base = stage.base
        parent = None
        for candidate in dockerfile.stages[: stage.index]:
            if candidate.name is not None and candidate.name.lower() == base.lower():
                parent = candidate
        stage = parent
    return chain


def effective_user(
    dockerfile: Dockerfile,
    target: str | None = None,
    build_args: Mapping[str, str] | None = None,
) -> UserInfo | None:
    """The user the target stage runs as, following ``FROM <stage>`` chains.

    ``build_args`` (``--build-arg`` values, compose ``build.args``) override ``ARG``
    defaults when a ``USER`` names a variable. None when the target stage does not exist.
    """
    chain = stage_chain(dockerfile, target)
    if not chain:
        return None
    base_image = chain[-1].base
    for stage in chain:
        users = stage.find("USER")
        if users:
            last = users[-1]
            scope = {**dockerfile.global_defaults()}
            for member in reversed(chain[chain.index(stage) :]):
                scope.update(member.args())
            scope.update(build_args or {})
            name = last.args.strip()
            return UserInfo(name, substitute(name, scope), last.line, chain[0], base_image)
    return UserInfo(None, None, None, chain[0], base_image)


def is_root_user(user: str) -> bool:
    """True for ``root``, ``0``, ``root:root``, ``0:0``, ``root:somegroup``."""
    name = user.strip().split(":", 1)[0].strip()
    return name in ("root", "0")


def substitute(text: str, scope: Mapping[str, str | None]) -> str | None:
    """``text`` with ``$VAR``/``${VAR}``/``${VAR:-default}`` replaced from ``scope``.

    None when a variable has no value and no default: the result is unknown.
    """
    unknown = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unknown
        name = match["braced"] or match["bare"]
        value = scope.get(name)
        op = match["op"] or ""
        if op.lstrip(":").startswith("-"):
            default = op.lstrip(":")[1:]
            return value if value else default
        if op.lstrip(":").startswith("+"):
            return op.lstrip(":")[1:] if value else ""
        if value is None:
            unknown = True
            return ""
        return value

    result = _VAR.sub(replace, text)
    return None if unknown else result


def _instructions(lines: list[str], escape: str) -> list[Instruction]:
    found: list[Instruction] = []
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not buffer:
            if not stripped or stripped.startswith("#"):
                continue
            start = number
        elif not stripped or stripped.startswith("#"):
            continue  # blank lines and comments inside a continuation are skipped
        if raw.rstrip().endswith(escape):
            buffer.append(raw.rstrip()[:-1])
            continue
        buffer.append(raw)
        found.append(_instruction(" ".join(part.strip() for part in buffer), start))
        buffer = []
    if buffer:
        found.append(_instruction(" ".join(part.strip() for part in buffer), start))
    return found


def _instruction(text: str, line: int) -> Instruction:
    keyword, _, rest = text.partition(" ")
    rest = rest.strip()
    flags: dict[str, str] = {}
    while rest.startswith("--"):
        flag, _, remainder = rest.partition(" ")
        name, _, value = flag[2:].partition("=")
        flags[name.lower()] = value
        rest = remainder.strip()
    return Instruction(keyword.upper(), rest, line, flags)


def _stage(index: int, head: Instruction, body: list[Instruction]) -> Stage:
    words = head.args.split()
    base = words[0] if words else ""
    name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
    return Stage(index, base, name, head.line, tuple(body))

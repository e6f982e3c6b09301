"""Make the stages compose builds UID-aware, instruction by instruction.

The Dockerfile is read with BuildKit's own parser (the ``dockerfile`` package), and
only the stages compose builds change; their text changes only where needed:

* after ``FROM``: ``ARG HOST_UID/HOST_GID/APP_USER`` and the template's user creation
  (an id that already exists in the base image is reused or renamed), ``/app`` and
  ``/opt/venv`` handed to that user, and, when the stage installs with uv or Poetry,
  the venv moved out of the bind mount (``UV_PROJECT_ENVIRONMENT=/opt/venv``);
* ``COPY``/``ADD`` without ``--chown`` get ``--chown=${HOST_UID}:${HOST_GID}``;
* the stage's last ``USER`` becomes ``${HOST_UID}:${HOST_GID}`` (one is added at the
  end when there is none).

Every other stage, the base image, package installs, ``CMD``/``ENTRYPOINT``,
``HEALTHCHECK``, ``EXPOSE`` and ``ARG`` stay as written. A stage that creates its own
user (``useradd``/``adduser``) is left alone and reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from dockyard.errors import PlanError

__all__ = ["Stage", "Transform", "stages", "transform_dockerfile"]

_IDS = "${HOST_UID}:${HOST_GID}"
_VENV_HINT = re.compile(r"\buv\s+(sync|pip)\b|\bpoetry\s+install\b|\.venv\b")
_OWN_USER = re.compile(r"\b(useradd|adduser)\b")


@dataclass(frozen=True)
class Stage:
    """One build stage: its name (or index), base, and instructions."""

    index: int
    name: str | None
    base: str
    commands: tuple[Any, ...]

    @property
    def start(self) -> int:
        """0-based line of its FROM instruction."""
        return int(self.commands[0].start_line) - 1


@dataclass
class Transform:
    """The new Dockerfile text and what changed or was left alone."""

    text: str
    changed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


def stages(text: str, name: str = "docker/Dockerfile") -> list[Stage]:
    """The build stages of a Dockerfile, parsed by BuildKit's parser."""
    import dockerfile  # type: ignore[import-not-found]  # (no type information shipped)

    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        raise PlanError(f"{name}: BuildKit cannot parse it: {exc}") from None
    result: list[Stage] = []
    current: list[Any] = []
    for command in commands:
        if command.cmd.upper() == "FROM" and current:
            result.append(_stage(len(result), current))
            current = []
        if command.cmd.upper() == "FROM" or current:
            current.append(command)
    if current:
        result.append(_stage(len(result), current))
    return result


def _stage(index: int, commands: list[Any]) -> Stage:
    value = commands[0].value
    name = value[2] if len(value) >= 3 and value[1].upper() == "AS" else None
    return Stage(index, name, value[0], tuple(commands))


def _user_block() -> str:
    """The template's user creation (``RUN set -eu; ...`` up to the id check)."""
    text = files("dockyard.templates").joinpath("Dockerfile").read_text(encoding="utf-8")
    start = text.index("RUN set -eu;")
    end = text.index('= "${HOST_UID}" ]', start) + len('= "${HOST_UID}" ]')
    return text[start:end]


def _header(stage: Stage, parent_user: bool) -> list[str]:
    declared = {c.value[0].split("=")[0] for c in stage.commands if c.cmd.upper() == "ARG"}
    lines = ["# dockyard: the app user is created from the host's ids (HOST_UID/HOST_GID)"]
    lines += [
        f"ARG {arg}"
        for arg in ("HOST_UID=1000", "HOST_GID=1000", "APP_USER=app")
        if arg.split("=")[0] not in declared
    ]
    if parent_user:
        lines.append("USER root")
    lines.append(_user_block())
    body = " ".join(" ".join(c.value) for c in stage.commands if c.cmd.upper() == "RUN")
    if _VENV_HINT.search(body):
        lines.append(
            "ENV VIRTUAL_ENV=/opt/venv UV_PROJECT_ENVIRONMENT=/opt/venv "
            'PATH="/opt/venv/bin:${PATH}"'
        )
    return lines


def transform_dockerfile(
    text: str, *, built_stages: Sequence[str | None], name: str = "docker/Dockerfile"
) -> Transform:
    """``text`` with the stages compose builds made UID-aware (None: the last stage)."""
    found = stages(text, name)
    if not found:
        raise PlanError(f"{name}: no FROM instruction")
    result = Transform(text="")
    wanted: set[int] = set()
    for target in built_stages:
        index = found[-1].index if target is None else _index(found, target)
        if index is None:
            result.left.append(
                f"{name}: compose builds target {target!r}, which it does not "
                "have (the build fails today); fix the target by hand"
            )
        else:
            wanted.add(index)
    lines = text.splitlines()
    edits: list[tuple[int, int, list[str]]] = []  # (first line, end line, new lines)
    for stage in found:
        if stage.index not in wanted:
            continue
        label = stage.name or f"#{stage.index}"
        if any(_OWN_USER.search(" ".join(c.value)) for c in stage.commands if c.cmd == "RUN"):
            result.left.append(
                f"{name}: stage {label} creates its own user; left alone "
                "(create it from HOST_UID/HOST_GID by hand)"
            )
            continue
        parent = next((s for s in found if s.name and s.name == stage.base), None)
        parent_user = parent is not None and any(c.cmd == "USER" for c in parent.commands)
        first = stage.commands[0]
        edits.append((first.end_line, first.end_line, _header(stage, parent_user)))
        for command in stage.commands[1:]:
            if command.cmd in ("COPY", "ADD") and not any(
                f.startswith("--chown") for f in command.flags
            ):
                line = lines[command.start_line - 1]
                new = re.sub(
                    r"^(\s*)(COPY|ADD)\b", rf"\1\2 --chown={_IDS}", line, count=1, flags=re.I
                )
                edits.append((command.start_line - 1, command.start_line, [new]))
        users = [c for c in stage.commands if c.cmd == "USER"]
        if users:
            last = users[-1]
            edits.append((last.start_line - 1, last.end_line, [f"USER {_IDS}"]))
        else:
            end = stage.commands[-1].end_line
            edits.append((end, end, [f"USER {_IDS}"]))
        result.changed.append(f"stage {label}")
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        lines[start:end] = replacement
    result.text = "\n".join(lines) + ("\n" if text.endswith("\n") else "")
    return result


def _index(found: Sequence[Stage], name: str) -> int | None:
    for stage in found:
        if stage.name is not None and stage.name.lower() == name.lower():
            return stage.index
    return None

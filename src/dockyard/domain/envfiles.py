"""Env files: parse (pure, with python-dotenv's parser), read (I/O), resolve, compare.

Parsing never raises on a bad line: each line becomes an :class:`EnvEntry` or an
:class:`EnvProblem` that remembers its line number. Reading raises
:class:`~dockyard.errors.EnvFileError` for a file that cannot be used at all.

Resolution follows one order, highest first: the process environment, the selected
env file, defaults in code. Each :class:`Resolved` value remembers where it came from
and what it shadows, which is what ``env.explain`` shows.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from dockyard.adapters.files import read_text
from dockyard.domain.secrets import is_secret_key, remember
from dockyard.errors import ConfigError, EnvFileError

__all__ = [
    "EnvEntry",
    "EnvFile",
    "EnvProblem",
    "Resolved",
    "Source",
    "parse_env_text",
    "read_env_file",
    "resolve",
]

Source = Literal["process", "env-file", "default"]


@dataclass(frozen=True)
class EnvEntry:
    """``KEY=value`` on ``line``; ``value`` is None for a bare ``KEY``."""

    key: str
    value: str | None
    line: int
    quoted: bool = False


@dataclass(frozen=True)
class EnvProblem:
    """A line that does not parse, or a key given twice. Never carries the value."""

    line: int
    kind: Literal["syntax", "duplicate"]
    key: str | None = None

    @property
    def message(self) -> str:
        if self.kind == "duplicate":
            return f"duplicate key {self.key}: this later value wins"
        return "line does not parse as KEY=value"


@dataclass(frozen=True)
class EnvFile:
    """A parsed env file."""

    path: Path
    entries: tuple[EnvEntry, ...]
    problems: tuple[EnvProblem, ...] = ()

    def values(self) -> dict[str, str | None]:
        """Key to value, the last occurrence winning (as compose and dotenv do)."""
        return {e.key: e.value for e in self.entries}

    def keys(self) -> set[str]:
        return {e.key for e in self.entries}

    def line_of(self, key: str) -> int | None:
        lines = [e.line for e in self.entries if e.key == key]
        return lines[-1] if lines else None


@dataclass(frozen=True)
class Layer:
    """One candidate value for a key, from one source."""

    source: Source
    origin: str
    value: str | None


@dataclass(frozen=True)
class Resolved:
    """The value a key resolves to, where it came from, and what it shadows."""

    key: str
    value: str | None
    source: Source
    origin: str
    shadowed: tuple[Layer, ...] = field(default=())


def parse_env_text(text: str, path: Path) -> EnvFile:
    """Parse env-file ``text`` (BOM and CRLF tolerated) without raising."""
    from dotenv.parser import parse_stream

    if text.startswith("\ufeff"):
        text = text[1:]
    entries: list[EnvEntry] = []
    problems: list[EnvProblem] = []
    seen: set[str] = set()
    for binding in parse_stream(io.StringIO(text)):
        # a binding's original text starts with the blank lines before it
        original = binding.original.string
        line = binding.original.line + _leading_blank_lines(original)
        if binding.error:
            problems.append(EnvProblem(line, "syntax"))
            continue
        if binding.key is None:
            continue
        if binding.key in seen:
            problems.append(EnvProblem(line, "duplicate", binding.key))
        seen.add(binding.key)
        quoted = "='" in original.replace(" ", "")
        entries.append(EnvEntry(binding.key, binding.value, line, quoted))
    return EnvFile(path, tuple(entries), tuple(problems))


def read_env_file(path: Path, *, display: Path | None = None, hint: str = "") -> EnvFile:
    """Read and parse ``path``; :class:`EnvFileError` if it cannot be read at all.

    ``display`` is the path to name in messages (relative to the repository);
    ``hint`` is appended to the message of a missing file.
    """
    shown = display or path
    try:
        text = read_text(path, what="env", display=shown)
    except FileNotFoundError:
        raise EnvFileError("not found" + (f"; {hint}" if hint else ""), path=shown) from None
    except ConfigError as exc:
        raise EnvFileError(exc.detail, path=shown, line=exc.line) from None
    parsed = parse_env_text(text, shown)
    for entry in parsed.entries:
        if is_secret_key(entry.key):
            _remember(entry.value)
    return parsed


def resolve(
    env_file: EnvFile | None,
    environ: Mapping[str, str],
    defaults: Mapping[str, tuple[str, str]] | None = None,
    *,
    keys: Iterable[str] = (),
) -> dict[str, Resolved]:
    """Resolve every key of ``env_file``, ``defaults`` and ``keys``.

    ``defaults`` maps a key to ``(value, origin)``. Process variables only take part
    for keys one of the other sources names: the whole process environment is not
    the project's configuration. ``${VAR}`` references in unquoted and double-quoted
    env-file values are interpolated as compose does, process environment first.
    """
    from dotenv.variables import parse_variables

    defaults = defaults or {}
    file_values = env_file.values() if env_file else {}
    file_entries = {e.key: e for e in env_file.entries} if env_file else {}
    names = [*defaults, *file_values, *keys]
    ordered = list(dict.fromkeys(names))

    interpolated: dict[str, str | None] = {}
    for key, value in file_values.items():
        entry = file_entries[key]
        if value is None or entry.quoted:
            interpolated[key] = value
            continue
        scope: dict[str, str | None] = {**interpolated, **environ}
        interpolated[key] = "".join(atom.resolve(scope) for atom in parse_variables(value))

    result: dict[str, Resolved] = {}
    for key in ordered:
        layers: list[Layer] = []
        if key in environ:
            layers.append(Layer("process", "process environment", environ[key]))
        if key in file_entries and env_file is not None:
            layers.append(
                Layer("env-file", f"{env_file.path}:{file_entries[key].line}", interpolated[key])
            )
        if key in defaults:
            value, origin = defaults[key]
            layers.append(Layer("default", origin, value))
        if not layers:
            continue
        top, *rest = layers
        result[key] = Resolved(key, top.value, top.source, top.origin, tuple(rest))
        if is_secret_key(key):
            for layer in layers:
                _remember(layer.value)
    return result


def _remember(value: str | None) -> None:
    """Have every output mask this secret value (see :func:`secrets.remember`).

    Plain lowercase words (``postgres``) and numbers are left out: they also name
    images, users, hosts and ports, and lines that show them next to their key are
    masked by key anyway.
    """
    if (
        value
        and len(value) >= 6
        and not value.isdigit()
        and not (value.isalpha() and value.islower())
    ):
        remember(value)


def _leading_blank_lines(original: str) -> int:
    count = 0
    for line in original.splitlines(keepends=True):
        if line.strip():
            break
        count += 1
    return count

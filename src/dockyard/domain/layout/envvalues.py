"""Values to their own environment: env files and examples planned per environment.

A literal ``environment:`` value of environment ``E`` goes to ``env/.env.E`` and to
``E``'s example ``env/.env.E.example`` (so a fresh clone gets it too). Where ``E``
read that file before but this checkout lacks it (a fresh clone), it is created from
its template; where it is a new file for ``E``, it holds the moved values alone: ``E``'s
other values stay in the env files it read before, which placeholders must not
override. No key is added
to another environment. Env files holding secrets get mode 0600.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from dockyard.domain.layout.builder import PlanBuilder
from dockyard.domain.secrets import is_placeholder, is_secret_key, looks_like_secret_value

__all__ = [
    "env_values",
    "format_env_line",
    "plan_env_values",
    "private_env_files",
    "undocumented_keys",
]


def format_env_line(key: str, value: str) -> str:
    """``KEY=value`` quoted so python-dotenv and compose read back ``value`` exactly.

    >>> format_env_line("A", "two words")
    "A='two words'"
    """
    if value and re.fullmatch(r"[A-Za-z0-9_./:@%+,=-]+", value) is None and "'" not in value:
        return f"{key}='{value}'"
    return f"{key}={value}"


def env_values(text: str) -> dict[str, str]:
    """The assignments of an env file's text."""
    from dockyard.domain.envfiles import parse_env_text

    return {e.key: e.value or "" for e in parse_env_text(text, Path("env")).entries}


def _append(text: str, keys: Mapping[str, str], source: str) -> str:
    """``text`` with the keys it lacks appended, under a comment naming ``source``."""
    present = env_values(text)
    missing = {k: v for k, v in keys.items() if k not in present}
    if not missing:
        return text
    lines = [text.rstrip("\n")] if text.strip() else []
    lines.append(f"# moved from {source} by dockyard layout.migrate")
    lines.extend(format_env_line(key, value) for key, value in missing.items())
    return "\n".join(lines) + "\n"


def plan_env_values(
    builder: PlanBuilder,
    additions: Mapping[str, Mapping[str, str]],
    sources: Mapping[str, str],
    committed_envs: Sequence[str],
    reads: Mapping[str, Collection[str]] | None = None,
) -> None:
    """Write each environment's moved values to its env file and its example.

    ``additions``: env -> {KEY: value}; ``sources``: env -> the compose file they came
    from (for the comment); ``reads``: env -> the env files it reads, moved.
    """
    for env, keys in sorted(additions.items()):
        if not keys:
            continue
        rel = f"env/.env.{env}"
        source = sources.get(env, "compose")
        current = builder.read(rel)
        own_example = builder.read(f"{rel}.example")
        committed = env in committed_envs
        generic = builder.read("env/.env.example")
        own = rel in (reads or {}).get(env, ())  # its own env file, absent in this checkout
        if current is None and own:
            base = own_example if own_example is not None else (generic or "")
            mode = 0o644 if committed else 0o600
            builder.write(rel, _append(base, keys, source), mode)
            origin = f"{rel}.example" if own_example is not None else "env/.env.example"
            builder.notes.append(f"{rel}: created from {origin} (mode {mode:04o})")
        elif current is None:
            # a new env file for the environment: the moved values alone, since its other
            # values come from the env files it read before, which placeholders here
            # would override
            mode = 0o644 if committed else 0o600
            builder.write(rel, _append("", keys, source), mode)
            builder.notes.append(
                f"{rel}: created with the values moved out of {source} (mode {mode:04o})"
            )
        else:
            builder.edit(rel, _append(current, keys, source))
        if committed:
            continue
        if own_example is None:
            builder.write(f"{rel}.example", _append((generic or "") if own else "", keys, source))
            builder.notes.append(f"{rel}.example: the template of {rel} (committed)")
        else:
            builder.edit(f"{rel}.example", _append(own_example, keys, source))


def undocumented_keys(builder: PlanBuilder) -> None:
    """Say which keys of each env file the generic example lacks (env.check reports them)."""
    generic = builder.read("env/.env.example")
    if generic is None:
        return
    documented = set(env_values(generic))
    for rel in sorted(builder.planned_files()):
        name = rel.rsplit("/", 1)[-1]
        if not rel.startswith("env/.env.") or name.endswith((".example", ".template")):
            continue
        missing = [k for k in env_values(builder.read(rel) or "") if k not in documented]
        if missing:
            own = f"; {rel}.example has them" if builder.exists(f"{rel}.example") else ""
            builder.left.append(
                f"{rel}: {', '.join(missing)} not in env/.env.example{own} "
                "(no key is added to other environments' files)"
            )


def private_env_files(builder: PlanBuilder, committed_envs: Sequence[str]) -> None:
    """Env files holding secret values, readable by others, become 0600."""
    for rel in sorted(builder.planned_files()):
        name = rel.rsplit("/", 1)[-1]
        if not rel.startswith("env/.env") or name.endswith((".example", ".template")):
            continue
        if name.removeprefix(".env.") in committed_envs:
            continue
        mode = builder.mode(rel)
        text = builder.read(rel) or ""
        secret = any(
            (is_secret_key(k) and v and not is_placeholder(v)) or looks_like_secret_value(v)
            for k, v in env_values(text).items()
        )
        if mode is not None and mode & 0o077 and secret:
            builder.chmod(rel, 0o600)
            builder.notes.append(f"{rel}: holds secrets; mode {mode:04o} -> 0600")

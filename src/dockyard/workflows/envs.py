"""Env-file workflows: select, show, check, init and explain an environment's env file."""

from __future__ import annotations

import stat
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from dockyard.adapters import git
from dockyard.adapters.files import create_exclusive, read_text
from dockyard.adapters.runner import Runner
from dockyard.domain.config import Environment, Settings
from dockyard.domain.envfiles import EnvFile, Resolved, read_env_file, resolve
from dockyard.domain.findings import Finding, Level
from dockyard.domain.identity import host_ids
from dockyard.domain.secrets import is_placeholder, is_secret_key, looks_like_secret_value
from dockyard.errors import ConfigError, EnvFileError

__all__ = [
    "Explanation",
    "InitResult",
    "check_env",
    "code_defaults",
    "explain_var",
    "init_env",
    "load_env_file",
    "resolved_env",
]


def code_defaults(settings: Settings, environ: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Values dockyard supplies itself, lowest in precedence: the host ids."""
    ids = host_ids(
        environ,
        root=settings.root,
        default_uid=settings.default_uid,
        default_gid=settings.default_gid,
    )
    origin = f"dockyard default ({ids.origin})"
    return {"HOST_UID": (str(ids.uid), origin), "HOST_GID": (str(ids.gid), origin)}


def load_env_file(settings: Settings, env: Environment) -> EnvFile:
    """The parsed env file of ``env``; a missing one names its path and ``env.init``,
    unless the environment runs without it (``env_file_required`` false): then empty."""
    if not env.env_file_required and not env.env_file.exists():
        from dockyard.domain.envfiles import parse_env_text

        return parse_env_text("", settings.relative(env.env_file))
    return read_env_file(
        env.env_file,
        display=settings.relative(env.env_file),
        hint=f"create it from the example with `dockyard env.init --env {env.name}`",
    )


def resolved_env(
    settings: Settings, env: Environment, environ: Mapping[str, str]
) -> dict[str, Resolved]:
    """Every variable of ``env`` resolved: process environment > env file > defaults."""
    env_file = load_env_file(settings, env)
    chosen = dict(env.variables)  # the variables that choose it win, as compose gets them
    found = resolve(env_file, {**environ, **chosen}, code_defaults(settings, environ), keys=chosen)
    for key in chosen:
        found[key] = replace(found[key], origin=f"chooses environment {env.name}")
    return found


@dataclass(frozen=True)
class Explanation:
    """Where a variable's value comes from, and whether the example template knows it."""

    key: str
    resolved: Resolved | None
    in_example: bool
    example_line: int | None


def explain_var(
    settings: Settings, env: Environment, environ: Mapping[str, str], key: str
) -> Explanation:
    """Explain ``key`` for ``env`` (``resolved`` is None when no source sets it)."""
    env_file = load_env_file(settings, env)
    environ = {**environ, **dict(env.variables)}
    resolved = resolve(env_file, environ, code_defaults(settings, environ), keys=[key]).get(key)
    if env.env_example is not None:  # its own template (.env.test.example, a root .env.example)
        settings = replace(settings, env_example=env.env_example)
    example = _example(settings)
    return Explanation(
        key,
        resolved,
        in_example=example is not None and key in example.values(),
        example_line=example.line_of(key) if example else None,
    )


@dataclass(frozen=True)
class InitResult:
    """What ``env.init`` did: created the file, or found it and left it alone."""

    path: Path
    created: bool
    keys: int


def init_env(settings: Settings, env: Environment) -> InitResult:
    """Create ``env``'s env file from its template (``.env.test.example`` for
    ``.env.test``, else the example), mode 0600; never overwrite."""
    example = env.env_example or settings.env_example
    shown = settings.relative(env.env_file)
    if env.env_file.exists() or env.env_file.is_symlink():
        return InitResult(shown, created=False, keys=0)
    try:
        text = read_text(example, what="env", display=settings.relative(example))
    except FileNotFoundError:
        raise EnvFileError(
            "example not found: it is the template env.init copies", path=settings.relative(example)
        ) from None
    except ConfigError as exc:
        raise EnvFileError(exc.detail, path=settings.relative(example), line=exc.line) from None
    parsed = read_env_file(example, display=settings.relative(example))
    try:
        env.env_file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file where the folder should be, read-only, ...
        raise EnvFileError(f"cannot create its folder: {exc.strerror or exc}", path=shown) from None
    try:
        create_exclusive(env.env_file, text, mode=0o600)
    except FileExistsError:  # created by someone else meanwhile: theirs stays
        return InitResult(shown, created=False, keys=0)
    except OSError as exc:
        raise EnvFileError(f"cannot create: {exc.strerror or exc}", path=shown) from None
    return InitResult(shown, created=True, keys=len(parsed.keys()))


def check_env(
    settings: Settings, env: Environment, environ: Mapping[str, str], runner: Runner
) -> list[Finding]:
    """Findings about ``env``'s env file and every env file in the env folder.

    Compares keys with the example, reports lines that do not parse and duplicate
    keys, env files git tracks that should be ignored, loose modes on files holding
    secrets, and secret-looking values in committed files. Never reports a value.
    """
    findings: list[Finding] = []
    selected = load_env_file(settings, env)
    if env.env_example is not None:  # its own template (.env.test.example), when it has one
        settings = replace(settings, env_example=env.env_example)
    example = _example(settings)
    rel = settings.relative(env.env_file)
    if example is None and env.env_example is None and _committed(settings, env, environ, runner):
        pass  # a committed env file with no template documents itself (as `check` says)
    elif example is None:
        findings.append(
            Finding(
                "ENV008",
                Level.WARNING,
                "example env file not found",
                settings.relative(settings.env_example),
                hint="create it: it documents every variable the project needs",
            )
        )
    else:
        for key in sorted(example.keys() - selected.keys()):
            findings.append(
                Finding(
                    "ENV001",
                    Level.ERROR,
                    f"{key} is in the example but missing here",
                    rel,
                    hint=f"add {key}= to {rel} (see {settings.relative(settings.env_example)})",
                )
            )
        for key in sorted(selected.keys() - example.keys()):
            findings.append(
                Finding(
                    "ENV002",
                    Level.WARNING,
                    f"{key} is not in the example",
                    rel,
                    selected.line_of(key),
                    hint=f"document {key} in {settings.relative(settings.env_example)}",
                )
            )
    files = _env_files(settings, env)
    parsed = {path: _parse_quietly(settings, path) for path in files}
    for path, env_file in parsed.items():
        if env_file is None:
            continue
        for problem in env_file.problems:
            findings.append(
                Finding(
                    "ENV003" if problem.kind == "syntax" else "ENV004",
                    Level.ERROR if problem.kind == "syntax" else Level.WARNING,
                    problem.message,
                    settings.relative(path),
                    problem.line,
                    hint="write KEY=value, one per line; quote values with spaces"
                    if problem.kind == "syntax"
                    else "keep one line per key",
                )
            )
    findings.extend(_git_findings(settings, parsed, environ, runner))
    for path, env_file in parsed.items():
        if env_file is None or _is_template(path):
            continue
        mode = path.stat().st_mode
        if _holds_secrets(env_file) and mode & 0o077:
            findings.append(
                Finding(
                    "ENV006",
                    Level.WARNING,
                    f"holds secrets but its mode is {stat.S_IMODE(mode):04o} (others can read it)",
                    settings.relative(path),
                    hint=f"chmod 600 {settings.relative(path)}",
                )
            )
    return findings


def _committed(
    settings: Settings, env: Environment, environ: Mapping[str, str], runner: Runner
) -> bool:
    """Does git track the environment's env file (a committed ``.env`` of defaults)?"""
    if not env.env_file.is_file() or not git.is_repository(runner, settings.root, environ):
        return False
    rel = settings.relative(env.env_file)
    return bool(git.tracked(runner, settings.root, [rel], environ))


def _has_own_template(path: Path) -> bool:
    """Is a template of this very file committed beside it (``staging.env.example``)?"""
    from dockyard.domain.selected import TEMPLATE_SUFFIXES

    return any(path.with_name(path.name + suffix).is_file() for suffix in TEMPLATE_SUFFIXES)


def _git_findings(
    settings: Settings,
    parsed: Mapping[Path, EnvFile | None],
    environ: Mapping[str, str],
    runner: Runner,
) -> list[Finding]:
    if not git.is_repository(runner, settings.root, environ):
        return []
    rels = {settings.relative(p): p for p in parsed}
    tracked = git.tracked(runner, settings.root, rels, environ)
    findings: list[Finding] = []
    committed = {f".env.{name}" for name in settings.committed_envs}
    for rel in sorted(tracked):
        env_file = parsed[rels[rel]]
        # a per-environment file (.env.dev, .env.local), or one with a template of its
        # own beside it (envs/staging.env and envs/staging.env.example), holds a
        # developer's values; a file of shared defaults (.env, env/common.env) may be
        # committed, and ENV007 reports a secret in it
        local = rel.name.startswith(".env.") or _has_own_template(rels[rel])
        if not _is_template(rel) and rel.name not in committed and local:
            findings.append(
                Finding(
                    "ENV005",
                    Level.ERROR,
                    "tracked by git but should be ignored",
                    rel,
                    hint=f"git rm --cached {rel} and add it to .gitignore",
                )
            )
        if env_file is None:
            continue
        for entry in env_file.entries:
            value = entry.value or ""
            real = (is_secret_key(entry.key) and not is_placeholder(value)) or (
                looks_like_secret_value(value)
            )
            if real and not value.startswith("${"):
                findings.append(
                    Finding(
                        "ENV007",
                        Level.ERROR,
                        f"{entry.key} holds a secret-looking value in a committed file",
                        rel,
                        entry.line,
                        hint="commit a placeholder; put the real value in an ignored env file",
                    )
                )
    return findings


def _env_files(settings: Settings, env: Environment) -> list[Path]:
    folder = settings.env_dir
    found = {env.env_file}
    if folder.is_dir():
        found.update(p for p in folder.glob(".env*") if p.is_file())
    if settings.env_example.is_file():
        found.add(settings.env_example)
    return sorted(found)


def _parse_quietly(settings: Settings, path: Path) -> EnvFile | None:
    try:
        return read_env_file(path, display=settings.relative(path))
    except EnvFileError:
        return None


def _example(settings: Settings) -> EnvFile | None:
    try:
        return read_env_file(settings.env_example, display=settings.relative(settings.env_example))
    except EnvFileError as exc:
        if settings.env_example.exists():
            raise exc from None
        return None


def _is_template(path: Path) -> bool:
    return path.name.endswith((".example", ".template", ".sample"))


def _holds_secrets(env_file: EnvFile) -> bool:
    return any(
        (is_secret_key(e.key) and not is_placeholder(e.value or ""))
        or looks_like_secret_value(e.value or "")
        for e in env_file.entries
    )

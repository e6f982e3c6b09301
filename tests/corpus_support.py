"""The corpus of realistic repositories under ``tests/corpus/``, for tests.

Each fixture ``tests/corpus/<name>/`` holds:

* ``repo/``: the clean tree as a developer's checkout has it, git-ignored env files
  included; every ``.gitignore`` is stored as ``_gitignore`` so that it does not change
  what dockyard's own repository commits, and every Python file as ``<name>.py_`` so
  that dockyard's own pytest, ruff and mypy runs leave the fixtures' code alone;
* ``defects/``: an overlay of files that replace or join ``repo/`` to plant defects,
  plus an optional ``_delete.txt`` (paths, one a line, removed from the tree);
* ``fixture.toml``: what the fixture is modeled on and what must be found in it.

:func:`materialize` copies one variant to ``<dest_parent>/<name>`` (the folder name is
what compose derives the project name from), restores the stored names, gives env files
holding secrets mode 0600 and commits everything git does not ignore.
:func:`fresh_clone` clones it, as a new team member would get it: without the ignored
files.
"""

from __future__ import annotations

import os
import re
import shutil
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dockyard.adapters.runner import Completed, SubprocessRunner

__all__ = [
    "CORPUS",
    "DEFECT_IDS",
    "FIXTURES",
    "CorpusError",
    "Finding",
    "Fixture",
    "FreshClone",
    "fresh_clone",
    "git_environ",
    "load",
    "materialize",
    "run_git",
]

CORPUS = Path(__file__).resolve().parent / "corpus"

#: Check ids the corpus plants, each in at least two fixtures.
# fmt: off
DEFECT_IDS = frozenset({
    "DF001", "DF004", "DI001", "CO001", "CO002", "CO003",
    "CO004", "LK001", "GI001", "ENV001", "ENV005", "ENV007", "VE002", "VE003",
})

Variant = Literal["clean", "defects"]
PackageManager = Literal["uv", "poetry", "pip"]

_PACKAGE_MANAGERS: tuple[PackageManager, ...] = ("uv", "poetry", "pip")
_CHECK_ID = re.compile(r"[A-Z]{2,3}[0-9]{3}")
_TOP_KEYS = {"description", "shape", "expect", "clean", "defects"}
_EXPECT_KEYS = frozenset({
    "environments", "default_environment", "app_service", "python_project",
    "package_manager", "project_name", "ignored", "private", "services",
    "fresh_clone", "variables", "env_files",
})
# fmt: on
_AUTHOR = ("-c", "user.name=Corpus Fixture", "-c", "user.email=corpus@example.invalid")
_FIXED_DATE = "2026-01-01T00:00:00+00:00"
_TIMEOUT = 60.0


class CorpusError(ValueError):
    """A fixture.toml that is incomplete or wrong; the message names fixture and key."""


@dataclass(frozen=True)
class Finding:
    """A check id that must be reported, and the file (relative to the repo) it concerns."""

    id: str
    file: str


@dataclass(frozen=True)
class FreshClone:
    """Whether compose accepts an environment in a fresh clone, and why (not)."""

    ok: bool
    reason: str


@dataclass(frozen=True)
class Fixture:
    """One corpus repository and its expectations, as read from ``fixture.toml``."""

    name: str
    root: Path
    description: str
    shape: str
    environments: Mapping[str, tuple[str, ...]]
    default_environment: str | None
    app_service: str
    python_project: str
    package_manager: PackageManager
    project_names: Mapping[str, str]
    services: Mapping[str, tuple[str, ...]]
    fresh_clone: Mapping[str, FreshClone]
    variables: Mapping[str, Mapping[str, str]]
    env_files: Mapping[str, tuple[str, ...]]
    ignored: tuple[str, ...]
    private: tuple[str, ...]
    clean_findings: tuple[Finding, ...]
    defect_findings: tuple[Finding, ...]

    @property
    def repo(self) -> Path:
        return self.root / "repo"

    @property
    def overlay(self) -> Path:
        return self.root / "defects"

    def compose_args(self, env: str) -> list[str]:
        """``--env-file``/``-f`` arguments a user passes for ``env``, in order."""
        args: list[str] = []
        for env_file in self.env_files.get(env, ()):
            args += ["--env-file", env_file]
        for compose_file in self.environments[env]:
            args += ["-f", compose_file]
        return args


def _fail(name: str, key: str, problem: str) -> CorpusError:
    return CorpusError(f"tests/corpus/{name}/fixture.toml: {key}: {problem}")


def _str(name: str, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(name, key, "must be a non-empty string")
    return value


def _strings(name: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _fail(name, key, "must be a list of strings")
    return tuple(_str(name, f"{key}[{i}]", item) for i, item in enumerate(value))


def _table(name: str, key: str, value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(name, key, "must be a table")
    return value


def _per_env(
    name: str, key: str, value: object, envs: Sequence[str], *, every: bool
) -> dict[str, Any]:
    table = _table(name, key, value)
    unknown = sorted(set(table) - set(envs))
    if unknown:
        raise _fail(name, key, f"names no environment: {', '.join(unknown)}")
    missing = sorted(set(envs) - set(table))
    if every and missing:
        raise _fail(name, key, f"misses environments: {', '.join(missing)}")
    return table


def _findings(name: str, key: str, value: object) -> tuple[Finding, ...]:
    if not isinstance(value, list):
        raise _fail(name, key, "must be a list of { id, file } tables")
    found: list[Finding] = []
    for i, item in enumerate(value):
        entry = _table(name, f"{key}[{i}]", item)
        if set(entry) != {"id", "file"}:
            raise _fail(name, f"{key}[{i}]", "needs exactly the keys id and file")
        check_id = _str(name, f"{key}[{i}].id", entry["id"])
        if not _CHECK_ID.fullmatch(check_id):
            raise _fail(name, f"{key}[{i}].id", f"{check_id!r} is not a check id")
        found.append(Finding(check_id, _str(name, f"{key}[{i}].file", entry["file"])))
    return tuple(found)


def _expect(name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    expect = _table(name, "expect", data.get("expect"))
    unknown = sorted(set(expect) - _EXPECT_KEYS)
    if unknown:
        raise _fail(name, "expect", f"unknown keys: {', '.join(unknown)}")
    return expect


def _environments(name: str, expect: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    raw = _table(name, "expect.environments", expect.get("environments"))
    if not raw:
        raise _fail(name, "expect.environments", "names no environment")
    environments = {
        env: _strings(name, f"expect.environments.{env}", files) for env, files in raw.items()
    }
    for env, files in environments.items():
        if not files:
            raise _fail(name, f"expect.environments.{env}", "lists no compose file")
    return environments


def _package_manager(name: str, expect: Mapping[str, Any]) -> PackageManager:
    manager = _str(name, "expect.package_manager", expect.get("package_manager"))
    for known in _PACKAGE_MANAGERS:
        if manager == known:
            return known
    raise _fail(name, "expect.package_manager", f"{manager!r} is not one of uv, poetry, pip")


def _project_names(name: str, expect: Mapping[str, Any], envs: Sequence[str]) -> dict[str, str]:
    raw = expect.get("project_name")
    if isinstance(raw, str):
        return dict.fromkeys(envs, _str(name, "expect.project_name", raw))
    table = _per_env(name, "expect.project_name", raw, envs, every=True)
    return {env: _str(name, f"expect.project_name.{env}", v) for env, v in table.items()}


def _services(
    name: str, expect: Mapping[str, Any], envs: Sequence[str], app_service: str
) -> dict[str, tuple[str, ...]]:
    table = _per_env(name, "expect.services", expect.get("services"), envs, every=True)
    services = {env: _strings(name, f"expect.services.{env}", v) for env, v in table.items()}
    for env, names in services.items():
        if app_service not in names:
            raise _fail(name, f"expect.services.{env}", f"lacks the app service {app_service!r}")
    return services


def _fresh(name: str, expect: Mapping[str, Any], envs: Sequence[str]) -> dict[str, FreshClone]:
    fresh: dict[str, FreshClone] = {}
    table = _per_env(name, "expect.fresh_clone", expect.get("fresh_clone"), envs, every=True)
    for env, value in table.items():
        entry = _table(name, f"expect.fresh_clone.{env}", value)
        if set(entry) != {"ok", "reason"} or not isinstance(entry["ok"], bool):
            raise _fail(name, f"expect.fresh_clone.{env}", "needs ok (a boolean) and reason")
        reason = _str(name, f"expect.fresh_clone.{env}.reason", entry["reason"])
        fresh[env] = FreshClone(entry["ok"], reason)
    return fresh


def _variables(
    name: str, expect: Mapping[str, Any], envs: Sequence[str]
) -> dict[str, dict[str, str]]:
    table = _per_env(name, "expect.variables", expect.get("variables", {}), envs, every=False)
    return {
        env: {
            key: _str(name, f"expect.variables.{env}.{key}", value)
            for key, value in _table(name, f"expect.variables.{env}", values).items()
        }
        for env, values in table.items()
    }


def _env_files(
    name: str, expect: Mapping[str, Any], envs: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    table = _per_env(name, "expect.env_files", expect.get("env_files", {}), envs, every=False)
    return {env: _strings(name, f"expect.env_files.{env}", v) for env, v in table.items()}


def load(name: str) -> Fixture:
    """Read and validate ``tests/corpus/<name>/fixture.toml``.

    >>> load("override").services["dev"]
    ('db', 'web')
    """
    root = CORPUS / name
    path = root / "fixture.toml"
    if not path.is_file():
        raise CorpusError(f"tests/corpus/{name}: no fixture.toml")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise _fail(name, "(top level)", f"unknown keys: {', '.join(unknown)}")
    expect = _expect(name, data)
    environments = _environments(name, expect)
    envs = sorted(environments)
    default = expect.get("default_environment")
    if default is not None and default not in environments:
        raise _fail(name, "expect.default_environment", f"{default!r} is not an environment")
    app_service = _str(name, "expect.app_service", expect.get("app_service"))
    clean = _table(name, "clean", data.get("clean"))
    defects = _table(name, "defects", data.get("defects"))
    defect_findings = _findings(name, "defects.findings", defects.get("findings"))
    if not defect_findings:
        raise _fail(name, "defects.findings", "plants no defect")
    return Fixture(
        name=name,
        root=root,
        description=_str(name, "description", data.get("description")),
        shape=_str(name, "shape", data.get("shape")),
        environments=environments,
        default_environment=default,
        app_service=app_service,
        python_project=_str(name, "expect.python_project", expect.get("python_project")),
        package_manager=_package_manager(name, expect),
        project_names=_project_names(name, expect, envs),
        services=_services(name, expect, envs, app_service),
        fresh_clone=_fresh(name, expect, envs),
        variables=_variables(name, expect, envs),
        env_files=_env_files(name, expect, envs),
        ignored=_strings(name, "expect.ignored", expect.get("ignored")),
        private=_strings(name, "expect.private", expect.get("private")),
        clean_findings=_findings(name, "clean.findings", clean.get("findings")),
        defect_findings=defect_findings,
    )


def _names() -> tuple[str, ...]:
    return tuple(sorted(p.name for p in CORPUS.iterdir() if (p / "fixture.toml").is_file()))


#: Every fixture's name, sorted.
FIXTURES: tuple[str, ...] = _names()


def git_environ(home: Path) -> dict[str, str]:
    """An environment for git that ignores the developer's own git configuration."""
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_DATE": _FIXED_DATE,
        "GIT_COMMITTER_DATE": _FIXED_DATE,
        "LC_ALL": "C",
    }


def run_git(repo: Path, *args: str, check: bool = True) -> Completed:
    """Run ``git ARGS`` in ``repo`` through dockyard's runner, hermetically."""
    return SubprocessRunner().run(
        ["git", *_AUTHOR, *args],
        env=git_environ(repo.parent),
        cwd=repo,
        timeout=_TIMEOUT,
        check=check,
    )


def _overlay(fixture: Fixture, dest: Path) -> None:
    for source in sorted(fixture.overlay.rglob("*")):
        rel = source.relative_to(fixture.overlay)
        if source.is_dir() or rel == Path("_delete.txt"):
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    deletions = fixture.overlay / "_delete.txt"
    if deletions.is_file():
        for line in deletions.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                victim = dest / line.strip()
                if victim.is_dir():
                    shutil.rmtree(victim)
                else:
                    victim.unlink()


def _restore_names(dest: Path) -> None:
    """Restore stored names: ``_gitignore`` -> ``.gitignore``, ``x.py_`` -> ``x.py``."""
    for stored in sorted(dest.rglob("_gitignore")):
        stored.rename(stored.with_name(".gitignore"))
    for stored in sorted(dest.rglob("*.py_")):
        stored.rename(stored.with_name(stored.name.removesuffix("_")))


def materialize(
    name: str, dest_parent: Path, *, variant: Variant = "clean", git: bool = True
) -> Path:
    """Copy fixture ``name`` (``variant``) to ``dest_parent/name`` and commit it.

    ``dest_parent/name`` must not exist. With ``git=False`` the tree is only copied.

    >>> repo = materialize("override", tmp_path, variant="defects")  # doctest: +SKIP
    """
    if variant not in ("clean", "defects"):
        raise ValueError(f"variant must be 'clean' or 'defects', not {variant!r}")
    fixture = load(name)
    dest = dest_parent / name
    shutil.copytree(fixture.repo, dest, symlinks=True)
    if variant == "defects":
        _overlay(fixture, dest)
    _restore_names(dest)
    for private in fixture.private:
        path = dest / private
        if path.exists():
            path.chmod(0o600)
    if git:
        _commit(dest)
    return dest


def _commit(dest: Path) -> None:
    run_git(dest, "init", "-q", "-b", "main")
    run_git(dest, "add", "-A")
    run_git(dest, "commit", "-q", "--no-verify", "-m", "Initial commit")


def fresh_clone(repo: Path, dest: Path) -> Path:
    """``git clone`` ``repo`` to ``dest``: what a new checkout holds (no ignored files)."""
    SubprocessRunner().run(
        ["git", "clone", "-q", str(repo), str(dest)],
        env=git_environ(dest.parent),
        timeout=_TIMEOUT,
    )
    return dest

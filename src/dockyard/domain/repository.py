"""The repository as compose sees it: stacks, services, builds, Python projects.

One :class:`Repository` is made per command and handed to everything that needs to know
what the repository runs (checks, venv tasks, workflows). Each fact is found once:
``docker compose config --format json`` once per environment, each compose file and
Dockerfile parsed once, each build context's Python project found once::

    repo = Repository(settings, runner, environ)
    stack = repo.stack("dev")
    for service in stack.built():
        project = repo.project_for(service.build.context)

Where compose cannot answer (no compose binary, an env file that is absent), the files
are merged as compose merges them and :attr:`ComposeStack.notes` says so and what was
not followed. A compose file compose rejects is a :class:`~dockyard.errors.ConfigError`
naming the file with compose's own message. An empty, null or non-mapping file is kept
as a problem of the stack (a check reports it) and the other files are still read.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from dockyard.adapters.files import read_text
from dockyard.adapters.runner import Runner
from dockyard.domain.composefiles import merge_files
from dockyard.domain.config import Environment, Settings
from dockyard.domain.dockerfile import Dockerfile, parse_dockerfile
from dockyard.domain.services import Service, env_files_of, services_from_config
from dockyard.errors import CommandError, ConfigError, DockyardError

__all__ = ["ComposeFile", "ComposeStack", "PythonProject", "Repository"]

Manager = Literal["uv", "poetry", "pip"]


@dataclass(frozen=True)
class ComposeFile:
    """One compose file: path relative to the root, round-trip data, or its problem."""

    path: Path
    data: Any
    problem: str | None = None


@dataclass(frozen=True)
class ComposeStack:
    """One environment's stack: what compose runs, and the files it comes from."""

    env: Environment
    files: tuple[ComposeFile, ...]
    services: Mapping[str, Service]
    project_name: str
    source: Literal["compose", "files"]
    notes: tuple[str, ...] = ()
    top: Mapping[str, Any] = field(default_factory=dict)
    refused: str | None = None

    @property
    def app(self) -> Service | None:
        """The environment's main service (``env.service``), when compose runs it."""
        return self.services.get(self.env.service)

    def built(self) -> list[Service]:
        """Services compose builds, in file order."""
        return [s for s in self.services.values() if s.build is not None]

    def readable(self) -> list[ComposeFile]:
        """The files that parsed into a compose mapping."""
        return [f for f in self.files if f.problem is None]

    def locate(self, service: str, key: str | None = None) -> tuple[Path | None, int | None]:
        """The last file defining ``service`` (and ``key`` in it), with the line."""
        from dockyard.domain.services import _line

        for compose in reversed(self.readable()):
            services: Any = compose.data.get("services") if compose.data is not None else None
            body = services.get(service) if hasattr(services, "get") else None
            if body is None:
                continue
            if key is not None and hasattr(body, "get") and key in body:
                return compose.path, _line(body, key)
            if key is None:
                return compose.path, _line(services, service)
        return (self.readable()[0].path if self.readable() else None), None


@dataclass(frozen=True)
class PythonProject:
    """The Python project behind a build context: its files and its package manager."""

    root: Path
    pyproject: Path | None
    lock: Path | None
    requirements: tuple[Path, ...]
    package_manager: Manager

    @property
    def venv(self) -> Path:
        """The in-project venv path (``.venv`` beside the project's files)."""
        return self.root / ".venv"


class Repository:
    """What a repository runs, found once per command (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        runner: Runner,
        environ: Mapping[str, str],
        *,
        use_compose: bool = True,
    ) -> None:
        self.settings = settings
        self.runner = runner
        self.environ = environ
        self.use_compose = use_compose
        self._stacks: dict[str, ComposeStack | DockyardError] = {}
        self._projects: dict[Path, PythonProject | None] = {}
        self._dockerfiles: dict[Path, Dockerfile | DockyardError] = {}
        self._compose_command: tuple[str, ...] | None = None
        self.config_calls = 0

    @property
    def root(self) -> Path:
        """The repository root (the git top level, or the folder of the compose files)."""
        return self.settings.root

    def rel(self, path: Path) -> Path:
        """``path`` relative to the root when inside it."""
        return self.settings.relative(path)

    # ------------------------------------------------------------------ stacks
    def stack(self, name: str | None = None) -> ComposeStack:
        """The stack of environment ``name`` (default environment when None)."""
        env = self.settings.environment(name)
        if env.name not in self._stacks:
            try:
                self._stacks[env.name] = self._load_stack(env)
            except DockyardError as exc:
                self._stacks[env.name] = exc
        found = self._stacks[env.name]
        if isinstance(found, DockyardError):
            raise found
        return found

    def _load_stack(self, env: Environment) -> ComposeStack:
        own = [self._read_compose(path) for path in env.compose_files]
        included = self._included(own)
        files = (*(f for f, _ in included), *own)  # compose loads what files include first
        folders = {f.path: folder for f, folder in included}
        # a file's services resolve relative paths from its folder, or from the
        # `project_directory` its include entry names
        good = [
            (folders.get(f.path, (self.root / f.path).parent) / f.path.name, f.data)
            for f in files
            if f.problem is None
        ]
        notes: list[str] = []
        services: dict[str, Service] = {}
        top: dict[str, Any] = {}
        source: Literal["compose", "files"] = "files"
        refused: list[str] = []
        given = [self.root / f.path for f in own if f.problem is None]  # compose's -f
        config = self._compose_config(env, given, notes, refused) if given else None
        variables = self._variables(env)
        if config is not None:
            services, source = services_from_config(config), "compose"
            top = {k: v for k, v in config.items() if k != "services"}
        elif good:
            profiles = [p for p in variables.get("COMPOSE_PROFILES", "").split(",") if p]
            services, top, more = merge_files(good, variables, profiles)
            notes += more
        for name, service in list(services.items()):
            refs = env_files_of(good, name, self.rel, variables)
            services[name] = _with_env_files(service, refs)
        return ComposeStack(
            env,
            files,
            services,
            env.project_name,
            source,
            tuple(notes),
            top,
            refused[0] if refused else None,
        )

    def _included(self, files: list[ComposeFile]) -> list[tuple[ComposeFile, Path]]:
        """The files ``files`` pull in with ``include:`` (compose 2.20), each with the
        folder its relative paths resolve from, included files' own includes first."""
        found: list[tuple[ComposeFile, Path]] = []
        seen = {f.path for f in files}
        pending = [(f, (self.root / f.path).parent) for f in files]
        while pending and len(found) < 64:
            compose, _ = pending.pop(0)
            entries = compose.data.get("include") if compose.problem is None else None
            for entry in entries if isinstance(entries, list) else []:
                folder = (self.root / compose.path).parent
                paths = entry.get("path") if hasattr(entry, "get") else entry
                project = entry.get("project_directory") if hasattr(entry, "get") else None
                for item in paths if isinstance(paths, list) else [paths]:
                    path = (folder / str(item)).resolve()
                    read = self._read_compose(path)
                    if read.path in seen:
                        continue
                    seen.add(read.path)
                    base = (folder / str(project)).resolve() if project else path.parent
                    found.insert(0, (read, base))
                    pending.append((read, base))
        return found

    def _read_compose(self, path: Path) -> ComposeFile:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        rel = self.rel(path)
        if not path.exists():
            return ComposeFile(rel, None, "compose file not found")
        if not path.is_file():
            return ComposeFile(rel, None, "not a regular file")
        text = read_text(path, what="compose", display=rel)  # bounded, regular files only
        try:
            data = YAML(typ="rt").load(text)
        except YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            raise ConfigError("invalid YAML", source=f"{rel}{where}") from None
        except ValueError as exc:
            raise ConfigError(f"cannot read: {exc}", source=str(rel)) from None
        if data is None:
            return ComposeFile(rel, None, "empty compose file")
        if not hasattr(data, "get"):
            kind = type(data).__name__
            return ComposeFile(rel, None, f"the top level is a {kind}, not a mapping")
        return ComposeFile(rel, data)

    def _variables(self, env: Environment) -> dict[str, str]:
        """What compose interpolates with: the env file under the process environment."""
        from dockyard.domain.envfiles import read_env_file
        from dockyard.errors import EnvFileError

        values: dict[str, str] = {}
        for path in env.env_files:
            try:
                parsed = read_env_file(path, display=self.rel(path))
            except (EnvFileError, ConfigError):
                continue
            values.update({k: v for k, v in parsed.values().items() if v is not None})
        values.update(self.environ)
        values.update(env.variables)  # the variables that choose the environment
        return values

    def _compose_config(
        self, env: Environment, files: list[Path], notes: list[str], refused: list[str]
    ) -> Mapping[str, Any] | None:
        """compose's own resolved configuration; None (with a note) when it cannot say."""
        if not self.use_compose:
            return None
        import json

        from dockyard.adapters.compose import detect_compose
        from dockyard.domain.identity import host_ids

        environ = dict(self.environ)
        ids = host_ids(
            environ,
            root=self.settings.root,
            default_uid=self.settings.default_uid,
            default_gid=self.settings.default_gid,
        )
        environ.setdefault("HOST_UID", str(ids.uid))
        environ.setdefault("HOST_GID", str(ids.gid))
        environ.update(env.variables)
        try:
            command = self._compose_command or detect_compose(self.runner, environ)
        except DockyardError:
            notes.append("compose is not installed: the files were merged without it")
            return None
        self._compose_command = command
        argv: list[str] = [*command, "-p", env.project_name]
        for path in files:
            argv += ["-f", str(path)]
        for env_file in env.env_files:
            if env_file.is_file():
                argv += ["--env-file", str(env_file)]
        argv += ["config", "--format", "json"]
        self.config_calls += 1
        try:
            done = self.runner.run(
                argv, env=environ, cwd=env.project_dir, timeout=60.0, check=False
            )
        except CommandError as exc:
            notes.append(f"compose could not run ({exc}): the files were merged without it")
            return None
        if done.ok:
            try:
                data = json.loads(done.stdout)
            except ValueError:
                data = None
            if isinstance(data, Mapping):
                return data
            notes.append("compose printed no configuration: the files were merged without it")
            return None
        from dockyard.adapters.compose import compose_message

        message = compose_message(done.stderr)
        missing_input = ("env file" in message and "not found" in message) or (
            "required variable" in message
        )
        if missing_input:
            # the files are fine; what they need is absent here (a fresh clone, an unset
            # secret): checks report it (CO003, CO007) and read the files meanwhile
            refused.append(message)
            notes.append(f"compose refuses to run it as is ({message}); files merged instead")
            return None
        shown = ", ".join(str(self.rel(p)) for p in files)
        raise ConfigError(f"compose rejects the configuration: {message}", source=shown)

    # ------------------------------------------------------------------ projects
    def project_for(self, context: Path) -> PythonProject | None:
        """The nearest Python project at or above ``context``, up to the root."""
        context = context.resolve()
        if context not in self._projects:
            self._projects[context] = _find_project(context, self.root, self.settings)
        return self._projects[context]

    def projects(self, env: str | None = None) -> list[PythonProject]:
        """The distinct Python projects behind the services compose builds (all
        environments when ``env`` is None), else the root's own project."""
        names = [env] if env is not None else list(self.settings.environments)
        found: dict[Path, PythonProject] = {}
        for name in names:
            try:
                stack = self.stack(name)
            except DockyardError:
                continue
            for service in stack.built():
                assert service.build is not None  # noqa: S101 - built() guarantees it
                project = self.project_for(service.build.context)
                if project is not None:
                    found.setdefault(project.root, project)
        if not found:
            root = self.project_for(self.root)
            if root is not None:
                found[root.root] = root
        return list(found.values())

    # ------------------------------------------------------------------ Dockerfiles
    def dockerfile(self, path: Path) -> Dockerfile:
        """``path`` parsed once; a ConfigError when it cannot be read."""
        if path not in self._dockerfiles:
            try:
                self._dockerfiles[path] = self._parse_dockerfile(path)
            except DockyardError as exc:
                self._dockerfiles[path] = exc
        found = self._dockerfiles[path]
        if isinstance(found, DockyardError):
            raise found
        return found

    def _parse_dockerfile(self, path: Path) -> Dockerfile:
        rel = self.rel(path)
        try:
            text = read_text(path, what="dockerfile", display=rel)
        except FileNotFoundError:
            raise ConfigError("Dockerfile not found", source=str(rel)) from None
        return parse_dockerfile(text, rel)


def _with_env_files(service: Service, refs: tuple[Any, ...]) -> Service:
    from dataclasses import replace

    return replace(service, env_files=refs)


def _find_project(context: Path, root: Path, settings: Settings) -> PythonProject | None:
    folders = [context]
    if context != root and root in context.parents:
        folders += [p for p in context.parents if p == root or root in p.parents]
    for folder in folders:
        pyproject = folder / "pyproject.toml"
        locks = [folder / n for n in ("uv.lock", "poetry.lock") if (folder / n).is_file()]
        requirements = tuple(
            sorted([*folder.glob("requirements*.txt"), *folder.glob("requirements/*.txt")])
        )
        if pyproject.is_file() or locks or requirements:
            manager = _manager(folder, pyproject, locks, settings)
            lock = next((p for p in locks if _LOCK_OF[manager] == p.name), None)
            return PythonProject(
                folder, pyproject if pyproject.is_file() else None, lock, requirements, manager
            )
    return None


_LOCK_OF: dict[str, str] = {"uv": "uv.lock", "poetry": "poetry.lock", "pip": ""}


def _manager(folder: Path, pyproject: Path, locks: list[Path], settings: Settings) -> Manager:
    if settings.package_manager != "auto" and folder == settings.root:
        return settings.package_manager
    names = {p.name for p in locks}
    if "uv.lock" in names:
        return "uv"
    if "poetry.lock" in names:
        return "poetry"
    if pyproject.is_file():
        try:
            tool = tomllib.loads(pyproject.read_text(encoding="utf-8-sig")).get("tool", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            tool = {}
        if "poetry" in tool:
            return "poetry"
        if "uv" in tool:
            return "uv"
    return "pip"

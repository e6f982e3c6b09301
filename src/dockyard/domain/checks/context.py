"""What checks read: settings, the environment, and parsed inputs cached for one run.

Each input (the Dockerfile, the compose files, the env-file findings, the live probe)
is read at most once per run however many checks use it. A failure to read is kept
and raised again to every check that needs the input, so each reports ERROR with the
same reason instead of the first one hiding it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from dockyard.adapters.runner import Runner
from dockyard.domain.checks.registry import SkipCheck
from dockyard.domain.config import Environment, Settings
from dockyard.domain.dockerfile import Dockerfile, parse_dockerfile
from dockyard.domain.findings import Finding
from dockyard.errors import ConfigError, DockyardError

__all__ = ["BuildSpec", "CheckContext", "ComposeFile", "LiveData"]

T = TypeVar("T")

#: What the live probe found: the probe's JSON plus host-side facts (see checks.live).
LiveData = Mapping[str, Any]


@dataclass(frozen=True)
class ComposeFile:
    """One compose file: its path relative to the root and its round-trip YAML data."""

    path: Path
    data: Any


@dataclass(frozen=True)
class BuildSpec:
    """How the environment's service is built: Dockerfile, target stage, build args."""

    dockerfile: Path
    context: Path
    target: str | None
    args: Mapping[str, str]
    source: str


@dataclass
class CheckContext:
    """Inputs of one check run. ``live_source`` is called once, by the first live check."""

    settings: Settings
    env: Environment
    environ: Mapping[str, str]
    runner: Runner
    live: bool = False
    run_pre_commit: bool = False
    live_source: Callable[[CheckContext], LiveData] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def rel(self, path: Path) -> Path:
        """``path`` relative to the repository root."""
        return self.settings.relative(path)

    def _once(self, key: str, load: Callable[[], T]) -> T:
        if key not in self._cache:
            try:
                self._cache[key] = ("ok", load())
            except (DockyardError, SkipCheck) as exc:
                self._cache[key] = ("raise", exc)
        state, value = self._cache[key]
        if state == "raise":
            raise value
        return value  # type: ignore[no-any-return]

    def compose_files(self) -> list[ComposeFile]:
        """The environment's compose files that exist, parsed (ERROR when invalid)."""
        return self._once("compose", self._load_compose)

    def _load_compose(self) -> list[ComposeFile]:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        yaml = YAML(typ="rt")
        found: list[ComposeFile] = []
        for path in self.env.compose_files:
            if not path.is_file():
                continue
            try:
                data = yaml.load(path.read_text(encoding="utf-8"))
            except YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f":{mark.line + 1}" if mark is not None else ""
                raise ConfigError("invalid YAML", source=f"{self.rel(path)}{where}") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read: {exc}", source=str(self.rel(path))) from None
            found.append(ComposeFile(self.rel(path), data))
        if not found:
            shown = ", ".join(str(self.rel(p)) for p in self.env.compose_files)
            raise SkipCheck(f"no compose file for environment {self.env.name!r} ({shown})")
        return found

    def services(self) -> list[tuple[ComposeFile, str, Any]]:
        """Every ``(file, service name, service mapping)`` of the compose files."""
        result: list[tuple[ComposeFile, str, Any]] = []
        for compose in self.compose_files():
            services: Any = compose.data.get("services") if hasattr(compose.data, "get") else None
            if services is not None and hasattr(services, "items"):
                result.extend((compose, name, body) for name, body in services.items())
        return result

    def build_spec(self) -> BuildSpec:
        """Dockerfile, target and args of the service's ``build:``, else the configured file."""
        return self._once("build", self._load_build)

    def _load_build(self) -> BuildSpec:
        spec = BuildSpec(
            self.settings.dockerfile,
            self.settings.dockerignore.parent,
            None,
            {},
            "configuration (dockerfile)",
        )
        try:
            services = self.services()
        except SkipCheck:
            return spec
        for compose, name, body in services:
            if name != self.env.service or not hasattr(body, "get"):
                continue
            build = body.get("build")
            if build is None:
                continue
            folder = (self.settings.root / compose.path).parent
            if isinstance(build, str):
                context = (folder / build).resolve()
                return BuildSpec(context / "Dockerfile", context, None, {}, str(compose.path))
            context = (folder / str(build.get("context", "."))).resolve()
            dockerfile = context / str(build.get("dockerfile", "Dockerfile"))
            raw_args = build.get("args") or {}
            args: dict[str, str] = {}
            if hasattr(raw_args, "items"):
                args = {str(k): str(v) for k, v in raw_args.items() if v is not None}
            else:
                for item in raw_args:
                    key, sep, value = str(item).partition("=")
                    if sep:
                        args[key] = value
            target = build.get("target")
            return BuildSpec(
                dockerfile.resolve(),
                context,
                str(target) if target else None,
                args,
                str(compose.path),
            )
        return spec

    def dockerfile(self) -> Dockerfile:
        """The service's Dockerfile, parsed; SKIP when there is none."""
        return self._once("dockerfile", self._load_dockerfile)

    def _load_dockerfile(self) -> Dockerfile:
        path = self.build_spec().dockerfile
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SkipCheck(f"no Dockerfile at {self.rel(path)}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read: {exc}", source=str(self.rel(path))) from None
        return parse_dockerfile(text, self.rel(path))

    def env_findings(self) -> list[Finding]:
        """Findings of :func:`dockyard.workflows.envs.check_env` for the environment."""
        return self._once("env", self._load_env)

    def _load_env(self) -> list[Finding]:
        from dockyard.workflows.envs import check_env

        if not self.env.env_file.is_file() and not self.env.env_file.is_symlink():
            raise SkipCheck(
                f"{self.rel(self.env.env_file)} not found: create it with "
                f"`dockyard env.init --env {self.env.name}`"
            )
        return check_env(self.settings, self.env, self.environ, self.runner)

    def is_git_repository(self) -> bool:
        """True when the root is inside a git work tree."""
        from dockyard.adapters import git

        return self._once(
            "git", lambda: git.is_repository(self.runner, self.settings.root, self.environ)
        )

    def live_data(self) -> LiveData:
        """The live probe's answer; SKIP without ``--live``, ERROR when it cannot run."""
        if not self.live:
            raise SkipCheck("live check: run with --live against a running environment")
        if self.live_source is None:
            raise SkipCheck("live check: no engine connection was provided")
        source = self.live_source
        return self._once("live", lambda: source(self))

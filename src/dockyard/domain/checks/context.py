"""What checks read: settings, the environment, and parsed inputs cached for one run.

Each input (the repository model: compose files, services, builds, Dockerfiles and
Python projects; the env-file findings; the live probe) is read at most once per run
however many checks use it. A failure to read is kept
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
from dockyard.domain.dockerfile import Dockerfile
from dockyard.domain.findings import Finding
from dockyard.domain.repository import ComposeFile, ComposeStack, Repository
from dockyard.domain.services import BuildInfo, Service
from dockyard.errors import DockyardError

__all__ = ["BuildSpec", "CheckContext", "ComposeFile", "LiveData"]

T = TypeVar("T")

#: What the live probe found: the probe's JSON plus host-side facts (see checks.live).
LiveData = Mapping[str, Any]


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
    repository: Repository | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def repo(self) -> Repository:
        """The repository model shared by every check of the run (made on first use)."""
        if self.repository is None:
            from dockyard.domain.repository import Repository

            self.repository = Repository(self.settings, self.runner, self.environ)
        return self.repository

    def stack(self) -> ComposeStack:
        """The environment's stack as compose resolves it (ERROR when compose rejects it)."""
        return self.repo.stack(self.env.name)

    def built(self) -> list[tuple[Service, BuildInfo]]:
        """``(service, build)`` for every service the environment builds; SKIP if none."""
        stack = self.stack()
        pairs = [(s, s.build) for s in stack.built() if s.build is not None]
        if not pairs:
            if not stack.readable():
                raise SkipCheck(f"no readable compose file for environment {self.env.name!r}")
            raise SkipCheck(f"no service of environment {self.env.name!r} is built")
        return pairs

    def stage_dockerfile(self, build: BuildInfo) -> Dockerfile | None:
        """The Dockerfile a build uses, parsed; None when it is missing (DF004 says so)."""
        if build.dockerfile is None or not build.dockerfile.is_file():
            return None
        return self.repo.dockerfile(build.dockerfile)

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
        """The environment's compose files that parse (SKIP when there is none)."""
        stack = self.stack()
        found = stack.readable()
        if not found:
            shown = ", ".join(str(f.path) for f in stack.files)
            raise SkipCheck(f"no readable compose file for environment {self.env.name!r} ({shown})")
        return found

    def services(self) -> list[tuple[ComposeFile, str, Any]]:
        """Every ``(file, service name, service mapping)`` of the compose files."""
        result: list[tuple[ComposeFile, str, Any]] = []
        for compose in self.compose_files():
            services: Any = compose.data.get("services")
            if services is not None and hasattr(services, "items"):
                result.extend((compose, name, body) for name, body in services.items())
        return result

    def build_spec(self) -> BuildSpec:
        """Dockerfile, target and args of the main service's build (else configuration)."""
        return self._once("build", self._load_build)

    def _load_build(self) -> BuildSpec:
        try:
            app = self.stack().app
        except SkipCheck:
            app = None
        if app is not None and app.build is not None and app.build.dockerfile is not None:
            where, _ = self.stack().locate(app.name, "build")
            build = app.build
            return BuildSpec(
                build.dockerfile or build.context / "Dockerfile",
                build.context,
                build.target,
                build.args,
                str(where or "compose"),
            )
        return BuildSpec(
            self.settings.dockerfile,
            self.settings.dockerignore.parent,
            None,
            {},
            "configuration (dockerfile)",
        )

    def dockerfile(self) -> Dockerfile:
        """The main service's Dockerfile, parsed; SKIP when there is none."""
        path = self.build_spec().dockerfile
        if not path.is_file():
            raise SkipCheck(f"no Dockerfile at {self.rel(path)}")
        return self.repo.dockerfile(path)

    def env_findings(self) -> list[Finding]:
        """Findings of :func:`dockyard.workflows.envs.check_env` for the environment."""
        return self._once("env", self._load_env)

    def env_files(self) -> list[Path]:
        """The env files of the environment that exist: the ``--env-file`` ones and every
        ``env_file`` a service loads."""
        files = [p for p in self.env.env_files if p.is_file()]
        try:
            stack = self.stack()
        except DockyardError:
            stack = None
        if stack is not None:
            for service in stack.services.values():
                files += [r.path for r in service.env_files if r.path.is_file()]
        return list(dict.fromkeys(files))

    def tracked(self, paths: list[Path]) -> set[Path]:
        """Which of ``paths`` (absolute) git tracks; empty outside a git repository."""
        from dockyard.adapters import git

        root = self.settings.root
        inside = [p for p in paths if root in p.parents]
        if not inside or not self.is_git_repository():
            return set()
        rels = [p.relative_to(root) for p in inside]
        return {root / p for p in git.tracked(self.runner, root, rels, self.environ)}

    def _load_env(self) -> list[Finding]:
        """check_env over each env file of the environment, each compared with its own
        template (``.env.test.example`` for ``.env.test``). A file git tracks that has no
        template of its own (``.env.ci``, a committed ``.env`` of defaults) documents
        itself: it is not compared with the generic example, and its mode is moot."""
        from dataclasses import replace

        from dockyard.workflows.envs import check_env

        files = self.env_files()
        if not files:
            if not self.env.env_file_required:
                return []  # the stack loads no env file: nothing to judge
            raise SkipCheck(
                f"{self.rel(self.env.env_file)} not found: create it with "
                f"`dockyard env.init --env {self.env.name}`"
            )
        tracked = self.tracked(files)
        findings: dict[tuple[Any, ...], Finding] = {}
        for path in files:
            own = _own_template(path)
            example = own or self.env.env_example or self.settings.env_example
            settings = replace(self.settings, env_example=example)
            env = replace(self.env, env_file=path, env_example=example)
            for finding in check_env(settings, env, self.environ, self.runner):
                if path in tracked and own is None and finding.check_id in _SELF_DOCUMENTED:
                    continue
                if path in tracked and finding.check_id == "ENV006":
                    continue
                if path != self.env.env_file and own is None and finding.check_id == "ENV008":
                    continue  # a service's own env file: the project may document it elsewhere
                key = (finding.check_id, finding.message, finding.path, finding.line)
                findings.setdefault(key, finding)
        return list(findings.values())

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


#: Env-file checks that compare a file with a template, moot for a committed file
#: that has no template of its own.
_SELF_DOCUMENTED = frozenset({"ENV001", "ENV002", "ENV008"})


def _own_template(path: Path) -> Path | None:
    """The template of env file ``path``: ``<name>.example`` (or .sample, .template)."""
    for suffix in (".example", ".sample", ".template"):
        candidate = path.with_name(path.name + suffix)
        if candidate.is_file():
            return candidate
    return None

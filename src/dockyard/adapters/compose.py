"""The compose CLI: v2 (``docker compose``) or, where it is all there is, v1.

Every call names the project (``-p``, unique to the repository and environment), each
compose file (``-f``) and the env file (``--env-file``). It never passes
``--project-directory``: compose resolves the relative paths inside a compose file
(``context: ..``, ``env_file: ../env/.env.dev``) from the folder of the first compose
file, and moving that folder silently re-roots every one of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockyard.adapters.runner import Completed, Runner
from dockyard.errors import CommandError, CommandNotFoundError, ConfigError, EngineError

__all__ = ["Compose", "ComposeProject", "compose_message", "detect_compose"]

_QUERY_TIMEOUT = 60.0


#: Where the docker CLI looks for its plugins (after ``$DOCKER_CONFIG/cli-plugins``).
PLUGIN_DIRS = (
    "~/.docker/cli-plugins",
    "/usr/local/lib/docker/cli-plugins",
    "/usr/local/libexec/docker/cli-plugins",
    "/usr/lib/docker/cli-plugins",
    "/usr/libexec/docker/cli-plugins",
)


def detect_compose(runner: Runner, env: Mapping[str, str]) -> tuple[str, ...]:
    """The compose command: ``("docker", "compose")`` for v2, else ``("docker-compose",)``.

    The v2 plugin is found where the docker CLI finds it, without starting a process;
    otherwise each candidate is asked for its version.
    """
    import shutil

    dirs = [Path(env["DOCKER_CONFIG"]) / "cli-plugins"] if env.get("DOCKER_CONFIG") else []
    dirs += [Path(d).expanduser() for d in PLUGIN_DIRS]
    docker = shutil.which("docker", path=env.get("PATH", ""))
    if docker and any((d / "docker-compose").is_file() for d in dirs):
        return ("docker", "compose")
    for candidate in (("docker", "compose"), ("docker-compose",)):
        try:
            done = runner.run([*candidate, "version"], env=env, timeout=_QUERY_TIMEOUT, check=False)
        except CommandNotFoundError:
            continue
        if done.ok:
            return candidate
    raise EngineError(
        "Docker Compose not found: install the compose v2 plugin (`docker compose`) "
        "or the `docker-compose` binary"
    )


@dataclass(frozen=True)
class ComposeProject:
    """One environment as compose sees it.

    ``env_file`` is passed with ``--env-file`` after ``extra_env_files``; outside the
    standard layout it may be optional (``env_file_required`` false: the ``.env`` plain
    compose reads when it is there).
    """

    name: str
    files: tuple[Path, ...]
    env_file: Path
    extra_env_files: tuple[Path, ...] = ()
    env_file_required: bool = True

    def check_files(self, display: Callable[[Path], Path]) -> None:
        """Fail with one line naming the first compose or env file that is missing."""
        for path in self.files:
            if not path.is_file():
                raise ConfigError("compose file not found", source=str(display(path)))
        required = [*self.extra_env_files, *((self.env_file,) if self.env_file_required else ())]
        for env_file in required:
            if not env_file.is_file():
                raise ConfigError(
                    "env file not found; create it with `dockyard env.init`",
                    source=str(display(env_file)),
                )

    def env_file_args(self) -> list[str]:
        """``--env-file`` for each env file compose reads, in order."""
        files = [*self.extra_env_files, self.env_file]
        required = self.env_file_required
        return [
            item
            for path in files
            if path.is_file() or path != self.env_file or required
            for item in ("--env-file", str(path))
        ]


@dataclass(frozen=True)
class Compose:
    """Build and run compose argv for one project through a :class:`Runner`."""

    runner: Runner
    command: tuple[str, ...]
    project: ComposeProject
    env: Mapping[str, str]
    cwd: Path

    def argv(self, *args: str) -> tuple[str, ...]:
        """The full argv of ``compose <args>`` for this project."""
        files = [item for path in self.project.files for item in ("-f", str(path))]
        return (
            *self.command,
            "-p",
            self.project.name,
            *files,
            *self.project.env_file_args(),
            *args,
        )

    def run(
        self,
        *args: str,
        timeout: float | None = 3600.0,
        check: bool = True,
        capture: bool = True,
        on_output: Callable[[str], None] | None = None,
    ) -> Completed:
        """Run ``compose <args>``."""
        return self.runner.run(
            self.argv(*args),
            env=self.env,
            cwd=self.cwd,
            timeout=timeout,
            check=check,
            capture=capture,
            on_output=on_output,
        )

    def config(self) -> dict[str, Any]:
        """The resolved configuration (``config --format json``), as compose computes it."""
        if self.command == ("docker-compose",):
            done = self.run("config", timeout=_QUERY_TIMEOUT)
            from ruamel.yaml import YAML

            data: Any = YAML(typ="safe").load(done.stdout)
        else:
            try:
                done = self.run("config", "--format", "json", timeout=_QUERY_TIMEOUT)
            except CommandNotFoundError:
                raise
            except CommandError as exc:
                raise self.refusal(exc) from None
            try:
                data = json.loads(done.stdout)
            except json.JSONDecodeError as exc:
                raise CommandError(
                    done.argv, 0, message=f"compose config printed invalid JSON: {exc}"
                ) from None
        return data if isinstance(data, dict) else {}

    def refusal(self, exc: CommandError) -> ConfigError:
        """compose's ``config`` refusing the project, as one line naming the file (bad
        input, exit 2): a missing env file a service loads, else the compose files."""
        message = compose_message(exc.stderr_tail)
        missing = re.search(r"env file (?P<path>\S+) not found", message)
        if missing is None:
            files = ", ".join(self._shown(p) for p in self.project.files)
            return ConfigError(f"compose rejects the configuration: {message[:300]}", source=files)
        path = Path(missing["path"])
        templates = [path.with_name(path.name + s) for s in (".example", ".sample", ".template")]
        found = next((t for t in templates if t.is_file()), None)
        hint = f"create it from {self._shown(found)}" if found is not None else "create it"
        if path == self.project.env_file:
            hint += " (`dockyard env.init --env <env>` does, mode 0600)"
        elif found is not None:
            hint += f" (`cp {self._shown(found)} {self._shown(path)}`, then `chmod 600` it)"
        return ConfigError(
            f"env file not found (a service loads it); {hint}", source=self._shown(path)
        )

    def _shown(self, path: Path) -> str:
        try:
            return path.relative_to(self.cwd).as_posix()
        except ValueError:
            return str(path)

    def image_name(self, service: str, config: Mapping[str, Any] | None = None) -> str:
        """The image compose builds or runs for ``service``."""
        services = (config if config is not None else self.config()).get("services", {})
        spec = services.get(service)
        if spec is None:
            known = ", ".join(sorted(services)) or "none"
            raise ConfigError(
                f"service {service!r} not found (services: {known})",
                source=str(self.project.files[0].name),
            )
        image = spec.get("image")
        if image:
            return str(image)
        sep = "_" if self.command == ("docker-compose",) else "-"
        return f"{self.project.name}{sep}{service}"

    @staticmethod
    def build_args(args: Mapping[str, str]) -> Sequence[str]:
        """``--build-arg K=V`` pairs for ``compose build``."""
        return [item for key, value in args.items() for item in ("--build-arg", f"{key}={value}")]


def compose_message(stderr: str) -> str:
    """compose's own message in its ``stderr``: the last line that is not a warning."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    meaningful = [line for line in lines if "level=warning" not in line]
    return (meaningful or lines or ["no message"])[-1][:300]

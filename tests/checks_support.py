"""A project on disk that passes every static check, for the check tests to break."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dockyard.adapters.runner import DEFAULT_TIMEOUT, Completed, SubprocessRunner
from dockyard.domain.checks import CheckContext, CheckResult, LiveData, default_registry
from dockyard.domain.config import load_settings
from dockyard.testing import FakeRunner

CANARY = "canary-Zq8Lm3Vx7Rt2Wp9Kd4Hs"

DOCKERFILE = """\
# syntax=docker/dockerfile:1
ARG BASE_IMAGE=python:3.13-slim
FROM ${BASE_IMAGE} AS base
ARG HOST_UID=1000
ARG HOST_GID=1000
RUN groupadd -g ${HOST_GID} app \\
 && useradd -m -u ${HOST_UID} -g ${HOST_GID} app
USER app
HEALTHCHECK CMD python3 -c "print(1)"

FROM base AS development
COPY --chown=app:app . /app
"""

COMPOSE = """\
services:
  app:
    build:
      context: ..
      dockerfile: docker/Dockerfile
      target: development
      args:
        HOST_UID: ${HOST_UID}
        HOST_GID: ${HOST_GID}
    env_file:
      - ../env/.env.dev
    user: "${HOST_UID}:${HOST_GID}"
    environment:
      LOG_LEVEL: debug
    healthcheck:
      test: ["CMD", "python3", "-c", "print(1)"]
"""

DOCKERIGNORE = """\
.git/
.venv/
.env*
!.env.example
env/.env.*
!env/.env.example
"""

FILES: dict[str, str] = {
    "pyproject.toml": (
        '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        "dependencies = []\n"
    ),
    # what `uv lock` writes for it: `uv lock --check` agrees, offline
    "uv.lock": (
        'version = 1\nrevision = 5\nrequires-python = ">=3.11"\n\n[[package]]\n'
        'name = "demo"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
    ),
    "docker/Dockerfile": DOCKERFILE,
    "compose/docker-compose.dev.yml": COMPOSE,
    ".dockerignore": DOCKERIGNORE,
    "env/.env.example": "APP_NAME=demo\nDB_PASSWORD=changeme\n",
    "env/.env.dev": f"APP_NAME=demo\nDB_PASSWORD={CANARY}\n",
    ".gitignore": "/env/.env.*\n!/env/.env.example\n",
    ".pre-commit-config.yaml": "repos: []\n",
}


@dataclass
class MixedRunner:
    """git for real (env checks ask it what is tracked), everything else scripted."""

    fake: FakeRunner = field(default_factory=FakeRunner)
    real: SubprocessRunner = field(default_factory=SubprocessRunner)

    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        check: bool = True,
        capture: bool = True,
        stdin: str | None = None,
        on_output: Callable[[str], None] | None = None,
    ) -> Completed:
        """Run git for real, anything else through the fake."""
        runner = self.real if argv[0] == "git" else self.fake
        return runner.run(
            argv,
            env=env,
            cwd=cwd,
            timeout=timeout,
            check=check,
            capture=capture,
            stdin=stdin,
            on_output=on_output,
        )


def git_environ(root: Path) -> dict[str, str]:
    """An environment for git in tests: no user config, a fixed identity."""
    import os

    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }


def make_project(root: Path, *, git: bool = True) -> Path:
    """Write the passing project at ``root`` (a git repository with everything staged)."""
    write_files(root, FILES)
    (root / "env/.env.dev").chmod(0o600)
    if git:
        runner = SubprocessRunner()
        env = git_environ(root)
        runner.run(["git", "init", "-q"], env=env, cwd=root)
        runner.run(["git", "add", "-A"], env=env, cwd=root)
    return root


def write_files(root: Path, files: Mapping[str, str | None]) -> None:
    """Write (or, for None, remove) files under ``root``."""
    for rel, text in files.items():
        path = root / rel
        if text is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def context(
    root: Path,
    *,
    runner: MixedRunner | None = None,
    live: bool = False,
    live_data: LiveData | None = None,
    run_pre_commit: bool = False,
    environ: Mapping[str, str] | None = None,
) -> CheckContext:
    """A CheckContext for the project at ``root`` (env 'dev')."""
    env = dict(environ) if environ is not None else git_environ(root)
    settings = load_settings(root, environ=env)
    source = None if live_data is None else (lambda ctx: live_data)
    return CheckContext(
        settings,
        settings.environment("dev"),
        env,
        runner or MixedRunner(),
        live=live,
        run_pre_commit=run_pre_commit,
        live_source=source,
    )


def run_one(check_id: str, ctx: CheckContext) -> CheckResult:
    """Run the registered check ``check_id`` in ``ctx``."""
    return default_registry().get(check_id).run(ctx)

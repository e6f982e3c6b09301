"""Shared by the build benchmarks (P6, P7, P8): one project, two Dockerfiles, one engine.

The subject is dockyard's Dockerfile template; the baseline is the second seed's
Dockerfile (``docker/Dockerfile`` of the refactoring plan), built from the same base
image, in the same run, through the same compose/BuildKit. The seed is adapted only to
build offline (containers here reach no index):

* ``uv sync --frozen`` becomes ``uv export`` + ``uv pip install --no-index`` from the
  wheelhouse, which reaches the build through a bind mount of a scratch image holding
  the wheels: the seed's image carries no wheel, as it would carry none online;
* the apt-get lines go (no Debian mirror either), and the production stage starts
  from the same base image instead of ``python:3.13-slim``;
* its ``.dockerignore`` (which the seed keeps in ``docker/``, where no builder reads
  it) is put where BuildKit reads it, which only helps the baseline.

Everything else, uv's cache in the seed's layer included, is the seed's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from dockyard.domain.templates import dockerfile_template, dockerignore_template

__all__ = [
    "BASE",
    "KINDS",
    "SEED",
    "BuildProject",
    "cached_steps",
    "prefix",
    "reused_up_to_the_code",
]

BASE = os.environ.get("DOCKYARD_TEST_BASE_IMAGE", "local/python-base:bookworm")


def prefix() -> str:
    """Compose project names and image tags start with this (``DOCKYARD_BENCH_PREFIX``)."""
    return os.environ.get("DOCKYARD_BENCH_PREFIX", "bench-")


SEED = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE} AS base
RUN groupadd -r appuser -g 1000 && useradd -r -u 1000 -g appuser -m -s /bin/bash appuser
WORKDIR /app
RUN chown appuser:appuser /app
USER appuser
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 UV_COMPILE_BYTECODE=1 \\
    UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/app/.venv PATH="/app/.venv/bin:$PATH"

FROM base AS development
COPY --chown=appuser:appuser pyproject.toml* uv.lock* ./
# adapted to build offline: the seed ran `uv sync --frozen` against the index
RUN --mount=type=bind,from=@@WHEELS@@,target=/wheels \\
    uv venv /app/.venv && \\
    uv export --frozen --no-hashes --no-emit-project -o /tmp/requirements.txt && \\
    uv pip install --python /app/.venv/bin/python --no-index --find-links /wheels \\
        -r /tmp/requirements.txt
COPY --chown=appuser:appuser . .

FROM base AS builder
COPY --chown=appuser:appuser pyproject.toml uv.lock ./
# adapted to build offline, as above: the seed ran `uv sync --frozen --no-dev`
RUN --mount=type=bind,from=@@WHEELS@@,target=/wheels \\
    uv venv /app/.venv && \\
    uv export --frozen --no-hashes --no-emit-project --no-dev -o /tmp/requirements.txt && \\
    uv pip install --python /app/.venv/bin/python --no-index --find-links /wheels \\
        -r /tmp/requirements.txt

# the seed starts from python:3.13-slim here; its apt-get lines need a mirror
FROM ${BASE_IMAGE} AS production
RUN groupadd -r appuser -g 1000 && useradd -r -u 1000 -g appuser -m -s /bin/bash appuser
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PATH="/app/.venv/bin:$PATH"
WORKDIR /app
COPY --from=builder --chown=appuser:appuser /app/.venv /app/.venv
COPY --chown=appuser:appuser . .
USER appuser
"""

# the seed's docker/.dockerignore, plus the wheelhouse (the seed has none)
SEED_IGNORE = """\
.git/
.gitignore
.gitattributes
__pycache__/
*.py[cod]
*$py.class
*.so
.Python
*.egg-info/
dist/
build/
.venv/
venv/
env/
.vscode/
.idea/
*.swp
*.swo
docs/
*.md
!README.md
tests/
.pytest_cache/
.coverage
htmlcov/
.env*
!.env.example
*.backup
*.bak
*.log
.DS_Store
Thumbs.db
docker-compose*.yml
Dockerfile
.dockerignore
docker/wheels/
"""

COMPOSE = """\
services:
  app:
    image: {image}
    build:
      context: ..
      dockerfile: docker/{dockerfile}
      target: {target}
      args:
        BASE_IMAGE: {base}
"""

KINDS = ("dockyard", "seed")


def cached_steps(log: str) -> list[str]:
    """The steps a BuildKit plain log reports as CACHED, by name (``[app development 2/5]``)."""
    names: dict[str, str] = {}
    cached: list[str] = []
    for line in log.splitlines():
        head, _, rest = line.partition(" ")
        if not head.startswith("#"):
            continue
        if rest.startswith("[") and head not in names:
            names[head] = rest.split("]", 1)[0] + "]"
        elif rest.strip() == "CACHED" and head in names:
            cached.append(names[head])
    return cached


def reused_up_to_the_code(log: str, stage: str = "development") -> bool:
    """Did every step of ``stage`` but its last (the code's copy) come from the cache?"""
    cached = set(cached_steps(log))
    steps: dict[int, str] = {}
    total = 0
    for line in log.splitlines():
        head, _, rest = line.partition(" ")
        if not (head.startswith("#") and rest.startswith("[")):
            continue
        name = rest.split("]", 1)[0] + "]"
        words = name.strip("[]").split()
        if len(words) >= 2 and words[-2] == stage and "/" in words[-1]:
            index, _, of = words[-1].partition("/")
            steps[int(index)], total = name, int(of)
    return total > 1 and all(steps.get(i) in cached for i in range(1, total))


class BuildProject:
    """A uv project (an application: no build backend, like the seed's) under ``root``."""

    def __init__(
        self, root: Path, tag: str, dependencies: list[str], dev: list[str], *, name: str = "app"
    ) -> None:
        self.root = root
        self.name = name
        self.tag = f"{prefix()}{tag}-{os.getpid()}"
        self.dependencies = list(dependencies)
        self.dev = list(dev)
        self._images: set[str] = set()
        (root / "src/app").mkdir(parents=True)
        (root / "src/app/__init__.py").write_text('"""The application."""\n')
        (root / "src/app/main.py").write_text("VALUE = 0\n")
        self._edits = 0
        (root / "tests").mkdir()
        (root / "tests/test_app.py").write_text("def test_value() -> None:\n    assert True\n")
        (root / "README.md").write_text("# app\n")
        (root / "docker").mkdir()
        # the Dockerfile for an application (no build backend, as the seed's project)
        (root / "docker/Dockerfile").write_text(dockerfile_template("uv", package=False))
        (root / "docker/Dockerfile.dockerignore").write_text(dockerignore_template())
        (root / "docker/Seed.Dockerfile.dockerignore").write_text(SEED_IGNORE)
        (root / "docker/SeedCopy.Dockerfile.dockerignore").write_text(SEED_IGNORE)
        (root / "compose").mkdir()
        self.lock()

    @property
    def wheels_image(self) -> str:
        return f"{self.tag}-wheels"

    def image(self, kind: str, target: str) -> str:
        return f"{self.tag}-{kind}-{target}"

    def lock(self) -> None:
        """Write pyproject.toml, lock it on the host, fill the wheelhouse (not timed)."""
        deps = ", ".join(f'"{d}"' for d in self.dependencies)
        dev = ", ".join(f'"{d}"' for d in self.dev)
        (self.root / "pyproject.toml").write_text(
            f'[project]\nname = "{self.name}"\nversion = "0"\nrequires-python = ">=3.11"\n'
            f'description = "benchmark run {self.tag}"\n'
            f"dependencies = [{deps}]\n\n[dependency-groups]\ndev = [{dev}]\n"
        )
        uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"
        subprocess.run([uv, "lock", "-q"], cwd=self.root, check=True)
        wheels = subprocess.run(
            [sys.executable, "-m", "dockyard", "wheels"],
            cwd=self.root,
            env={**os.environ, "BASE_IMAGE": BASE},  # the image the load into the cache uses
            check=False,
            capture_output=True,
            text=True,
        )
        if wheels.returncode != 0:
            raise RuntimeError(f"dockyard wheels failed: {wheels.stdout}{wheels.stderr}")
        folder = self.root / "docker/wheels"
        (folder / "Dockerfile").write_text("FROM scratch\nCOPY *.whl /\n")
        subprocess.run(
            ["docker", "build", "-q", "-t", self.wheels_image, str(folder)],
            check=True,
            capture_output=True,
            env={**os.environ, "DOCKER_BUILDKIT": "0"},
        )
        (folder / "Dockerfile").unlink()
        self._images.add(self.wheels_image)
        (self.root / "docker/Seed.Dockerfile").write_text(
            SEED.replace("@@WHEELS@@", self.wheels_image)
        )
        # an identical copy of the seed's: the noise of one run (an A/A comparison)
        (self.root / "docker/SeedCopy.Dockerfile").write_text(
            SEED.replace("@@WHEELS@@", self.wheels_image)
        )

    def touch_source(self) -> None:
        """Change one module (never to a content built before: BuildKit would reuse it)."""
        self._edits += 1
        (self.root / "src/app/main.py").write_text(f"VALUE = {self._edits}\n")

    def build(self, kind: str, target: str = "development") -> float:
        """Build one target with one Dockerfile through compose; return wall seconds."""
        return self.build_logged(kind, target)[0]

    def build_logged(self, kind: str, target: str = "development") -> tuple[float, str]:
        """Build as :meth:`build` does; return wall seconds and BuildKit's plain log."""
        dockerfile = {"dockyard": "Dockerfile", "seedcopy": "SeedCopy.Dockerfile"}.get(
            kind, "Seed.Dockerfile"
        )
        image = self.image(kind, target)
        compose = self.root / f"compose/{kind}-{target}.yml"
        compose.write_text(
            COMPOSE.format(image=image, dockerfile=dockerfile, target=target, base=BASE)
        )
        argv = ["docker", "compose", "-p", f"{self.tag}-{kind}", "-f", str(compose)]
        argv += ["build", "--progress", "plain"]
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        self._images.add(image)
        if done.returncode != 0:
            raise RuntimeError(f"{kind} {target} build failed:\n{done.stdout}{done.stderr}")
        return seconds, done.stdout + done.stderr

    def size(self, kind: str, target: str) -> int:
        """The image's size in bytes, as `docker image inspect` reports it."""
        done = subprocess.run(
            ["docker", "image", "inspect", self.image(kind, target)],
            check=True,
            capture_output=True,
            text=True,
        )
        return int(json.loads(done.stdout)[0]["Size"])

    def cleanup(self) -> None:
        """Remove every image this project tagged (dangling layers go with them)."""
        if self._images:
            subprocess.run(
                ["docker", "image", "rm", "-f", *sorted(self._images)],
                check=False,
                capture_output=True,
            )

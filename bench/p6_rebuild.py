"""P6: rebuild after a source-only change, dockyard's Dockerfile vs the second seed's.

One uv project (a locked dependency installed from a local wheelhouse, since
containers here reach no index) built by both Dockerfiles through compose/BuildKit.
Each round changes one source file, then rebuilds with each Dockerfile in turn.
The seed's Dockerfile is adapted only to build offline. Target: ratio <= 1.0, and
dockyard's dependency layer is reused (CACHED) on every rebuild.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import Result, Timing, ratio_result
from dockyard.domain.templates import dockerfile_template, dockerignore_template

BASE = os.environ.get("DOCKYARD_TEST_BASE_IMAGE", "local/python-base:bookworm")

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
COPY --chown=appuser:appuser docker/wheels /wheels
RUN uv venv /app/.venv && \\
    uv export --frozen --no-hashes --no-emit-project -o /tmp/requirements.txt && \\
    uv pip install --python /app/.venv/bin/python --no-index --find-links /wheels \\
        -r /tmp/requirements.txt
COPY --chown=appuser:appuser . .
"""

COMPOSE = """\
services:
  app:
    build:
      context: ..
      dockerfile: docker/{dockerfile}
      target: development
      args:
        BASE_IMAGE: {base}
"""


def _project(root: Path) -> None:
    (root / "src/tiny").mkdir(parents=True)
    (root / "src/tiny/__init__.py").write_text("VALUE = 0\n")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "tiny"\nversion = "0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["iniconfig"]\n'
    )
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"
    subprocess.run([uv, "lock", "-q"], cwd=root, check=True)
    (root / "docker").mkdir()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "-d",
            str(root / "docker/wheels"),
            "iniconfig",
        ],
        check=True,
        capture_output=True,
    )
    (root / "docker/Dockerfile").write_text(dockerfile_template("uv"))
    (root / "docker/Dockerfile.dockerignore").write_text(dockerignore_template())
    (root / "docker/Seed.Dockerfile").write_text(SEED)
    (root / "compose").mkdir()
    for name, dockerfile in (("dockyard", "Dockerfile"), ("seed", "Seed.Dockerfile")):
        (root / f"compose/{name}.yml").write_text(COMPOSE.format(dockerfile=dockerfile, base=BASE))


def run(repeat: int) -> list[Result]:
    rounds = max(3, min(repeat, 7))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _project(root)
        projects = {name: f"bench-p6-{name}-{os.getpid()}" for name in ("dockyard", "seed")}

        def build(name: str) -> tuple[float, str]:
            argv = [
                "docker",
                "compose",
                "-p",
                projects[name],
                "-f",
                str(root / f"compose/{name}.yml"),
                "build",
                "--progress",
                "plain",
            ]
            start = time.perf_counter()
            done = subprocess.run(argv, check=True, capture_output=True, text=True)
            return time.perf_counter() - start, done.stdout + done.stderr

        try:
            build("dockyard")
            build("seed")
            ours: list[float] = []
            theirs: list[float] = []
            cached = 0
            for i in range(rounds):
                (root / "src/tiny/__init__.py").write_text(f"VALUE = {i + 1}\n")
                seconds, log = build("dockyard")
                ours.append(seconds)
                cached += any("uv export" in line for line in log.splitlines()) and (
                    "CACHED" in log
                )
                (root / "src/tiny/__init__.py").write_text(f"VALUE = {-(i + 1)}\n")
                theirs.append(build("seed")[0])
        finally:
            for name, project in projects.items():
                subprocess.run(
                    [
                        "docker",
                        "compose",
                        "-p",
                        project,
                        "-f",
                        str(root / f"compose/{name}.yml"),
                        "down",
                        "--rmi",
                        "all",
                    ],
                    check=False,
                    capture_output=True,
                )
    result = ratio_result(
        "P6",
        "rebuild after a source change, dockyard vs seed Dockerfile",
        Timing(tuple(ours)),
        Timing(tuple(theirs)),
        1.0,
    )
    cache = Result(
        "P6",
        "rebuilds that reused the dependency layer",
        cached / rounds,
        1.0,
        unit="",
        higher_is_better=True,
        detail=f"{cached} of {rounds}",
    )
    return [result, cache]

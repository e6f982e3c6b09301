"""P9: `dockyard ci.test` end to end vs the seed's `ci-test` sequence.

One uv application scaffolded by ``layout.init`` (its tests run by pytest, offline from
the wheelhouse), built with the Dockerfile ``layout.init`` writes for it. Each round
changes one module, then runs, in turn (order swapped every round):

* the subject: ``dockyard ci.test`` (build, run until the app exits, its exit code,
  clean up);
* the baseline: the seed's sequence with the seed's Dockerfile (``docker compose
  build``, ``up --abort-on-container-exit --exit-code-from app``, ``down``), its code
  and tests bind-mounted as the seed's compose files do.

Target: ratio of medians <= 1.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.builds import BASE, BuildProject, prefix
from bench.harness import Result, Timing, ratio_result

SEED_CI = """\
name: {name}
services:
  app:
    build:
      context: ..
      dockerfile: docker/Seed.Dockerfile
      target: development
      args:
        BASE_IMAGE: {base}
    volumes:
      - ../src:/app/src
      - ../tests:/app/tests
    command: ["python", "-m", "pytest", "-p", "no:cacheprovider"]
"""


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{argv} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def run(repeat: int) -> list[Result]:
    rounds = max(3, min(repeat, 15))
    name = f"{prefix()}p9-{os.getpid()}"
    env = {**os.environ, "BASE_IMAGE": BASE}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / name
        project = BuildProject(root, "p9", [], ["pytest"], name=name)
        seed_project = f"{name}-seed-ci"
        compose = root / "compose/seed-ci.yml"
        seed = ["docker", "compose", "-p", seed_project, "-f", str(compose)]
        try:
            _run(["git", "init", "-q", "."], root, env)
            for written in ("docker/Dockerfile", "docker/Dockerfile.dockerignore"):
                (root / written).unlink()  # the subject builds what layout.init writes
            _run([sys.executable, "-m", "dockyard", "layout.init"], root, env)
            compose.write_text(SEED_CI.format(name=seed_project, base=BASE))

            def subject() -> None:
                _run([sys.executable, "-m", "dockyard", "ci.test"], root, env)

            def baseline() -> None:
                _run([*seed, "build"], root, env)
                up = [*seed, "up", "--abort-on-container-exit", "--exit-code-from", "app"]
                try:
                    _run(up, root, env)
                finally:
                    _run([*seed, "down"], root, env)

            subject()
            baseline()
            seconds: dict[str, list[float]] = {"subject": [], "baseline": []}
            for i in range(rounds):
                order = [("subject", subject), ("baseline", baseline)]
                for key, fn in order if i % 2 == 0 else order[::-1]:
                    project.touch_source()
                    start = time.perf_counter()
                    fn()
                    seconds[key].append(time.perf_counter() - start)
        finally:
            subprocess.run(
                [*seed, "down", "--rmi", "all"], check=False, capture_output=True, cwd=root
            )
            _run([sys.executable, "-m", "dockyard", "ci.clean"], root, env)
            project.cleanup()
    return [
        ratio_result(
            "P9",
            "ci.test end to end vs the seed's build, up, down",
            Timing(tuple(seconds["subject"])),
            Timing(tuple(seconds["baseline"])),
            1.1,
        )
    ]

"""P7: rebuild after the lock gains one dependency, dockyard's Dockerfile vs the seed's.

The application starts with a realistic set of dependencies (about 40 packages with the
dev group); each round adds one more to ``pyproject.toml``, locks, refills the
wheelhouse (on the host, not timed), then rebuilds the development target with each
Dockerfile (order swapped every round). The seed reinstalls every package; dockyard's
template restores the venv it keeps in the build cache and installs the new package
only. Target: ratio of medians <= 0.5.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.builds import KINDS, BuildProject
from bench.harness import Result, Timing, ratio_result

DEPENDENCIES = ["rich", "requests", "jsonschema", "python-dotenv", "tomlkit", "invoke", "docker"]
DEV = ["pytest", "hypothesis", "mypy", "ruff"]
#: one of these joins the lock each round (small, pure-Python, not in the lock before)
ADDED = [
    *("six", "tabulate", "toolz", "wcwidth", "humanize", "pytz", "more-itertools"),
    *("termcolor", "cachetools", "tenacity", "decorator", "blinker", "itsdangerous"),
    *("pyparsing", "toml"),
]


def run(repeat: int) -> list[Result]:
    rounds = max(3, min(repeat, len(ADDED)))
    seconds: dict[str, list[float]] = {kind: [] for kind in KINDS}
    with tempfile.TemporaryDirectory() as tmp:
        project = BuildProject(Path(tmp), "p7", DEPENDENCIES, DEV)
        try:
            for kind in KINDS:
                project.build(kind)
            for i in range(rounds):
                project.dependencies.append(ADDED[i])
                project.lock()
                order = KINDS if i % 2 == 0 else KINDS[::-1]
                for kind in order:
                    seconds[kind].append(project.build(kind))
        finally:
            project.cleanup()
    return [
        ratio_result(
            "P7",
            "rebuild after the lock gains one dependency, vs seed",
            Timing(tuple(seconds["dockyard"])),
            Timing(tuple(seconds["seed"])),
            0.5,
        )
    ]

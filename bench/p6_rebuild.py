"""P6: rebuild after a source-only change, dockyard's Dockerfile vs the second seed's.

One uv application (locked dependencies installed from a local wheelhouse, since
containers here reach no index; see :mod:`bench.builds` for how the seed is adapted)
built by both Dockerfiles through compose/BuildKit, development target. Each round
changes one source file, then rebuilds with each Dockerfile in turn (the order swapped
every round). dockyard's Dockerfile is the one for an application (no build backend,
like the seed's project: nothing to install, no skeleton). Targets: ratio of medians
<= 1.0, and every step of the development target but the code's copy is reused
(CACHED) on every rebuild. A third Dockerfile, an identical copy of the seed's, is
timed in the same rounds: its ratio to the seed is the run's own noise (an A/A
comparison), within 5 % when the run is quiet enough to read P6 from.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.builds import KINDS, BuildProject, reused_up_to_the_code
from bench.harness import Result, Timing, ratio_result

DEPENDENCIES = ["rich", "requests"]
DEV = ["pytest"]


#: dockyard's, the seed's, and an identical copy of the seed's (the run's own noise)
_KINDS = (*KINDS, "seedcopy")


def run(repeat: int) -> list[Result]:
    rounds = max(3, repeat)  # a rebuild takes well under a second
    seconds: dict[str, list[float]] = {kind: [] for kind in _KINDS}
    with tempfile.TemporaryDirectory() as tmp:
        project = BuildProject(Path(tmp), "p6", DEPENDENCIES, DEV)
        try:
            for kind in _KINDS:
                project.build(kind)
            cached = 0
            for i in range(rounds):
                order = _KINDS[i % 3 :] + _KINDS[: i % 3]  # rotated every round
                for kind in order:
                    project.touch_source()
                    took, log = project.build_logged(kind)
                    seconds[kind].append(took)
                    if kind == "dockyard":
                        cached += reused_up_to_the_code(log)
        finally:
            project.cleanup()
    return [
        ratio_result(
            "P6",
            "rebuild after a source change, dockyard vs seed Dockerfile",
            Timing(tuple(seconds["dockyard"])),
            Timing(tuple(seconds["seed"])),
            1.0,
        ),
        _noise(Timing(tuple(seconds["seedcopy"])), Timing(tuple(seconds["seed"]))),
        Result(
            "P6",
            "rebuilds that reused every step up to the code's copy",
            cached / rounds,
            1.0,
            unit="",
            higher_is_better=True,
            detail=f"{cached} of {rounds}",
        ),
    ]


def _noise(copy: Timing, seed: Timing) -> Result:
    """How far apart two identical Dockerfiles come out in this run, either way."""
    ratio = copy.median / seed.median
    return Result(
        "P6",
        "noise: the seed's Dockerfile vs an identical copy, either way",
        max(ratio, 1 / ratio),
        1.05,
        detail=f"copy/seed {ratio:.3f} ({copy.median * 1000:.1f} vs {seed.median * 1000:.1f} ms)",
    )

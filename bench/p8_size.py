"""P8: image sizes, dockyard's Dockerfile vs the seed's, development and production.

The application of P7 (about 40 packages with the dev group) built to both targets by
both Dockerfiles in the same run. Sizes are what `docker image inspect` reports (the
base image included: both build on the same one). Targets: ratio <= 1.0 for each.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.builds import KINDS, BuildProject
from bench.harness import Result
from bench.p7_lock import DEPENDENCIES, DEV

MB = 1_000_000


def run(repeat: int) -> list[Result]:
    del repeat  # a size is measured once: builds are deterministic in size
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        project = BuildProject(Path(tmp), "p8", DEPENDENCIES, DEV)
        try:
            for target in ("development", "production"):
                sizes = {}
                for kind in KINDS:
                    project.build(kind, target)
                    sizes[kind] = project.size(kind, target)
                results.append(
                    Result(
                        "P8",
                        f"image size, {target} target, dockyard vs seed",
                        sizes["dockyard"] / sizes["seed"],
                        1.0,
                        detail=(
                            f"dockyard {sizes['dockyard'] / MB:.0f} MB, "
                            f"seed {sizes['seed'] / MB:.0f} MB, n=1 each (sizes do not vary)"
                        ),
                    )
                )
        finally:
            project.cleanup()
    return results

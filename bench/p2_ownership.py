"""P2: the ownership scan (``scan_foreign``) vs ``find ROOT ! -uid U`` on a 100k-entry tree.

The tree has 1,000 directories of 99 files (1 % of the entries owned by another uid
when the benchmark runs as root). The scan runs in-process, as dockyard runs it; find
runs as a child process writing to a pipe, as a shell user would. Figures, all in one
run, interleaved against the same baseline:

* the scan as dockyard runs it (GNU find's walk when present): ratio <= 1.15;
* the Python walk, the fallback where find is absent: ratio <= 2.0;
* the peak memory either walk adds to a fresh child interpreter (``ru_maxrss`` after
  the scan minus before it) <= 64 MiB, on the 1 %-foreign tree and on the same tree
  scanned for the other uid (99 % of the entries foreign: the output find hands over
  is then the largest).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import Result, interleaved_many, ratio_result

DIRS = 1_000
FILES_PER_DIR = 99
OTHER_UID = 4343

_CHILD = """
import resource, sys
from pathlib import Path
from dockyard.domain.ownership import scan_foreign
import dockyard.adapters.runner, subprocess
root, uid, method = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
count = sum(1 for _ in scan_foreign(root, uid, method=method))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
import tracemalloc
tracemalloc.start()
sum(1 for _ in scan_foreign(root, uid, method=method))
peak = tracemalloc.get_traced_memory()[1]
print(count, after - before, peak)
"""


def build_tree(root: Path) -> int:
    """Write the benchmark tree under ``root``; return how many entries are foreign."""
    foreign = 0
    for d in range(DIRS):
        folder = root / f"d{d:04}"
        folder.mkdir()
        for f in range(FILES_PER_DIR):
            path = folder / f"f{f:03}.py"
            path.touch()
            if os.geteuid() == 0 and (d * FILES_PER_DIR + f) % 100 == 0:
                os.chown(path, OTHER_UID, OTHER_UID)
                foreign += 1
    return foreign


def _memory(root: Path, uid: int, method: str, label: str) -> Result:
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(root), str(uid), method],
        check=True,
        capture_output=True,
        text=True,
    )
    found, grown_kib, traced = (int(x) for x in child.stdout.split())
    return Result(
        "P2",
        f"scan peak memory added, {method} walk, {label}",
        grown_kib / 1024,
        64,
        unit=" MiB",
        detail=f"{found} foreign entries found; tracemalloc peak {traced / 1024:.0f} KiB",
    )


def run(repeat: int) -> list[Result]:
    uid = os.geteuid()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "tree"
        root.mkdir()
        expected = build_tree(root)
        from dockyard.domain.ownership import scan_foreign

        counts: list[int] = []

        def subject() -> None:
            counts.append(sum(1 for _ in scan_foreign(root, uid)))

        def fallback() -> None:
            counts.append(sum(1 for _ in scan_foreign(root, uid, method="python")))

        def baseline() -> None:
            done = subprocess.run(
                ["find", str(root), "!", "-uid", str(uid)],
                check=True,
                capture_output=True,
            )
            counts.append(done.stdout.count(b"\n"))

        n = max(repeat, 10)
        a, b, c = interleaved_many((subject, baseline, fallback), n)
        if set(counts) != {expected}:
            raise AssertionError(f"scan and find disagree: {sorted(set(counts))} vs {expected}")
        entries = DIRS * (FILES_PER_DIR + 1)
        memory = [
            _memory(root, scan_uid, method, label)
            for method in ("auto", "python")
            for label, scan_uid in (("1 % foreign", uid), ("99 % foreign", OTHER_UID))
            if scan_uid == uid or expected
        ]
    return [
        ratio_result("P2", f"ownership scan of {entries} entries vs find ! -uid", a, b, 1.15),
        ratio_result("P2", "  its fallback (the Python walk, no find) vs find ! -uid", c, b, 2.0),
        *memory,
    ]

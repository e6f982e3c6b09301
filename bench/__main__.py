"""Run the benchmarks: ``python -m bench [ID ...] [--repeat N]``; exit 1 if a target is missed."""

from __future__ import annotations

import argparse
import importlib
import sys

from bench.harness import Result

#: benchmark id -> module in bench/ defining ``run(repeat: int) -> list[Result]``
BENCHMARKS: dict[str, str] = {
    "P1": "bench.p1_list",
    "P2": "bench.p2_ownership",
    "P3": "bench.p3_live",
    "P4": "bench.p4_up",
    "P5": "bench.p5_context",
    "P6": "bench.p6_rebuild",
    "P7": "bench.p7_lock",
    "P8": "bench.p8_size",
    "P9": "bench.p9_ci",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("ids", nargs="*", help="benchmark ids (default: all)")
    parser.add_argument("--repeat", type=int, default=15, help="measured runs per operation")
    args = parser.parse_args(argv)
    wanted = [i.upper() for i in args.ids] or list(BENCHMARKS)
    unknown = [i for i in wanted if i not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark id(s): {', '.join(unknown)}")
    results: list[Result] = []
    for bench_id in wanted:
        module = importlib.import_module(BENCHMARKS[bench_id])
        for result in module.run(args.repeat):
            print(result.line(), flush=True)
            results.append(result)
    missed = [r for r in results if not r.met]
    print(f"{len(results) - len(missed)} met, {len(missed)} missed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The benchmark harness: medians and spreads, ratios against a baseline of the same run.

A benchmark module in ``bench/`` defines ``run(repeat: int) -> list[Result]`` and is
listed in ``bench/__main__.py``. Run them all with ``nox -s bench`` (or
``python -m bench [ID ...]``); exit status 1 when a target is missed. Benchmarks are
not part of the test suite's pass/fail.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "Result",
    "Timing",
    "interleaved",
    "interleaved_many",
    "ratio_interval",
    "ratio_result",
    "time_it",
]


@dataclass(frozen=True)
class Timing:
    """Wall-clock samples of one operation, in seconds."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """Interquartile range relative to the median (0.05 = ±5 %)."""
        if len(self.samples) < 4:
            return (max(self.samples) - min(self.samples)) / self.median
        q1, _, q3 = statistics.quantiles(self.samples, n=4)
        return (q3 - q1) / self.median


def time_it(operation: Callable[[], object], repeat: int, *, warmup: int = 1) -> Timing:
    """Run ``operation`` ``warmup`` times unmeasured, then ``repeat`` times measured."""
    for _ in range(warmup):
        operation()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        operation()
        samples.append(time.perf_counter() - start)
    return Timing(tuple(samples))


def interleaved(
    subject: Callable[[], object], baseline: Callable[[], object], repeat: int
) -> tuple[Timing, Timing]:
    """Time subject and baseline alternately, so drift hits both alike."""
    subject()
    baseline()
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeat):
        for fn, bucket in ((subject, a), (baseline, b)):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return Timing(tuple(a)), Timing(tuple(b))


def interleaved_many(
    operations: tuple[Callable[[], object], ...], repeat: int
) -> tuple[Timing, ...]:
    """Time several operations round-robin, the order rotated each round.

    One unmeasured warm-up of each first. Rotating the order keeps a cache warmed by
    the previous operation from favouring the same one every round.
    """
    for fn in operations:
        fn()
    buckets: list[list[float]] = [[] for _ in operations]
    for round_ in range(repeat):
        for k in range(len(operations)):
            i = (k + round_) % len(operations)
            start = time.perf_counter()
            operations[i]()
            buckets[i].append(time.perf_counter() - start)
    return tuple(Timing(tuple(b)) for b in buckets)


@dataclass(frozen=True)
class Result:
    """One benchmark's outcome: a measured ratio (or value) against its target."""

    bench_id: str
    what: str
    value: float
    target: float
    unit: str = "x"
    detail: str = ""
    higher_is_better: bool = False

    @property
    def met(self) -> bool:
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def line(self) -> str:
        op = "≥" if self.higher_is_better else "≤"
        verdict = "ok" if self.met else "MISSED"
        return (
            f"{self.bench_id:<4} {self.what:<58} {self.value:8.3f}{self.unit} "
            f"(target {op} {self.target:g}{self.unit})  {verdict}  {self.detail}"
        )


def ratio_interval(
    subject: Timing, baseline: Timing, *, level: float = 0.95, resamples: int = 2000
) -> tuple[float, float]:
    """A bootstrap interval of median(subject) / median(baseline), at ``level``.

    Each side's samples are drawn again with replacement ``resamples`` times (a fixed
    seed: the same samples give the same interval). An interval that holds 1.0 says the
    two are not told apart by this run; one wholly under the target says the target is
    met beyond the run's noise.
    """
    draw = random.Random(0)  # noqa: S311 - resampling, not secrets
    ratios = sorted(
        statistics.median(draw.choices(subject.samples, k=len(subject.samples)))
        / statistics.median(draw.choices(baseline.samples, k=len(baseline.samples)))
        for _ in range(resamples)
    )
    cut = int(resamples * (1 - level) / 2)
    return ratios[cut], ratios[resamples - 1 - cut]


def ratio_result(
    bench_id: str, what: str, subject: Timing, baseline: Timing, target: float
) -> Result:
    """A Result whose value is median(subject) / median(baseline), with its interval."""
    low, high = ratio_interval(subject, baseline)
    return Result(
        bench_id,
        what,
        subject.median / baseline.median,
        target,
        detail=(
            f"subject {subject.median * 1000:.1f} ms ±{subject.spread:.0%}, "
            f"baseline {baseline.median * 1000:.1f} ms ±{baseline.spread:.0%}, "
            f"n={len(subject.samples)}, 95% interval {low:.2f}-{high:.2f}"
        ),
    )

"""The benchmark harness: round-robin timing and reading BuildKit's plain log.

Benchmarks are not part of the suite's pass/fail; what they build their figures from is.
"""

from __future__ import annotations

from bench.builds import cached_steps, reused_up_to_the_code
from bench.harness import Timing, interleaved_many, ratio_interval, ratio_result

LOG = """\
#6 [app base 2/3] RUN set -eu; useradd
#6 CACHED

#9 [app source 1/2] COPY . /tmp/source
#9 DONE 0.1s

#10 [app development 2/5] RUN --mount=type=cache,target=/root/.cache uv pip sync
#11 [app source 2/2] RUN set -eu; rm -rf /tmp/source/docker/wheels
#11 DONE 0.4s
#10 [app development 2/5] RUN --mount=type=cache,target=/root/.cache uv pip sync
#10 CACHED
#12 [app development 4/5] RUN find /opt/venv
#12 0.2 CACHED is not a state when a number comes first
#12 DONE 0.3s
"""


def test_cached_steps_are_named_from_their_first_line() -> None:
    assert cached_steps(LOG) == ["[app base 2/3]", "[app development 2/5]"]


def test_reuse_up_to_the_code_needs_every_step_but_the_last_cached() -> None:
    assert not reused_up_to_the_code(LOG)  # development 1/5, 3/5 and 4/5 are not CACHED
    app = """\
#7 [app development 1/3] COPY --chown=1000:1000 pyproject.toml uv.lock ./
#7 CACHED
#9 [app development 2/3] RUN --mount=type=cache,target=/root/.cache,sharing=locked
#9 CACHED
#10 [app development 3/3] COPY --chown=1000:1000 . /app/
#10 DONE 0.0s
"""
    assert reused_up_to_the_code(app)
    assert not reused_up_to_the_code(app.replace("#9 CACHED", "#9 DONE 1.0s"))
    assert not reused_up_to_the_code(app, stage="production")  # no such step: not reused


def test_interleaved_many_rotates_the_order_and_times_each_operation() -> None:
    calls: list[str] = []
    ops = tuple((lambda name=name: calls.append(name)) for name in "abc")
    timings = interleaved_many(ops, 3)
    assert calls[:3] == ["a", "b", "c"]  # the warm-up
    assert calls[3:] == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert [len(t.samples) for t in timings] == [3, 3, 3]
    result = ratio_result("PX", "x", timings[0], timings[1], 1e9)
    assert result.met and "n=3" in result.detail


def test_ratio_interval_holds_one_for_equal_sides_and_not_for_different_ones() -> None:
    same = Timing(tuple(0.18 + 0.002 * (i % 7) for i in range(15)))
    low, high = ratio_interval(same, Timing(tuple(reversed(same.samples))))
    assert low <= 1.0 <= high
    faster = Timing(tuple(0.8 * value for value in same.samples))
    low, high = ratio_interval(faster, same)
    assert high < 1.0 and low <= faster.median / same.median <= high
    assert ratio_interval(faster, same) == (low, high)  # a fixed seed: reproducible
    assert "95% interval" in ratio_result("P0", "x", faster, same, 1.0).detail

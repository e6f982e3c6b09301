"""Resolve the :class:`~dockyard.domain.target.Target` of a command: once, then pass it down.

Two engine round trips (``/info``, ``/version``) classify the engine; the ownership
probe confirms the strategy the first time an engine is seen with these ids (then the
answer comes from the cache); the identity follows the one rule of
:mod:`dockyard.domain.identity`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from dockyard.adapters.engine import Engine, local_platform
from dockyard.adapters.probe import OwnershipProbe, ProbeCache, probe_ownership
from dockyard.domain.identity import HostIds
from dockyard.domain.target import Strategy, Target, classify, strategy_for
from dockyard.errors import CommandError, EngineError

__all__ = ["apply_probe", "resolve_target"]


def resolve_target(
    engine: Engine,
    ids: HostIds,
    environ: Mapping[str, str],
    *,
    compose: str = "",
    probe_images: Iterable[str | None] = (),
    cache: ProbeCache | None = None,
    probe: bool = True,
    platform: str | None = None,
) -> Target:
    """The target for ``engine`` and ``ids``: kind, strategy and why, the probe's answer.

    ``probe_images`` are tried in order; the first that exists locally runs the probe
    (none is pulled). ``probe=False`` decides from the payloads alone.
    """
    facts = classify(
        engine.info(),
        engine.version(),
        host=engine.endpoint.host,
        host_source=engine.endpoint.source,
        platform=platform or local_platform(environ),
    )
    strategy, reason = strategy_for(facts)
    target = Target(facts, ids, strategy, reason, compose=compose)
    if not probe:
        return Target(facts, ids, strategy, reason, compose, "not run")
    cache = cache or ProbeCache.default(environ)
    key = f"{facts.engine_id or facts.host}|{ids.uid}:{ids.gid}"
    found = cache.get(key)
    if found is None:
        image = next((i for i in probe_images if i and engine.image_labels(i) is not None), None)
        if image is None:
            return Target(
                facts,
                ids,
                strategy,
                reason,
                compose,
                "not run: none of the images it can use is present locally "
                "(build the app image, or set helper_image to a local image)",
            )
        try:
            found = probe_ownership(engine, image, ids.uid, ids.gid)
        except (EngineError, CommandError) as exc:
            return Target(facts, ids, strategy, reason, compose, f"failed: {exc}")
        cache.put(key, found)
    return apply_probe(target, found)


def apply_probe(target: Target, probe: OwnershipProbe) -> Target:
    """``target`` with the strategy the probe's answer confirms or corrects."""
    strategy: Strategy = target.strategy
    reason = target.reason
    verdict = probe.verdict
    facts = target.engine
    if strategy in ("remote", "none"):
        pass  # no ownership claims are made there, whatever one file says
    elif verdict == "invisible":
        strategy, reason = "remote", "the probe's file never appeared on this host"
    elif verdict == "remapped" and strategy == "host-ids":
        if facts.kind.startswith("podman"):
            strategy, reason = "keep-id", "the engine remaps ids (seen by the probe)"
        else:
            strategy, reason = "container-root", "the engine remaps ids (seen by the probe)"
    elif verdict == "passthrough" and strategy in ("container-root", "keep-id"):
        strategy, reason = "host-ids", "the probe saw ids passed through unchanged"
    return Target(
        facts,
        target.ids,
        strategy,
        reason,
        target.compose,
        f"{probe.verdict}: {probe.describe()} (image {probe.image})",
        target.notes,
    )


def override_path(root: Path, env_name: str) -> Path:
    """Where the generated compose override of an environment is written."""
    return root / ".dockyard" / f"{env_name}.engine.yml"

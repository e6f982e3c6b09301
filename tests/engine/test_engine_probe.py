"""The ownership probe on the real engine: a throwaway container, and the owner it leaves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockyard.adapters.engine import connect
from dockyard.adapters.probe import ProbeCache, probe_ownership
from dockyard.domain.identity import HostIds
from dockyard.workflows.target import resolve_target

pytestmark = pytest.mark.engine


def test_rootful_engine_passes_ids_through(docker_client: object, base_image: str) -> None:
    engine = connect(os.environ)
    try:
        before = {c["Id"] for c in engine.containers(["dev.dockyard.role"], all=True)}
        found = probe_ownership(engine, base_image, 4242, 4343)
        after = {c["Id"] for c in engine.containers(["dev.dockyard.role"], all=True)}
    finally:
        engine.close()
    assert found.wrote_as == (4242, 4343)
    assert found.owner == (4242, 4343)
    assert found.verdict == "passthrough"
    assert after <= before  # the throwaway container is gone


def test_the_target_follows_the_probe_and_caches_it(
    docker_client: object, base_image: str, tmp_path: Path
) -> None:
    cache = ProbeCache(tmp_path / "probes.json")
    engine = connect(os.environ)
    try:
        ids = HostIds(4242, 4242, "test")
        first = resolve_target(engine, ids, os.environ, probe_images=[base_image], cache=cache)
        again = resolve_target(engine, ids, os.environ, probe_images=["nope:none"], cache=cache)
    finally:
        engine.close()
    assert (first.engine.kind, first.strategy) == ("docker-rootful", "host-ids")
    assert first.probe.startswith("passthrough")
    assert again.probe == first.probe  # from the cache: no image was needed

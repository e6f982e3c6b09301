"""The probe adapter: one exec, JSON out, one-line errors; the ownership probe's verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dockyard.adapters.engine import Exec
from dockyard.adapters.probe import (
    OwnershipProbe,
    ProbeCache,
    exec_json,
    probe_ownership,
    service_container,
)
from dockyard.errors import CommandError, EngineError
from dockyard.testing import FakeEngine

_ATTRS = {"Id": "c1", "Name": "/proj-dev-app-1"}


def test_exec_json_parses_last_line() -> None:
    engine = FakeEngine(exec_results=[Exec(0, b'warning\n{"uid": 1000}\n', b"")])
    assert exec_json(engine, _ATTRS, ["python3", "-c", "x"]) == {"uid": 1000}
    assert engine.called("exec") == [("c1", ("python3", "-c", "x"))]


@pytest.mark.parametrize(
    ("code", "out", "err", "message"),
    [
        (127, b"", b"exec: python3: not found", "python3 not found in the container"),
        (1, b"", b"Traceback...\nPermissionError: x", "PermissionError: x"),
        (0, b"not json\n", b"", "printed no JSON"),
        (0, b"[1, 2]\n", b"", "printed no JSON object"),
        (0, b"", b"", "printed no JSON"),
    ],
)
def test_exec_json_errors(code: int, out: bytes, err: bytes, message: str) -> None:
    engine = FakeEngine(exec_results=[Exec(code, out, err)])
    with pytest.raises(EngineError, match=message):
        exec_json(engine, _ATTRS, ["python3", "-c", "x"])


def test_service_container_by_compose_labels() -> None:
    engine = FakeEngine()
    labels = {"com.docker.compose.project": "proj-dev", "com.docker.compose.service": "app"}
    engine.add_container("c2", labels=labels, inspect={"Config": {"WorkingDir": "/app"}})
    engine.add_container("c3", labels={**labels, "com.docker.compose.service": "db"})
    attrs = service_container(engine, "proj-dev", "app")
    assert attrs["Id"] == "c2" and attrs["Config"] == {"WorkingDir": "/app"}
    assert engine.called("containers")[0][0] == (
        "com.docker.compose.project=proj-dev",
        "com.docker.compose.service=app",
    )
    with pytest.raises(EngineError, match="'app' of compose project 'proj-dev' is not running"):
        service_container(FakeEngine(), "proj-dev", "app")


def _writer(owner_shift: int | None) -> Any:
    """A throwaway container that writes the probe file (as a shifted owner, or nowhere)."""

    def run(image: str, argv: list[str], *, volumes: dict[str, str], **_: Any) -> str:
        if owner_shift is None:
            raise CommandError(argv, 1, "sh: cannot create: Permission denied")
        folder = next(iter(volumes))
        name = argv[-1].rsplit("/", 1)[-1]
        (Path(folder) / name).write_text("probe\n", encoding="utf-8")
        return ""

    return run


def test_probe_sees_ids_passed_through() -> None:
    import os

    engine = FakeEngine(run_hook=_writer(0))
    found = probe_ownership(engine, "img", os.getuid(), os.getgid())
    assert found.verdict == "passthrough"
    image, _argv, user, volumes = engine.called("run")[0]
    assert (image, user) == ("img", f"{os.getuid()}:{os.getgid()}")
    assert not Path(next(iter(volumes))).exists()  # the temporary folder is gone


def test_probe_file_that_never_appears_means_the_engine_is_elsewhere() -> None:
    found = probe_ownership(FakeEngine(run_hook=_writer(None)), "img", 1000, 1000)
    assert found.verdict == "invisible" and found.owner is None
    assert "does not see this machine's files" in found.describe()


def test_remapped_owner_and_cache_round_trip(tmp_path: Path) -> None:
    probe = OwnershipProbe("img", (1000, 1000), (100999, 100999))
    assert probe.verdict == "remapped"
    cache = ProbeCache.default({"XDG_CACHE_HOME": str(tmp_path)})
    assert cache.get("engine|1000:1000") is None
    cache.put("engine|1000:1000", probe)
    assert cache.get("engine|1000:1000") == probe
    assert (tmp_path / "dockyard" / "engine-probes.json").is_file()

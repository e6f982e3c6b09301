"""The probe adapter: one exec, JSON out, one-line errors (no engine: a stand-in container)."""

from __future__ import annotations

from typing import Any

import pytest

from dockyard.adapters.probe import exec_json, service_container
from dockyard.errors import EngineError


class _Container:
    name = "proj-dev-app-1"

    def __init__(self, code: int, out: bytes | None, err: bytes | None = b"") -> None:
        self.result = (code, (out, err))
        self.calls: list[list[str]] = []

    def exec_run(
        self, argv: list[str], **kwargs: Any
    ) -> tuple[int, tuple[bytes | None, bytes | None]]:
        self.calls.append(argv)
        assert kwargs["demux"] is True
        return self.result


def test_exec_json_parses_last_line() -> None:
    container = _Container(0, b'warning\n{"uid": 1000}\n')
    assert exec_json(container, ["python3", "-c", "x"]) == {"uid": 1000}  # type: ignore[arg-type]
    assert container.calls == [["python3", "-c", "x"]]


@pytest.mark.parametrize(
    ("code", "out", "err", "message"),
    [
        (127, None, b"exec: python3: not found", "python3 not found in the container"),
        (1, None, b"Traceback...\nPermissionError: x", "PermissionError: x"),
        (0, b"not json\n", b"", "printed no JSON"),
        (0, b"[1, 2]\n", b"", "printed no JSON object"),
        (0, None, None, "printed no JSON"),
    ],
)
def test_exec_json_errors(code: int, out: bytes | None, err: bytes | None, message: str) -> None:
    with pytest.raises(EngineError, match=message):
        exec_json(_Container(code, out, err), ["python3", "-c", "x"])  # type: ignore[arg-type]


class _Containers:
    def __init__(self, found: list[Any]) -> None:
        self.found = found
        self.filters: dict[str, Any] = {}

    def list(self, filters: dict[str, Any]) -> list[Any]:
        self.filters = filters
        return self.found


class _Client:
    def __init__(self, found: list[Any]) -> None:
        self.containers = _Containers(found)


def test_service_container_by_compose_labels() -> None:
    client = _Client([_Container(0, b"")])
    assert service_container(client, "proj-dev", "app") is client.containers.found[0]  # type: ignore[arg-type]
    assert client.containers.filters["label"] == [
        "com.docker.compose.project=proj-dev",
        "com.docker.compose.service=app",
    ]
    with pytest.raises(EngineError, match="'app' of compose project 'proj-dev' is not running"):
        service_container(_Client([]), "proj-dev", "app")  # type: ignore[arg-type]

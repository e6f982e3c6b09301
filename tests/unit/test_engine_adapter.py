"""Engine errors become one actionable line; engine kinds are told apart."""

from __future__ import annotations

from typing import Any

from dockyard.adapters.engine import _engine_error, engine_info


def test_permission_denied_on_the_socket() -> None:
    exc = Exception(
        "Error while fetching server API version: ('Connection aborted.', "
        "PermissionError(13, 'Permission denied'))"
    )
    message = str(_engine_error("unix:///var/run/docker.sock", exc))
    assert message.startswith("permission denied on unix:///var/run/docker.sock")
    assert "docker' group" in message


def test_engine_not_running() -> None:
    exc = Exception("('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))")
    assert str(_engine_error("unix:///x.sock", exc)).startswith("Docker engine not running")


class _Client:
    def __init__(self, info: dict[str, Any]) -> None:
        self._info = info

    def info(self) -> dict[str, Any]:
        return self._info

    def version(self) -> dict[str, Any]:
        return {"Version": "27.0", "ApiVersion": "1.46"}


def test_engine_kinds() -> None:
    linux = engine_info(_Client({"OperatingSystem": "Debian GNU/Linux 12"}))  # type: ignore[arg-type]
    assert linux.kind == "linux" and linux.ownership_applies and linux.ownership_note == ""
    rootless = engine_info(
        _Client({"SecurityOptions": ["name=seccomp", "name=rootless"]})  # type: ignore[arg-type]
    )
    assert rootless.kind == "rootless" and not rootless.ownership_applies
    assert "subuid" in rootless.ownership_note
    desktop = engine_info(_Client({"OperatingSystem": "Docker Desktop"}))  # type: ignore[arg-type]
    assert desktop.kind == "desktop" and not desktop.ownership_applies

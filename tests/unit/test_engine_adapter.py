"""Engine errors become one actionable line; the endpoint comes from DOCKER_HOST or a context."""

from __future__ import annotations

import json
from hashlib import sha256
from pathlib import Path

import pytest

from dockyard.adapters.engine import _engine_error, endpoint
from dockyard.errors import EngineError


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


def test_ssh_without_paramiko_says_what_to_install() -> None:
    exc = Exception("Install paramiko package to enable ssh:// support")
    message = str(_engine_error("ssh://dev@build", exc))
    assert message.startswith("ssh://dev@build is an ssh:// engine")
    assert "docker[ssh]" in message


def test_docker_host_beats_the_context(tmp_path: Path) -> None:
    found = endpoint({"DOCKER_HOST": "tcp://10.0.0.5:2376", "DOCKER_CONTEXT": "big"})
    assert (found.host, found.source, found.scheme) == ("tcp://10.0.0.5:2376", "DOCKER_HOST", "tcp")


def test_default_socket_without_host_or_context(tmp_path: Path) -> None:
    found = endpoint({"HOME": str(tmp_path)})
    assert (found.host, found.source, found.scheme) == (
        "unix:///var/run/docker.sock",
        "default socket",
        "unix",
    )


def _context(config: Path, name: str, host: str) -> None:
    meta = config / "contexts" / "meta" / sha256(name.encode()).hexdigest()
    meta.mkdir(parents=True)
    data = {"Name": name, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}}}
    (meta / "meta.json").write_text(json.dumps(data), encoding="utf-8")


def test_the_current_context_of_the_cli_config(tmp_path: Path) -> None:
    config = tmp_path / ".docker"
    _context(config, "builder", "ssh://dev@build.example")
    (config / "config.json").write_text('{"currentContext": "builder"}', encoding="utf-8")
    found = endpoint({"HOME": str(tmp_path)})
    assert (found.host, found.source, found.context) == (
        "ssh://dev@build.example",
        "docker context builder",
        "builder",
    )
    # DOCKER_CONTEXT names another one; DOCKER_CONFIG moves the folder
    _context(config, "lab", "tcp://lab:2375")
    again = endpoint({"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": "lab"})
    assert again.host == "tcp://lab:2375"


def test_a_context_without_metadata_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="docker context 'gone' is selected"):
        endpoint({"HOME": str(tmp_path), "DOCKER_CONTEXT": "gone"})


def test_local_platform_is_what_the_platform_module_says() -> None:
    import platform

    from dockyard.adapters.engine import local_platform

    system = platform.system().lower()
    expected = "wsl" if system == "linux" and "microsoft" in platform.release().lower() else system
    assert local_platform({}) == expected
    if system == "linux":
        assert local_platform({"WSL_DISTRO_NAME": "Ubuntu"}) == "wsl"


def test_the_shipped_fake_tells_image_ids_as_the_real_engines_do() -> None:
    from dockyard.adapters.engine import ImageIds
    from dockyard.testing import FakeEngine

    fake = FakeEngine(images={"shop-dev-app": {}}, image_ids={"pinned": "sha256:abc"})
    assert isinstance(fake, ImageIds)
    assert fake.image_id("pinned") == "sha256:abc"
    made = fake.image_id("shop-dev-app")
    assert made is not None
    assert made.startswith("sha256:")
    assert made == fake.image_id("shop-dev-app")  # stable, as an id is
    assert fake.image_id("absent") is None
    assert ("image_id", ("absent",)) in fake.calls

"""The standard-library engine client answers as the Docker SDK does, on the real engine."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator

import docker
import pytest

from dockyard.adapters.engine import DockerEngine, connect, sdk_connect
from dockyard.adapters.engine_http import HttpEngine
from dockyard.errors import EngineError

pytestmark = pytest.mark.engine

VOLATILE = {
    "SystemTime",
    "NGoroutines",
    "NFd",
    "NEventsListener",
    "ContainersRunning",
    "ContainersStopped",
    "ContainersPaused",
    "Containers",
    "Images",
}


@pytest.fixture
def container(docker_client: docker.DockerClient, base_image: str) -> Iterator[str]:
    label = f"p4-http-{secrets.token_hex(4)}"
    made = docker_client.containers.run(
        base_image,
        ["sh", "-c", "echo to-out; echo to-err >&2; exec sleep 300"],
        detach=True,
        name=label,
        labels={"dev.dockyard.test": label, "com.docker.compose.service": "app"},
        network_mode="none",
    )
    try:
        for _ in range(50):  # until both lines are in the log
            if b"to-err" in made.logs():
                break
            time.sleep(0.1)
        yield label
    finally:
        made.remove(force=True)


def test_results_equal_the_sdks(container: str, base_image: str) -> None:
    fast = connect(dict(os.environ))
    sdk = sdk_connect(dict(os.environ))
    assert isinstance(fast, HttpEngine) and isinstance(sdk, DockerEngine)
    try:
        label = [f"dev.dockyard.test={container}"]
        listed = fast.containers(label, all=True)
        assert listed == sdk.containers(label, all=True)
        assert [c["Names"] for c in listed] == [[f"/{container}"]]
        assert fast.containers(label) == sdk.containers(label)
        cid = listed[0]["Id"]
        assert fast.inspect(cid) == sdk.inspect(cid)
        assert fast.logs(cid, tail=10) == sdk.logs(cid, tail=10)
        assert "to-out" in fast.logs(cid, tail=10) and "to-err" in fast.logs(cid, tail=10)
        assert fast.image_labels(base_image) == sdk.image_labels(base_image)
        assert fast.image_id(base_image) == sdk.image_id(base_image)
        assert fast.image_id(listed[0]["Image"]) == listed[0]["ImageID"]
        assert fast.image_labels("p4-no-such-image:none") is None
        assert sdk.image_labels("p4-no-such-image:none") is None
        assert fast.version() == sdk.version()
        mine, theirs = fast.info(), sdk.info()
        assert {k: v for k, v in mine.items() if k not in VOLATILE} == {
            k: v for k, v in theirs.items() if k not in VOLATILE
        }
        with pytest.raises(EngineError) as fast_error:
            fast.inspect("p4-no-such-container")
        with pytest.raises(EngineError) as sdk_error:
            sdk.inspect("p4-no-such-container")
        assert str(fast_error.value) == str(sdk_error.value)
        # exec goes through the SDK, made on first use
        assert fast.exec(cid, ["sh", "-c", "echo hi"]).stdout == b"hi\n"
    finally:
        fast.close()
        sdk.close()

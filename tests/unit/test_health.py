"""Waiting for services: healthy, settled, one-shot jobs, exits with masked log lines."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from dockyard.testing import FakeEngine
from dockyard.workflows.health import ServiceError, Waiting, mask_text, wait_for_services


@dataclass
class _Api:
    containers_: list[dict[str, Any]] = field(default_factory=list)
    logs_: bytes = b""

    def engine(self) -> FakeEngine:
        engine = FakeEngine(logs_text=self.logs_.decode())
        for c in self.containers_:
            labels = {"com.docker.compose.project": "p", **c["Labels"]}
            engine.add_container(c["Id"], labels=labels, state="any", inspect=c["info"])
        return engine


def container(
    service: str,
    status: str = "running",
    *,
    exit_code: int = 0,
    health: str | None = None,
    started: str = "2000-01-01T00:00:00.123456789Z",
    env: tuple[str, ...] = (),
    restarts: int = 0,
) -> dict[str, Any]:
    state: dict[str, Any] = {"Status": status, "ExitCode": exit_code, "StartedAt": started}
    if health:
        state["Health"] = {"Status": health}
    return {
        "Id": service,
        "Labels": {"com.docker.compose.service": service},
        "info": {
            "Name": f"/p-{service}-1",
            "State": state,
            "RestartCount": restarts,
            "Config": {"Env": list(env)},
        },
    }


def wait(api: _Api, **kwargs: Any) -> list[str]:
    waiting = Waiting("p", "app", timeout=kwargs.pop("timeout", 5.0), settle=1.0, poll=0.01)
    return wait_for_services(api.engine(), waiting, **kwargs)


def test_long_running_healthy_and_one_shot_services_are_up() -> None:
    api = _Api(
        [
            container("app"),
            container("db", health="healthy"),
            container("migrate", "exited", exit_code=0),
        ]
    )
    assert wait(api) == ["app: running", "db: running (healthy)", "migrate: exited (0)"]


def test_an_exited_service_fails_with_its_status_and_masked_logs() -> None:
    api = _Api(
        [container("app", "exited", exit_code=1, env=("DB_PASSWORD=canary-pw-1234",))],
        logs_=b"boot\nconnecting with canary-pw-1234\npostgres://u:hunter22@db/x failed\n",
    )
    with pytest.raises(ServiceError) as info:
        wait(api)
    text = str(info.value)
    assert info.value.exit_code == 1
    assert "service 'app' exited with status 1 (container p-app-1)" in text
    assert "connecting with ********" in text and "canary-pw-1234" not in text
    assert "hunter22" not in text and "boot" in text


def test_main_service_exiting_0_is_a_failure_too() -> None:
    with pytest.raises(ServiceError, match="exited with status 0"):
        wait(_Api([container("app", "exited", exit_code=0)]))


def test_unhealthy_and_restarting_fail() -> None:
    with pytest.raises(ServiceError, match="'db' is unhealthy"):
        wait(_Api([container("app"), container("db", health="unhealthy")]))
    with pytest.raises(ServiceError, match="'app' restarted 2 time"):
        wait(_Api([container("app", restarts=2, exit_code=3)]))


def test_a_fresh_container_must_settle_and_timeouts_are_exit_1() -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f123Z")
    started = time.monotonic()
    assert wait(_Api([container("app", started=now)])) == ["app: running"]
    assert time.monotonic() - started >= 0.9  # waited for the settle time
    with pytest.raises(ServiceError, match=r"not up after 0.2 s: db: running \(starting\)") as info:
        wait(_Api([container("app"), container("db", health="starting")]), timeout=0.2)
    assert info.value.exit_code == 1


def test_mask_text_hides_given_values_and_url_passwords() -> None:
    text = mask_text("token abcd1234 and https://me:pw@example.com", ["abcd1234"])
    assert text == "token ******** and https://me:********@example.com"

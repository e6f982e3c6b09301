"""Waiting for started services: healthy, or running for a settle time, or a failure.

``compose up -d`` returns as soon as containers are created; a container whose command
exits a second later looks "up" to it. :func:`wait_for_services` watches every
container of the compose project until each one is

* healthy, when its image or compose file defines a healthcheck;
* running without a restart for ``settle`` seconds, when it has none;
* exited with status 0, for a service other than the main one (a one-shot job);

and raises :class:`ServiceError` (exit 1) naming the service, its state or exit status
and the last lines of its log, with secret values masked, for anything else.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dockyard.domain.secrets import MASK, is_secret_key, looks_like_secret_value, mask
from dockyard.errors import DockyardError, EngineError

if TYPE_CHECKING:
    from dockyard.adapters.engine import Engine

__all__ = ["ServiceError", "Waiting", "mask_text", "wait_for_services"]

LOG_LINES = 20


class ServiceError(DockyardError):
    """A started service exited, restarted, turned unhealthy or did not settle in time."""

    exit_code = 1

    def __init__(self, message: str, *, service: str | None = None, logs: str = "") -> None:
        text = message if not logs else f"{message}\n  last log lines:\n{_indent(logs)}"
        super().__init__(text)
        self.service = service
        self.logs = logs


@dataclass(frozen=True)
class Waiting:
    """How long to wait, and which service is the environment's main one."""

    project: str
    main_service: str
    timeout: float = 300.0
    settle: float = 3.0
    poll: float = 0.25


def mask_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every value of ``secrets`` (and URL passwords) replaced by the mask."""
    for value in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(value, MASK)
    return "\n".join(mask("LOG", line) for line in text.splitlines())


def secret_values(variables: Mapping[str, str | None]) -> list[str]:
    """The values of ``variables`` that must never be printed."""
    return [
        value
        for key, value in variables.items()
        if value and (is_secret_key(key) or looks_like_secret_value(value))
    ]


def wait_for_services(
    engine: Engine,
    waiting: Waiting,
    *,
    secrets: Iterable[str] = (),
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """Wait until every container of the project is up for good; return their summaries."""
    label = f"com.docker.compose.project={waiting.project}"
    deadline = clock() + waiting.timeout
    first_running: dict[str, float] = {}
    while True:
        pending: list[str] = []
        ready: list[str] = []
        for summary in engine.containers([label], all=True):
            labels = summary.get("Labels") or {}
            if labels.get("com.docker.compose.oneoff") == "True":
                continue
            info = engine.inspect(summary["Id"])
            state = _State.of(info, labels)
            verdict = state.verdict(waiting, first_running, clock())
            if verdict is None:
                ready.append(f"{state.service}: {state.describe()}")
            elif verdict == "pending":
                pending.append(f"{state.service}: {state.describe()}")
            else:
                raise ServiceError(
                    f"service {state.service!r} {verdict}",
                    service=state.service,
                    logs=_logs(engine, summary["Id"], [*secrets, *state.secrets]),
                )
        if not pending:
            return ready
        if clock() > deadline:
            raise ServiceError(
                f"not up after {waiting.timeout:g} s: {', '.join(pending)} "
                "(raise --timeout or the up_timeout key if it needs longer)"
            )
        sleep(waiting.poll)


@dataclass(frozen=True)
class _State:
    container: str
    service: str
    status: str
    exit_code: int
    health: str | None
    restarts: int
    started_at: float | None
    secrets: tuple[str, ...]

    @classmethod
    def of(cls, info: Mapping[str, Any], labels: Mapping[str, str]) -> _State:
        state = info.get("State") or {}
        health = (state.get("Health") or {}).get("Status")
        env = (info.get("Config") or {}).get("Env") or []
        pairs = dict(item.split("=", 1) for item in env if "=" in item)
        return cls(
            container=str(info.get("Name") or "?").lstrip("/"),
            service=labels.get("com.docker.compose.service", "?"),
            status=str(state.get("Status") or "unknown"),
            exit_code=int(state.get("ExitCode") or 0),
            health=str(health) if health else None,
            restarts=int(info.get("RestartCount") or 0),
            started_at=_timestamp(str(state.get("StartedAt") or "")),
            secrets=tuple(secret_values(pairs)),
        )

    def describe(self) -> str:
        if self.status == "exited":
            return f"exited ({self.exit_code})"
        return self.status + (f" ({self.health})" if self.health else "")

    def verdict(  # noqa: PLR0911 - one return per state reads best
        self, waiting: Waiting, first_running: dict[str, float], now: float
    ) -> str | None:
        """None when up for good, "pending" while waiting, else what went wrong."""
        if self.restarts:
            return (
                f"restarted {self.restarts} time(s) (container {self.container}, last exit "
                f"status {self.exit_code})"
            )
        if self.status in ("exited", "dead"):
            if self.exit_code == 0 and self.service != waiting.main_service:
                return None  # a one-shot job that did its work
            return f"exited with status {self.exit_code} (container {self.container})"
        if self.status == "restarting":
            return f"is restarting (container {self.container}, exit status {self.exit_code})"
        if self.status != "running":
            return "pending"
        if self.health == "unhealthy":
            return f"is unhealthy (container {self.container})"
        if self.health == "starting":
            return "pending"
        if self.health == "healthy":
            return None
        seen = first_running.setdefault(self.container, now)
        age = time.time() - self.started_at if self.started_at is not None else 0.0
        if max(age, now - seen) >= waiting.settle:
            return None
        return "pending"


_FRACTION = re.compile(r"\.(\d+)")


def _timestamp(value: str) -> float | None:
    """The engine's RFC 3339 time (nanoseconds, ``Z``) as seconds since the epoch."""
    if not value or value.startswith("0001-"):
        return None
    text = _FRACTION.sub(lambda m: "." + m[1][:6], value.replace("Z", "+00:00"), count=1)
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def _logs(engine: Engine, container: str, secrets: Iterable[str]) -> str:
    try:
        text = engine.logs(container, tail=LOG_LINES)
    except EngineError:  # logs are a courtesy; the failure itself is the error
        return ""
    return mask_text(text.rstrip(), secrets)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())

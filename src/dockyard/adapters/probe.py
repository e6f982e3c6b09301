"""Run one probe in a compose service's container through the Docker SDK.

One ``containers.list`` (by compose labels) and one ``exec_run``: no ``compose exec``,
no process start on the host.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dockyard.errors import EngineError

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

__all__ = ["exec_json", "service_container"]


def service_container(client: DockerClient, project: str, service: str) -> Container:
    """The running container of compose ``project``'s ``service`` (labels, one query)."""
    found = client.containers.list(
        filters={
            "label": [
                f"com.docker.compose.project={project}",
                f"com.docker.compose.service={service}",
            ],
            "status": "running",
        }
    )
    if not found:
        raise EngineError(
            f"service {service!r} of compose project {project!r} is not running "
            "(start it first, e.g. `dockyard dev.up`)"
        )
    return sorted(found, key=lambda c: str(c.name))[0]


def exec_json(container: Container, argv: Sequence[str]) -> dict[str, Any]:
    """Run ``argv`` in ``container`` (one exec) and parse the JSON object it prints."""
    from docker.errors import APIError

    try:
        code, output = container.exec_run(list(argv), stdout=True, stderr=True, demux=True)
    except APIError as exc:
        raise EngineError(f"exec in container {container.name} failed: {exc.explanation}") from None
    stdout, stderr = _streams(output)
    text = (stdout or b"").decode(errors="replace")
    if code != 0:
        last = (stderr or stdout or b"").decode(errors="replace").strip().splitlines()
        detail = last[-1] if last else f"exit status {code}"
        if code in (126, 127):
            detail = f"{argv[0]} not found in the container ({detail})"
        raise EngineError(f"probe in container {container.name} failed: {detail}")
    try:
        value = json.loads(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise EngineError(f"probe in container {container.name} printed no JSON") from None
    if not isinstance(value, dict):
        raise EngineError(f"probe in container {container.name} printed no JSON object")
    return value


def _streams(output: object) -> tuple[bytes, bytes]:
    """``exec_run(demux=True)`` output as (stdout, stderr) bytes."""
    if isinstance(output, tuple):
        out, err = output
        return out or b"", err or b""
    return (output if isinstance(output, bytes) else b""), b""

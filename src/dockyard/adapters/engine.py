"""The Docker engine, through the Docker SDK: one HTTP round trip, no process start.

Queries (images, labels, container user, exec for checks) come here; orchestration
goes through the compose CLI (:mod:`dockyard.adapters.compose`). ``docker`` is
imported lazily so that listing tasks stays fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from dockyard.errors import EngineError

if TYPE_CHECKING:
    from docker import DockerClient

__all__ = ["EngineInfo", "EngineKind", "connect", "engine_info"]

EngineKind = Literal["linux", "rootless", "desktop"]


def connect(environ: Mapping[str, str], *, timeout: int = 60) -> DockerClient:
    """A connected client for the engine ``DOCKER_HOST`` (or the default socket) names.

    Raises :class:`EngineError` with one actionable line when the engine is not
    running, the socket refuses this user, or ``DOCKER_HOST`` is malformed.
    """
    import docker
    from docker.errors import DockerException

    host = environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    try:
        # the API version negotiation is the first round trip: no separate ping needed
        client = docker.from_env(environment=dict(environ), timeout=timeout)
    except DockerException as exc:
        raise _engine_error(host, exc) from None
    return client


def _engine_error(host: str, exc: Exception) -> EngineError:
    text = str(exc)
    if "Permission denied" in text or "PermissionError" in text:
        return EngineError(
            f"permission denied on {host}: add this user to the 'docker' group "
            "(then log in again) or use a rootless engine"
        )
    if any(
        s in text
        for s in ("FileNotFoundError", "No such file", "Connection refused", "ConnectionRefused")
    ):
        return EngineError(
            f"Docker engine not running: nothing answers on {host} "
            "(start Docker Desktop, or the engine: `sudo systemctl start docker`; "
            "set DOCKER_HOST if it listens elsewhere)"
        )
    first = text.splitlines()[0] if text else type(exc).__name__
    return EngineError(f"cannot use the Docker engine at {host}: {first}")


@dataclass(frozen=True)
class EngineInfo:
    """What kind of engine this is, and whether host file ownership maps 1:1."""

    kind: EngineKind
    server_version: str
    api_version: str
    operating_system: str

    @property
    def ownership_applies(self) -> bool:
        """True when a uid in a container is the same uid on the host's files."""
        return self.kind == "linux"

    @property
    def ownership_note(self) -> str:
        """Why ownership matching does not apply, or the empty string."""
        if self.kind == "rootless":
            return (
                "rootless engine: container uids are remapped through /etc/subuid, "
                "so root in the container owns files as you on the host"
            )
        if self.kind == "desktop":
            return (
                "Docker Desktop: bind mounts go through a file-sharing layer that "
                "presents files as your user, whatever uid the container writes with"
            )
        return ""


def engine_info(client: DockerClient) -> EngineInfo:
    """Classify the engine behind ``client`` (one ``/info`` and one ``/version`` call)."""
    info = client.info()
    version = client.version()
    security = " ".join(info.get("SecurityOptions") or [])
    system = str(info.get("OperatingSystem") or "")
    kind: EngineKind
    if "name=rootless" in security:
        kind = "rootless"
    elif "Docker Desktop" in system or "desktop" in str(info.get("Name", "")).lower():
        kind = "desktop"
    else:
        kind = "linux"
    return EngineInfo(
        kind=kind,
        server_version=str(version.get("Version", "")),
        api_version=str(version.get("ApiVersion", "")),
        operating_system=system,
    )

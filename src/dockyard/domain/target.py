"""The target: the engine a command runs against, the host identity, and the strategy.

Computed once per command (beside the repository model) and passed down. The engine's
kind comes from its ``/info`` and ``/version`` payloads and where it is reached:

=====================  ===============================================================
kind                   told by
=====================  ===============================================================
``remote``             ``DOCKER_HOST`` or the docker context is ``tcp://``/``ssh://``
``podman-rootless``    a ``Podman Engine`` component, ``Rootless: true`` in /info
``podman-rootful``     a ``Podman Engine`` component
``docker-desktop``     ``Docker Desktop`` as the OperatingSystem
``docker-rootless``    ``name=rootless`` in SecurityOptions
``docker-rootful``     anything else
=====================  ===============================================================

The strategy follows from the kind and this host's system (:data:`STRATEGIES`):

* ``host-ids``: build the image for the host ids (the engine passes ids through);
* ``container-root``: a dev override runs the service as container root, which *is*
  the host user on a rootless engine (such an image must not ship);
* ``keep-id``: Podman maps the host user in (``userns_mode: keep-id:uid=…,gid=…``);
* ``none``: the engine maps ownership itself (macOS/Windows file sharing);
* ``remote``: the engine does not see this machine's files: no ownership claims.

An ownership probe (:func:`dockyard.adapters.probe.probe_ownership`) confirms or
corrects the choice: a file that never appears here means remote, one owned by
another uid means the engine remaps ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from dockyard.domain.identity import HostIds

__all__ = [
    "STRATEGIES",
    "EngineFacts",
    "Strategy",
    "Target",
    "classify",
    "compose_override",
    "strategy_for",
]

Strategy = Literal["host-ids", "container-root", "keep-id", "none", "remote"]
REMOTE_SCHEMES = ("tcp", "ssh", "http", "https")

STRATEGIES: dict[str, str] = {
    "host-ids": "build the image for the host uid/gid: the engine passes ids through",
    "container-root": (
        "run the dev service as container root, which is the host user on this engine "
        "(such an image must not ship)"
    ),
    "keep-id": "map the host user into the container with userns_mode keep-id",
    "none": "nothing to do: the engine's file sharing presents files as the host user",
    "remote": "the engine runs elsewhere and does not see this machine's files",
}


@dataclass(frozen=True)
class EngineFacts:
    """What the engine is, from its payloads and its endpoint."""

    kind: str
    server_version: str
    api_version: str
    operating_system: str
    host: str
    host_source: str
    platform: str
    engine_id: str = ""
    evidence: tuple[str, ...] = ()

    @property
    def remote(self) -> bool:
        """Reached over the network: nothing says it sees this machine's files."""
        return self.kind == "remote"


def classify(
    info: Mapping[str, Any],
    version: Mapping[str, Any],
    *,
    host: str,
    host_source: str,
    platform: str,
) -> EngineFacts:
    """Tell the engine's kind from its ``/info``/``/version`` payloads and endpoint."""
    security = " ".join(str(s) for s in info.get("SecurityOptions") or [])
    system = str(info.get("OperatingSystem") or "")
    components = [str(c.get("Name", "")) for c in version.get("Components") or []]
    scheme = host.split("://", 1)[0] if "://" in host else "unix"
    evidence: list[str] = []
    podman = any("podman" in name.lower() for name in components)
    rootless = "rootless" in security or info.get("Rootless") is True
    if podman:
        evidence.append("a 'Podman Engine' component in /version")
    if "rootless" in security:
        evidence.append("'rootless' in SecurityOptions")
    elif rootless:
        evidence.append("'Rootless: true' in /info")
    if "Docker Desktop" in system:
        evidence.append(f"OperatingSystem {system!r}")
    if scheme in REMOTE_SCHEMES:
        evidence.append(f"{host_source} is {scheme}://")
        kind = "remote"
    elif podman:
        kind = "podman-rootless" if rootless else "podman-rootful"
    elif "Docker Desktop" in system:
        kind = "docker-desktop"
    elif rootless:
        kind = "docker-rootless"
    else:
        kind = "docker-rootful"
        evidence.append("no rootless option, no Desktop, no Podman component")
    return EngineFacts(
        kind=kind,
        server_version=str(version.get("Version") or info.get("ServerVersion") or ""),
        api_version=str(version.get("ApiVersion") or ""),
        operating_system=system,
        host=host,
        host_source=host_source,
        platform=platform,
        engine_id=str(info.get("ID") or ""),
        evidence=tuple(evidence),
    )


def strategy_for(facts: EngineFacts) -> tuple[Strategy, str]:  # noqa: PLR0911 - a return per kind
    """The strategy for ``facts`` before any probe, and why."""
    if facts.kind == "remote":
        return "remote", f"{facts.host} is reached over the network"
    if facts.platform in ("darwin", "windows"):
        return "none", f"a {facts.platform} host: the engine runs in a VM that maps ownership"
    if facts.kind.startswith("podman"):
        if facts.kind == "podman-rootless":
            return "keep-id", "rootless Podman: keep-id maps the host user in"
        return "host-ids", "rootful Podman passes ids through"
    if facts.kind == "docker-desktop":
        if facts.platform == "wsl":
            return "host-ids", "Docker Desktop from WSL2's own filesystem passes ids through"
        return (
            "container-root",
            "Docker Desktop for Linux: container root is the host user",
        )
    if facts.kind == "docker-rootless":
        return "container-root", "rootless Docker: container root is the host user"
    return "host-ids", "rootful Docker on Linux passes ids through"


@dataclass(frozen=True)
class Target:
    """The engine, the host identity under one rule, and the strategy that follows."""

    engine: EngineFacts
    ids: HostIds
    strategy: Strategy
    reason: str
    compose: str = ""
    probe: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def ownership_applies(self) -> bool:
        """Do uid checks on bind-mounted files mean anything here?"""
        return self.strategy == "host-ids"

    @property
    def ownership_note(self) -> str:
        """Why ownership checks do not apply (the SKIP reason), or ''."""
        if self.strategy == "host-ids":
            return ""
        if self.strategy == "remote":
            return f"remote engine ({self.engine.host}): it does not see this machine's files"
        if self.strategy == "none":
            return f"{self.reason}: ownership on bind mounts means nothing here"
        if self.strategy == "keep-id":
            return f"{self.reason}: files are written as the host user by keep-id"
        return (
            f"{self.reason}: files written by other container uids land on the host as "
            "subordinate ids (/etc/subuid)"
        )

    @property
    def container_root_is_host_user(self) -> bool:
        """True on engines where uid 0 in a container is this host's user."""
        return self.strategy == "container-root"

    def variables(self) -> dict[str, str]:
        """The variables handed to compose and builds."""
        return {
            "HOST_UID": str(self.ids.uid),
            "HOST_GID": str(self.ids.gid),
            "DOCKYARD_ENGINE_KIND": self.engine.kind,
        }

    def as_dict(self) -> dict[str, Any]:
        """The target as plain data (``doctor --format json``)."""
        return {
            "engine": {
                "kind": self.engine.kind,
                "server_version": self.engine.server_version,
                "api_version": self.engine.api_version,
                "operating_system": self.engine.operating_system,
                "host": self.engine.host,
                "host_source": self.engine.host_source,
                "platform": self.engine.platform,
                "evidence": list(self.engine.evidence),
            },
            "compose": self.compose,
            "identity": {"uid": self.ids.uid, "gid": self.ids.gid, "rule": self.ids.origin},
            "strategy": {"name": self.strategy, "meaning": STRATEGIES[self.strategy]},
            "reason": self.reason,
            "probe": self.probe,
            "notes": list(self.notes),
        }


def compose_override(target: Target, service: str) -> str | None:
    """The compose override the strategy needs for ``service``, or None.

    >>> from dockyard.domain.identity import HostIds
    >>> facts = classify({}, {"Components": [{"Name": "Podman Engine"}]},
    ...     host="unix:///run/podman.sock", host_source="DOCKER_HOST", platform="linux")
    >>> t = Target(facts, HostIds(1000, 1000, "x"), "keep-id", "rootless Podman")
    >>> "keep-id:uid=1000,gid=1000" in (compose_override(t, "app") or "")
    True
    """
    if target.strategy == "keep-id":
        mode = f"keep-id:uid={target.ids.uid},gid={target.ids.gid}"
        lines = [f'    userns_mode: "{mode}"']
    elif target.strategy == "container-root":
        lines = ['    user: "0:0"']
    else:
        return None
    header = (
        "# generated by dockyard for this engine "
        f"({target.engine.kind}: {STRATEGIES[target.strategy]}); do not edit or ship\n"
    )
    return header + "services:\n" + f"  {service}:\n" + "\n".join(lines) + "\n"

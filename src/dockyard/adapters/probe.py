"""Probes through the engine: one in a compose service's container, one for ownership.

:func:`service_container` and :func:`exec_json` run a probe in a running service (one
container list by compose labels, one exec: no ``compose exec``, no process start).
:func:`probe_ownership` asks the engine what happens to a file's owner: a throwaway
container (no network, removed) writes a file as the configured uid:gid into a
temporary folder bind-mounted from this host, and the owner the file has *here*
decides. The answer is cached per engine (:class:`ProbeCache`).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from dockyard.adapters.engine import Engine
from dockyard.errors import CommandError, EngineError

__all__ = [
    "OwnershipProbe",
    "ProbeCache",
    "exec_json",
    "probe_ownership",
    "service_container",
]

Verdict = Literal["passthrough", "remapped", "invisible"]
_PROBE_MOUNT = "/dockyard-probe"


def service_container(engine: Engine, project: str, service: str) -> dict[str, Any]:
    """The inspection of compose ``project``'s running ``service`` container."""
    found = [
        c
        for c in engine.containers(
            [f"com.docker.compose.project={project}", f"com.docker.compose.service={service}"]
        )
        if c.get("State", "running") == "running"
    ]
    if not found:
        raise EngineError(
            f"service {service!r} of compose project {project!r} is not running "
            "(start it first, e.g. `dockyard dev.up`)"
        )
    first = sorted(found, key=lambda c: str((c.get("Names") or [""])[0]))[0]
    return engine.inspect(str(first["Id"]))


def container_name(attrs: Mapping[str, Any]) -> str:
    """A container's name from its inspection, without the leading slash."""
    return str(attrs.get("Name") or attrs.get("Id", "")[:12]).lstrip("/")


def exec_json(engine: Engine, attrs: Mapping[str, Any], argv: Sequence[str]) -> dict[str, Any]:
    """Run ``argv`` in the container ``attrs`` describes and parse the JSON object it prints."""
    name = container_name(attrs)
    done = engine.exec(str(attrs["Id"]), argv)
    text = done.stdout.decode(errors="replace")
    if done.code != 0:
        last = (done.stderr or done.stdout).decode(errors="replace").strip().splitlines()
        detail = last[-1] if last else f"exit status {done.code}"
        if done.code in (126, 127):
            detail = f"{argv[0]} not found in the container ({detail})"
        raise EngineError(f"probe in container {name} failed: {detail}")
    try:
        value = json.loads(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise EngineError(f"probe in container {name} printed no JSON") from None
    if not isinstance(value, dict):
        raise EngineError(f"probe in container {name} printed no JSON object")
    return value


@dataclass(frozen=True)
class OwnershipProbe:
    """A file written in a container as ``wrote_as``, and the owner it has on this host."""

    image: str
    wrote_as: tuple[int, int]
    owner: tuple[int, int] | None

    @property
    def verdict(self) -> Verdict:
        """``passthrough`` (ids kept), ``remapped`` (another owner here), ``invisible``."""
        if self.owner is None:
            return "invisible"
        return "passthrough" if self.owner[0] == self.wrote_as[0] else "remapped"

    def describe(self) -> str:
        """One line: what was written, and what this host saw."""
        uid, gid = self.wrote_as
        if self.owner is None:
            return (
                f"a file written as {uid}:{gid} into a bind-mounted folder never appeared "
                "on this host: the engine does not see this machine's files"
            )
        return (
            f"a file written as {uid}:{gid} in a container is owned by "
            f"{self.owner[0]}:{self.owner[1]} on this host"
        )


def probe_ownership(engine: Engine, image: str, uid: int, gid: int) -> OwnershipProbe:
    """Write a file as ``uid:gid`` in a throwaway container; see who owns it here."""
    folder = Path(tempfile.mkdtemp(prefix="dockyard-probe-"))
    try:
        folder.chmod(0o777)  # the container user may be anyone: let it write
        name = f"owner-{secrets.token_hex(4)}"
        # a folder the engine made on its own machine refuses the user: seen below
        with contextlib.suppress(CommandError):
            engine.run(
                image,
                ["-c", f"echo probe > {_PROBE_MOUNT}/{name}"],
                entrypoint=["/bin/sh"],
                user=f"{uid}:{gid}",
                volumes={str(folder): _PROBE_MOUNT},
                labels={"dev.dockyard.role": "ownership-probe"},
            )
        try:
            st = (folder / name).stat()
        except FileNotFoundError:
            return OwnershipProbe(image, (uid, gid), None)
        return OwnershipProbe(image, (uid, gid), (st.st_uid, st.st_gid))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class ProbeCache:
    """Probe results per engine (its ID) and ids, in the user's cache folder."""

    path: Path

    @classmethod
    def default(cls, environ: Mapping[str, str]) -> ProbeCache:
        """``$XDG_CACHE_HOME/dockyard/engine-probes.json`` (else ``~/.cache/...``)."""
        base = environ.get("XDG_CACHE_HOME") or str(Path(environ.get("HOME", "~")) / ".cache")
        return cls(Path(base).expanduser() / "dockyard" / "engine-probes.json")

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> OwnershipProbe | None:
        """The cached probe for ``key``, if any."""
        item: Any = self._read().get(key)
        try:
            owner = item["owner"]
            return OwnershipProbe(
                str(item["image"]),
                (int(item["wrote_as"][0]), int(item["wrote_as"][1])),
                None if owner is None else (int(owner[0]), int(owner[1])),
            )
        except (TypeError, KeyError, ValueError, IndexError):
            return None

    def put(self, key: str, probe: OwnershipProbe) -> None:
        """Remember ``probe`` for ``key`` (a cache that cannot be written is no error)."""
        data = self._read()
        data[key] = asdict(probe)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            pass

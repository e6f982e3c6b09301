"""The container engine: one interface, errors mapped.

Every engine API call dockyard makes (info, version, images, containers, logs, exec,
pull, throwaway containers) goes through :class:`Engine`; orchestration goes through
the compose CLI (:mod:`dockyard.adapters.compose`). :func:`connect` gives the real
one: :class:`~dockyard.adapters.engine_http.HttpEngine` (the standard library's HTTP
client over the engine's socket) for the queries, with :class:`DockerEngine` (the
Docker SDK) created on first use for exec, pull and throwaway containers, and for
every call where the engine is reached over ssh, a named pipe or TLS.
:class:`dockyard.testing.FakeEngine` stands in for both in tests. Errors become
:class:`~dockyard.errors.EngineError` (the engine cannot be used) or
:class:`~dockyard.errors.CommandError` (a throwaway container exited non-zero).

``docker`` is imported only when the SDK is needed, so that listing tasks and ``up``
on a running stack stay fast::

    engine = connect(os.environ)
    labels = engine.image_labels("proj-dev-app")   # None when the image is missing
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from dockyard.errors import CommandError, EngineError

if TYPE_CHECKING:
    from docker import DockerClient

__all__ = [
    "DEFAULT_HOST",
    "DockerEngine",
    "Endpoint",
    "Engine",
    "Exec",
    "ImageIds",
    "connect",
    "endpoint",
    "local_platform",
    "sdk_connect",
]

DEFAULT_HOST = "unix:///var/run/docker.sock"


@dataclass(frozen=True)
class Exec:
    """What a command run in a container gave back."""

    code: int
    stdout: bytes
    stderr: bytes


@dataclass(frozen=True)
class Endpoint:
    """Where the engine is, and what said so (``DOCKER_HOST``, a context, the default)."""

    host: str
    source: str
    context: str | None = None

    @property
    def scheme(self) -> str:
        """``unix``, ``npipe``, ``tcp``, ``ssh``, ``http`` or ``https``."""
        return self.host.split("://", 1)[0] if "://" in self.host else "unix"


class Engine(Protocol):
    """Every engine API call dockyard makes. Errors are :mod:`dockyard.errors` ones."""

    endpoint: Endpoint

    def info(self) -> dict[str, Any]:
        """The engine's ``/info`` payload."""

    def version(self) -> dict[str, Any]:
        """The engine's ``/version`` payload."""

    def image_labels(self, name: str) -> dict[str, str] | None:
        """The labels of local image ``name``; None when there is no such image."""

    def pull(self, name: str) -> None:
        """Pull image ``name`` from its registry."""

    def containers(self, labels: Sequence[str], *, all: bool = False) -> list[dict[str, Any]]:
        """Container summaries (``Id``, ``Names``, ``Labels``...) carrying every label."""

    def inspect(self, container: str) -> dict[str, Any]:
        """The full inspection of one container."""

    def logs(self, container: str, *, tail: int) -> str:
        """The last ``tail`` lines of a container's output."""

    def exec(self, container: str, argv: Sequence[str]) -> Exec:
        """Run ``argv`` in a running container; its exit code and both streams."""

    def run(
        self,
        image: str,
        argv: Sequence[str],
        *,
        user: str,
        volumes: Mapping[str, str],
        working_dir: str | None = None,
        entrypoint: Sequence[str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> str:
        """Run a throwaway container (no network, removed after); its output.

        ``volumes`` maps host folders to container paths (read-write bind mounts). A
        non-zero exit raises :class:`CommandError` with the container's stderr.
        """

    def close(self) -> None:
        """Release the connection."""


def endpoint(environ: Mapping[str, str]) -> Endpoint:
    """The engine ``DOCKER_HOST``, else the docker context in use, else the default socket."""
    host = environ.get("DOCKER_HOST")
    if host:
        return Endpoint(host, "DOCKER_HOST")
    config_dir = Path(environ.get("DOCKER_CONFIG") or Path(environ.get("HOME", "~")) / ".docker")
    name = environ.get("DOCKER_CONTEXT") or _current_context(config_dir)
    if name and name != "default":
        meta = config_dir.expanduser() / "contexts" / "meta"
        path = meta / sha256(name.encode()).hexdigest() / "meta.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            context_host = str(data["Endpoints"]["docker"]["Host"])
        except (OSError, ValueError, KeyError, TypeError):
            raise EngineError(
                f"docker context {name!r} is selected but its endpoint cannot be read "
                f"({path}); `docker context ls` lists the contexts"
            ) from None
        return Endpoint(context_host, f"docker context {name}", name)
    return Endpoint(DEFAULT_HOST, "default socket")


def _current_context(config_dir: Path) -> str | None:
    try:
        data = json.loads((config_dir.expanduser() / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("currentContext") if isinstance(data, dict) else None
    return str(value) if value else None


@runtime_checkable
class ImageIds(Protocol):
    """An engine that tells an image's id (both real engines do)."""

    def image_id(self, name: str) -> str | None:
        """The id (``sha256:...``) of local image ``name``; None when there is no such image."""


def connect(environ: Mapping[str, str], *, timeout: int = 60) -> Engine:
    """The :class:`Engine` for the engine :func:`endpoint` names.

    Over a Unix socket or plain TCP the queries go through the standard library's HTTP
    client, and the Docker SDK is imported only for exec, pull and throwaway containers;
    elsewhere (ssh, named pipes, TLS) every call goes through the SDK. Raises
    :class:`EngineError` with one actionable line when the engine is not running, the
    socket refuses this user, or the host is malformed (at the first call that meets it).
    """
    where = endpoint(environ)
    if where.scheme == "unix" and not Path(where.host.removeprefix("unix://")).exists():
        raise _engine_error(where.host, FileNotFoundError(f"No such file: {where.host}"))
    from dockyard.adapters.engine_http import HttpEngine, serves

    if serves(where, environ):
        return HttpEngine(where, lambda: sdk_connect(environ, timeout=timeout), timeout=timeout)
    return sdk_connect(environ, timeout=timeout)


def sdk_connect(environ: Mapping[str, str], *, timeout: int = 60) -> DockerEngine:
    """A connected :class:`DockerEngine` (the Docker SDK) for the engine :func:`endpoint` names.

    Raises :class:`EngineError` as :func:`connect` does.
    """
    import docker
    from docker.errors import DockerException

    where = endpoint(environ)
    if where.scheme == "unix" and not Path(where.host.removeprefix("unix://")).exists():
        raise _engine_error(where.host, FileNotFoundError(f"No such file: {where.host}"))
    try:
        # the API version negotiation is the first round trip: no separate ping needed
        if where.source == "DOCKER_HOST":
            client = docker.from_env(
                environment=dict(environ), timeout=timeout, use_ssh_client=True
            )
        else:
            client = docker.DockerClient(
                base_url=where.host, version="auto", timeout=timeout, use_ssh_client=True
            )
    except DockerException as exc:
        raise _engine_error(where.host, exc) from None
    return DockerEngine(client, where)


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
    if "paramiko" in text:
        return EngineError(
            f"{host} is an ssh:// engine: the Docker SDK needs paramiko for it "
            "(`pip install 'docker[ssh]'`), and the `ssh` client configured for that host"
        )
    first = text.splitlines()[0] if text else type(exc).__name__
    return EngineError(f"cannot use the Docker engine at {host}: {first}")


@dataclass
class DockerEngine:
    """:class:`Engine` over a Docker SDK client (Docker, or Podman's compatible API)."""

    client: DockerClient
    endpoint: Endpoint = field(default_factory=lambda: Endpoint(DEFAULT_HOST, "default socket"))

    @contextlib.contextmanager
    def _mapped(self, what: str) -> Iterator[None]:
        from docker.errors import APIError, DockerException
        from requests.exceptions import RequestException

        try:
            yield
        except APIError as exc:
            reason = exc.explanation or str(exc)
            raise EngineError(f"{what} failed on {self.endpoint.host}: {reason}") from None
        except (DockerException, RequestException, OSError) as exc:
            raise _engine_error(self.endpoint.host, exc) from None

    def info(self) -> dict[str, Any]:
        with self._mapped("engine info"):
            return dict(self.client.info())

    def version(self) -> dict[str, Any]:
        with self._mapped("engine version"):
            return dict(self.client.version())

    def image_labels(self, name: str) -> dict[str, str] | None:
        from docker.errors import ImageNotFound

        with self._mapped(f"inspecting image {name}"):
            try:
                image = self.client.images.get(name)
            except ImageNotFound:
                return None
            return dict(image.labels or {})

    def image_id(self, name: str) -> str | None:
        """The id of local image ``name``; None when there is no such image."""
        from docker.errors import ImageNotFound

        with self._mapped(f"inspecting image {name}"):
            try:
                return str(self.client.images.get(name).id)
            except ImageNotFound:
                return None

    def pull(self, name: str) -> None:
        with self._mapped(f"pulling {name}"):
            self.client.images.pull(name)

    def containers(self, labels: Sequence[str], *, all: bool = False) -> list[dict[str, Any]]:
        with self._mapped("listing containers"):
            found = self.client.api.containers(all=all, filters={"label": list(labels)})
        return [dict(item) for item in found]

    def inspect(self, container: str) -> dict[str, Any]:
        with self._mapped(f"inspecting container {container[:12]}"):
            return dict(self.client.api.inspect_container(container))

    def logs(self, container: str, *, tail: int) -> str:
        with self._mapped(f"reading the log of {container[:12]}"):
            raw = self.client.api.logs(container, stdout=True, stderr=True, tail=tail)
        return bytes(raw).decode(errors="replace")

    def exec(self, container: str, argv: Sequence[str]) -> Exec:
        with self._mapped(f"exec in container {container[:12]}"):
            made = self.client.api.exec_create(container, list(argv), stdout=True, stderr=True)
            output = self.client.api.exec_start(made["Id"], demux=True)
            code = self.client.api.exec_inspect(made["Id"]).get("ExitCode")
        out, err = output
        return Exec(int(code or 0), out or b"", err or b"")

    def run(
        self,
        image: str,
        argv: Sequence[str],
        *,
        user: str,
        volumes: Mapping[str, str],
        working_dir: str | None = None,
        entrypoint: Sequence[str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> str:
        from docker.errors import ContainerError

        try:
            with self._mapped(f"running a container of {image}"):
                output = self.client.containers.run(
                    image,
                    list(argv),
                    entrypoint=list(entrypoint) if entrypoint is not None else None,
                    user=user,
                    network_mode="none",
                    remove=True,
                    working_dir=working_dir,
                    volumes={src: {"bind": dst, "mode": "rw"} for src, dst in volumes.items()},
                    labels=dict(labels or {}),
                    stdout=True,
                    stderr=True,
                )
        except ContainerError as exc:
            raw: Any = exc.stderr
            stderr = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw or "")
            shown = [*(entrypoint or ()), *argv]
            raise CommandError(
                shown,
                int(exc.exit_status),
                stderr.strip(),
                message=f"container of {image} exited with status {exc.exit_status}: "
                + (stderr.strip().splitlines() or [""])[-1],
            ) from None
        return bytes(output).decode(errors="replace")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()


def local_platform(environ: Mapping[str, str]) -> str:
    """This host's system: ``linux``, ``wsl``, ``darwin`` or ``windows``."""
    import os

    if hasattr(os, "uname"):  # what platform.system() reads, without importing it
        system, release = os.uname().sysname.lower(), os.uname().release.lower()
    else:
        import platform

        system, release = platform.system().lower(), platform.release().lower()
    wsl = "microsoft" in release or bool(environ.get("WSL_DISTRO_NAME"))
    return "wsl" if system == "linux" and wsl else system

"""The engine's HTTP API spoken with the standard library: the calls of a command's hot path.

Importing the Docker SDK (requests, urllib3, charset detection) costs more than the
few engine calls ``dev.up`` makes on a running stack. :class:`HttpEngine` answers
those calls (``/info``, ``/version``, the container list, container and image
inspection, logs) with a small HTTP/1.1 client (:mod:`dockyard.adapters.http1`) over
the engine's Unix socket, or over TCP for ``DOCKER_HOST=tcp://`` without TLS, on one
kept-alive connection. What needs
more of the API (exec, pull, throwaway containers) goes to the SDK engine, created on
first use. Errors are the SDK engine's: :class:`~dockyard.errors.EngineError` with
the same one-line messages::

    engine = HttpEngine(Endpoint("unix:///var/run/docker.sock", "default socket"), sdk)
    engine.containers(["com.docker.compose.project=app-dev"])

Requests use unversioned paths: the engine answers in its own API version, which is
what the SDK's negotiation settles on for engines not newer than the SDK.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from dockyard.adapters.engine import Endpoint, Engine, Exec, _engine_error
from dockyard.adapters.http1 import Connection
from dockyard.errors import EngineError

__all__ = ["HttpEngine", "demux", "serves"]

#: What a kept-alive connection the engine closed meanwhile looks like.
_RETRYABLE = (BrokenPipeError, ConnectionResetError)
_MULTIPLEXED = "application/vnd.docker.multiplexed-stream"
_RAW = "application/vnd.docker.raw-stream"


def serves(where: Endpoint, environ: Mapping[str, str]) -> bool:
    """Can :class:`HttpEngine` reach ``where``: a Unix socket, or TCP without TLS."""
    if where.scheme == "unix":
        return True
    if where.scheme not in ("tcp", "http"):
        return False  # ssh://, npipe://, https:// stay with the SDK
    tls = where.source == "DOCKER_HOST" and bool(
        environ.get("DOCKER_TLS_VERIFY") or environ.get("DOCKER_CERT_PATH")
    )
    return not tls


class HttpEngine:
    """:class:`~dockyard.adapters.engine.Engine` over the engine's HTTP API.

    ``sdk`` makes the SDK engine that answers exec, pull and run (called at most once).
    """

    def __init__(
        self, where: Endpoint, sdk: Callable[[], Engine], *, timeout: float = 60.0
    ) -> None:
        self.endpoint = where
        self._make_sdk = sdk
        self._sdk: Engine | None = None
        self._timeout = timeout
        self._conn: Connection | None = None
        self._version: _Prefetch | None = None

    # ------------------------------------------------------------------ transport
    def _connection(self) -> Connection:
        if self._conn is None:
            host = self.endpoint.host
            if self.endpoint.scheme == "unix":
                self._conn = Connection.unix(host.removeprefix("unix://"), timeout=self._timeout)
            else:
                parts = urlsplit(host if "://" in host else f"tcp://{host}")
                self._conn = Connection.tcp(
                    parts.hostname or "localhost", parts.port or 2375, timeout=self._timeout
                )
        return self._conn

    def _get(self, path: str, query: Mapping[str, str] | None = None) -> _Answer:
        """GET ``path``; connection failures and error statuses raise EngineError."""
        url = path + ("?" + urlencode(query) if query else "")
        conn = self._connection()
        for attempt in (1, 2):
            reused = conn.is_open
            try:
                answer = conn.get(url)
            except _RETRYABLE as exc:
                if reused and attempt == 1:
                    continue  # the engine closed an idle kept-alive connection
                raise _engine_error(self.endpoint.host, exc) from None
            except OSError as exc:
                raise _engine_error(self.endpoint.host, exc) from None
            return _Answer(answer.status, answer.header("content-type"), answer.body)
        raise AssertionError("unreachable")  # pragma: no cover

    def _json(self, what: str, path: str, query: Mapping[str, str] | None = None) -> Any:
        answer = self._get(path, query)
        answer.check(what, self.endpoint.host)
        return answer.json(what, self.endpoint.host)

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _sdk_engine(self) -> Engine:
        if self._sdk is None:
            self._sdk = self._make_sdk()
        return self._sdk

    # ------------------------------------------------------------------ queries
    def info(self) -> dict[str, Any]:
        """``/info``; ``/version`` is asked at the same time on a second connection.

        Both are slow for the engine (it asks its runtimes), and the target's
        classification reads both, one after the other.
        """
        if self._version is None:
            sibling = HttpEngine(self.endpoint, self._make_sdk, timeout=self._timeout)
            self._version = _Prefetch(sibling.version, sibling.close)
        return dict(self._json("engine info", "/info"))

    def version(self) -> dict[str, Any]:
        if self._version is not None:
            prefetched, self._version = self._version, None
            return dict(prefetched.result())
        return dict(self._json("engine version", "/version"))

    def image_labels(self, name: str) -> dict[str, str] | None:
        found = self._image(name)
        return None if found is None else dict((found.get("Config") or {}).get("Labels") or {})

    def image_id(self, name: str) -> str | None:
        """The id (``sha256:…``) of local image ``name``; None when there is no such image."""
        found = self._image(name)
        return None if found is None else str(found.get("Id") or "") or None

    def _image(self, name: str) -> dict[str, Any] | None:
        what = f"inspecting image {name}"
        answer = self._get(f"/images/{_quote(name)}/json")
        if answer.status == 404:
            return None
        answer.check(what, self.endpoint.host)
        return dict(answer.json(what, self.endpoint.host))

    def containers(self, labels: Sequence[str], *, all: bool = False) -> list[dict[str, Any]]:
        query = {"all": "1" if all else "0", "filters": json.dumps({"label": list(labels)})}
        found = self._json("listing containers", "/containers/json", query)
        return [dict(item) for item in found]

    def inspect(self, container: str) -> dict[str, Any]:
        what = f"inspecting container {container[:12]}"
        return dict(self._json(what, f"/containers/{_quote(container)}/json"))

    def logs(self, container: str, *, tail: int) -> str:
        what = f"reading the log of {container[:12]}"
        query = {"stdout": "1", "stderr": "1", "tail": str(tail)}
        answer = self._get(f"/containers/{_quote(container)}/logs", query)
        answer.check(what, self.endpoint.host)
        raw = answer.body
        if answer.content_type != _RAW and (answer.content_type == _MULTIPLEXED or _framed(raw)):
            raw = b"".join(data for _, data in demux(raw))
        return raw.decode(errors="replace")

    # ------------------------------------------------------------------ the SDK's part
    def pull(self, name: str) -> None:
        self._sdk_engine().pull(name)

    def exec(self, container: str, argv: Sequence[str]) -> Exec:
        return self._sdk_engine().exec(container, argv)

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
        return self._sdk_engine().run(
            image,
            argv,
            user=user,
            volumes=volumes,
            working_dir=working_dir,
            entrypoint=entrypoint,
            labels=labels,
        )

    def close(self) -> None:
        self._drop()
        if self._sdk is not None:
            self._sdk.close()
            self._sdk = None

    def __del__(self) -> None:
        # an engine nobody closed (a command's cached one) still closes its socket
        with contextlib.suppress(Exception):
            self._drop()


class _Prefetch:
    """A call running on a thread of its own; :meth:`result` waits for it."""

    def __init__(self, call: Callable[[], Any], done: Callable[[], None]) -> None:
        self._value: Any = None
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._value = call()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller of result()
                self._error = exc
            finally:
                done()

        self._thread = threading.Thread(target=run, name="dockyard-engine-version", daemon=True)
        self._thread.start()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


class _Answer:
    """One response: status, content type, body."""

    def __init__(self, status: int, content_type: str, body: bytes) -> None:
        self.status = status
        self.content_type = content_type.split(";", maxsplit=1)[0].strip()
        self.body = body

    def check(self, what: str, host: str) -> None:
        """An error status becomes the SDK engine's message: the engine's own words."""
        if self.status < 400:
            return
        try:
            reason = str(json.loads(self.body).get("message") or "")
        except (ValueError, AttributeError):
            reason = self.body.decode(errors="replace").strip()
        reason = reason or f"status {self.status}"
        raise EngineError(f"{what} failed on {host}: {reason}")

    def json(self, what: str, host: str) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise EngineError(f"{what} failed on {host}: the engine's answer is not JSON") from None


def demux(raw: bytes) -> list[tuple[int, bytes]]:
    """The frames of the engine's multiplexed stream: ``(stream, data)``, 1 stdout, 2 stderr.

    >>> demux(b"\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x02hi")
    [(1, b'hi')]
    """
    frames: list[tuple[int, bytes]] = []
    at = 0
    while at + 8 <= len(raw):
        stream, size = raw[at], int.from_bytes(raw[at + 4 : at + 8], "big")
        frames.append((stream, raw[at + 8 : at + 8 + size]))
        at += 8 + size
    return frames


def _framed(raw: bytes) -> bool:
    """Does ``raw`` start like a multiplexed stream (older engines send no content type)?"""
    return len(raw) >= 8 and raw[0] in (0, 1, 2) and raw[1:4] == b"\0\0\0"


def _quote(name: str) -> str:
    return quote(name, safe="/:@")

"""HTTP/1.1 GET over one kept-alive socket: the smallest client the engine's API needs.

:mod:`http.client` imports :mod:`ssl` and the :mod:`email` parser, which cost a
command more than its few engine calls. The engine's API answers ``GET`` with a status
line, headers and a body sized by ``Content-Length``, sent in chunks, or ended by
closing the connection; :class:`Connection` reads all three::

    conn = Connection.unix("/var/run/docker.sock", timeout=60)
    answer = conn.get("/version")
    answer.status, answer.header("content-type"), answer.body

Socket errors are :class:`OSError` (a timeout too); :class:`Dropped` says that the peer
closed the connection before answering, which on a reused connection means "open a new
one and ask again"; :class:`Malformed` is an answer that is not HTTP.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Answer", "Connection", "Dropped", "Malformed"]

_MAX_LINE = 65536


class Dropped(ConnectionResetError):
    """The peer closed the connection before an answer began."""


class Malformed(OSError):
    """What came back is not an HTTP/1.x answer."""


@dataclass(frozen=True)
class Answer:
    """One response: the status, the headers (names lowercased), the whole body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class Connection:
    """GET requests on one socket, opened on first use and again after the peer closes it."""

    def __init__(self, opener: Callable[[], socket.socket]) -> None:
        self._opener = opener
        self._sock: socket.socket | None = None
        self._buffer = b""

    @classmethod
    def unix(cls, path: str, *, timeout: float) -> Connection:
        def opener() -> socket.socket:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(timeout)
                sock.connect(path)
            except OSError:
                sock.close()
                raise
            return sock

        return cls(opener)

    @classmethod
    def tcp(cls, host: str, port: int, *, timeout: float) -> Connection:
        return cls(lambda: socket.create_connection((host, port), timeout=timeout))

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def get(self, target: str, host: str = "docker") -> Answer:
        """Send ``GET target`` and read the whole answer."""
        if self._sock is None:
            self._sock = self._opener()
            self._buffer = b""
        request = f"GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: dockyard\r\n\r\n"
        try:
            self._sock.sendall(request.encode("ascii"))
            status_line = self._line()
            if not status_line:
                raise Dropped("the engine closed the connection without answering")
            version, status = _status(status_line)
            headers = self._headers()
            if status in (204, 304) or status < 200:
                body, closes = b"", False  # no body, whatever the headers say
            else:
                body, closes = self._body(headers)
        except BaseException:
            self.close()
            raise
        if closes or version == "HTTP/1.0" or headers.get("connection", "").lower() == "close":
            self.close()
        return Answer(status, headers, body)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._buffer = b""

    # ------------------------------------------------------------------ reading
    def _fill(self) -> bool:
        if self._sock is None:
            raise Dropped("the connection is closed")
        data = self._sock.recv(65536)
        self._buffer += data
        return bool(data)

    def _line(self) -> bytes:
        """One line without its CRLF; b"" at the end of the stream."""
        while b"\n" not in self._buffer:
            if len(self._buffer) > _MAX_LINE:
                raise Malformed("a line of the answer is too long")
            if not self._fill():
                line, self._buffer = self._buffer, b""
                return line
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.rstrip(b"\r") or b"\r"  # an empty line is b"\r", not the end

    def _exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            if not self._fill():
                raise Malformed("the answer ended early")
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        while True:
            line = self._line()
            if line in (b"\r", b""):
                return headers
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep:
                raise Malformed(f"not a header: {line[:80]!r}")
            headers[name.strip().lower()] = value.strip()

    def _body(self, headers: dict[str, str]) -> tuple[bytes, bool]:
        """The body, and whether the connection ends with it."""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size_line = self._line().split(b";", 1)[0].strip()
                try:
                    size = int(size_line, 16)
                except ValueError:
                    raise Malformed(f"not a chunk size: {size_line[:20]!r}") from None
                if size == 0:
                    self._headers()  # trailers, up to the empty line
                    return b"".join(parts), False
                parts.append(self._exactly(size))
                self._exactly(2)  # the chunk's CRLF
        length = headers.get("content-length")
        if length is not None:
            try:
                return self._exactly(int(length)), False
            except ValueError:
                raise Malformed(f"not a length: {length[:20]!r}") from None
        while self._fill():  # no length: the body runs to the end of the stream
            pass
        body, self._buffer = self._buffer, b""
        return body, True


def _status(line: bytes) -> tuple[str, int]:
    parts = line.decode("latin-1").split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise Malformed(f"not an HTTP status line: {line[:80]!r}")
    return parts[0], int(parts[1])

"""The standard-library engine client against a fake engine on a real Unix socket."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from dockyard.adapters.engine import Endpoint, Engine, connect
from dockyard.adapters.engine_http import HttpEngine, demux, serves
from dockyard.errors import EngineError
from dockyard.testing import FakeEngine

Route = Callable[[str, dict[str, list[str]]], tuple[int, str, bytes]]

LABEL = "com.docker.compose.project=p4-demo"
CONTAINERS = [
    {
        "Id": "c0ffee" * 10,
        "Image": "p4-demo-app",
        "ImageID": "sha256:" + "a" * 64,
        "Labels": {"com.docker.compose.project": "p4-demo", "com.docker.compose.service": "app"},
        "State": "running",
        "Status": "Up 3 minutes (healthy)",
    }
]


def _json(payload: Any, status: int = 200) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(payload).encode()


FIXED = {
    "/info": _json({"ID": "ENGINE-1", "ServerVersion": "20.10.24"}),
    "/version": _json({"ApiVersion": "1.41"}),
    "/images/local/python-base:bookworm/json": _json(
        {"Id": "sha256:" + "b" * 64, "Config": {"Labels": {"k": "v"}}}
    ),
    "/images/bare/json": _json({"Id": "sha256:" + "c" * 64, "Config": {"Labels": None}}),
    "/containers/web/json": _json({"Id": "web", "State": {"Status": "running"}}),
    "/containers/web/logs": (
        200,
        "application/vnd.docker.multiplexed-stream",
        b"\x01\0\0\0\0\0\0\x06hello\n" + b"\x02\0\0\0\0\0\0\x05oops\n",
    ),
    # an engine that sends no content type
    "/containers/old/logs": (200, "", b"\x01\0\0\0\0\0\0\x03ok\n"),
    "/containers/tty/logs": (200, "application/vnd.docker.raw-stream", b"plain text\n"),
}


def _engine_routes(seen: list[str]) -> Route:
    def route(path: str, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        seen.append(path)
        if path in FIXED:
            return FIXED[path]
        if path == "/containers/json":
            labels = json.loads(query["filters"][0])["label"]
            return _json([c for c in CONTAINERS if LABEL in labels and query["all"] == ["1"]])
        kind, name = path.split("/")[1:3]
        what = "image" if kind == "images" else "container"
        return _json({"message": f"No such {what}: {name}"}, 404)

    return route


def _handler(route: Route, *, close_after: bool = False) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            status, content_type, body = route(parts.path, parse_qs(parts.query))
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            # an engine dropping an idle kept-alive connection, without saying so
            self.close_connection = close_after

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def address_string(self) -> str:
            return "unix"

    return Handler


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A folder with a short path: Unix socket paths are limited to about 100 bytes."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="dy-") as name:
        yield Path(name)


def _serve(path: Path, route: Route, *, close_after: bool = False) -> _UnixServer:
    server = _UnixServer(str(path), _handler(route, close_after=close_after))
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def _no_sdk() -> Engine:
    raise AssertionError("the SDK must not be needed for queries")


@pytest.fixture
def engine(short_tmp: Path) -> Iterator[tuple[HttpEngine, list[str]]]:
    seen: list[str] = []
    sock = short_tmp / "engine.sock"
    server = _serve(sock, _engine_routes(seen))
    client = HttpEngine(Endpoint(f"unix://{sock}", "DOCKER_HOST"), _no_sdk, timeout=5)
    try:
        yield client, seen
    finally:
        client.close()
        server.shutdown()
        server.server_close()


def test_queries_over_a_unix_socket(engine: tuple[HttpEngine, list[str]]) -> None:
    client, seen = engine
    assert client.info()["ID"] == "ENGINE-1"
    assert client.version()["ApiVersion"] == "1.41"
    found = client.containers([LABEL], all=True)
    assert [c["Labels"]["com.docker.compose.service"] for c in found] == ["app"]
    assert client.containers([LABEL]) == []  # all=0 reaches the engine
    assert client.image_labels("local/python-base:bookworm") == {"k": "v"}
    assert client.image_labels("bare") == {}
    assert client.image_id("local/python-base:bookworm") == "sha256:" + "b" * 64
    assert client.image_labels("missing") is None
    assert client.image_id("missing") is None
    assert client.inspect("web")["State"]["Status"] == "running"
    assert seen.count("/version") == 1  # asked beside /info, answered from there
    assert {"/info", "/version"} == set(seen[:2])  # unversioned: no negotiation first


def test_an_error_status_is_the_engines_own_words(engine: tuple[HttpEngine, list[str]]) -> None:
    client, _ = engine
    with pytest.raises(EngineError) as caught:
        client.inspect("gone")
    assert str(caught.value) == (
        f"inspecting container gone failed on {client.endpoint.host}: No such container: gone"
    )


def test_logs_are_demultiplexed(engine: tuple[HttpEngine, list[str]]) -> None:
    client, _ = engine
    assert client.logs("web", tail=5) == "hello\noops\n"
    assert client.logs("old", tail=5) == "ok\n"
    assert client.logs("tty", tail=5) == "plain text\n"


def test_demux_reads_frames_in_order() -> None:
    raw = b"\x02\0\0\0\0\0\0\x01e" + b"\x01\0\0\0\0\0\0\x02so"
    assert demux(raw) == [(2, b"e"), (1, b"so")]


def test_a_dropped_keep_alive_connection_is_opened_again(short_tmp: Path) -> None:
    seen: list[str] = []
    sock = short_tmp / "closing.sock"
    server = _serve(sock, _engine_routes(seen), close_after=True)
    client = HttpEngine(Endpoint(f"unix://{sock}", "DOCKER_HOST"), _no_sdk, timeout=5)
    try:
        for _ in range(3):
            assert client.version()["ApiVersion"] == "1.41"
            time.sleep(0.05)  # let the server's close reach the client
        assert seen == ["/version"] * 3
    finally:
        client.close()
        server.shutdown()
        server.server_close()


def test_a_socket_nobody_listens_on_is_an_engine_not_running(short_tmp: Path) -> None:
    sock = short_tmp / "stale.sock"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(sock))
    stale.close()  # the file stays, nothing answers: a crashed engine
    client = connect({"DOCKER_HOST": f"unix://{sock}"})
    assert isinstance(client, HttpEngine)
    with pytest.raises(EngineError, match=r"^Docker engine not running: nothing answers on unix"):
        client.version()


def test_a_missing_socket_fails_at_connect(short_tmp: Path) -> None:
    with pytest.raises(EngineError, match=r"^Docker engine not running"):
        connect({"DOCKER_HOST": f"unix://{short_tmp / 'none.sock'}"})


def test_an_engine_that_does_not_answer_times_out(short_tmp: Path) -> None:
    sock = short_tmp / "mute.sock"
    mute = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mute.bind(str(sock))
    mute.listen(1)  # accepts, never answers
    client = HttpEngine(Endpoint(f"unix://{sock}", "DOCKER_HOST"), _no_sdk, timeout=0.3)
    try:
        with pytest.raises(
            EngineError, match=r"^cannot use the Docker engine at unix://.*timed out"
        ):
            client.info()
    finally:
        client.close()
        mute.close()


def test_plain_tcp_from_docker_host() -> None:
    seen: list[str] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(_engine_routes(seen)))
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    port = server.server_address[1]
    client = connect({"DOCKER_HOST": f"tcp://127.0.0.1:{port}"})
    try:
        assert isinstance(client, HttpEngine)
        assert client.info()["ID"] == "ENGINE-1"
        assert client.image_id("bare") == "sha256:" + "c" * 64
    finally:
        client.close()
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("host", "environ", "expected"),
    [
        ("unix:///var/run/docker.sock", {}, True),
        ("tcp://10.0.0.5:2375", {}, True),
        ("tcp://10.0.0.5:2376", {"DOCKER_TLS_VERIFY": "1"}, False),
        ("tcp://10.0.0.5:2376", {"DOCKER_CERT_PATH": "/certs"}, False),
        ("ssh://dev@build", {}, False),
        ("npipe:////./pipe/docker_engine", {}, False),
    ],
)
def test_what_goes_to_the_sdk(host: str, environ: dict[str, str], expected: bool) -> None:
    assert serves(Endpoint(host, "DOCKER_HOST"), environ) is expected


def test_exec_pull_and_run_go_to_the_sdk_made_once(engine: tuple[HttpEngine, list[str]]) -> None:
    client, _ = engine
    made: list[FakeEngine] = []
    fake = FakeEngine(pullable={"local/python-base:bookworm"})

    def sdk() -> Engine:
        made.append(fake)
        return fake

    client._make_sdk = sdk
    fake.add_container("web", labels={})
    client.pull("local/python-base:bookworm")
    client.exec("web", ["true"])
    assert len(made) == 1
    assert [name for name, _ in fake.calls] == ["pull", "exec"]


def _scripted(path: Path, answers: list[bytes]) -> threading.Thread:
    """A peer that answers each request on one connection with the next scripted bytes."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        with conn, listener:
            for answer in answers:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += conn.recv(4096)
                conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


def test_chunked_sized_bodiless_and_to_the_end_answers(short_tmp: Path) -> None:
    from dockyard.adapters.http1 import Connection

    sock = short_tmp / "scripted.sock"
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
        b"3\r\n[1,\r\n4;ext=1\r\n 2, \r\n2\r\n3]\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    sized = b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}"
    empty = b"HTTP/1.1 204 No Content\r\n\r\n"
    to_end = b"HTTP/1.0 200 OK\r\n\r\nuntil the end"
    thread = _scripted(sock, [chunked, sized, empty, to_end])
    conn = Connection.unix(str(sock), timeout=5)
    first = conn.get("/a")
    assert (first.status, first.body, first.header("Content-Type")) == (
        200,
        b"[1, 2, 3]",
        "application/json",
    )
    assert (conn.get("/b").status, conn.get("/c").body) == (404, b"")
    last = conn.get("/d")
    assert last.body == b"until the end" and not conn.is_open
    thread.join(timeout=5)


def test_an_answer_that_is_not_http_is_an_engine_error(short_tmp: Path) -> None:
    sock = short_tmp / "garbage.sock"
    _scripted(sock, [b"SSH-2.0-OpenSSH_9.2\r\n\r\n"])
    client = HttpEngine(Endpoint(f"unix://{sock}", "DOCKER_HOST"), _no_sdk, timeout=5)
    with pytest.raises(EngineError, match=r"^cannot use the Docker engine at unix://.*not an HTTP"):
        client.version()


def test_version_asked_beside_info_carries_its_error(short_tmp: Path) -> None:
    seen: list[str] = []
    routes = _engine_routes(seen)

    def route(path: str, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        if path == "/version":
            seen.append(path)
            return _json({"message": "runtime is gone"}, 500)
        return routes(path, query)

    sock = short_tmp / "half.sock"
    server = _serve(sock, route)
    client = HttpEngine(Endpoint(f"unix://{sock}", "DOCKER_HOST"), _no_sdk, timeout=5)
    try:
        assert client.info()["ID"] == "ENGINE-1"
        with pytest.raises(
            EngineError, match=r"^engine version failed on unix://.*runtime is gone"
        ):
            client.version()
        with pytest.raises(EngineError, match="runtime is gone"):
            client.version()  # the second time, asked on its own
        assert seen.count("/version") == 2 and seen.count("/info") == 1
    finally:
        client.close()
        server.shutdown()
        server.server_close()

"""The real waitress server under bounded attacks on loopback: idle connections, a slowloris,
a GET with a huge body, an oversized head. Each attack is bounded in connections, bytes and
seconds; the server runs in a thread on 127.0.0.1 and is stopped after each test."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from waitress import wasyncore

from archivist.serving import make_server
from archivist.web import SECURITY_HEADERS, create_app

HOST = "127.0.0.1"
IDLE_CONNECTIONS = 150  # more than waitress's default connection_limit of 100
WAIT = 10.0  # seconds any single step may take


@pytest.fixture
def app(sample_index, sample_archive):
    return create_app({"INDEX_DIR": str(sample_index), "ARCHIVE_DIR": str(sample_archive)})


@contextlib.contextmanager
def served(app, **overrides) -> Iterator[int]:
    """The real server with the production limits (some overridden) in a thread; its port."""
    server = make_server(app, HOST, 0, threads=4, **overrides)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map)
        thread.join(WAIT)


def connect(port: int) -> socket.socket:
    sock = socket.create_connection((HOST, port), timeout=WAIT)
    sock.settimeout(WAIT)
    return sock


def exchange(port: int, request: bytes) -> bytes:
    """Send a request, read the answer until the server closes the connection."""
    with connect(port) as sock:
        sock.sendall(request)
        chunks = []
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    return b"".join(chunks)


def status_and_headers(answer: bytes) -> tuple[int, dict[str, str]]:
    head = answer.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    return int(head[0].split(" ", 2)[1]), headers


def get(port: int, path: str = "/api/search?q=%E5%85%AC%E5%AE%89") -> int:
    request = f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    return status_and_headers(exchange(port, request.encode()))[0]


def test_idle_connections_do_not_lock_others_out(app):
    """150 connections that never send a byte: a real request is still answered at once."""
    with served(app) as port:
        idle = [connect(port) for _ in range(IDLE_CONNECTIONS)]
        try:
            time.sleep(1.5)  # the server's loop has seen them all
            assert get(port) == 200
        finally:
            for sock in idle:
                sock.close()


def test_an_idle_connection_is_closed_after_the_channel_timeout(app):
    with served(app, channel_timeout=1, cleanup_interval=1) as port, connect(port) as sock:
        started = time.monotonic()
        assert sock.recv(1) == b""  # closed by the server (a timeout would raise)
        assert time.monotonic() - started < WAIT


def test_a_slowloris_is_cut_off_at_the_request_deadline(app):
    """A client sending its head a byte at a time (never idle long enough to time out) is
    disconnected once the request deadline passes; others are served meanwhile."""
    head = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 200
    with served(app, request_deadline=1.0) as port, connect(port) as sock:
        started = time.monotonic()
        cut = False
        for byte in head:  # at most 230 bytes, 0.05 s apart: 12 s at worst
            try:
                sock.sendall(bytes([byte]))
                ready = sock.recv(1) if _readable(sock) else None
            except (BrokenPipeError, ConnectionResetError):
                cut = True
                break
            if ready == b"":
                cut = True
                break
            time.sleep(0.05)
        assert cut, "the slow client was never disconnected"
        assert time.monotonic() - started < 1.0 + WAIT
        assert get(port) == 200


def _readable(sock: socket.socket) -> bool:
    return bool(select.select([sock], [], [], 0)[0])


def test_a_get_cannot_upload_a_large_body(app):
    """A GET announcing a gigabyte is refused at once (413), nothing is read or stored."""
    request = b"GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1073741824\r\n\r\nxxxx"
    with served(app) as port:
        status, headers = status_and_headers(exchange(port, request))
    assert status == 413
    assert SECURITY_HEADERS.items() <= headers.items()


@pytest.mark.parametrize(
    "request_bytes,expected",
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    ],
    ids=["431", "400", "501"],
)
def test_the_servers_own_errors_carry_the_security_headers(app, request_bytes, expected):
    with served(app) as port:
        status, headers = status_and_headers(exchange(port, request_bytes))
    assert status == expected
    assert SECURITY_HEADERS.items() <= headers.items()
    assert "Server" not in headers


def test_the_server_serve_starts_has_the_documented_limits(app):
    """The tests above shorten the timeouts to stay quick; the server ``serve`` starts (no
    overrides) must have the limits docs/guarantees.md promises."""
    server = make_server(app, HOST, 0, threads=4)
    try:
        adj = server.adj
        assert adj.channel_timeout == 20 and adj.cleanup_interval == 5
        assert adj.connection_limit >= IDLE_CONNECTIONS and adj.asyncore_use_poll
        assert adj.max_request_body_size == 16 * 1024
        assert adj.max_request_header_size == 32 * 1024
        assert server.channel_class.request_deadline == 30.0
    finally:
        wasyncore.close_all(server._map)

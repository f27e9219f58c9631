"""Body limits on a real uvicorn: a huge declared body and an endless chunked one get a 413
without the server reading them, and the server goes on answering."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

from tests.e2e.harness import running


def _connect(public_url: str) -> socket.socket:
    parts = urlsplit(public_url)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def _status_and_body(sock: socket.socket) -> tuple[str, bytes]:
    data = b""
    while chunk := sock.recv(65536):  # the server closes after its 413
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode(), body


def test_oversized_bodies_are_refused_before_they_are_read(db_url: str, tmp_path: Path) -> None:
    with running(db_url, tmp_path) as app:
        # 300 MB announced, 10 bytes sent: the answer comes without waiting for the rest.
        with _connect(app.settings.public_url) as sock:
            sock.sendall(
                b"POST /subscribe/news HTTP/1.1\r\nHost: t\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 300000000\r\n\r\nemail=a%40"
            )
            status, body = _status_and_body(sock)
        assert status == "HTTP/1.1 413 Request Entity Too Large"
        assert body == b"request body too large: at most 64 KiB (65536 bytes) for /subscribe/news\n"

        # Chunked, no length: 5 chunks of 16 KiB pass the limit; the stream is never ended.
        with _connect(app.settings.public_url) as sock:
            sock.sendall(
                b"POST /confirm/some-token HTTP/1.1\r\nHost: t\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            for _ in range(5):
                sock.sendall(b"4000\r\n" + b"x" * 16384 + b"\r\n")
            status, body = _status_and_body(sock)
        assert status == "HTTP/1.1 413 Request Entity Too Large"
        assert body.startswith(b"request body too large: at most 64 KiB")

        # The API: 1 MiB.
        with _connect(app.settings.public_url) as sock:
            sock.sendall(
                b"POST /api/consent HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer test-token\r\n"
                b"Content-Type: application/json\r\nContent-Length: 31457280\r\n\r\n{"
            )
            status, body = _status_and_body(sock)
        assert status == "HTTP/1.1 413 Request Entity Too Large"
        assert body == (
            b'{"detail": "request body too large: at most 1 MiB (1048576 bytes) for /api/consent"}'
        )
        assert app.client.get("/healthz").status_code == 200

"""A fault-injecting HTTP proxy for the S3 tests: 127.0.0.1, threaded, in front of the real server.

The code under test is pointed at the proxy (``AWS_ENDPOINT_URL=proxy.endpoint``); the proxy
forwards each request to the upstream S3 server unchanged (the ``Host`` header is kept, so SigV4
signatures still verify) and, for a configurable share of the requests, misbehaves instead:

``slowdown``
    answers ``503 SlowDown`` with S3's XML error body, without forwarding;
``reset``
    reads the request, then resets the connection (TCP RST, no response at all);
``truncate``
    forwards, then sends the status line, the headers (with the FULL ``Content-Length``) and only
    the first half of the body before closing: a response cut short in transit;
``latency``
    forwards after sleeping ``latency`` seconds (slow, but correct).

Deterministic: whether (and how) a request is faulted is a hash of ``(seed, method, path+query,
n)`` where ``n`` counts the earlier requests with the same method, path and query. So the same
listing faults the same pages at the same attempts whatever the order threads run in, and a
retried request gets a fresh draw. ``rate=1.0`` faults every request.

The proxy counts what it saw: ``requests`` (every request, i.e. every attempt the client made),
``forwarded``, and ``faults`` (a Counter by kind). ``log`` keeps ``(method, target, fault)``.

``rewrite`` (optional) is called with each forwarded response body (``bytes``) and the request
target, and returns the body to send: tests use it to show the client keys that the upstream
server would refuse to store (``a/../b.json``).

Usage::

    with FaultProxy(server.endpoint, rate=0.2, seed=7) as proxy:
        env["AWS_ENDPOINT_URL"] = proxy.endpoint
        ...
        assert proxy.faults["slowdown"] > 0
"""

from __future__ import annotations

import hashlib
import http.client
import socket
import socketserver
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

FAULTS = ("slowdown", "reset", "truncate", "latency")
SLOWDOWN_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message><RequestId>FAULTPROXY</RequestId></Error>"
)
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        *,
        rate: float = 0.0,
        faults: tuple[str, ...] = FAULTS,
        seed: int = 0,
        latency: float = 0.05,
        rewrite: Callable[[bytes, str], bytes] | None = None,
    ):
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.lock = threading.Lock()
        self.configure(rate=rate, faults=faults, seed=seed, latency=latency, rewrite=rewrite)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.endpoint = ""

    # -- configuration and counters ------------------------------------------------------------
    def configure(
        self,
        *,
        rate: float | None = None,
        faults: tuple[str, ...] | None = None,
        seed: int | None = None,
        latency: float | None = None,
        rewrite: Callable[[bytes, str], bytes] | None | bool = False,
    ) -> FaultProxy:
        """Change the fault plan and reset every counter (``rewrite=None`` removes the hook)."""
        with self.lock:
            if rate is not None:
                if not 0.0 <= rate <= 1.0:
                    raise ValueError(f"rate must be in [0, 1], got {rate}")
                self.rate = rate
            if faults is not None:
                unknown = set(faults) - set(FAULTS)
                if unknown or not faults:
                    raise ValueError(f"faults must be among {FAULTS}, got {faults}")
                self.faults_enabled = tuple(faults)
            if seed is not None:
                self.seed = seed
            if latency is not None:
                self.latency = latency
            if rewrite is not False:
                self.rewrite = rewrite
            self.requests = 0
            self.forwarded = 0
            self.faults: Counter = Counter()
            self.log: list[tuple[str, str, str | None]] = []
            self._seen: Counter = Counter()
        return self

    def reset_counts(self) -> None:
        self.configure()

    def decide(self, method: str, target: str) -> str | None:
        """The fault for this request (``None``: forward it untouched); counts the request."""
        with self.lock:
            n = self._seen[(method, target)]
            self._seen[(method, target)] += 1
            self.requests += 1
            digest = hashlib.sha256(f"{self.seed}\0{method}\0{target}\0{n}".encode()).digest()
            draw, pick = struct.unpack(">QQ", digest[:16])
            fault = None
            if self.rate and draw / 2**64 < self.rate:
                fault = self.faults_enabled[pick % len(self.faults_enabled)]
                self.faults[fault] += 1
            self.log.append((method, target, fault))
            return fault

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FaultProxy:
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                proxy._serve_connection(self.request)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="faultproxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- one client connection (HTTP/1.1 keep-alive: several requests) ---------------------------
    def _serve_connection(self, sock: socket.socket) -> None:
        sock.settimeout(60)
        reader = sock.makefile("rb")
        try:
            while True:
                request = _read_request(reader)
                if request is None:
                    return
                method, target, headers, body = request
                fault = self.decide(method, target)
                if fault == "reset":
                    _reset(sock)
                    return
                if fault == "slowdown":
                    _send(
                        sock,
                        503,
                        "Slow Down",
                        [("Content-Type", "application/xml"), ("Content-Length", str(len(SLOWDOWN_BODY)))],
                        SLOWDOWN_BODY if method != "HEAD" else b"",
                    )
                    continue
                if fault == "latency":
                    time.sleep(self.latency)
                status, reason, resp_headers, resp_body = self._forward(method, target, headers, body)
                with self.lock:
                    self.forwarded += 1
                    rewrite = self.rewrite
                if rewrite is not None and method == "GET":
                    new = rewrite(resp_body, target)
                    if new != resp_body:
                        resp_body = new
                        resp_headers = [
                            (k, v)
                            for k, v in resp_headers
                            if k.lower() not in ("content-length", "content-md5", "etag")
                        ]
                        resp_headers.append(("Content-Length", str(len(resp_body))))
                if fault == "truncate" and method != "HEAD":
                    cut = len(resp_body) // 2
                    _send(sock, status, reason, resp_headers, resp_body[:cut], close=True)
                    return
                _send(sock, status, reason, resp_headers, resp_body if method != "HEAD" else b"")
        except (OSError, ValueError):
            return
        finally:
            try:
                reader.close()
            except OSError:
                pass

    def _forward(self, method, target, headers, body):
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for k, v in headers:
                if k.lower() not in _HOP_BY_HOP:
                    conn.putheader(k, v)
            conn.endheaders(body or None)
            resp = conn.getresponse()
            data = resp.read()
            out_headers = [
                (k, v) for k, v in resp.getheaders() if k.lower() not in _HOP_BY_HOP and k.lower() != "content-length"
            ]
            if method != "HEAD":
                out_headers.append(("Content-Length", str(len(data))))
            else:
                length = resp.getheader("Content-Length")
                if length is not None:
                    out_headers.append(("Content-Length", length))
            return resp.status, resp.reason, out_headers, data
        finally:
            conn.close()


def _read_request(reader):
    line = reader.readline(65537)
    if not line:
        return None
    parts = line.decode("latin-1").rstrip("\r\n").split(" ")
    if len(parts) != 3:
        raise ValueError(f"bad request line {line!r}")
    method, target, _version = parts
    headers = []
    length = 0
    while True:
        h = reader.readline(65537)
        if h in (b"\r\n", b"\n", b""):
            break
        name, _, value = h.decode("latin-1").partition(":")
        value = value.strip()
        headers.append((name.strip(), value))
        if name.strip().lower() == "content-length":
            length = int(value)
    body = reader.read(length) if length else b""
    return method, target, headers, body


def _send(sock, status, reason, headers, body, close=False):
    head = [f"HTTP/1.1 {status} {reason}"]
    head += [f"{k}: {v}" for k, v in headers]
    if close:
        head.append("Connection: close")
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
    if close:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _reset(sock):
    """Close with a TCP RST instead of a FIN: the client sees 'connection reset by peer'."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()

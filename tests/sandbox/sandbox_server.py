# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
"""HTTP plumbing of the sandbox: a threaded loopback server and the SandboxServer handle tests use.

Why threaded: a client sending chunks concurrently must see its calls overlap, as on a real network, so the
`latency` option costs 50 ms for ten parallel calls, not 500 ms.  Every decision lives in SandboxState.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import socket
import ssl
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sandbox_control import CONTROL_PREFIX, ControlApi
from sandbox_faults import DEFAULT_SENDER, Fault, Options
from sandbox_http import ApiError, ApiRequest, Response
from sandbox_state import SandboxState

DEFAULT_USERNAME = "sandbox-user"
DEFAULT_PASSWORD = "sandbox-password-not-secret"
DEFAULT_HOST = "127.0.0.1"
IDLE_CONNECTION_TIMEOUT = 30.0
POLL_INTERVAL = 0.05


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP into ApiRequest objects and writes Responses; every decision lives in SandboxState."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, Nagle delays every reused keep-alive answer by ~40 ms.
    disable_nagle_algorithm = True
    timeout = IDLE_CONNECTION_TIMEOUT
    server: _HTTPServer

    def __getattr__(self, name: str) -> Any:
        """Every method, known or not (TRACE, FOO, ...), reaches _dispatch, so routing can answer 405 instead of 501."""
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def setup(self) -> None:
        """TLS handshakes happen here, in the connection's own thread, so a silent client blocks nobody."""
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def _read_body(self) -> bytes:
        """Bodies must come with Content-Length (requests, urllib3 and the SDK send it); chunked ones are not read."""
        if "Transfer-Encoding" in self.headers:
            self.close_connection = True
            return b""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        request = ApiRequest(self.command, self.path, dict(self.headers.items()), self._read_body(), self.client_address[0])
        if request.path.startswith(CONTROL_PREFIX):
            self._write(self.server.control.handle(request))
            return
        response, delay = self.server.state.answer(request)
        if delay and self.server.stopping.wait(delay):
            response = None
        if response is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        else:
            self._write(response)

    def _write(self, response: Response) -> None:
        payload = response.payload
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Even protocol-level errors (bad request line, oversized header) answer in Messente's JSON shape."""
        self.close_connection = True
        self._write(ApiError(code, message or HTTPStatus(code).phrase).response())

    def version_string(self) -> str:
        return "messente-sandbox"

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        """Quiet: the request log is the record tests read."""


class _HTTPServer(ThreadingHTTPServer):
    """A threading server that knows its state and can cut open connections on shutdown."""

    daemon_threads = True
    # socketserver's default listen backlog is 5: the 6th of ten simultaneous connects would wait a SYN retry (1 s).
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: SandboxState, tls: ssl.SSLContext | None) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.control = ControlApi(state)
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        with self._connections_lock:
            self._connections.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Kept-alive client connections would otherwise outlive stop() in their daemon threads."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients vanishing mid-answer and failed TLS handshakes are routine in fault tests: stay quiet on them."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


def require_loopback(host: str) -> None:
    """The sandbox must never be reachable from another machine."""
    try:
        loopback = ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"host must be an IPv4 loopback address, not {host!r}")


class SandboxServer:
    """The fake Messente API on a loopback port, for in-process use (also a context manager) or via main()."""

    def __init__(self, username: str = DEFAULT_USERNAME, password: str = DEFAULT_PASSWORD,
                 tls: tuple[str | Path, str | Path] | None = None, host: str = DEFAULT_HOST, port: int = 0,
                 past_time: str = "reject", default_sender: str = DEFAULT_SENDER, *, latency: float = 0.0,
                 rate_limit: float | None = None, delivery_delay: float = 0.0, undeliverable: tuple[str, ...] = ()) -> None:
        require_loopback(host)
        options = Options(latency=latency, rate_limit=rate_limit, delivery_delay=delivery_delay,
                          past_time=past_time, default_sender=default_sender, undeliverable=undeliverable)
        self._state = SandboxState(username, password, options)
        self._address = (host, port)
        self._tls = tls
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    def start(self) -> SandboxServer:
        """Bind and serve in a daemon thread; returns self so `SandboxServer().start()` chains."""
        if self._httpd is not None:
            raise RuntimeError("the sandbox is already running")
        context = None
        if self._tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self._tls)
        self._httpd = _HTTPServer(self._address, self._state, context)
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(POLL_INTERVAL,), name="messente-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections and end pending delays; safe to call twice."""
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None or thread is None:
            return
        httpd.stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        thread.join()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port; still known after stop() so URLs can be reported."""
        if self._port is None:
            raise RuntimeError("the sandbox has not been started")
        return self._port

    @property
    def root_url(self) -> str:
        """Scheme, host and port, without the API prefix: where /_sandbox/ lives."""
        return f"{'https' if self._tls else 'http'}://{self._address[0]}:{self.port}"

    @property
    def base_url(self) -> str:
        """What a client uses as api_url."""
        return f"{self.root_url}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self._state.log()

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Stored messages as the control API shows them; a JSON round trip so callers get copies they may change."""
        return json.loads(json.dumps(self._state.messages()))

    @property
    def faults(self) -> list[dict[str, Any]]:
        return self._state.faults()

    @property
    def options(self) -> dict[str, Any]:
        """latency, rate_limit, delivery_delay, past_time, default_sender and undeliverable as they are now."""
        return self._state.options.describe()

    def configure(self, **options: Any) -> dict[str, Any]:
        """Change options while running (ValueError on a bad value, nothing changed then); returns all options."""
        return self._state.configure(options)

    def stats(self) -> dict[str, Any]:
        """Message counts per state, delivered and failed messages, logged requests and pending faults."""
        return self._state.stats()

    def inject_fault(self, method: str, path_prefix: str, **options: Any) -> dict[str, Any]:
        """Queue a Fault (see its docstring for the options); returns it as configured."""
        return self._state.add_fault(Fault(method, path_prefix, **options))

    def reset(self) -> None:
        """Forget requests, messages, faults and rate-limit history, and put the clock back to real time."""
        self._state.reset()

    def advance_clock(self, seconds: float) -> dt.datetime:
        """Move the sandbox clock forward; returns the new sandbox time."""
        return self._state.advance_clock(seconds)

    def now(self) -> dt.datetime:
        return self._state.now()

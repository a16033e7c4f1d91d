# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Proxies and private CAs work the way requests users expect: through HTTP(S)_PROXY and REQUESTS_CA_BUNDLE."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from messente_e2e import SEND_PATH, AnsibleRunner, calls, playbook
from messente_sandbox import SandboxServer, make_self_signed_cert
from test_e2e_reliability import SCHEDULE_TASK, run_schedule

UNRESOLVABLE_API_URL = "http://api.messente.invalid/v1"


class RecordingProxy(ThreadingHTTPServer):
    """A plain HTTP forward proxy on loopback that sends every request on to the sandbox and notes what it saw."""

    def __init__(self, upstream: SandboxServer) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.upstream_port = upstream.port
        self.seen: list[tuple[str, str]] = []


class ProxyHandler(BaseHTTPRequestHandler):
    server: RecordingProxy

    def do_POST(self) -> None:  # pylint: disable=invalid-name  # http.server's naming
        self.server.seen.append((self.command, self.path))
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=10)
        headers = {name: value for name, value in self.headers.items() if name.lower() not in ("host", "proxy-connection")}
        upstream.request(self.command, urlsplit(self.path).path, body=body, headers=headers)
        answer = upstream.getresponse()
        payload = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        upstream.close()

    def log_message(self, format: str, *args: object) -> None:  # pylint: disable=redefined-builtin  # signature of the base
        return


@pytest.fixture
def proxy(sandbox: SandboxServer) -> Iterator[RecordingProxy]:
    server = RecordingProxy(sandbox)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_requests_go_through_the_proxy_named_in_http_proxy(ansible: AnsibleRunner, sandbox: SandboxServer, proxy: RecordingProxy) -> None:
    proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"

    run = ansible.playbook(playbook("schedule.yml"), UNRESOLVABLE_API_URL, {
        "e2e_recipient": "+37251000001", "e2e_text": "Via proxy e2e", "e2e_time": "+2h",
    }, env={"HTTP_PROXY": proxy_url, "http_proxy": proxy_url, "NO_PROXY": None, "no_proxy": None})

    assert run.rc == 0, run.describe()
    assert proxy.seen == [("POST", f"{UNRESOLVABLE_API_URL}/omnimessage")]
    assert calls(sandbox.requests) == [("POST", SEND_PATH, 201)]
    assert sandbox.requests[0]["auth_ok"] is True
    assert run.result(SCHEDULE_TASK)["omnimessage_id"] == sandbox.messages[0]["omnimessage_id"]


def test_a_private_ca_is_trusted_through_requests_ca_bundle(
        ansible: AnsibleRunner, start_sandbox: Callable[..., SandboxServer], tmp_path: Path) -> None:
    certificate, key = make_self_signed_cert(tmp_path)
    tls_sandbox = start_sandbox(tls=(certificate, key))

    run = run_schedule(ansible, tls_sandbox, "Private CA e2e", e2e_validate_certs=True)
    trusted = ansible.playbook(playbook("schedule.yml"), tls_sandbox.base_url, {
        "e2e_recipient": "+37251000002", "e2e_text": "Private CA trusted e2e", "e2e_time": "+2h",
    }, env={"REQUESTS_CA_BUNDLE": str(certificate)})

    assert run.rc != 0 and "TLS error" in run.result(SCHEDULE_TASK)["msg"], run.describe()
    assert trusted.rc == 0, trusted.describe()
    result = trusted.result(SCHEDULE_TASK)
    assert not [warning for warning in result.get("warnings", []) if "validate_certs" in warning]
    assert calls(tls_sandbox.requests) == [("POST", SEND_PATH, 201)]
    assert [message["omnimessage_id"] for message in tls_sandbox.messages] == [result["omnimessage_id"]]

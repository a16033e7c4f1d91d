# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
"""HTTP helpers shared by the sandbox's test files: one call on a fresh connection, message builders, expected errors.

Why plain http.client: the tests must see exactly what the sandbox sends (status, headers, body), with no client
library retrying, coercing or hiding anything.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import http.client
import json
import re
import ssl
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from messente_sandbox import DEFAULT_PASSWORD, DEFAULT_USERNAME, SandboxServer

SCRIPT = Path(__file__).resolve().parent / "messente_sandbox.py"
AUTH = (DEFAULT_USERNAME, DEFAULT_PASSWORD)
TO = "+37251000000"
SMS = {"channel": "sms", "text": "Hello"}
VIBER = {"channel": "viber", "text": "Hello", "sender": "MyBrand"}
SEND = "/v1/omnimessage"
BULK = "/v1/omnimessages"
UNKNOWN_ID = "5d6c7e1a-0f4b-4c2e-9a57-3b8e2f1d0c94"
LISTENING = re.compile(r"messente-sandbox listening on (https?)://127\.0\.0\.1:(\d+)/v1\n")


@dataclasses.dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: Any


def call(target: SandboxServer | int, method: str, path: str, body: Any = None, *, auth: tuple[str, str] | None = AUTH,
         headers: dict[str, str] | None = None, raw: bytes | None = None, timeout: float = 5.0,
         context: ssl.SSLContext | None = None, source_ip: str | None = None) -> Reply:
    """One HTTP call on a fresh connection to a sandbox (or a port); JSON answers are parsed, others kept as text.

    `source_ip` picks another loopback address to call from (Linux routes all of 127.0.0.0/8 to lo).
    """
    port = target if isinstance(target, int) else target.port
    source = None if source_ip is None else (source_ip, 0)
    if context is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=source)
    else:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=context, source_address=source)
    payload = raw if raw is not None else None if body is None else json.dumps(body).encode()
    sent = {"Accept": "application/json"}
    if payload is not None:
        sent["Content-Type"] = "application/json"
    if auth is not None:
        sent["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    sent.update(headers or {})
    try:
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
        text = response.read().decode()
    finally:
        conn.close()
    is_json = response.getheader("Content-Type") == "application/json"
    return Reply(response.status, response.headers, json.loads(text) if is_json and text else text)


def omni(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"to": TO, "messages": list(messages) or [SMS], **extra}


def later(server: SandboxServer, seconds: float = 3600) -> str:
    """A time_to_send that many seconds after the sandbox's now, in UTC with an offset."""
    return (server.now() + dt.timedelta(seconds=seconds)).isoformat()


def error(code: str, source: str | None) -> dict[str, Any]:
    """The expected ErrorOmnichannel, with the free-form detail taken as 'any string'."""
    titles = {"101": "Not found", "103": "Unauthorized", "104": "Internal Server Error", "105": "Invalid data",
              "106": "Missing data", "107": "Method not allowed"}
    return {"errors": [{"title": titles[code], "detail": AnyText(), "code": code, "source": source}]}


class AnyText:
    """Equal to any non-empty string: detail texts are free-form."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and bool(other)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "<any non-empty text>"


def assert_uuid(value: str) -> None:
    assert str(uuid.UUID(value)) == value and uuid.UUID(value).version == 4


def schedule(server: SandboxServer, *messages: dict[str, Any], seconds: float = 3600) -> dict[str, Any]:
    reply = call(server, "POST", SEND, omni(*messages, time_to_send=later(server, seconds)))
    assert reply.status == 201
    return reply.body


def start_script(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], str, Path]:
    """The sandbox as a script in a child process; returns it, its first stdout line and where its port goes."""
    port_file = tmp_path / "port"
    cmd = [sys.executable, str(SCRIPT), "--port", "0", "--port-file", str(port_file), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline() if proc.stdout else "", port_file

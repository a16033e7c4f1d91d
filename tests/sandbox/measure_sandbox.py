# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
"""Throughput of the sandbox itself: how long it takes to validate and store bulks of 1,000 recipients.

Why a script and not a test: timings depend on the machine and its load, so they are reported, never asserted.
It talks plain HTTP to the sandbox started as a script in its own process (so its CPU time and memory can be
read from /proc), which also lets it measure an older copy of the sandbox for a before/after comparison:

    python tests/sandbox/measure_sandbox.py [--script path/to/messente_sandbox.py] [--bulks 100] [--size 1000]
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import datetime as dt
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parent / "messente_sandbox.py"
AUTH = "Basic " + base64.b64encode(b"sandbox-user:sandbox-password-not-secret").decode()
SMS = {"channel": "sms", "text": "Planned maintenance tonight from 22:00 to 23:00 UTC.", "sender": "Ops"}
RCS_CAROUSEL = {
    "channel": "rcs", "sender": "Brand",
    "rich_card": {"carousel_card": {"card_width": "MEDIUM", "card_contents": [
        {"title": f"Offer {n}", "description": "Valid this week only",
         "media": {"height": "MEDIUM", "content_info": {"file_url": f"https://example.com/{n}.png", "force_refresh": False}},
         "suggestions": [{"reply": {"text": "Tell me more", "postback_data": f"offer-{n}"}}]} for n in range(1, 4)]}},
    "suggestions": [{"action": {"text": "Open shop", "postback_data": "shop",
                                "open_url_action": {"url": "https://example.com/shop", "application": "BROWSER"}}}],
}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc (Linux only)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> dict[str, float]:
    """Current and peak resident memory of a process, in MB."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {name: int(status[field].split()[0]) / 1024 for name, field in (("rss_mb", "VmRSS"), ("peak_rss_mb", "VmHWM"))}


class Sandbox:
    """The sandbox script in a child process, and a keep-alive HTTP connection to it."""

    def __init__(self, script: Path, workdir: Path) -> None:
        port_file = workdir / "port"
        self.process = subprocess.Popen([sys.executable, str(script), "--port", "0", "--port-file", str(port_file),
                                         "--max-lifetime", "3600"], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not port_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the sandbox did not start")
            time.sleep(0.05)
        self.port = int(port_file.read_text())
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        payload = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": AUTH, "Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=payload, headers=headers)
        response = self.connection.getresponse()
        text = response.read()
        return response.status, json.loads(text) if text else None

    def stop(self) -> None:
        self.connection.close()
        self.process.terminate()
        self.process.wait(timeout=30)


def bulk(message: dict[str, Any], first: int, size: int, time_to_send: str) -> dict[str, Any]:
    """One bulk: the same message for every recipient, a different `to` each."""
    return {"messages": [{"to": f"+3725{number:07d}", "messages": [message], "time_to_send": time_to_send}
                         for number in range(first, first + size)]}


def timed(action: Callable[[], Any], pid: int) -> tuple[float, float, Any]:
    """(wall seconds, sandbox CPU seconds, result) of one action."""
    cpu, started = cpu_seconds(pid), time.perf_counter()
    result = action()
    return time.perf_counter() - started, cpu_seconds(pid) - cpu, result


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.1f} ms (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"


def measure_bulks(sandbox: Sandbox, message: dict[str, Any], bulks: int, size: int) -> Iterator[str]:
    """POST `bulks` bulks of `size` one after the other; every item must be accepted."""
    time_to_send = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).isoformat()
    walls, cpus = [], []
    for index in range(bulks):
        body = bulk(message, index * size, size, time_to_send)
        wall, cpu, (status, answer) = timed(lambda body=body: sandbox.call("POST", "/v1/omnimessages", body), sandbox.process.pid)
        refused = [item for item in answer["messages"] if "errors" in item] if status == 201 else answer
        if refused:
            raise RuntimeError(f"the sandbox refused part of the bulk ({status}): {str(refused)[:300]}")
        walls.append(wall)
        cpus.append(cpu)
    yield f"  POST bulk of {size}: wall {spread(walls)}; sandbox CPU {spread(cpus)}"
    yield f"  {bulks} bulks ({bulks * size} recipients): wall {sum(walls):.2f} s, sandbox CPU {sum(cpus):.2f} s"
    yield f"  sandbox memory after: {memory_mb(sandbox.process.pid)}"
    wall, cpu, (status, answer) = timed(lambda: sandbox.call("GET", "/_sandbox/messages"), sandbox.process.pid)
    yield f"  GET /_sandbox/messages ({len(answer)} messages, status {status}): wall {wall:.2f} s, sandbox CPU {cpu:.2f} s"
    ids = [item["omnimessage_id"] for item in answer[:1000]]
    wall, cpu, statuses = timed(lambda: [sandbox.call("DELETE", f"/v1/omnimessage/{i}")[0] for i in ids], sandbox.process.pid)
    yield f"  {len(ids)} cancels one after another: wall {wall:.2f} s, sandbox CPU {cpu:.2f} s, statuses {sorted(set(statuses))}"
    sandbox.call("POST", "/_sandbox/reset")


def measure_latency(sandbox: Sandbox, latency: float, clients: int) -> Iterator[str]:
    """`clients` concurrent requests with `latency` seconds added to each: they should overlap."""
    status = sandbox.call("POST", "/_sandbox/config", {"latency": latency})[0]
    if status != 200:
        yield f"  latency option not supported by this sandbox (POST /_sandbox/config answered {status})"
        return

    def one(_index: int) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=60)
        try:
            connection.request("GET", f"/v1/omnimessage/{'0' * 8}/status", headers={"Authorization": AUTH})
            return connection.getresponse().status
        finally:
            connection.close()

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        statuses = list(pool.map(one, range(clients)))
    wall = time.perf_counter() - started
    sandbox.call("POST", "/_sandbox/config", {"latency": 0})
    yield f"  {clients} concurrent requests with {latency * 1000:.0f} ms latency: {wall * 1000:.0f} ms in all, statuses {sorted(set(statuses))}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", type=Path, default=SCRIPT, help="the sandbox script to measure")
    parser.add_argument("--bulks", type=int, default=100)
    parser.add_argument("--size", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        sandbox = Sandbox(args.script, Path(workdir))
        try:
            print(f"sandbox {args.script} on Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
            for name, message in (("SMS", SMS), ("RCS carousel with suggestions", RCS_CAROUSEL)):
                print(f"{name}:")
                for line in measure_bulks(sandbox, message, args.bulks, args.size):
                    print(line, flush=True)
            print("concurrent calls:")
            for latency in (0.0, 0.05):
                for line in measure_latency(sandbox, latency, 10):
                    print(line)
        finally:
            sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

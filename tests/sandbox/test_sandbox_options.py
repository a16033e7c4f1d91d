# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
"""The sandbox's options: latency, rate_limit and delivery_delay, set by constructor, command line or control API.

No test here asserts a duration: latency is shown by calls that overlap and by a client that gives up waiting,
the rate limit by a bucket so slow that it cannot refill during a test, and delivery by the sandbox clock.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from messente_api import DeliveryReportResponse

from messente_sandbox import SandboxServer
from sandbox_calls import BULK, LISTENING, SEND, SMS, TO, call, error, later, omni, schedule, start_script
from sandbox_faults import RateLimiter

DEFAULTS = {"latency": 0.0, "rate_limit": None, "delivery_delay": 0.0, "past_time": "reject", "default_sender": "SandboxSender",
            "undeliverable": []}


def report(server: SandboxServer, created: dict[str, Any]) -> list[tuple[str | None, int | None, dt.datetime, bool]]:
    """(status, err, timestamp, priced) per channel, after checking the report parses with the SDK."""
    reply = call(server, "GET", f"{SEND}/{created['omnimessage_id']}/status")
    assert reply.status == 200
    DeliveryReportResponse.from_dict(reply.body)
    return [(row["status"], row["err"], dt.datetime.fromisoformat(row["timestamp"]), row["price_info"] is not None)
            for row in reply.body["statuses"]]


def wait_until(condition: Any, timeout: float = 20.0) -> bool:
    """Poll a condition; the timeout only bounds a broken run, it is never what the test measures."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


# -- configuration ----------------------------------------------------------------------------------------------

def test_config_endpoint_reads_and_changes_options(sandbox: SandboxServer) -> None:
    assert call(sandbox, "GET", "/_sandbox/config", auth=None).body == DEFAULTS == sandbox.options

    changed = call(sandbox, "POST", "/_sandbox/config", {"latency": 0.05, "rate_limit": 150, "delivery_delay": 30}, auth=None)

    assert (changed.status, changed.body) == (200, {**DEFAULTS, "latency": 0.05, "rate_limit": 150, "delivery_delay": 30})
    assert sandbox.options == changed.body
    assert sandbox.configure(rate_limit=None, past_time="send-now") == {**changed.body, "rate_limit": None, "past_time": "send-now"}
    assert sandbox.requests == []


@pytest.mark.parametrize(("changes", "source"), [
    ({"latency": -1}, "latency"), ({"latency": 301}, "latency"), ({"latency": "0.05"}, "latency"), ({"latency": True}, "latency"),
    ({"rate_limit": 0}, "rate_limit"), ({"rate_limit": -5}, "rate_limit"), ({"delivery_delay": None}, "delivery_delay"),
    ({"past_time": "later"}, "past_time"), ({"default_sender": ""}, "default_sender"), ({"latency": 1, "speed": 2}, "speed"),
    ({"undeliverable": "+37251000000"}, "undeliverable"), ({"undeliverable": ["37251000000"]}, "undeliverable"),
])
def test_config_refuses_bad_values_and_changes_nothing(sandbox: SandboxServer, changes: dict[str, Any], source: str) -> None:
    reply = call(sandbox, "POST", "/_sandbox/config", changes, auth=None)

    assert (reply.status, reply.body) == (400, error("105", source))
    assert sandbox.options == DEFAULTS
    with pytest.raises(ValueError, match=source):
        sandbox.configure(**changes)
    with pytest.raises(ValueError if source in DEFAULTS else TypeError, match=source):
        SandboxServer(**changes)


def test_config_needs_a_json_object(sandbox: SandboxServer) -> None:
    reply = call(sandbox, "POST", "/_sandbox/config", [1], auth=None)
    assert (reply.status, reply.body) == (400, error("105", None))


def test_command_line_flags_set_the_options(tmp_path: Path) -> None:
    proc, line = start_script(tmp_path, "--latency", "0.01", "--rate-limit", "150", "--delivery-delay", "60",
                              "--undeliverable", "+37251000009", "--undeliverable", "+37251000008", "--max-lifetime", "30")[:2]
    try:
        match = LISTENING.fullmatch(line)
        assert match
        config = call(int(match.group(2)), "GET", "/_sandbox/config", auth=None).body
        assert config == {**DEFAULTS, "latency": 0.01, "rate_limit": 150, "delivery_delay": 60, "undeliverable": ["+37251000009", "+37251000008"]}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.communicate()


def test_command_line_refuses_a_bad_option(tmp_path: Path) -> None:
    proc, line, port_file = start_script(tmp_path, "--delivery-delay", "-1")
    stderr = proc.communicate(timeout=30)[1]

    assert (proc.returncode, line, port_file.exists()) == (2, "", False)
    assert stderr.splitlines()[-1].endswith("error: --delivery-delay: must be a number >= 0")


# -- latency ----------------------------------------------------------------------------------------------------

def test_latency_delays_the_answer_after_the_work_is_done() -> None:
    with SandboxServer(latency=30) as server:
        with pytest.raises(TimeoutError):
            call(server, "POST", SEND, omni(), timeout=0.5)

        assert [(e["path"], e["status"]) for e in server.requests] == [(SEND, 201)]
        assert [m["state"] for m in server.messages] == ["sent"]
        assert call(server, "GET", "/_sandbox/stats", auth=None).body["messages"] == 1


def test_latency_lets_concurrent_calls_overlap() -> None:
    """Ten calls, each held 30 s: all ten are processed while the first still waits, so the server is not serial."""
    server = SandboxServer(latency=30).start()
    outcomes: list[str] = []

    def one() -> None:
        try:
            outcomes.append(str(call(server, "GET", f"{SEND}/{'0' * 8}/status", timeout=60).status))
        except OSError as exc:
            outcomes.append(type(exc).__name__)

    clients = [threading.Thread(target=one) for _attempt in range(10)]
    for client in clients:
        client.start()
    try:
        assert wait_until(lambda: len(server.requests) == 10)
        assert outcomes == []
    finally:
        server.stop()
        for client in clients:
            client.join(timeout=30)
    assert [e["status"] for e in server.requests] == [404] * 10
    assert len(outcomes) == 10 and "404" not in outcomes


def test_latency_applies_to_the_api_only(sandbox: SandboxServer) -> None:
    sandbox.configure(latency=30)
    assert call(sandbox, "GET", "/_sandbox/stats", auth=None, timeout=5).body["requests"] == 0
    sandbox.configure(latency=0)
    assert call(sandbox, "POST", SEND, omni(), timeout=5).status == 201


# -- rate limit -------------------------------------------------------------------------------------------------

def test_rate_limiter_is_a_token_bucket_per_client() -> None:
    now = [100.0]
    limiter = RateLimiter(clock=lambda: now[0])

    assert [limiter.wait_needed("a", 2) for _attempt in range(3)] == [0.0, 0.0, 0.5]
    assert limiter.wait_needed("b", 2) == 0.0
    now[0] += 0.25
    assert limiter.wait_needed("a", 2) == 0.25
    now[0] += 0.25
    assert limiter.wait_needed("a", 2) == 0.0
    now[0] += 60
    assert [limiter.wait_needed("a", 2) for _attempt in range(3)] == [0.0, 0.0, 0.5]
    assert limiter.wait_needed("a", None) == 0.0
    limiter.reset()
    assert limiter.wait_needed("a", 2) == 0.0


def test_rate_limit_answers_429_with_retry_after_and_does_not_process() -> None:
    with SandboxServer(rate_limit=0.01) as server:
        first = call(server, "POST", SEND, omni())
        throttled = call(server, "POST", SEND, omni())
        other_client = call(server, "POST", SEND, omni(), source_ip="127.0.0.2")

        assert first.status == other_client.status == 201
        assert (throttled.status, throttled.body) == (429, error("104", None))
        retry_after = int(throttled.headers["Retry-After"])  # 100 s for the next token, less any time the first call took
        assert 90 <= retry_after <= 100
        assert "0.01 requests per second from 127.0.0.1" in throttled.body["errors"][0]["detail"]
        assert len(server.messages) == 2
        log = server.requests
        assert [(e["status"], e["fault"] is None) for e in log] == [(201, True), (429, False), (201, True)]
        assert log[1]["fault"] | {"body": None} == {
            "method": "POST", "path_prefix": "/", "count": 1, "status": 429, "body": None, "content_type": None, "retry_after": retry_after,
            "delay": 0.0, "drop": False, "process": False, "rate_limit": 0.01, "processed": None}
        assert log[1]["response"] == throttled.body


def test_rate_limit_covers_every_api_call_but_not_the_control_api(sandbox: SandboxServer) -> None:
    sandbox.configure(rate_limit=0.01)

    statuses = [call(sandbox, "GET", "/v1/nothing", auth=None).status, call(sandbox, "DELETE", f"{SEND}/x").status]
    control = [call(sandbox, "GET", "/_sandbox/stats", auth=None).status for _attempt in range(3)]
    sandbox.configure(rate_limit=None)
    after = call(sandbox, "POST", BULK, {"messages": [omni()]}).status

    assert (statuses, control, after) == ([401, 429], [200] * 3, 201)


def test_rate_limit_history_is_forgotten_on_reset(sandbox: SandboxServer) -> None:
    sandbox.configure(rate_limit=0.01)
    assert [call(sandbox, "POST", SEND, omni()).status for _attempt in range(2)] == [201, 429]
    sandbox.reset()
    assert call(sandbox, "POST", SEND, omni()).status == 201
    assert sandbox.options["rate_limit"] == 0.01


def test_injected_429_storm_then_normal_service(sandbox: SandboxServer) -> None:
    sandbox.inject_fault("POST", BULK, count=3, status=429, retry_after=2)
    body = {"messages": [omni(time_to_send=later(sandbox))]}

    replies = [call(sandbox, "POST", BULK, body) for _attempt in range(4)]

    assert [(r.status, r.headers["Retry-After"]) for r in replies] == [(429, "2")] * 3 + [(201, None)]
    assert len(sandbox.messages) == 1 and sandbox.faults == []


# -- delivery delay ---------------------------------------------------------------------------------------------

def test_delivery_delay_shows_accepted_then_delivered_as_the_clock_moves(sandbox: SandboxServer) -> None:
    sandbox.configure(delivery_delay=60)
    created = call(sandbox, "POST", SEND, omni(SMS, {"channel": "viber", "text": "Hi"})).body
    sent_at = dt.datetime.fromisoformat(sandbox.messages[0]["changed_at"])

    in_flight = report(sandbox, created)
    sandbox.advance_clock(59)
    still = report(sandbox, created)
    view_before = sandbox.messages[0]
    sandbox.advance_clock(1)
    delivered = report(sandbox, created)

    assert in_flight == still == [("ACCEPTD", None, sent_at, False), (None, None, sent_at, False)]
    assert (view_before["state"], view_before["delivered_at"]) == ("sent", None)
    assert delivered == [("DELIVRD", 0, sent_at + dt.timedelta(seconds=60), True), (None, None, sent_at, False)]
    assert (sandbox.messages[0]["state"], sandbox.messages[0]["delivered_at"]) == ("sent", (sent_at + dt.timedelta(seconds=60)).isoformat())
    assert sandbox.stats()["delivered"] == 1


def test_scheduled_message_goes_scheduled_then_accepted_then_delivered(sandbox: SandboxServer) -> None:
    sandbox.configure(delivery_delay=300)
    created = schedule(sandbox, SMS, seconds=600)
    due = dt.datetime.fromisoformat(sandbox.messages[0]["time_to_send"])
    accepted = dt.datetime.fromisoformat(sandbox.messages[0]["accepted_at"])

    states = [report(sandbox, created)[0][:2]]
    for step in (600, 299, 1):
        sandbox.advance_clock(step)
        states.append(report(sandbox, created)[0][:2])

    assert states == [(None, None), ("ACCEPTD", None), ("ACCEPTD", None), ("DELIVRD", 0)]
    assert report(sandbox, created)[0][2] == due + dt.timedelta(seconds=300)
    assert accepted < due
    assert call(sandbox, "DELETE", f"{SEND}/{created['omnimessage_id']}").status == 404


def test_message_in_flight_cannot_be_cancelled(sandbox: SandboxServer) -> None:
    sandbox.configure(delivery_delay=60)
    created = call(sandbox, "POST", SEND, omni()).body

    reply = call(sandbox, "DELETE", f"{SEND}/{created['omnimessage_id']}")

    assert (reply.status, reply.body) == (404, error("101", None))
    assert report(sandbox, created)[0][0] == "ACCEPTD"


def test_delivery_delay_change_applies_to_messages_accepted_afterwards(sandbox: SandboxServer) -> None:
    before = call(sandbox, "POST", SEND, omni()).body
    sandbox.configure(delivery_delay=3600)
    after = call(sandbox, "POST", SEND, omni()).body

    assert [report(sandbox, created)[0][0] for created in (before, after)] == ["DELIVRD", "ACCEPTD"]
    counts = call(sandbox, "GET", "/_sandbox/stats", auth=None).body
    assert counts == {"messages": 2, "states": {"sent": 2}, "delivered": 1, "failed": 0, "requests": 4, "faults": 0}


def test_undeliverable_recipient_fails_on_every_channel_when_its_outcome_is_due(sandbox: SandboxServer) -> None:
    sandbox.configure(delivery_delay=60, undeliverable=[TO])
    failing = call(sandbox, "POST", SEND, omni(SMS, {"channel": "viber", "text": "Hi"})).body
    other = call(sandbox, "POST", SEND, {**omni(SMS), "to": "+37251000001"}).body
    sent_at = dt.datetime.fromisoformat(sandbox.messages[0]["changed_at"])

    in_flight = report(sandbox, failing)
    sandbox.advance_clock(60)
    failed = report(sandbox, failing)

    assert in_flight == [("ACCEPTD", None, sent_at, False), (None, None, sent_at, False)]
    assert failed == [("UNDELIV", 1, sent_at + dt.timedelta(seconds=60), False)] * 2
    assert [row["error"] for row in call(sandbox, "GET", f"{SEND}/{failing['omnimessage_id']}/status").body["statuses"]] == ["Delivery failure"] * 2
    assert report(sandbox, other)[0][:2] == ("DELIVRD", 0)
    views = {m["to"]: m for m in sandbox.messages}
    assert [(v["state"], v["outcome"], v["delivered_at"], v["failed_at"] is not None) for v in views.values()] == [
        ("sent", "failed", None, True), ("sent", "delivered", views["+37251000001"]["delivered_at"], False)]
    assert (sandbox.stats()["delivered"], sandbox.stats()["failed"]) == (1, 1)

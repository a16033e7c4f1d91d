# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Faults on the wire: what is retried, what is not, what the task says, and that nothing is ever scheduled twice."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, NamedTuple

import pytest

from messente_e2e import RECIPIENT, SEND_PATH, AnsibleRun, AnsibleRunner, assert_no_duplicate_schedules, calls, playbook
from messente_sandbox import SandboxServer, make_self_signed_cert

SCHEDULE_TASK = "Schedule one SMS"
MAY_HAVE_BEEN_SCHEDULED = "MAY have been scheduled"


def schedule_vars(text: str, **extra: Any) -> dict[str, Any]:
    send_at = datetime.now(timezone.utc) + timedelta(hours=2)
    return {"e2e_recipient": RECIPIENT, "e2e_text": text, "e2e_time": send_at.isoformat(timespec="seconds"), **extra}


def run_schedule(ansible: AnsibleRunner, sandbox: SandboxServer, text: str, **extra: Any) -> AnsibleRun:
    return ansible.playbook(playbook("schedule.yml"), sandbox.base_url, schedule_vars(text, **extra))


def test_cancel_is_retried_once_after_a_503(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    sandbox.inject_fault("DELETE", f"{SEND_PATH}/", status=503)

    run = ansible.playbook(playbook("schedule_then_cancel.yml"), sandbox.base_url, schedule_vars("Retry cancel e2e"))

    assert run.rc == 0, run.describe()
    omnimessage_id = run.result(SCHEDULE_TASK)["omnimessage_id"]
    result = run.result("Cancel the message")
    assert (result["changed"], result["cancelled"]) == (True, True)
    assert result["msg"] == f"Cancelled scheduled omnimessage {omnimessage_id}"
    retry = f"Messente DELETE /omnimessage/{omnimessage_id}: HTTP 503; retry 1 of 3"
    assert [warning for warning in result["warnings"] if warning.startswith(retry)], result["warnings"]
    assert run.shows_warning(retry), run.describe()
    assert calls(sandbox.requests) == [
        ("POST", SEND_PATH, 201),
        ("DELETE", f"{SEND_PATH}/{omnimessage_id}", 503),
        ("DELETE", f"{SEND_PATH}/{omnimessage_id}", 202),
    ]
    assert [message["state"] for message in sandbox.messages] == ["cancelled"]
    assert_no_duplicate_schedules(sandbox.messages)


def test_schedule_is_retried_once_after_a_429_with_retry_after(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    sandbox.inject_fault("POST", SEND_PATH, status=429, retry_after=1)

    run = run_schedule(ansible, sandbox, "Retry-After e2e")

    assert run.rc == 0, run.describe()
    result = run.result(SCHEDULE_TASK)
    log = sandbox.requests
    assert calls(log) == [("POST", SEND_PATH, 429), ("POST", SEND_PATH, 201)]
    assert log[0]["body"] == log[1]["body"]
    stored = sandbox.messages
    assert [message["omnimessage_id"] for message in stored] == [result["omnimessage_id"]]
    assert_no_duplicate_schedules(stored)
    assert ("Messente POST /omnimessage: HTTP 429 (too many requests); every request pauses 1.0s, at most 4 in flight, "
            "then this one is tried again (1.0s of 300s for 429 waits used)") in result["warnings"]
    assert result["msg"].startswith("Scheduled 1 of 1 omnimessage(s)")


class FailedSchedule(NamedTuple):
    """A fault on the schedule POST after which Messente may hold the message, so the module must not retry."""

    fault: dict
    extra_vars: dict
    logged_status: int | None  # what the sandbox logged as its answer (None: the connection was dropped)
    status: int | None  # the status the task reports (None: no HTTP answer arrived)
    stored: int
    fragments: tuple[str, ...]


FAILED_SCHEDULES = {
    "http-500": FailedSchedule({"status": 500}, {}, 500, 500, 0, ("Messente rejected POST /omnimessage (500", "not retried")),
    # The sandbox stores the message, then answers after 4 s: long after the task's 2 s timeout.
    "read-timeout": FailedSchedule({"delay": 4.0, "process": True}, {"e2e_timeout": 2}, 201, None, 1,
                                   ("Messente did not answer POST /omnimessage (no answer within timeout=2.0s)", "not retried")),
    "dropped-connection": FailedSchedule({"drop": True, "process": True}, {}, None, None, 1,
                                         ("Messente did not answer POST /omnimessage", "not retried")),
    "non-json-201": FailedSchedule({"status": 201, "body": "<html>Created</html>", "process": True}, {}, 201, 201, 1,
                                   ("Messente answered POST /omnimessage with 201 but the body is not JSON", "<html>Created</html>")),
}


@pytest.mark.parametrize("case", FAILED_SCHEDULES.values(), ids=FAILED_SCHEDULES.keys())
def test_schedule_that_may_have_gone_through_fails_without_a_retry(ansible: AnsibleRunner, sandbox: SandboxServer, case: FailedSchedule) -> None:
    sandbox.inject_fault("POST", SEND_PATH, **case.fault)

    run = run_schedule(ansible, sandbox, "Unclear outcome e2e", **case.extra_vars)

    assert run.rc != 0, run.describe()
    assert run.failed(SCHEDULE_TASK)
    result = run.result(SCHEDULE_TASK)
    for fragment in [*case.fragments, MAY_HAVE_BEEN_SCHEDULED]:
        assert fragment in result["msg"], result["msg"]
    assert (result["may_have_been_processed"], result["status"], result["omnimessage_id"]) == (True, case.status, None)
    assert calls(sandbox.requests) == [("POST", SEND_PATH, case.logged_status)]
    assert len(sandbox.messages) == case.stored
    assert_no_duplicate_schedules(sandbox.messages)


@pytest.mark.expect_rejected(401)
def test_wrong_password_fails_naming_the_api_credentials(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    run = ansible.playbook(playbook("schedule.yml"), sandbox.base_url, schedule_vars("Bad password e2e"),
                           env={"MESSENTE_API_PASSWORD": "E2e-wrong-Pw-4c1e0a77-not-the-one"})

    assert run.rc != 0, run.describe()
    result = run.result(SCHEDULE_TASK)
    assert result["msg"].startswith("Messente rejected POST /omnimessage (401 Unauthorized, code 103)"), result["msg"]
    assert "Check api_username and api_password" in result["msg"]
    assert (result["status"], result["may_have_been_processed"]) == (401, False)
    assert [(entry["method"], entry["status"], entry["auth_ok"]) for entry in sandbox.requests] == [("POST", 401, False)]
    assert sandbox.messages == []


def test_self_signed_certificate_is_refused_unless_validate_certs_is_false(
        ansible: AnsibleRunner, start_sandbox: Callable[..., SandboxServer], tmp_path: Path) -> None:
    tls_sandbox = start_sandbox(tls=make_self_signed_cert(tmp_path))
    assert tls_sandbox.base_url.startswith("https://127.0.0.1:")

    refused = run_schedule(ansible, tls_sandbox, "TLS refused e2e")

    assert refused.rc != 0, refused.describe()
    message = refused.result(SCHEDULE_TASK)["msg"]
    assert message.startswith("TLS error talking to Messente (POST /omnimessage)"), message
    assert "validate_certs: false" in message
    assert tls_sandbox.requests == []

    accepted = run_schedule(ansible, tls_sandbox, "TLS unverified e2e", e2e_validate_certs=False)

    assert accepted.rc == 0, accepted.describe()
    result = accepted.result(SCHEDULE_TASK)
    warning = f"validate_certs is false: the TLS certificate of {tls_sandbox.root_url} is not verified. Use this only for testing."
    assert warning in result["warnings"]
    assert accepted.shows_warning(warning), accepted.describe()
    assert calls(tls_sandbox.requests) == [("POST", SEND_PATH, 201)]
    assert [message["omnimessage_id"] for message in tls_sandbox.messages] == [result["omnimessage_id"]]
    assert_no_duplicate_schedules(tls_sandbox.messages)

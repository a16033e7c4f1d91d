# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Schedule, inspect and cancel through real ansible-playbook and ansible runs; the sandbox's log is the witness."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from messente_e2e import E2E_PASSWORD, E2E_USERNAME, RECIPIENT, REPO_ROOT, SEND_PATH, AnsibleRun, AnsibleRunner, basic_token, calls, playbook
from messente_sandbox import SandboxServer

UTC = timezone.utc
PLUS_FOUR = timezone(timedelta(hours=4))
WIRE_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"
SCHEDULE = "messente.omnichannel.messente_scheduled_message"


def future(**delta: float) -> datetime:
    """A whole-second UTC instant ahead of now; the module drops fractions, so expectations stay exact."""
    return (datetime.now(UTC) + timedelta(**delta)).replace(microsecond=0)


def wire(moment: datetime) -> str:
    """How the module sends and returns an instant: UTC with an explicit +00:00."""
    return moment.astimezone(UTC).strftime(WIRE_FORMAT)


def lifecycle_bodies(text: str, naive: datetime, offset: datetime) -> tuple[dict, dict]:
    """The exact bodies Messente must receive for the naive-time SMS and the +04:00 Viber->SMS chain."""
    naive_body = {"to": RECIPIENT, "time_to_send": wire(naive), "messages": [{"channel": "sms", "text": f"{text} (naive time)"}]}
    chain_body = {
        "to": RECIPIENT,
        "time_to_send": wire(offset),
        "messages": [
            {"channel": "viber", "sender": "OpsTeam", "validity": 10, "text": f"{text} (fallback chain)"},
            {"channel": "sms", "sender": "OpsTeam", "text": f"{text} (fallback chain)"},
        ],
    }
    return naive_body, chain_body


def assert_lifecycle_results(run: AnsibleRun, log: list[dict], naive: datetime, offset: datetime, check_payload: dict) -> None:
    naive_result = run.result("Schedule an SMS at a time without an offset")
    assert naive_result["changed"] is True
    assert naive_result["time_to_send"] == wire(naive)
    assert naive_result["omnimessage_id"] == log[0]["response"]["omnimessage_id"]
    assert naive_result["msg"] == f"Scheduled 1 of 1 omnimessage(s) for {wire(naive)}"
    chain_result = run.result("Schedule Viber with an SMS fallback at a +04:00 time")
    assert chain_result["time_to_send"] == wire(offset) != offset.isoformat()
    assert [message["channel"] for message in chain_result["messages"]] == ["viber", "sms"]

    cancelled = run.result("Cancel the Viber message")
    assert (cancelled["changed"], cancelled["cancelled"]) == (True, True)
    assert cancelled["msg"] == f"Cancelled scheduled omnimessage {chain_result['omnimessage_id']}"
    again = run.result("Cancel the Viber message again")
    assert (again["changed"], again["cancelled"]) == (False, False)
    assert "already cancelled" in again["msg"] and "nothing to cancel" in again["msg"]

    check = run.result("Schedule in check mode")
    assert (check["changed"], check["omnimessage_id"], check["payload"]) == (True, None, check_payload)
    assert "nothing was sent" in check["msg"]
    assert run.failed("Schedule to a bad recipient")
    refused = run.result("Schedule to a bad recipient")["msg"]
    assert refused.startswith("to[0]: '12345' is not an E.164 phone number"), refused


def test_schedule_cancel_check_mode_and_bad_input(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    naive = future(days=2, hours=3)
    offset = future(days=3, minutes=17).astimezone(PLUS_FOUR)
    text = "Lifecycle e2e"
    run = ansible.playbook(playbook("lifecycle.yml"), sandbox.base_url, {
        "e2e_recipient": RECIPIENT, "e2e_text": text, "e2e_sender": "OpsTeam",
        "e2e_naive_time": naive.strftime("%Y-%m-%dT%H:%M:%S"), "e2e_offset_time": offset.isoformat(),
    })
    assert run.rc == 0, run.describe()
    chain_id = run.result("Schedule Viber with an SMS fallback at a +04:00 time")["omnimessage_id"]
    log = sandbox.requests

    # One POST per schedule, nothing for check mode or the refused input, and the 404 of the second
    # cancel resolved with one status look-up.
    assert calls(log) == [
        ("POST", SEND_PATH, 201),
        ("POST", SEND_PATH, 201),
        ("DELETE", f"{SEND_PATH}/{chain_id}", 202),
        ("DELETE", f"{SEND_PATH}/{chain_id}", 404),
        ("GET", f"{SEND_PATH}/{chain_id}/status", 200),
    ]
    assert all(entry["auth_ok"] for entry in log)
    naive_body, chain_body = lifecycle_bodies(text, naive, offset)
    assert (log[0]["body"], log[1]["body"]) == (naive_body, chain_body)
    assert [status["status"] for status in log[4]["response"]["statuses"]] == ["DELETED", "DELETED"]
    assert_lifecycle_results(run, log, naive, offset, {**naive_body, "messages": [{"channel": "sms", "text": f"{text} (check mode)"}]})
    states = {message["omnimessage_id"]: message["state"] for message in sandbox.messages}
    assert states == {log[0]["response"]["omnimessage_id"]: "scheduled", chain_id: "cancelled"}


def test_cancel_after_the_send_time_fails_as_already_sent(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    scheduled = ansible.playbook(playbook("schedule.yml"), sandbox.base_url, {
        "e2e_recipient": RECIPIENT, "e2e_text": "Late cancel e2e", "e2e_time": future(minutes=10).isoformat(),
    })
    assert scheduled.rc == 0, scheduled.describe()
    omnimessage_id = scheduled.result("Schedule one SMS")["omnimessage_id"]
    sandbox.advance_clock(20 * 60)

    run = ansible.playbook(playbook("cancel.yml"), sandbox.base_url, {"e2e_omnimessage_id": omnimessage_id})

    assert run.rc != 0, run.describe()
    assert run.failed("Cancel the message")
    result = run.result("Cancel the message")
    assert f"Omnimessage {omnimessage_id} was already sent (sms: DELIVRD)" in result["msg"]
    assert "can no longer be cancelled" in result["msg"]
    log = sandbox.requests
    assert calls(log[1:]) == [("DELETE", f"{SEND_PATH}/{omnimessage_id}", 404), ("GET", f"{SEND_PATH}/{omnimessage_id}/status", 200)]
    assert log[2]["response"]["statuses"][0]["status"] == "DELIVRD"
    assert [message["state"] for message in sandbox.messages] == ["sent"]


def test_adhoc_schedule_with_credentials_from_the_environment(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    send_at = future(hours=5)
    run = ansible.adhoc(SCHEDULE, f"to='{RECIPIENT}' text='Ad-hoc e2e notice' time_to_send={send_at.isoformat()}", sandbox.base_url)

    assert run.rc == 0, run.describe()
    assert "localhost | CHANGED" in run.stdout
    assert not any("api_" in arg for arg in run.command)
    result = run.result(SCHEDULE)
    log = sandbox.requests
    assert calls(log) == [("POST", SEND_PATH, 201)]
    assert log[0]["auth_ok"] is True
    assert log[0]["headers"]["Authorization"] == f"Basic {basic_token(E2E_USERNAME, E2E_PASSWORD)}"
    assert log[0]["body"] == {"to": RECIPIENT, "time_to_send": wire(send_at), "messages": [{"channel": "sms", "text": "Ad-hoc e2e notice"}]}
    assert result["omnimessage_id"] == log[0]["response"]["omnimessage_id"]
    assert (result["changed"], result["to"], result["time_to_send"]) == (True, RECIPIENT, wire(send_at))


@pytest.mark.parametrize("target", [str(REPO_ROOT / "playbooks" / "schedule_inspect_cancel.yml"), "messente.omnichannel.schedule_inspect_cancel"],
                         ids=["path", "fqcn"])
def test_example_playbook(ansible: AnsibleRunner, sandbox: SandboxServer, target: str) -> None:
    send_at = future(hours=1, minutes=30).astimezone(PLUS_FOUR)
    run = ansible.playbook(target, sandbox.base_url, {"demo_recipient": "+372 5123 4567", "demo_send_in": send_at.isoformat()})

    assert run.rc == 0, run.describe()
    log = sandbox.requests
    omnimessage_id = log[0]["response"]["omnimessage_id"]
    assert calls(log) == [
        ("POST", SEND_PATH, 201),
        ("GET", f"{SEND_PATH}/{omnimessage_id}/status", 200),
        ("DELETE", f"{SEND_PATH}/{omnimessage_id}", 202),
    ]
    assert log[0]["body"]["to"] == "+37251234567"
    assert log[0]["body"]["time_to_send"] == wire(send_at)
    for shown in (rf"omnimessage_id:\s+{omnimessage_id}", rf"send time \(UTC\):\s+{re.escape(wire(send_at))}",
                  r"channels:\s+viber -> sms", r"state before cancel:\s+scheduled",
                  r"cancel result:\s+Key 'demo-maintenance-notice': 1 cancelled \(changed=True\)"):
        assert re.search(shown, run.stdout), f"{shown!r} not printed:\n{run.describe()}"
    assert [message["state"] for message in sandbox.messages] == ["cancelled"]


def test_module_defaults_group_sets_credentials_for_both_modules(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    run = ansible.playbook(
        playbook("module_defaults.yml"), sandbox.base_url,
        {"e2e_username": E2E_USERNAME, "e2e_password": E2E_PASSWORD, "e2e_recipient": RECIPIENT,
         "e2e_text": "module_defaults e2e", "e2e_time": future(days=1).isoformat()},
        env={"MESSENTE_API_USERNAME": None, "MESSENTE_API_PASSWORD": None},
    )

    assert run.rc == 0, run.describe()
    omnimessage_id = run.result("Schedule a message")["omnimessage_id"]
    before = run.result("Look up the scheduled message")["omnimessages"]
    after = run.result("Look up the cancelled message")["omnimessages"]
    assert [(item["omnimessage_id"], item["found"], item["state"]) for item in before] == [(omnimessage_id, True, "scheduled")]
    assert [(item["omnimessage_id"], item["found"], item["state"]) for item in after] == [(omnimessage_id, True, "cancelled")]
    assert [status["status"] for status in after[0]["statuses"]] == ["DELETED"]
    assert run.result("Cancel the message")["changed"] is True
    log = sandbox.requests
    assert calls(log) == [
        ("POST", SEND_PATH, 201),
        ("GET", f"{SEND_PATH}/{omnimessage_id}/status", 200),
        ("DELETE", f"{SEND_PATH}/{omnimessage_id}", 202),
        ("GET", f"{SEND_PATH}/{omnimessage_id}/status", 200),
    ]
    assert {entry["headers"]["Authorization"] for entry in log} == {f"Basic {basic_token(E2E_USERNAME, E2E_PASSWORD)}"}

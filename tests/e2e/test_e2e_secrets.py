# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The API password never shows up in what ansible-playbook -vvv prints, even when the server echoes it back."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest

from messente_e2e import E2E_PASSWORD, E2E_USERNAME, RECIPIENT, SEND_PATH, AnsibleRunner, basic_token, calls, playbook
from messente_sandbox import SandboxServer

TOKEN = basic_token(E2E_USERNAME, E2E_PASSWORD)
SECRET_FORMS = {"password": E2E_PASSWORD, "basic token": TOKEN, "user:password": f"{E2E_USERNAME}:{E2E_PASSWORD}"}
ECHO = f"request had Authorization: Basic {TOKEN}; credentials {E2E_USERNAME}:{E2E_PASSWORD}; password={E2E_PASSWORD}"
ECHO_ERRORS = {"errors": [{"title": "Unauthorized", "detail": ECHO, "code": "103", "source": None}]}
REDACTED_ECHO = "request had Authorization: Basic ********; credentials ********; password=********"
FAILING_TASKS = ("Schedule against the echoing 401", "Schedule against the echoing 500", "Schedule with credentials the endpoint refuses",
                 "Look up against the echoing 500")
# A fragment this long of a secret in the output is a leak too (a shortened token still decodes to most of the password).
FRAGMENT_CHARS = 12
# How much of a non-JSON error body the module quotes in its msg.
QUOTED_BODY_CHARS = 200


def straddling_echo(cut: int = QUOTED_BODY_CHARS, kept: int = 20) -> str:
    """A plain-text error body whose first ``cut`` characters end ``kept`` characters into the password.

    The module quotes the start of a non-JSON error body; it must redact before it shortens, or the cut
    leaves a piece of the password that no longer matches the secret it redacts.
    """
    head = f"Upstream failure. Authorization: Basic {TOKEN}; password="
    return head.ljust(cut - kept, ".") + E2E_PASSWORD + " (end of request dump)"


def leaks(text: str, secret: str) -> list[str]:
    """The lines of ``text`` that hold ``secret`` or any FRAGMENT_CHARS-long piece of it."""
    pieces = [secret[start:start + FRAGMENT_CHARS] for start in range(len(secret) - FRAGMENT_CHARS + 1)]
    return [line.strip()[:300] for line in text.splitlines() if any(piece in line for piece in pieces)]


@pytest.mark.expect_rejected(401)
def test_password_never_printed_at_vvv(ansible: AnsibleRunner, start_sandbox: Callable[..., SandboxServer]) -> None:
    sandbox = start_sandbox()
    refusing = start_sandbox(password="Other-sandbox-Pw-71e3c0d9-unrelated")
    sandbox.inject_fault("POST", SEND_PATH, status=401, body=ECHO_ERRORS)
    sandbox.inject_fault("POST", SEND_PATH, status=500, body=straddling_echo())
    sandbox.inject_fault("GET", f"{SEND_PATH}/", status=500, body=ECHO_ERRORS)
    send_at = datetime.now(timezone.utc) + timedelta(hours=3)

    run = ansible.playbook(playbook("secrets.yml"), sandbox.base_url, {
        "e2e_username": E2E_USERNAME, "e2e_password": E2E_PASSWORD, "e2e_recipient": RECIPIENT, "e2e_text": "Secrets e2e",
        "e2e_time": send_at.isoformat(timespec="seconds"), "e2e_refusing_url": refusing.base_url,
    }, options=["-vvv"])

    assert run.rc == 0, run.describe()
    assert "ESTABLISH LOCAL CONNECTION" in run.output, "not run at -vvv"
    recorded = json.dumps(run.tasks, indent=1)
    for form, secret in SECRET_FORMS.items():
        assert secret not in run.stdout, f"the {form} leaked to stdout"
        assert secret not in run.stderr, f"the {form} leaked to stderr"
        assert secret not in recorded, f"the {form} leaked into a task result"
    for form in ("password", "basic token"):
        leaked = leaks(f"{run.output}\n{recorded}", SECRET_FORMS[form])
        assert not leaked, f"part of the {form} leaked in:\n" + "\n".join(leaked)

    # The secret was really in play: every request carried it, and the failing tasks saw it echoed back.
    assert {entry["headers"]["Authorization"] for entry in sandbox.requests + refusing.requests} == {f"Basic {TOKEN}"}
    assert all(run.failed(task) for task in FAILING_TASKS)
    for task in ("Schedule against the echoing 401", "Look up against the echoing 500"):
        assert REDACTED_ECHO in run.result(task)["msg"]
    assert "Upstream failure. Authorization: Basic ********; password=" in run.result("Schedule against the echoing 500")["msg"]
    assert "Check api_username and api_password" in run.result("Schedule against the echoing 401")["msg"]
    assert "Check api_username and api_password" in run.result("Schedule with credentials the endpoint refuses")["msg"]

    omnimessage_id = run.result("Schedule with the password given as a task option")["omnimessage_id"]
    assert run.result("Look up the message")["omnimessages"][0]["state"] == "scheduled"
    assert run.result("Cancel the message")["changed"] is True
    assert calls(sandbox.requests) == [
        ("POST", SEND_PATH, 401),
        ("POST", SEND_PATH, 500),
        ("POST", SEND_PATH, 201),
        ("GET", f"{SEND_PATH}/{omnimessage_id}/status", 500),
        ("GET", f"{SEND_PATH}/{omnimessage_id}/status", 200),
        ("DELETE", f"{SEND_PATH}/{omnimessage_id}", 202),
    ]
    assert [(entry["method"], entry["status"], entry["auth_ok"]) for entry in refusing.requests] == [("POST", 401, False)]

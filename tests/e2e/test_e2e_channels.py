# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rich content through real ansible-playbook runs: a WhatsApp template, an RCS card carousel, a Viber video.

Each goes with an SMS fallback; the sandbox (which checks every body against Messente's SDK models) accepts it and
its request log shows exactly the body the task describes. Also ``time_to_send: now`` with a key: sent once, and a
re-run sends nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from messente_e2e import RECIPIENT, SEND_PATH, AnsibleRun, AnsibleRunner
from messente_sandbox import SandboxServer
from test_e2e_scheduling import future, wire

TASK = "Send rich content"
FALLBACK = {"channel": "sms", "text": "Maintenance of the payment API starts at 10:00 UTC."}

WHATSAPP_TEMPLATE = {
    "channel": "whatsapp", "sender": "ShopCo", "validity": 60,
    "template": {"name": "maintenance_notice", "language": {"code": "en_US"}, "components": [
        {"type": "body", "parameters": [
            {"type": "text", "text": "payment API"},
            {"type": "date_time", "date_time": {"fallback_value": "June 22, 2030 10:00 UTC"}},
        ]},
        {"type": "button", "sub_type": "quick_reply", "index": 0, "parameters": [{"type": "payload", "payload": "ack"}]},
    ]},
}
CARD = {"title": "Payment API", "description": "Read-only from 10:00 to 11:00 UTC",
        "media": {"height": "MEDIUM", "content_info": {"file_url": "https://cdn.example.com/maintenance.png", "force_refresh": False}},
        "suggestions": [{"action": {"text": "Status page", "postback_data": "status", "open_url_action": {
            "url": "https://status.example.com", "application": "BROWSER"}}}]}
RCS_CAROUSEL = {
    "channel": "rcs", "sender": "OpsTeam", "ttl": 600,
    "rich_card": {"carousel_card": {"card_width": "MEDIUM", "card_contents": [
        CARD,
        {"title": "Checkout", "description": "Not affected",
         "suggestions": [{"reply": {"text": "Thanks", "postback_data": "thanks"}}]},
    ]}},
    "suggestions": [
        {"reply": {"text": "Acknowledge", "postback_data": "ack"}},
        {"action": {"text": "Call on-call", "postback_data": "dial", "dial_action": {"phone_number": "+37251234567"}}},
        {"action": {"text": "Add to calendar", "postback_data": "calendar", "create_calendar_event_action": {
            "start_time": "2030-06-22T10:00:00Z", "end_time": "2030-06-22T11:00:00Z", "title": "Payment API maintenance",
            "description": "The payment API is read-only."}}},
    ],
}
VIBER_VIDEO = {
    "channel": "viber", "sender": "OpsTeam", "validity": 10, "text": "What changes in release 4.2",
    "video": {"url": "https://cdn.example.com/release-4.2.mp4", "thumbnail": "https://cdn.example.com/release-4.2.png",
              "file_size": 10485760, "duration": 95},
}


def run_task(ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Path, **options: Any) -> AnsibleRun:
    """One play with one task of the module, written as a user would, against the sandbox."""
    task = {"name": TASK, "messente.omnichannel.messente_scheduled_message": options, "register": "sent"}
    play = [{"name": "Rich content", "hosts": "localhost", "gather_facts": False, "tasks": [task]}]
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False), encoding="utf-8")
    return ansible.playbook(str(path), sandbox.base_url)


def posted_bodies(sandbox: SandboxServer) -> list[dict[str, Any]]:
    return [entry["body"] for entry in sandbox.requests if entry["method"] == "POST" and entry["path"] == SEND_PATH]


@pytest.mark.parametrize("rich", [WHATSAPP_TEMPLATE, RCS_CAROUSEL, VIBER_VIDEO], ids=["whatsapp-template", "rcs-carousel", "viber-video"])
def test_rich_content_with_an_sms_fallback_reaches_messente_exactly(
        ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Path, rich: dict[str, Any]) -> None:
    when = future(days=1)

    run = run_task(ansible, sandbox, tmp_path, to=RECIPIENT, time_to_send=when.isoformat(), messages=[rich, FALLBACK])

    assert run.rc == 0, run.describe()
    body = {"to": RECIPIENT, "messages": [rich, FALLBACK], "time_to_send": wire(when)}
    assert posted_bodies(sandbox) == [body]
    assert [entry["status"] for entry in sandbox.requests] == [201]
    assert run.result(TASK)["payload"] == body
    assert [message["channel"] for message in run.result(TASK)["messages"]] == [rich["channel"], "sms"]


def test_a_broken_rule_fails_the_task_before_any_request(ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Path) -> None:
    one_card = dict(RCS_CAROUSEL, rich_card={"carousel_card": {"card_width": "MEDIUM", "card_contents": [CARD]}})

    run = run_task(ansible, sandbox, tmp_path, to=RECIPIENT, time_to_send="+1d", messages=[one_card, FALLBACK])

    assert run.rc != 0
    assert run.result(TASK)["msg"] == "messages[0].rich_card.carousel_card.card_contents: needs 2 to 10 cards, got 1"
    assert sandbox.requests == []


def test_keyed_now_sends_at_once_and_a_rerun_sends_nothing(ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Path) -> None:
    options = {"key": "deploy-done-e2e", "ledger": str(tmp_path / "ledger.sqlite3"), "to": RECIPIENT, "time_to_send": "now",
               "text": "Deploy done."}

    first = run_task(ansible, sandbox, tmp_path, **options)
    rerun = run_task(ansible, sandbox, tmp_path, **options)

    assert first.rc == rerun.rc == 0, rerun.describe()
    assert posted_bodies(sandbox) == [{"to": RECIPIENT, "messages": [{"channel": "sms", "text": "Deploy done."}]}]
    assert [message["state"] for message in sandbox.messages] == ["sent"]
    assert (first.result(TASK)["changed"], first.result(TASK)["actions"]["scheduled"]) == (True, 1)
    assert (rerun.result(TASK)["changed"], rerun.result(TASK)["actions"]["sent"]) == (False, 1)
    assert [entry["method"] for entry in sandbox.requests] == ["POST", "GET"]

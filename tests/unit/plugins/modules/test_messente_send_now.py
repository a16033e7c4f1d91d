# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``time_to_send: now`` sends at once: a body without time_to_send; with a key, once, and never again on re-runs.

Every other channel feature is checked end to end through the module here too: a full example of each channel sends
exactly its body (see channel_examples.py) in one request.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.messente.omnichannel.plugins.module_utils._ledger import open_ledger
from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import Call, ModuleRunner, ScriptedHTTP, module_args
from ansible_collections.messente.omnichannel.tests.unit.plugins.module_utils.channel_examples import BY_NAME
from ansible_collections.messente.omnichannel.tests.unit.plugins.modules.test_messente_scheduled_message import (
    OID,
    SCHEDULE_URL,
    TO,
    WHEN,
    created,
    delivery_report,
    get_status,
)
from ansible_collections.messente.omnichannel.tests.unit.plugins.modules.test_messente_scheduled_message_key import IDENTITY, KEY, actions

NOW_BODY = {"to": TO, "messages": [{"channel": "sms", "text": "Deploy done"}]}


def now_args(**options: Any) -> dict[str, Any]:
    return module_args(**dict({"to": [TO], "text": "Deploy done", "time_to_send": "now"}, **options))


def test_now_sends_a_body_without_time_to_send(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(Call("POST", SCHEDULE_URL, body=NOW_BODY, status=201, reply=created()))

    run = run_module(now_args())

    assert not run.failed, run.msg
    assert run.result["payload"] == NOW_BODY
    assert (run.result["omnimessage_id"], run.result["time_to_send"]) == (OID, None)
    assert run.msg == "Sent 1 of 1 omnimessage(s) now"


def test_now_in_check_mode_says_it_would_send_at_once(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    run = run_module(now_args(), check_mode=True)

    assert http.seen == []
    assert run.result["payload"] == NOW_BODY
    assert run.msg == "Check mode: would send 1 omnimessage(s) now; nothing was sent"


@pytest.mark.parametrize("spelling", [" now ", "now\n"])
def test_now_with_surrounding_blanks_is_still_now(http: ScriptedHTTP, run_module: ModuleRunner, spelling: str) -> None:
    run = run_module(now_args(time_to_send=spelling), check_mode=True)

    assert not run.failed, run.msg
    assert "time_to_send" not in run.result["payload"]


def test_keyed_now_sends_once_and_a_rerun_sends_nothing(http: ScriptedHTTP, run_module: ModuleRunner, tmp_path: Path) -> None:
    ledger = str(tmp_path / "ledger.sqlite3")
    http.script(Call("POST", SCHEDULE_URL, body=NOW_BODY, status=201, reply=created()),
                get_status(OID, 200, delivery_report(OID, "DELIVRD")))

    first = run_module(now_args(key=KEY, ledger=ledger))
    rerun = run_module(now_args(key=KEY, ledger=ledger))

    assert not first.failed and not rerun.failed, rerun.msg
    assert (first.result["changed"], first.result["actions"]) == (True, actions(scheduled=1))
    assert (rerun.result["changed"], rerun.result["actions"]) == (False, actions(sent=1))
    assert [seen.method for seen in http.seen] == ["POST", "GET"]
    with open_ledger(ledger) as opened:
        assert json.loads(opened.entries(IDENTITY, KEY)[TO].body) == NOW_BODY


def test_keyed_now_without_verify_makes_no_request_on_a_rerun(http: ScriptedHTTP, run_module: ModuleRunner, tmp_path: Path) -> None:
    ledger = str(tmp_path / "ledger.sqlite3")
    http.script(Call("POST", SCHEDULE_URL, body=NOW_BODY, status=201, reply=created()))

    run_module(now_args(key=KEY, ledger=ledger, verify=False))
    rerun = run_module(now_args(key=KEY, ledger=ledger, verify=False))

    assert (rerun.result["changed"], rerun.result["actions"]) == (False, actions(unchanged=1))
    assert [seen.method for seen in http.seen] == ["POST"]


def test_a_keyed_message_scheduled_for_later_and_then_sent_now_is_replaced(http: ScriptedHTTP, run_module: ModuleRunner,
                                                                           tmp_path: Path) -> None:
    """Changing a keyed time to now is a changed body, like any other change: cancel the scheduled one, send anew."""
    ledger = str(tmp_path / "ledger.sqlite3")
    later = dict(NOW_BODY, time_to_send=WHEN)
    http.script(Call("POST", SCHEDULE_URL, body=later, status=201, reply=created()),
                Call("DELETE", f"{SCHEDULE_URL}/{OID}", status=202, reply={}),
                Call("POST", SCHEDULE_URL, body=NOW_BODY, status=201, reply=created()))

    run_module(now_args(key=KEY, ledger=ledger, time_to_send=WHEN))
    moved = run_module(now_args(key=KEY, ledger=ledger))

    assert not moved.failed, moved.msg
    assert moved.result["actions"] == actions(rescheduled=1)


@pytest.mark.parametrize("name", ["whatsapp-template", "rcs-carousel", "viber-video-text-button", "rcs-text-suggestions",
                                  "viber-carousel", "whatsapp-document"])
def test_a_full_channel_example_is_sent_as_is_with_an_sms_fallback(http: ScriptedHTTP, run_module: ModuleRunner, name: str) -> None:
    example = BY_NAME[name]
    body = {"to": TO, "messages": [example.body, {"channel": "sms", "text": "Fallback"}], "time_to_send": WHEN}
    http.script(Call("POST", SCHEDULE_URL, body=body, status=201, reply=created(channels=(example.channel, "sms"))))

    run = run_module(module_args(to=[TO], text="Fallback", time_to_send=WHEN, messages=[example.message, {"channel": "sms"}]))

    assert not run.failed, run.msg
    assert run.result["payload"] == body

# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""messente_scheduled_message with a key: every row of the action table, write-ahead claims, retry_pending, verify,
check mode and diff, against scripted HTTP and a real SQLite ledger in a temporary directory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import requests

from ansible_collections.messente.omnichannel.plugins.module_utils import _reconcile
from ansible_collections.messente.omnichannel.plugins.module_utils._ledger import Claim, Entry, Identity, open_ledger
from ansible_collections.messente.omnichannel.plugins.module_utils._reconcile import canonical
from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import (
    API_URL,
    PASSWORD,
    USERNAME,
    Call,
    ModuleRunner,
    ScriptedHTTP,
    module_args,
)
from ansible_collections.messente.omnichannel.tests.unit.plugins.modules.test_messente_scheduled_message import (
    BULK_URL,
    OID,
    OID2,
    OID3,
    SCHEDULE_URL,
    TO,
    TO2,
    TO3,
    WHEN,
    created,
    delete,
    delivery_report,
    get_status,
    not_found,
    sms_payload,
)

KEY = "maintenance-2030-06-22-payments"
IDENTITY = Identity(USERNAME, "http://127.0.0.1:18999")
NEW_TEXT = "Maintenance moved to 11:00"
NO_ACTIONS = {"scheduled": 0, "unchanged": 0, "rescheduled": 0, "cancelled": 0, "sent": 0, "failed": 0}


def actions(**counts: int) -> dict[str, int]:
    return dict(NO_ACTIONS, **counts)


@pytest.fixture
def ledger_path(tmp_path: Path) -> str:
    return str(tmp_path / "ledger" / "ledger.sqlite3")


def keyed_args(ledger_path: str, to: tuple[str, ...] = (TO,), **options: Any) -> dict[str, Any]:
    base = {"to": list(to), "text": "Maintenance at 10:00", "time_to_send": WHEN, "key": KEY, "ledger": ledger_path}
    return module_args(**dict(base, **options))


def stored(ledger_path: str) -> dict[str, Entry]:
    with open_ledger(ledger_path) as ledger:
        return ledger.entries(IDENTITY, KEY)


def seed(ledger_path: str, recipient: str, omnimessage_id: str, body: dict[str, Any]) -> None:
    """A ledger entry as an earlier run would have left it: claimed, sent, recorded."""
    with open_ledger(ledger_path) as ledger:
        assert ledger.claim(IDENTITY, KEY, [Claim(recipient, canonical(body), None)], "earlier-run:1:x", 60) == [True]
        assert ledger.record_scheduled(IDENTITY, KEY, [(recipient, omnimessage_id)], "earlier-run:1:x") == [True]


def post(body: dict[str, Any], omnimessage_id: str = OID, status: int = 201, **answer: Any) -> Call:
    reply = answer.pop("reply", created(to=body["to"], omnimessage_id=omnimessage_id))
    return Call("POST", SCHEDULE_URL, body=body, status=status, reply=reply, **answer)


def scheduled_report(omnimessage_id: str) -> dict[str, Any]:
    return delivery_report(omnimessage_id, None)


# --- the action table ------------------------------------------------------------------------------------------


def test_no_entry_schedules_and_records_the_id(http: ScriptedHTTP, run_module: ModuleRunner, ledger_path: str) -> None:
    http.script(post(sms_payload()))

    run = run_module(keyed_args(ledger_path))

    assert not run.failed, run.msg
    assert run.result["changed"] is True
    assert run.result["actions"] == actions(scheduled=1)
    assert [(entry["to"], entry["action"], entry["omnimessage_id"]) for entry in run.result["results"]] == [(TO, "scheduled", OID)]
    assert (run.result["omnimessage_id"], run.result["omnimessage_ids"], run.result["key"]) == (OID, [OID], KEY)
    assert run.msg == f"Key {KEY!r}: 1 scheduled"
    entry = stored(ledger_path)[TO]
    assert (entry.state, entry.omnimessage_id, json.loads(entry.body)) == ("scheduled", OID, sms_payload())


def test_same_body_still_scheduled_is_unchanged_after_one_status_read(http: ScriptedHTTP, run_module: ModuleRunner,
                                                                      ledger_path: str) -> None:
    seed(ledger_path, TO, OID, sms_payload())
    http.script(get_status(OID, 200, scheduled_report(OID)))

    run = run_module(keyed_args(ledger_path))

    assert not run.failed, run.msg
    assert run.result["changed"] is False
    assert run.result["actions"] == actions(unchanged=1)
    assert (run.result["omnimessage_id"], run.result["results"][0]["action"]) == (OID, "unchanged")
    assert run.result["payload"] is None


def test_same_body_already_sent_is_left_alone(http: ScriptedHTTP, run_module: ModuleRunner, ledger_path: str) -> None:
    seed(ledger_path, TO, OID, sms_payload())
    http.script(get_status(OID, 200, delivery_report(OID, "DELIVRD")))

    run = run_module(keyed_args(ledger_path))

    assert not run.failed, run.msg
    assert (run.result["changed"], run.result["actions"]) == (False, actions(sent=1))
    assert run.result["omnimessage_ids"] == [OID]


def test_a_message_cancelled_outside_is_scheduled_again(http: ScriptedHTTP, run_module: ModuleRunner, ledger_path: str) -> None:
    seed(ledger_path, TO, OID, sms_payload())
    http.script(get_status(OID, 200, delivery_report(OID, "DELETED")), post(sms_payload(), OID2))

    run = run_module(keyed_args(ledger_path))

    assert not run.failed, run.msg
    assert (run.result["changed"], run.result["actions"]) == (True, actions(scheduled=1))
    assert run.result["omnimessage_id"] == OID2
    assert stored(ledger_path)[TO].omnimessage_id == OID2


def test_a_changed_body_cancels_first_and_then_schedules_the_new_one(http: ScriptedHTTP, run_module: ModuleRunner,
                                                                     ledger_path: str) -> None:
    seed(ledger_path, TO, OID, sms_payload())
    http.script(delete(OID), post(sms_payload(text=NEW_TEXT), OID2))

    run = run_module(keyed_args(ledger_path, text=NEW_TEXT), diff=True)

    assert not run.failed, run.msg
    assert http.requests == [f"DELETE {SCHEDULE_URL}/{OID}", f"POST {SCHEDULE_URL}"]
    assert (run.result["changed"], run.result["actions"]) == (True, actions(rescheduled=1))
    assert run.result["omnimessage_id"] == OID2
    assert run.result["diff"] == {"before": {TO: sms_payload()}, "after": {TO: sms_payload(text=NEW_TEXT)}}
    entry = stored(ledger_path)[TO]
    assert (entry.omnimessage_id, json.loads(entry.body), entry.prev_body) == (OID2, sms_payload(text=NEW_TEXT), None)


def test_a_changed_body_of_a_sent_message_fails_and_schedules_nothing(http: ScriptedHTTP, run_module: ModuleRunner,
                                                                      ledger_path: str) -> None:
    seed(ledger_path, TO, OID, sms_payload())
    http.script(delete(OID, 404), get_status(OID, 200, delivery_report(OID, "DELIVRD")))

    run = run_module(keyed_args(ledger_path, text=NEW_TEXT))

    assert run.failed
    assert run.result["actions"] == actions(failed=1)
    assert run.msg == f"Key {KEY!r}: 1 failed. Failed: {TO}: omnimessage {OID} for {TO} was already sent and cannot be changed"
    entry = stored(ledger_path)[TO]
    assert (entry.state, entry.omnimessage_id, json.loads(entry.body)) == ("scheduled", OID, sms_payload())


def test_a_recipient_no_longer_in_to_is_cancelled_and_forgotten(http: ScriptedHTTP, run_module: ModuleRunner, ledger_path: str) -> None:
    seed(ledger_path, TO, OID, sms_payload())
    seed(ledger_path, TO2, OID2, sms_payload(to=TO2))
    http.script(get_status(OID, 200, scheduled_report(OID)), delete(OID2))

    run = run_module(keyed_args(ledger_path))

    assert not run.failed, run.msg
    assert (run.result["changed"], run.result["actions"]) == (True, actions(unchanged=1, cancelled=1))
    assert [(entry["to"], entry["action"]) for entry in run.result["results"]] == [(TO, "unchanged"), (TO2, "cancelled")]
    assert run.result["omnimessage_ids"] == [OID]
    assert sorted(stored(ledger_path)) == [TO]


def test_a_removed_recipient_whose_message_was_sent_is_forgotten_as_sent(http: ScriptedHTTP, run_module: ModuleRunner,
                                                                         ledger_path: str) -> None:
    seed(ledger_path, TO2, OID2, sms_payload(to=TO2))
    http.script(delete(OID2, 404), get_status(OID2, 200, delivery_report(OID2, "DELIVRD")), post(sms_payload()))

    run = run_module(keyed_args(ledger_path))

    assert not run.failed, run.msg
    assert run.result["actions"] == actions(scheduled=1, sent=1)
    assert sorted(stored(ledger_path)) == [TO]


def test_several_new_recipients_go_in_one_bulk_request(http: ScriptedHTTP, run_module: ModuleRunner, ledger_path: str) -> None:
    bodies = [sms_payload(to=number) for number in (TO, TO2, TO3)]
    http.script(Call("POST", BULK_URL, body={"messages": bodies}, status=201,
                     reply={"messages": [created(to=number, omnimessage_id=oid) for number, oid in zip((TO, TO2, TO3), (OID, OID2, OID3))]}))

    run = run_module(keyed_args(ledger_path, to=(TO, TO2, TO3)))

    assert not run.failed, run.msg
    assert run.result["actions"] == actions(scheduled=3)
    assert run.result["omnimessage_ids"] == [OID, OID2, OID3]
    assert {recipient: entry.omnimessage_id for recipient, entry in stored(ledger_path).items()} == {TO: OID, TO2: OID2, TO3: OID3}


# --- verify, relative times, past times --------------------------------------------------------------------------


def test_verify_false_trusts_the_ledger_and_makes_no_request(http: ScriptedHTTP, run_module: ModuleRunner, ledger_path: str) -> None:
    seed(ledger_path, TO, OID, sms_payload())

    run = run_module(keyed_args(ledger_path, verify=False))

    assert not run.failed, run.msg
    assert http.seen == []
    assert (run.result["changed"], run.result["actions"], run.result["omnimessage_id"]) == (False, actions(unchanged=1), OID)


def test_a_relative_time_keeps_the_instant_of_the_first_run(http: ScriptedHTTP, run_module: ModuleRunner, ledger_path: str) -> None:
    first = sms_payload(time_to_send="2030-06-01T10:00:00+00:00")  # +2h from the fixed clock NOW (08:00)
    http.script(post(first), get_status(OID, 200, scheduled_report(OID)))

    run_module(keyed_args(ledger_path, time_to_send="+2h"))
    later = ModuleRunner(run_module.monkeypatch, run_module.capsys, now=run_module.now.replace(hour=9))(
        keyed_args(ledger_path, time_to_send="+2h"))

    assert not later.failed, later.msg
    assert (later.result["changed"], later.result["actions"]) == (False, actions(unchanged=1))
    assert later.result["time_to_send"] == "2030-06-01T10:00:00+00:00"


def test_a_past_time_for_a_new_recipient_fails_before_any_request(http: ScriptedHTTP, run_module: ModuleRunner,
                                                                  ledger_path: str) -> None:
    run = run_module(keyed_args(ledger_path, time_to_send="2030-05-01T09:00:00Z"))

    assert run.failed
    assert run.msg.startswith("time_to_send 2030-05-01T09:00:00+00:00 is not in the future (now is 2030-06-01T08:00:00+00:00 UTC)")
    assert http.seen == [] and stored(ledger_path) == {}


def test_a_past_time_of_a_message_already_sent_is_reported_as_sent(http: ScriptedHTTP, run_module: ModuleRunner,
                                                                   ledger_path: str) -> None:
    past = sms_payload(time_to_send="2030-05-01T09:00:00+00:00")
    seed(ledger_path, TO, OID, past)
    http.script(get_status(OID, 200, delivery_report(OID, "DELIVRD")))

    run = run_module(keyed_args(ledger_path, time_to_send="2030-05-01T09:00:00Z"))

    assert not run.failed, run.msg
    assert run.result["actions"] == actions(sent=1)


# --- write-ahead, pending entries, concurrent runs --------------------------------------------------------------


def test_a_post_that_may_have_been_processed_leaves_the_entry_and_the_next_run_sends_nothing(
        http: ScriptedHTTP, run_module: ModuleRunner, ledger_path: str) -> None:
    http.script(post(sms_payload(), raises=requests.exceptions.ReadTimeout("read timed out")))

    first = run_module(keyed_args(ledger_path))
    second = run_module(keyed_args(ledger_path))

    assert first.failed and first.result["results"][0]["may_have_been_processed"] is True
    assert "MAY have been scheduled" in first.msg
    assert stored(ledger_path)[TO].state == "uncertain"
    assert second.failed
    assert second.result["actions"] == actions(failed=1)
    assert f"a previous run claimed {TO} for key {KEY!r}" in second.msg and "retry_pending: true" in second.msg
    assert len(http.seen) == 1


def test_retry_pending_sends_after_the_user_checked(http: ScriptedHTTP, run_module: ModuleRunner, ledger_path: str) -> None:
    http.script(post(sms_payload(), raises=requests.exceptions.ReadTimeout("read timed out")), post(sms_payload(), OID2))

    run_module(keyed_args(ledger_path))
    retried = run_module(keyed_args(ledger_path, retry_pending=True))

    assert not retried.failed, retried.msg
    assert (retried.result["actions"], retried.result["omnimessage_id"]) == (actions(scheduled=1), OID2)
    assert (stored(ledger_path)[TO].state, stored(ledger_path)[TO].omnimessage_id) == ("scheduled", OID2)


def test_a_post_refused_before_processing_leaves_no_entry(http: ScriptedHTTP, run_module: ModuleRunner, ledger_path: str) -> None:
    refusal = {"errors": [{"title": "Invalid data", "detail": "Sender not allowed", "code": "105", "source": "messages[0].sender"}]}
    http.script(post(sms_payload(), status=400, reply=refusal), post(sms_payload(), OID2))

    refused = run_module(keyed_args(ledger_path))
    again = run_module(keyed_args(ledger_path))

    assert refused.failed and refused.result["results"][0]["may_have_been_processed"] is False
    assert "Sender not allowed" in refused.msg
    assert again.result["actions"] == actions(scheduled=1)


def test_a_claim_left_by_a_dead_process_fails_at_once(http: ScriptedHTTP, run_module: ModuleRunner, ledger_path: str) -> None:
    with open_ledger(ledger_path) as ledger:
        ledger.claim(IDENTITY, KEY, [Claim(TO, canonical(sms_payload()), None)], f"{os.uname().nodename}:999999999:dead", 600)

    run = run_module(keyed_args(ledger_path))

    assert run.failed
    assert f"a previous run claimed {TO}" in run.msg
    assert http.seen == []


def test_a_live_claim_of_another_task_is_waited_for_and_then_unchanged(http: ScriptedHTTP, run_module: ModuleRunner,
                                                                       ledger_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    other = f"{os.uname().nodename}:{os.getpid()}:other-fork"
    with open_ledger(ledger_path) as ledger:
        ledger.claim(IDENTITY, KEY, [Claim(TO, canonical(sms_payload()), None)], other, 600)
    slept: list[float] = []

    def the_other_task_finishes(seconds: float) -> None:
        slept.append(seconds)
        with open_ledger(ledger_path) as ledger:
            ledger.record_scheduled(IDENTITY, KEY, [(TO, OID)], other)

    real_wait = _reconcile.wait_for_claims
    monkeypatch.setattr(_reconcile, "wait_for_claims", lambda *args, **kwargs: real_wait(*args, **dict(kwargs, sleep=the_other_task_finishes)))

    run = run_module(keyed_args(ledger_path))

    assert not run.failed, run.msg
    assert len(slept) == 1 and http.seen == []
    assert (run.result["changed"], run.result["actions"], run.result["omnimessage_id"]) == (False, actions(unchanged=1), OID)


# --- check mode, diff, state=absent, the ledger itself ----------------------------------------------------------


def test_check_mode_predicts_every_action_and_writes_nothing(http: ScriptedHTTP, run_module: ModuleRunner, ledger_path: str) -> None:
    seed(ledger_path, TO, OID, sms_payload())
    seed(ledger_path, TO2, OID2, sms_payload(to=TO2))
    before = stored(ledger_path)
    http.parallel([get_status(OID, 200, scheduled_report(OID))], [get_status(OID2, 200, scheduled_report(OID2))])

    run = run_module(keyed_args(ledger_path, to=(TO, TO3), text=NEW_TEXT), check_mode=True, diff=True)

    assert not run.failed, run.msg
    assert sorted(http.requests) == sorted([f"GET {SCHEDULE_URL}/{OID}/status", f"GET {SCHEDULE_URL}/{OID2}/status"])
    assert [(entry["to"], entry["action"]) for entry in run.result["results"]] == [(TO, "rescheduled"), (TO3, "scheduled"), (TO2, "cancelled")]
    assert run.result["changed"] is True
    assert run.msg == f"Check mode: would leave {KEY!r}: 1 scheduled, 1 rescheduled, 1 cancelled"
    assert run.result["diff"] == {
        "before": {TO: sms_payload(), TO2: sms_payload(to=TO2)},
        "after": {TO: sms_payload(text=NEW_TEXT), TO3: sms_payload(to=TO3, text=NEW_TEXT)},
    }
    assert stored(ledger_path) == before


def test_check_mode_predicts_that_a_sent_message_cannot_be_changed(http: ScriptedHTTP, run_module: ModuleRunner, ledger_path: str) -> None:
    seed(ledger_path, TO, OID, sms_payload())
    http.script(get_status(OID, 200, delivery_report(OID, "DELIVRD")))

    run = run_module(keyed_args(ledger_path, text=NEW_TEXT), check_mode=True)

    assert run.failed
    assert run.result["actions"] == actions(failed=1)


def test_absent_with_a_key_cancels_everything_and_a_second_run_changes_nothing(http: ScriptedHTTP, run_module: ModuleRunner,
                                                                               ledger_path: str) -> None:
    seed(ledger_path, TO, OID, sms_payload())
    seed(ledger_path, TO2, OID2, sms_payload(to=TO2))
    http.parallel([delete(OID)], [delete(OID2, 404), get_status(OID2, 200, delivery_report(OID2, "DELETED"))])
    args = module_args(state="absent", key=KEY, ledger=ledger_path)

    first = run_module(args)
    second = run_module(args)

    assert not first.failed, first.msg
    assert (first.result["changed"], first.result["actions"]) == (True, actions(cancelled=2))
    assert (first.result["omnimessage_ids"], first.result["cancelled"]) == ([OID, OID2], True)
    assert stored(ledger_path) == {}
    assert (second.result["changed"], second.result["actions"], second.msg) == (False, NO_ACTIONS, f"Key {KEY!r}: no recipients")
    assert len(http.seen) == 3


def test_a_ledger_that_cannot_be_written_fails_before_any_request(http: ScriptedHTTP, run_module: ModuleRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the ledger directory should be", encoding="utf-8")

    run = run_module(keyed_args(str(blocker / "ledger.sqlite3")))

    assert run.failed
    assert str(blocker) in run.msg and run.msg.startswith("Cannot open the ledger")
    assert http.seen == []


def test_the_ledger_file_holds_no_password(http: ScriptedHTTP, run_module: ModuleRunner, ledger_path: str) -> None:
    http.script(post(sms_payload()))

    run_module(keyed_args(ledger_path))

    files = [path for path in Path(ledger_path).parent.iterdir() if path.is_file()]
    raw = b"".join(path.read_bytes() for path in files)
    assert files and PASSWORD.encode() not in raw
    assert USERNAME.encode() in raw and API_URL.encode() not in raw


def test_unknown_stored_id_is_not_resent(http: ScriptedHTTP, run_module: ModuleRunner, ledger_path: str) -> None:
    seed(ledger_path, TO, OID, sms_payload())
    http.script(get_status(OID, 404, not_found()))

    run = run_module(keyed_args(ledger_path))

    assert run.failed
    assert f"Messente no longer knows omnimessage {OID}" in run.msg


def test_check_mode_without_a_ledger_yet_predicts_scheduling_and_creates_no_file(http: ScriptedHTTP, run_module: ModuleRunner,
                                                                                 ledger_path: str) -> None:
    run = run_module(keyed_args(ledger_path, to=(TO, TO2)), check_mode=True)

    assert not run.failed, run.msg
    assert (run.result["changed"], run.result["actions"]) == (True, actions(scheduled=2))
    assert run.result["payload"] == {"messages": [sms_payload(), sms_payload(to=TO2)]}
    assert http.seen == [] and not os.path.exists(os.path.dirname(ledger_path))

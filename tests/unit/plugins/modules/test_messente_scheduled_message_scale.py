# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""messente_scheduled_message at scale, over scripted HTTP: return_results, concurrent bulk chunks, rate_limit, and
linear-time input checks. Figures on speed and memory come from tests/benchmarks, never from here."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.messente.omnichannel.plugins.module_utils._omnimessage import (
    InputError,
    normalize_omnimessage_ids,
    normalize_recipients,
)
from ansible_collections.messente.omnichannel.plugins.module_utils._scheduled_message import OmnimessageBodies, plan_present
from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import Call, ModuleRunner, ScriptedHTTP
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
    cancel_args,
    created,
    delete,
    delivery_report,
    get_status,
    schedule_args,
    sms_payload,
)
from ansible_collections.messente.omnichannel.tests.unit.plugins.modules.test_messente_scheduled_message_key import (
    actions,
    keyed_args,
    post,
)

NOT_REACHABLE = {"errors": [{"title": "Invalid data", "detail": "Number is not reachable", "code": "105", "source": "to"}]}
REFUSED_TO2 = "Messente refused this recipient: Invalid data (code 105): Number is not reachable"
NOT_ATTEMPTED = "not sent: an earlier batch failed, so this one was not attempted"


def numbers(count: int) -> list[str]:
    return [f"+3725{index:07d}" for index in range(count)]


def bulk(recipients: list[str], status: int = 201, **answer: Any) -> Call:
    if status == 201 and "reply" not in answer:
        answer["reply"] = {"messages": [created(number, f"id-{number}") for number in recipients]}
    return Call("POST", BULK_URL, body={"messages": [sms_payload(number) for number in recipients]}, status=status, **answer)


def one_of_three_refused() -> Call:
    return bulk([TO, TO2, TO3], reply={"messages": [created(TO, OID), NOT_REACHABLE, created(TO3, OID3)]})


# --- return_results, state=present -------------------------------------------------------------------------------


def test_return_results_all_is_the_default_and_lists_every_recipient(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(one_of_three_refused())

    run = run_module(schedule_args(to=[TO, TO2, TO3], allow_partial=True))

    assert [entry["to"] for entry in run.result["results"]] == [TO, TO2, TO3]
    assert [entry["attempted"] for entry in run.result["results"]] == [True, True, True]
    assert run.result["payload"] == {"messages": [sms_payload(TO), sms_payload(TO2), sms_payload(TO3)]}
    assert run.result["to"] == [TO, TO2, TO3]
    assert run.result["omnimessage_ids"] == [OID, OID3]
    assert run.result["counts"] == {"scheduled": 2, "refused": 1, "may_have_been_processed": 0, "not_attempted": 0}


def test_return_results_failed_lists_only_the_recipients_not_scheduled(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(one_of_three_refused())

    run = run_module(schedule_args(to=[TO, TO2, TO3], allow_partial=True, return_results="failed"))

    assert not run.failed
    assert [(entry["to"], entry["error"], entry["attempted"], entry["may_have_been_processed"]) for entry in run.result["results"]] == [
        (TO2, REFUSED_TO2, True, False)]
    assert run.result["omnimessage_ids"] == [OID, OID3]
    assert run.result["counts"] == {"scheduled": 2, "refused": 1, "may_have_been_processed": 0, "not_attempted": 0}
    assert (run.result["payload"], run.result["to"], run.result["messages"], run.result["omnimessage_id"]) == (None, None, [], None)
    assert (run.result["time_to_send"], run.result["changed"]) == (WHEN, True)
    assert run.msg == f"Scheduled 2 of 3 omnimessage(s) for {WHEN}. 1 recipient(s) failed: {TO2}: {REFUSED_TO2}"


def test_return_results_none_returns_counts_only(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(one_of_three_refused())

    run = run_module(schedule_args(to=[TO, TO2, TO3], return_results="none"))

    assert run.failed  # whether the task fails does not depend on return_results
    assert (run.result["results"], run.result["omnimessage_ids"], run.result["payload"], run.result["to"]) == ([], [], None, None)
    assert run.result["counts"] == {"scheduled": 2, "refused": 1, "may_have_been_processed": 0, "not_attempted": 0}
    assert f"1 recipient(s) failed: {TO2}" in run.msg
    assert run.printed["counts"] == run.result["counts"]


@pytest.mark.parametrize(("level", "omnimessage_id", "messages"), [("all", OID, created()["messages"]), ("failed", OID, []), ("none", None, [])])
def test_return_results_with_one_recipient(http: ScriptedHTTP, run_module: ModuleRunner, level: str, omnimessage_id: str | None,
                                           messages: list) -> None:
    http.script(Call("POST", SCHEDULE_URL, body=sms_payload(), status=201, reply=created()))

    run = run_module(schedule_args(return_results=level))

    assert (run.result["omnimessage_id"], run.result["messages"]) == (omnimessage_id, messages)
    assert [entry["omnimessage_id"] for entry in run.result["results"]] == ([OID] if level == "all" else [])
    assert run.result["omnimessage_ids"] == ([] if level == "none" else [OID])
    assert run.result["counts"]["scheduled"] == 1


@pytest.mark.parametrize("level", ["failed", "none"])
def test_check_mode_with_a_bounded_result_sends_nothing_and_lists_nobody(http: ScriptedHTTP, run_module: ModuleRunner, level: str) -> None:
    run = run_module(schedule_args(to=numbers(2500), return_results=level), check_mode=True, diff=True)

    assert http.requests == []
    assert (run.result["results"], run.result["payload"], run.result["omnimessage_ids"]) == ([], None, [])
    assert run.msg == f"Check mode: would schedule 2500 omnimessage(s) for {WHEN}; nothing was sent"
    assert run.result["diff"]["after"]["bodies_not_shown"] == 2497  # the diff keeps its summary


# --- concurrent bulk chunks ---------------------------------------------------------------------------------------


def test_concurrent_chunks_of_a_big_task_keep_input_order(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    recipients = numbers(2001)
    second_on_the_wire = threading.Event()
    waited: list[bool] = []
    http.parallel([bulk(recipients[:1000], before_answer=lambda: waited.append(second_on_the_wire.wait(10)))],
                  [bulk(recipients[1000:2000], before_answer=second_on_the_wire.set)],
                  [bulk(recipients[2000:])])

    run = run_module(schedule_args(to=recipients, concurrency=2, return_results="failed"))

    assert not run.failed, run.msg
    assert waited == [True]  # the first two chunks were in flight together
    assert run.result["omnimessage_ids"] == [f"id-{number}" for number in recipients]
    assert run.result["results"] == []
    assert run.result["counts"] == {"scheduled": 2001, "refused": 0, "may_have_been_processed": 0, "not_attempted": 0}


def test_a_doubtful_chunk_names_exactly_which_recipients_may_have_been_scheduled(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    recipients = numbers(3500)
    http.script(bulk(recipients[:1000]), bulk(recipients[1000:2000], status=502, raw="<html>bad gateway</html>"))

    run = run_module(schedule_args(to=recipients, concurrency=1, return_results="failed"))

    assert run.failed
    results = run.result["results"]
    assert [entry["to"] for entry in results] == recipients[1000:]
    assert all(entry["may_have_been_processed"] and entry["attempted"] for entry in results[:1000])
    assert all(not entry["may_have_been_processed"] and not entry["attempted"] and entry["error"] == NOT_ATTEMPTED for entry in results[1000:])
    assert run.result["omnimessage_ids"] == [f"id-{number}" for number in recipients[:1000]]
    assert run.result["counts"] == {"scheduled": 1000, "refused": 0, "may_have_been_processed": 1000, "not_attempted": 1500}
    assert run.msg.startswith(f"Scheduled 1000 of 3500 omnimessage(s) for {WHEN}. 2500 recipient(s) failed: {recipients[1000]}: "
                              "Messente answered POST /omnimessages with HTTP 502")
    assert len(http.seen) == 2


# --- return_results, state=absent ---------------------------------------------------------------------------------


def several_cancels_one_already_sent(http: ScriptedHTTP) -> None:
    http.parallel([delete(OID)], [delete(OID2, 404), get_status(OID2, 200, delivery_report(OID2, "DELIVRD"))], [delete(OID3)])


@pytest.mark.parametrize("level", ["all", "failed", "none"])
def test_return_results_of_a_cancel(http: ScriptedHTTP, run_module: ModuleRunner, level: str) -> None:
    several_cancels_one_already_sent(http)

    run = run_module(cancel_args(OID, OID2, OID3, allow_partial=True, return_results=level))

    assert run.result["counts"] == {"cancelled": 2, "unchanged": 0, "failed": 1}
    assert run.msg.startswith("Cancelled 2 of 3 omnimessage(s), 1 failed: Omnimessage")
    listed = {"all": [OID, OID2, OID3], "failed": [OID2], "none": []}[level]
    assert [entry["omnimessage_id"] for entry in run.result["results"]] == listed
    assert run.result["omnimessage_ids"] == ([] if level == "none" else [OID, OID2, OID3])
    assert run.result["cancelled"] is True


# --- return_results with a key ------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["all", "failed", "none"])
def test_return_results_of_a_keyed_run(http: ScriptedHTTP, run_module: ModuleRunner, tmp_path: Path, level: str) -> None:
    http.script(one_of_three_refused())

    run = run_module(keyed_args(str(tmp_path / "ledger.sqlite3"), (TO, TO2, TO3), allow_partial=True, return_results=level))

    assert run.result["actions"] == actions(scheduled=2, failed=1)
    listed = {"all": [TO, TO2, TO3], "failed": [TO2], "none": []}[level]
    assert [entry["to"] for entry in run.result["results"]] == listed
    assert run.result["omnimessage_ids"] == ([] if level == "none" else [OID, OID3])
    assert (run.result["payload"] is None) is (level != "all")
    assert (run.result["to"] is None) is (level != "all")


def test_return_results_failed_of_a_keyed_run_with_one_recipient_keeps_its_id(http: ScriptedHTTP, run_module: ModuleRunner,
                                                                              tmp_path: Path) -> None:
    http.script(post(sms_payload()))

    run = run_module(keyed_args(str(tmp_path / "ledger.sqlite3"), return_results="failed"))

    assert (run.result["omnimessage_id"], run.result["omnimessage_ids"], run.result["results"]) == (OID, [OID], [])
    assert run.result["actions"] == actions(scheduled=1)


# --- rate_limit ---------------------------------------------------------------------------------------------------


def test_rate_limit_spaces_the_requests_of_a_task(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.parallel([delete(OID)], [delete(OID2)], [delete(OID3)])

    run = run_module(cancel_args(OID, OID2, OID3, rate_limit=4, concurrency=1))

    assert not run.failed, run.msg
    assert http.sleeps == [0.25, 0.25]


@pytest.mark.parametrize("value", [0, -1.5])
def test_rate_limit_must_be_positive(http: ScriptedHTTP, run_module: ModuleRunner, value: float) -> None:
    run = run_module(cancel_args(OID, rate_limit=value))

    assert run.failed
    assert run.msg == f"rate_limit: must be a positive number of requests per second, got {float(value)}"
    assert http.requests == []


# --- linear-time input checks -------------------------------------------------------------------------------------


def test_a_hundred_thousand_ids_are_de_duplicated_keeping_the_first_of_each() -> None:
    unique = [str(uuid.UUID(int=index + 1)) for index in range(50_000)]
    given = unique + [value.upper() for value in reversed(unique)]  # every id twice, the repeat in upper case

    assert normalize_omnimessage_ids(given) == unique


def test_a_repeated_recipient_among_a_hundred_thousand_is_named_with_both_places() -> None:
    recipients = numbers(100_000) + ["+372 5000 0042"]

    with pytest.raises(InputError) as refused:
        normalize_recipients(recipients)

    assert str(refused.value) == "to[100000]: +37250000042 is already listed at to[42]; each recipient may appear once"


def test_the_plan_of_a_hundred_thousand_recipients_builds_bodies_only_when_read() -> None:
    params = {"to": numbers(100_000), "time_to_send": WHEN, "text": "Maintenance at 10:00", "state": "present"}

    plan = plan_present(params, datetime(2030, 6, 1, tzinfo=timezone.utc))

    assert isinstance(plan.omnimessages, OmnimessageBodies) and len(plan.omnimessages) == 100_000
    assert plan.omnimessages[99_999] == sms_payload(numbers(100_000)[99_999], "Maintenance at 10:00")
    assert plan.omnimessages[1:3] == [sms_payload(number, "Maintenance at 10:00") for number in numbers(3)[1:3]]

# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bulk scheduling in chunks over scripted HTTP: one entry per recipient in input order, chunks sent concurrently,
and nothing sent after a chunk that failed as a whole."""

from __future__ import annotations

import threading
from typing import Any, Sequence

import pytest

from ansible_collections.messente.omnichannel.plugins.module_utils._client import MessenteClient
from ansible_collections.messente.omnichannel.plugins.module_utils._operations import (
    NOT_ATTEMPTED,
    ScheduleOutcome,
    outcome_of,
    schedule_many,
    schedule_outcome,
)
from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import API_URL, PASSWORD, USERNAME, Call, ScriptedHTTP

BULK_URL = f"{API_URL}/omnimessages"
NUMBERS = [f"+3725100000{index}" for index in range(10)]
WHEN = "2030-06-22T09:05:00+00:00"
REFUSED = {"errors": [{"title": "Missing data", "detail": "messages is required", "code": "106", "source": "messages"}]}


def omnimessage(number: str) -> dict[str, Any]:
    return {"to": number, "messages": [{"channel": "sms", "text": "hi"}], "time_to_send": WHEN}


def created(number: str) -> dict[str, Any]:
    return {"messages": [{"channel": "sms", "message_id": f"m-{number}", "sender": "Ops"}], "to": number, "omnimessage_id": f"id-{number}"}


def bulk(numbers: list[str], status: int = 201, **answer: Any) -> Call:
    """The bulk POST of exactly these recipients; by default Messente schedules them all."""
    if status == 201 and "reply" not in answer and "raw" not in answer:
        answer["reply"] = {"messages": [created(number) for number in numbers]}
    return Call("POST", BULK_URL, body={"messages": [omnimessage(number) for number in numbers]}, status=status, **answer)


def client(**options: Any) -> MessenteClient:
    return MessenteClient(api_url=API_URL, username=USERNAME, password=PASSWORD, retries=0, **options)


def bodies(count: int) -> list[dict[str, Any]]:
    return [omnimessage(number) for number in NUMBERS[:count]]


def outcomes(outcome: ScheduleOutcome) -> list[tuple[str, str]]:
    return [(entry["to"], outcome_of(entry)) for entry in outcome.entries]


class Recorded(ScheduleOutcome):
    """An outcome that tells the test when it has recorded entries (the dispatcher records them in input order)."""

    def __init__(self) -> None:
        super().__init__()
        self.recorded = threading.Event()

    def add(self, entries: Any) -> None:
        super().add(entries)
        self.recorded.set()


# --- one chunk at a time ------------------------------------------------------------------------------------------


def test_chunks_are_sent_in_order_and_results_keep_input_order(http: ScriptedHTTP) -> None:
    http.script(bulk(NUMBERS[:2]), bulk(NUMBERS[2:4]), bulk(NUMBERS[4:5]))

    outcome = schedule_many(client(), bodies(5), chunk_size=2)

    assert [(entry["to"], entry["omnimessage_id"], entry["error"]) for entry in outcome.entries] == [(n, f"id-{n}", None) for n in NUMBERS[:5]]
    assert all(entry["time_to_send"] == WHEN and entry["attempted"] for entry in outcome.entries)
    assert outcome.omnimessage_ids == [f"id-{n}" for n in NUMBERS[:5]]
    assert outcome.counts == {"scheduled": 5, "refused": 0, "may_have_been_processed": 0, "not_attempted": 0}


def test_a_failed_chunk_stops_the_rest_and_every_recipient_is_accounted_for(http: ScriptedHTTP) -> None:
    http.script(bulk(NUMBERS[:2]), bulk(NUMBERS[2:4], status=503, raw="<html>down</html>"))

    outcome = schedule_many(client(), bodies(5), chunk_size=2)

    entries = outcome.entries
    assert [entry["omnimessage_id"] for entry in entries] == [f"id-{NUMBERS[0]}", f"id-{NUMBERS[1]}", None, None, None]
    assert [entry["may_have_been_processed"] for entry in entries[2:]] == [True, True, False]
    assert [entry["attempted"] for entry in entries] == [True, True, True, True, False]
    assert entries[2]["error"].startswith("Messente answered POST /omnimessages with HTTP 503, expected 201")
    assert entries[4]["error"] == NOT_ATTEMPTED == "not sent: an earlier batch failed, so this one was not attempted"
    assert outcome.counts == {"scheduled": 2, "refused": 0, "may_have_been_processed": 2, "not_attempted": 1}
    assert len(http.seen) == 2


@pytest.mark.parametrize("status", [400, 401])
def test_a_chunk_refused_before_processing_is_refused_and_stops_the_rest(http: ScriptedHTTP, status: int) -> None:
    http.script(bulk(NUMBERS[:2], status=status, reply=REFUSED))

    outcome = schedule_many(client(), bodies(4), chunk_size=2)

    assert outcomes(outcome) == [(NUMBERS[0], "refused"), (NUMBERS[1], "refused"),
                                 (NUMBERS[2], "not_attempted"), (NUMBERS[3], "not_attempted")]
    assert outcome.entries[0]["errors"] == REFUSED["errors"]
    assert len(http.seen) == 1


def test_malformed_items_in_a_bulk_answer_are_failures(http: ScriptedHTTP) -> None:
    http.script(bulk(NUMBERS[:3], reply={"messages": [created(NUMBERS[0]), "garbage", {"errors": "not a list of items"}]}))

    entries = schedule_many(client(), bodies(3)).entries

    assert entries[0]["omnimessage_id"] == f"id-{NUMBERS[0]}"
    assert [entry["error"] for entry in entries[1:]] == ["Messente refused this recipient: no reason given"] * 2
    assert [outcome_of(entry) for entry in entries] == ["scheduled", "refused", "refused"]


def test_a_bulk_answer_without_one_result_each_stops_the_chunks_after_it(http: ScriptedHTTP) -> None:
    http.script(bulk(NUMBERS[:2], reply={"messages": [created(NUMBERS[0])]}))

    outcome = schedule_many(client(), bodies(4), chunk_size=2)

    assert outcomes(outcome) == [(NUMBERS[0], "may_have_been_processed"), (NUMBERS[1], "may_have_been_processed"),
                                 (NUMBERS[2], "not_attempted"), (NUMBERS[3], "not_attempted")]
    assert len(http.seen) == 1


# --- several chunks at once ---------------------------------------------------------------------------------------


def test_concurrent_chunks_are_in_flight_together_and_results_keep_input_order(http: ScriptedHTTP) -> None:
    later_answered = [threading.Event(), threading.Event()]
    first_saw_the_others: list[bool] = []

    def first_waits_for_the_others() -> None:
        first_saw_the_others.append(all(event.wait(10) for event in later_answered))

    http.parallel([bulk(NUMBERS[:2], before_answer=first_waits_for_the_others)],
                  [bulk(NUMBERS[2:4], before_answer=later_answered[0].set)],
                  [bulk(NUMBERS[4:5], before_answer=later_answered[1].set)])

    outcome = schedule_many(client(), bodies(5), concurrency=3, chunk_size=2)

    assert first_saw_the_others == [True]  # all three chunks were on the wire at once, and the first answered last
    assert [entry["to"] for entry in outcome.entries] == NUMBERS[:5]
    assert outcome.omnimessage_ids == [f"id-{n}" for n in NUMBERS[:5]]


def test_after_a_doubtful_chunk_only_the_chunks_in_flight_finish_and_each_recipient_says_how_it_ended(http: ScriptedHTTP) -> None:
    outcome = Recorded()
    second_on_the_wire = threading.Event()

    def second_waits_until_the_first_failed() -> None:
        second_on_the_wire.set()
        outcome.recorded.wait(10)

    http.parallel([bulk(NUMBERS[:2], status=500, raw="<html>oops</html>", before_answer=lambda: second_on_the_wire.wait(10))],
                  [bulk(NUMBERS[2:4], before_answer=second_waits_until_the_first_failed)])

    schedule_many(client(), bodies(10), outcome, concurrency=2, chunk_size=2)

    assert outcomes(outcome) == ([(number, "may_have_been_processed") for number in NUMBERS[:2]]
                                 + [(number, "scheduled") for number in NUMBERS[2:4]]
                                 + [(number, "not_attempted") for number in NUMBERS[4:]])
    assert outcome.counts == {"scheduled": 2, "refused": 0, "may_have_been_processed": 2, "not_attempted": 6}
    assert outcome.entries[0]["error"].startswith("Messente answered POST /omnimessages with HTTP 500")
    assert "MAY have been scheduled" in outcome.entries[0]["error"]
    assert all(entry["error"] == NOT_ATTEMPTED for entry in outcome.entries[4:])
    assert len(http.seen) == 2


def test_chunk_bodies_are_built_one_chunk_at_a_time(http: ScriptedHTTP) -> None:
    class BuiltOnDemand(Sequence):
        """Records which slices were asked for: never the whole list at once."""

        def __init__(self) -> None:
            self.slices: list[tuple[int, int]] = []

        def __len__(self) -> int:
            return 5

        def __getitem__(self, index: Any) -> Any:
            self.slices.append((index.start, index.stop))
            return [omnimessage(number) for number in NUMBERS[:5][index]]

    http.script(bulk(NUMBERS[:2]), bulk(NUMBERS[2:4]), bulk(NUMBERS[4:5]))
    source = BuiltOnDemand()

    outcome = schedule_many(client(), source, chunk_size=2)

    assert source.slices == [(0, 2), (2, 4), (4, 6)]
    assert outcome.counts["scheduled"] == 5


# --- what is kept -------------------------------------------------------------------------------------------------


def test_without_keep_all_only_the_recipients_not_scheduled_keep_an_entry(http: ScriptedHTTP) -> None:
    refused = {"errors": [{"title": "Invalid data", "detail": "Number is not reachable", "code": "105", "source": "to"}]}
    http.script(bulk(NUMBERS[:3], reply={"messages": [created(NUMBERS[0]), refused, created(NUMBERS[2])]}))

    outcome = schedule_outcome(client(), bodies(3), keep_all=False)

    assert [entry["to"] for entry in outcome.entries] == [NUMBERS[1]]
    assert outcome.failures == outcome.entries
    assert outcome.omnimessage_ids == [f"id-{NUMBERS[0]}", f"id-{NUMBERS[2]}"]
    assert outcome.counts == {"scheduled": 2, "refused": 1, "may_have_been_processed": 0, "not_attempted": 0}


def test_one_recipient_uses_the_plain_endpoint(http: ScriptedHTTP) -> None:
    http.script(Call("POST", f"{API_URL}/omnimessage", body=omnimessage(NUMBERS[0]), status=201, reply=created(NUMBERS[0])))

    outcome = schedule_outcome(client(), bodies(1), concurrency=8, keep_all=False)

    assert outcome.omnimessage_ids == [f"id-{NUMBERS[0]}"] and outcome.entries == []

# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bulk scheduling in chunks over scripted HTTP: one entry per recipient, and nothing sent after a failed chunk."""

from __future__ import annotations

from typing import Any

from ansible_collections.messente.omnichannel.plugins.module_utils._client import MessenteClient
from ansible_collections.messente.omnichannel.plugins.module_utils._operations import schedule_many
from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import API_URL, PASSWORD, USERNAME, Call, ScriptedHTTP

BULK_URL = f"{API_URL}/omnimessages"
NUMBERS = [f"+3725100000{index}" for index in range(5)]
WHEN = "2030-06-22T09:05:00+00:00"


def omnimessage(number: str) -> dict[str, Any]:
    return {"to": number, "messages": [{"channel": "sms", "text": "hi"}], "time_to_send": WHEN}


def created(number: str) -> dict[str, Any]:
    return {"messages": [{"channel": "sms", "message_id": f"m-{number}", "sender": "Ops"}], "to": number, "omnimessage_id": f"id-{number}"}


def client() -> MessenteClient:
    return MessenteClient(api_url=API_URL, username=USERNAME, password=PASSWORD, retries=0)


def test_chunks_are_sent_in_order_and_results_keep_input_order(http: ScriptedHTTP) -> None:
    http.script(
        Call("POST", BULK_URL, body={"messages": [omnimessage(n) for n in NUMBERS[:2]]}, status=201, reply={"messages": [created(n) for n in NUMBERS[:2]]}),
        Call("POST", BULK_URL, body={"messages": [omnimessage(n) for n in NUMBERS[2:4]]}, status=201, reply={"messages": [created(n) for n in NUMBERS[2:4]]}),
        Call("POST", BULK_URL, body={"messages": [omnimessage(NUMBERS[4])]}, status=201, reply={"messages": [created(NUMBERS[4])]}),
    )

    entries = schedule_many(client(), [omnimessage(n) for n in NUMBERS], chunk_size=2)

    assert [(entry["to"], entry["omnimessage_id"], entry["error"]) for entry in entries] == [(n, f"id-{n}", None) for n in NUMBERS]
    assert all(entry["time_to_send"] == WHEN for entry in entries)


def test_a_failed_chunk_stops_the_rest_and_every_recipient_is_accounted_for(http: ScriptedHTTP) -> None:
    http.script(
        Call("POST", BULK_URL, body={"messages": [omnimessage(n) for n in NUMBERS[:2]]}, status=201, reply={"messages": [created(n) for n in NUMBERS[:2]]}),
        Call("POST", BULK_URL, body={"messages": [omnimessage(n) for n in NUMBERS[2:4]]}, status=503, raw="<html>down</html>"),
    )

    entries = schedule_many(client(), [omnimessage(n) for n in NUMBERS], chunk_size=2)

    assert [entry["omnimessage_id"] for entry in entries] == [f"id-{NUMBERS[0]}", f"id-{NUMBERS[1]}", None, None, None]
    assert [entry["may_have_been_processed"] for entry in entries[2:]] == [True, True, False]
    assert entries[2]["error"].startswith("Messente answered POST /omnimessages with HTTP 503, expected 201")
    assert entries[4]["error"] == "not sent: an earlier batch failed, so this one was not attempted"
    assert len(http.seen) == 2


def test_malformed_items_in_a_bulk_answer_are_failures(http: ScriptedHTTP) -> None:
    http.script(Call("POST", BULK_URL, body={"messages": [omnimessage(n) for n in NUMBERS[:3]]}, status=201,
                     reply={"messages": [created(NUMBERS[0]), "garbage", {"errors": "not a list of items"}]}))

    entries = schedule_many(client(), [omnimessage(n) for n in NUMBERS[:3]])

    assert entries[0]["omnimessage_id"] == f"id-{NUMBERS[0]}"
    assert [entry["error"] for entry in entries[1:]] == ["Messente refused this recipient: no reason given"] * 2

# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""messente_scheduled_message end to end against scripted HTTP: requests made, task results, messages, secrecy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import (
    API_URL,
    BASIC_TOKEN,
    PASSWORD,
    USERNAME,
    Call,
    ModuleRunner,
    ScriptedHTTP,
    module_args,
)

SCHEDULE_URL = f"{API_URL}/omnimessage"
BULK_URL = f"{API_URL}/omnimessages"
OID = "4f1a4a3e-52a2-4b8a-9e63-0c3c6b0c1f9e"
OID2 = "8f4b1f7e-2c4d-4a8b-9e57-1d2c3b4a5f60"
OID3 = "0b8e7c51-9d0f-4e55-8d2c-6a1f3e9b7c44"
MID = "9e2d3b6a-3c1e-4f4f-8a0b-7d6c5b4a3f21"
TO = "+37251234567"
TO2 = "+442079460958"
TO3 = "+4915112345678"
WHEN = "2030-06-22T09:05:07+00:00"
# Every key the module documents as "returned: always".
ALWAYS_RETURNED = ("changed", "msg", "omnimessage_id", "omnimessage_ids", "to", "time_to_send", "messages", "payload",
                   "results", "cancelled", "statuses")


def sms_payload(to: str = TO, text: str = "Maintenance at 10:00", **extra: Any) -> dict[str, Any]:
    return dict({"to": to, "messages": [{"channel": "sms", "text": text}], "time_to_send": WHEN}, **extra)


def created(to: str = TO, omnimessage_id: str = OID, channels: tuple[str, ...] = ("sms",)) -> dict[str, Any]:
    """A 201 body as Messente sends it: one message result per channel."""
    messages = [{"channel": channel, "message_id": f"{MID[:-2]}{index:02d}", "sender": "OpsTeam"} for index, channel in enumerate(channels)]
    return {"messages": messages, "to": to, "omnimessage_id": omnimessage_id}


def not_found() -> dict[str, Any]:
    return {"errors": [{"title": "Not found", "detail": "Omnimessage not found", "code": "101", "source": None}]}


def delivery_report(omnimessage_id: str, *statuses: str | None) -> dict[str, Any]:
    channels = ("viber", "sms", "whatsapp")
    return {
        "statuses": [
            {"channel": channels[index], "message_id": MID, "sender": "OpsTeam", "status": status,
             "err": 0 if status == "DELIVRD" else None, "error": None, "timestamp": "2030-06-01T07:59:00", "price_info": None}
            for index, status in enumerate(statuses)
        ],
        "to": TO,
        "omnimessage_id": omnimessage_id,
    }


def assert_statuses(returned: list[dict[str, Any]], report: dict[str, Any]) -> None:
    """The task returns every channel of the report, in order, with at least the fields Messente sent."""
    assert len(returned) == len(report["statuses"])
    for entry, sent in zip(returned, report["statuses"]):
        assert {key: entry.get(key) for key in sent} == sent


def schedule_args(**options: Any) -> dict[str, Any]:
    return module_args(**dict({"to": [TO], "text": "Maintenance at 10:00", "time_to_send": WHEN}, **options))


def cancel_args(*ids: str, **options: Any) -> dict[str, Any]:
    return module_args(state="absent", omnimessage_id=list(ids or (OID,)), **options)


def delete(omnimessage_id: str, status: int = 202, **answer: Any) -> Call:
    reply = answer.pop("reply", {} if status == 202 else not_found())
    return Call("DELETE", f"{SCHEDULE_URL}/{omnimessage_id}", status=status, reply=reply, **answer)


def get_status(omnimessage_id: str, status: int = 200, reply: Any = None, **answer: Any) -> Call:
    return Call("GET", f"{SCHEDULE_URL}/{omnimessage_id}/status", status=status, reply=reply, **answer)


# --- scheduling ------------------------------------------------------------------------------------------------


def test_schedule_posts_one_omnimessage_and_returns_its_id(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(Call("POST", SCHEDULE_URL, body=sms_payload(), status=201, reply=created()))

    run = run_module(schedule_args(to="+372 5123-4567", time_to_send="2030-06-22T12:05:07+03:00"))

    assert not run.failed, run.msg
    assert run.result["changed"] is True
    assert run.result["omnimessage_id"] == OID
    assert run.result["omnimessage_ids"] == [OID]
    assert run.result["to"] == TO
    assert run.result["time_to_send"] == WHEN
    assert run.result["messages"] == created()["messages"]
    assert run.result["payload"] == sms_payload()
    assert run.result["cancelled"] is None and run.result["statuses"] is None
    assert run.msg == f"Scheduled 1 of 1 omnimessage(s) for {WHEN}"
    assert run.printed["omnimessage_id"] == OID and run.printed["changed"] is True
    assert "diff" not in run.result


def test_schedule_sends_json_with_collection_user_agent_and_configured_timeout(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(Call("POST", SCHEDULE_URL, body=sms_payload(), status=201, reply=created()))

    run = run_module(schedule_args(timeout=12.5))

    assert not run.failed, run.msg
    (seen,) = http.seen
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.headers["Accept"] == "application/json"
    assert seen.headers["User-Agent"].startswith("messente.omnichannel/")
    assert seen.timeout == 12.5
    assert seen.verify is True


def test_fallback_chain_applies_default_text_and_sender_and_wire_values(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    payload = {
        "to": TO,
        "messages": [
            {"channel": "viber", "sender": "OpsTeam", "validity": 10, "text": "On call at 18:00",
             "image_url": "https://example.com/rota.png", "button_url": "https://example.com/rota", "button_text": "Rota"},
            {"channel": "sms", "sender": "OpsSMS", "ttl": 600, "text": "On call at 18:00", "autoconvert": "true"},
        ],
        "time_to_send": "2030-06-01T10:00:00+00:00",
        "dlr_url": "https://hooks.example.com/dlr",
        "text_store": "sha256",
        "priority": "high",
    }
    http.script(Call("POST", SCHEDULE_URL, body=payload, status=201, reply=created(channels=("viber", "sms"))))

    run = run_module(module_args(
        to=TO, time_to_send="+2h", text="On call at 18:00", sender="OpsTeam", dlr_url="https://hooks.example.com/dlr",
        text_store="sha256", priority="high",
        messages=[
            {"channel": "viber", "validity": 10, "image_url": "https://example.com/rota.png",
             "button_url": "https://example.com/rota", "button_text": "Rota"},
            {"channel": "sms", "sender": "OpsSMS", "ttl": 600, "autoconvert": "on"},
        ],
    ))

    assert not run.failed, run.msg
    assert run.result["payload"] == payload
    assert [message["channel"] for message in run.result["messages"]] == ["viber", "sms"]


def test_whatsapp_text_is_sent_as_a_body_object(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    payload = {"to": TO, "messages": [{"channel": "whatsapp", "text": {"body": "Your parcel arrives today"}},
                                      {"channel": "sms", "text": "Parcel today"}], "time_to_send": WHEN}
    http.script(Call("POST", SCHEDULE_URL, body=payload, status=201, reply=created(channels=("whatsapp", "sms"))))

    run = run_module(schedule_args(text="Parcel today", messages=[
        {"channel": "whatsapp", "text": "Your parcel arrives today"}, {"channel": "sms"},
    ]))

    assert not run.failed, run.msg
    assert run.result["payload"]["messages"][0]["text"] == {"body": "Your parcel arrives today"}


def test_check_mode_schedule_sends_nothing_and_returns_every_key(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    run = run_module(schedule_args(), check_mode=True)

    assert http.seen == []
    assert not run.failed, run.msg
    assert set(ALWAYS_RETURNED) <= set(run.result), set(ALWAYS_RETURNED) - set(run.result)
    assert set(ALWAYS_RETURNED) <= set(run.printed)
    assert run.result["changed"] is True
    assert run.result["payload"] == sms_payload()
    assert run.result["omnimessage_id"] is None and run.result["omnimessage_ids"] == []
    assert run.result["time_to_send"] == WHEN
    assert run.msg == f"Check mode: would schedule 1 omnimessage(s) for {WHEN}; nothing was sent"


def test_check_mode_with_several_recipients_returns_the_bulk_body(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    run = run_module(schedule_args(to=[TO, TO2]), check_mode=True)

    assert http.seen == []
    assert run.result["payload"] == {"messages": [sms_payload(TO), sms_payload(TO2)]}
    assert run.result["to"] == [TO, TO2]
    assert [entry["to"] for entry in run.result["results"]] == [TO, TO2]


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
def test_diff_shows_the_payload_as_the_new_state(http: ScriptedHTTP, run_module: ModuleRunner, check_mode: bool) -> None:
    if not check_mode:
        http.script(Call("POST", SCHEDULE_URL, body=sms_payload(), status=201, reply=created()))

    run = run_module(schedule_args(), check_mode=check_mode, diff=True)

    assert run.result["diff"] == {"before": {}, "after": sms_payload()}
    assert run.printed["diff"] == {"before": {}, "after": sms_payload()}


def test_messente_400_fails_with_its_error_items(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    errors = [{"title": "Invalid data", "detail": "Sender name is not allowed", "code": "105", "source": "messages[0].sender"}]
    http.script(Call("POST", SCHEDULE_URL, body=dict(sms_payload(), messages=[{"channel": "sms", "sender": "Nope", "text": "hi"}]),
                     status=400, reply={"errors": errors}))

    run = run_module(schedule_args(text="hi", sender="Nope"))

    assert run.failed
    assert run.msg == ("Messente rejected POST /omnimessage (400 Invalid data, code 105): Sender name is not allowed "
                       "[field: messages[0].sender]")
    assert run.result["status"] == 400
    assert run.result["errors"] == errors
    assert run.result["may_have_been_processed"] is False
    assert run.result.get("changed", False) is False
    assert run.printed["errors"] == errors
    assert http.sleeps == []


def test_messente_401_hints_at_api_credentials(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    errors = [{"title": "Unauthorized", "detail": "Invalid credentials", "code": "103", "source": None}]
    http.script(Call("POST", SCHEDULE_URL, body=sms_payload(), status=401, reply={"errors": errors}))

    run = run_module(schedule_args())

    assert run.failed
    assert run.msg.startswith("Messente rejected POST /omnimessage (401 Unauthorized, code 103): Invalid credentials")
    assert "Check api_username and api_password" in run.msg
    assert "API credentials from the Messente dashboard" in run.msg
    assert run.result["status"] == 401


def test_201_with_html_body_fails_cleanly_and_warns_it_may_be_scheduled(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(Call("POST", SCHEDULE_URL, body=sms_payload(), status=201, raw="<html><body>Welcome to the proxy</body></html>"))

    run = run_module(schedule_args())

    assert run.failed
    assert "POST /omnimessage with 201 but the body is not JSON" in run.msg
    assert "text/html; charset=utf-8: '<html><body>Welcome to the proxy</body></html>'" in run.msg
    assert "MAY have been scheduled" in run.msg
    assert run.result["may_have_been_processed"] is True
    assert "Traceback" not in run.stdout


def test_201_json_without_an_id_fails_and_warns_it_may_be_scheduled(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(Call("POST", SCHEDULE_URL, body=sms_payload(), status=201, reply={"to": "+37251234567", "messages": []}))

    run = run_module(schedule_args())

    assert run.failed
    assert run.msg.startswith("Messente answered POST /omnimessage with 201 but without an omnimessage_id, so the message MAY have been scheduled")
    assert (run.result["status"], run.result["may_have_been_processed"], run.result["omnimessage_id"]) == (201, True, None)


def test_502_html_on_schedule_is_not_retried_and_warns_it_may_be_scheduled(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(Call("POST", SCHEDULE_URL, body=sms_payload(), status=502, raw="<html><h1>502 Bad Gateway</h1></html>"))

    run = run_module(schedule_args(retries=3))

    assert run.failed
    assert run.msg.startswith("Messente answered POST /omnimessage with HTTP 502, expected 201 (text/html; charset=utf-8: '<html><h1>502 Bad Gateway")
    assert "MAY have been scheduled; it was not retried so that it cannot be sent twice" in run.msg
    assert run.result["status"] == 502 and run.result["may_have_been_processed"] is True
    assert http.sleeps == [] and run.warnings == []


def test_password_echoed_by_the_server_is_redacted_everywhere(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    echo = f"got Authorization: Basic {BASIC_TOKEN} for {USERNAME}:{PASSWORD}; password {PASSWORD} is wrong"
    errors = [{"title": "Unauthorized", "detail": echo, "code": "103", "source": f"header {BASIC_TOKEN}"}]
    http.script(Call("POST", SCHEDULE_URL, body=sms_payload(), status=401, reply={"errors": errors}))

    run = run_module(schedule_args())  # the runner itself checks result, printed output, stderr and warnings

    assert run.failed
    assert "got Authorization: Basic ******** for ********; password ******** is wrong" in run.msg
    assert run.result["errors"][0]["detail"] == "got Authorization: Basic ******** for ********; password ******** is wrong"
    assert run.result["errors"][0]["source"] == "header ********"


def test_password_echoed_in_a_non_json_error_page_is_redacted(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(Call("POST", SCHEDULE_URL, body=sms_payload(), status=400, raw=f"Bad request from Basic {BASIC_TOKEN}"))

    run = run_module(schedule_args())

    assert run.failed
    assert "Bad request from Basic ********" in run.msg


def test_validate_certs_false_warns_and_turns_verification_off(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(Call("POST", SCHEDULE_URL, body=sms_payload(), status=201, reply=created()))

    run = run_module(schedule_args(validate_certs=False))

    assert not run.failed, run.msg
    assert http.seen[0].verify is False
    assert run.warnings == ["validate_certs is false: the TLS certificate of http://127.0.0.1:18999 is not verified. Use this only for testing."]
    assert "validate_certs is false" in str(run.printed.get("warnings"))


def test_credentials_and_url_come_from_the_environment(http: ScriptedHTTP, run_module: ModuleRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESSENTE_API_USERNAME", USERNAME)
    monkeypatch.setenv("MESSENTE_API_PASSWORD", PASSWORD)
    monkeypatch.setenv("MESSENTE_API_URL", "http://127.0.0.1:18998/v1/")
    http.script(Call("POST", "http://127.0.0.1:18998/v1/omnimessage", body=sms_payload(), status=201, reply=created()))

    run = run_module({"to": TO, "text": "Maintenance at 10:00", "time_to_send": WHEN})

    assert not run.failed, run.msg
    assert run.result["omnimessage_id"] == OID


def test_retry_after_on_429_is_honoured_and_reported_as_a_warning(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(
        Call("POST", SCHEDULE_URL, body=sms_payload(), status=429, reply={"errors": []}, headers={"Retry-After": "4"}),
        Call("POST", SCHEDULE_URL, body=sms_payload(), status=201, reply=created()),
    )

    run = run_module(schedule_args())

    assert not run.failed, run.msg
    assert http.sleeps == [4.0]
    warning = ("Messente POST /omnimessage: HTTP 429 (too many requests); every request pauses 4.0s, at most 4 in flight, "
               "then this one is tried again (4.0s of 300s for 429 waits used)")
    assert run.warnings == [warning]
    assert warning in str(run.printed["warnings"])


# --- several recipients: the bulk endpoint ----------------------------------------------------------------------


def test_several_recipients_use_the_bulk_endpoint_in_input_order(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    body = {"messages": [sms_payload(TO), sms_payload(TO2), sms_payload(TO3)]}
    reply = {"messages": [created(TO, OID), created(TO2, OID2), created(TO3, OID3)]}
    http.script(Call("POST", BULK_URL, body=body, status=201, reply=reply))

    run = run_module(schedule_args(to=[TO, "+44 20 7946 0958", TO3]))

    assert not run.failed, run.msg
    assert run.result["changed"] is True
    assert run.result["omnimessage_ids"] == [OID, OID2, OID3]
    assert [(entry["to"], entry["omnimessage_id"], entry["error"]) for entry in run.result["results"]] == [
        (TO, OID, None), (TO2, OID2, None), (TO3, OID3, None)]
    assert run.result["omnimessage_id"] is None and run.result["messages"] == []
    assert run.result["to"] == [TO, TO2, TO3]
    assert run.result["payload"] == body
    assert run.msg == f"Scheduled 3 of 3 omnimessage(s) for {WHEN}"


def bulk_with_one_refused() -> tuple[dict[str, Any], dict[str, Any]]:
    body = {"messages": [sms_payload(TO), sms_payload(TO2), sms_payload(TO3)]}
    refused = {"errors": [{"title": "Invalid data", "detail": "Number is not reachable", "code": "105", "source": "to"}]}
    return body, {"messages": [created(TO, OID), refused, created(TO3, OID3)]}


def test_bulk_item_error_fails_the_task_naming_the_recipient(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    body, reply = bulk_with_one_refused()
    http.script(Call("POST", BULK_URL, body=body, status=201, reply=reply))

    run = run_module(schedule_args(to=[TO, TO2, TO3]))

    assert run.failed
    assert run.msg == (f"Scheduled 2 of 3 omnimessage(s) for {WHEN}. 1 recipient(s) failed: "
                       f"{TO2}: Messente refused this recipient: Invalid data (code 105): Number is not reachable")
    assert run.result["changed"] is True
    assert run.result["omnimessage_ids"] == [OID, OID3]
    assert [entry["omnimessage_id"] for entry in run.result["results"]] == [OID, None, OID3]
    assert run.result["results"][1]["errors"] == reply["messages"][1]["errors"]
    assert run.printed["omnimessage_ids"] == [OID, OID3]


def test_bulk_item_error_with_allow_partial_succeeds_and_still_lists_it(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    body, reply = bulk_with_one_refused()
    http.script(Call("POST", BULK_URL, body=body, status=201, reply=reply))

    run = run_module(schedule_args(to=[TO, TO2, TO3], allow_partial=True))

    assert not run.failed
    assert run.result["changed"] is True
    assert run.result["omnimessage_ids"] == [OID, OID3]
    assert run.result["results"][1]["to"] == TO2 and "Number is not reachable" in run.result["results"][1]["error"]
    assert f"1 recipient(s) failed: {TO2}" in run.msg


def test_bulk_item_error_echoing_the_password_is_redacted(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    body = {"messages": [sms_payload(TO), sms_payload(TO2)]}
    refused = {"errors": [{"title": "Invalid data", "detail": f"bad request from Basic {BASIC_TOKEN}", "code": "105", "source": "to"}]}
    http.script(Call("POST", BULK_URL, body=body, status=201, reply={"messages": [created(TO, OID), refused]}))

    run = run_module(schedule_args(to=[TO, TO2], allow_partial=True))  # the runner checks every output for the secret

    assert "bad request from Basic ********" in run.result["results"][1]["error"]


def test_bulk_answer_without_one_result_per_recipient_fails_as_maybe_scheduled(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    body = {"messages": [sms_payload(TO), sms_payload(TO2)]}
    http.script(Call("POST", BULK_URL, body=body, status=201, reply={"messages": [created(TO, OID)]}))

    run = run_module(schedule_args(to=[TO, TO2]))

    assert run.failed
    assert run.result["omnimessage_ids"] == []
    assert all(entry["may_have_been_processed"] for entry in run.result["results"])
    assert "did not hold one result per recipient (2 sent); these messages MAY have been scheduled" in run.msg


def test_bulk_request_failing_as_a_whole_fails_every_recipient(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    body = {"messages": [sms_payload(TO), sms_payload(TO2)]}
    errors = [{"title": "Missing data", "detail": "messages is required", "code": "106", "source": "messages"}]
    http.script(Call("POST", BULK_URL, body=body, status=400, reply={"errors": errors}))

    run = run_module(schedule_args(to=[TO, TO2], allow_partial=True))

    assert run.result["changed"] is False
    assert [entry["error"] for entry in run.result["results"]] == [
        "Messente rejected POST /omnimessages (400 Missing data, code 106): messages is required [field: messages]"] * 2


# --- cancelling -------------------------------------------------------------------------------------------------


def test_cancel_scheduled_message_is_changed(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(delete(OID))

    run = run_module(cancel_args(OID))

    assert not run.failed, run.msg
    assert (run.result["changed"], run.result["cancelled"]) == (True, True)
    assert run.result["omnimessage_id"] == OID and run.result["omnimessage_ids"] == [OID]
    assert run.msg == f"Cancelled scheduled omnimessage {OID}"
    assert run.result["statuses"] is None
    assert http.seen[0].body is None and "Content-Type" not in http.seen[0].headers


def test_cancel_accepts_an_upper_case_id_and_cancels_repeats_once(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(delete(OID))

    run = run_module(cancel_args(OID.upper(), f" {OID} "))

    assert not run.failed, run.msg
    assert run.result["omnimessage_ids"] == [OID]


UNKNOWN_ID_FAILURE = (
    f"Messente has no omnimessage {OID} that these credentials can see, so nothing was cancelled and the message, if it "
    f"exists, will still be sent. Likely causes: (1) the id belongs to another Messente account or API key than api_username "
    f"'{USERNAME}'; (2) api_url {API_URL} is not the endpoint the message was scheduled through; (3) the id is a "
    "per-channel message_id from messages[].message_id, not the omnimessage_id. If the message may really not exist, set missing_ok: true"
)


@pytest.mark.parametrize("check_mode", [False, True], ids=["real", "check-mode"])
def test_cancel_of_an_id_messente_does_not_know_fails_with_the_likely_causes(http: ScriptedHTTP, run_module: ModuleRunner,
                                                                             check_mode: bool) -> None:
    http.script(*([] if check_mode else [delete(OID, 404)]), get_status(OID, 404, not_found()))

    run = run_module(cancel_args(OID), check_mode=check_mode)

    assert run.failed
    assert run.msg == UNKNOWN_ID_FAILURE
    assert (run.result.get("changed", False), run.result["status"], run.result["method"]) == (False, 404, "DELETE")


def test_unknown_id_hint_names_a_url_without_the_version_path(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    bare = API_URL[: -len("/v1")]
    http.script(Call("DELETE", f"{bare}/omnimessage/{OID}", status=404, reply=not_found()),
                Call("GET", f"{bare}/omnimessage/{OID}/status", status=404, reply=not_found()))

    run = run_module(cancel_args(OID, api_url=bare))

    assert run.failed
    assert f"(2) api_url {bare} is not the endpoint the message was scheduled through (it does not end in /v1);" in run.msg


@pytest.mark.parametrize("check_mode", [False, True], ids=["real", "check-mode"])
def test_missing_ok_reports_an_unknown_id_as_not_changed(http: ScriptedHTTP, run_module: ModuleRunner, check_mode: bool) -> None:
    http.script(*([] if check_mode else [delete(OID, 404)]), get_status(OID, 404, not_found()))

    run = run_module(cancel_args(OID, missing_ok=True), check_mode=check_mode)

    assert not run.failed, run.msg
    assert (run.result["changed"], run.result["cancelled"]) == (False, False)
    assert run.msg == f"Messente has no omnimessage {OID} that these credentials can see; nothing to cancel (missing_ok)"


@pytest.mark.parametrize("statuses", [("DELETED",), ("DELETED", "DELETED"), (None,), ("DELETED", None)],
                         ids=["deleted", "all-deleted", "null", "deleted-and-null"])
def test_cancel_of_an_already_cancelled_message_is_not_changed(http: ScriptedHTTP, run_module: ModuleRunner,
                                                               statuses: tuple[str | None, ...]) -> None:
    report = delivery_report(OID, *statuses)
    http.script(delete(OID, 404), get_status(OID, 200, report))

    run = run_module(cancel_args(OID))

    assert not run.failed, run.msg
    assert run.result["changed"] is False
    assert_statuses(run.result["statuses"], report)
    assert "is no longer scheduled" in run.msg


def test_cancel_of_a_sent_message_fails_saying_it_was_already_sent(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(delete(OID, 404), get_status(OID, 200, delivery_report(OID, "DELIVRD", None)))

    run = run_module(cancel_args(OID))

    assert run.failed
    assert run.msg == f"Omnimessage {OID} was already sent (viber: DELIVRD) and can no longer be cancelled"
    assert run.result.get("changed", False) is False
    assert run.result["status"] == 404


@pytest.mark.parametrize(("answer", "changed", "msg"), [
    (get_status(OID, 200, delivery_report(OID, None, None)), True, f"Check mode: omnimessage {OID} is not sent yet and would be cancelled"),
    (get_status(OID, 200, delivery_report(OID, "DELETED")), False, f"Omnimessage {OID} is already cancelled; nothing to cancel"),
], ids=["scheduled", "cancelled"])
def test_check_mode_cancel_only_reads_the_status(http: ScriptedHTTP, run_module: ModuleRunner, answer: Call, changed: bool, msg: str) -> None:
    http.script(answer)

    run = run_module(cancel_args(OID), check_mode=True, diff=True)

    assert not run.failed, run.msg
    assert http.requests == [f"GET {SCHEDULE_URL}/{OID}/status"]
    assert run.result["changed"] is changed
    assert run.result["cancelled"] is False
    assert run.msg == msg
    assert run.result["diff"] == {"before": {"scheduled": [OID] if changed else []}, "after": {"scheduled": []}}


def test_check_mode_cancel_of_a_sent_message_fails(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(get_status(OID, 200, delivery_report(OID, "UNDELIV", "DELIVRD")))

    run = run_module(cancel_args(OID), check_mode=True)

    assert run.failed
    assert "was already sent (viber: UNDELIV, sms: DELIVRD)" in run.msg


def test_cancel_diff_shows_the_message_going_away(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(delete(OID))

    run = run_module(cancel_args(OID), diff=True)

    assert run.result["diff"] == {"before": {"scheduled": [OID]}, "after": {"scheduled": []}}


def test_cancel_is_retried_on_503_and_the_retry_is_a_warning(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(delete(OID, 503, raw="busy", headers={"Retry-After": "2"}), delete(OID))

    run = run_module(cancel_args(OID))

    assert not run.failed, run.msg
    assert http.sleeps == [2.0]
    assert run.warnings == [f"Messente DELETE /omnimessage/{OID}: HTTP 503; retry 1 of 3 in 2.0s"]


def test_status_answer_that_is_not_json_fails_cleanly(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(delete(OID, 404), get_status(OID, 200, raw="<html>maintenance</html>"))

    run = run_module(cancel_args(OID))

    assert run.failed
    assert run.msg == (f"Messente answered GET /omnimessage/{OID}/status with 200 but the body is not JSON "
                       "(text/html; charset=utf-8: '<html>maintenance</html>')")
    assert run.result["may_have_been_processed"] is False


def test_several_ids_are_cancelled_in_parallel_with_one_entry_each(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.parallel(
        [delete(OID)],
        [delete(OID2, 404), get_status(OID2, 404, not_found())],
        [delete(OID3, 404), get_status(OID3, 200, delivery_report(OID3, "DELETED"))],
    )

    run = run_module(cancel_args(OID, OID2, OID3, concurrency=3, missing_ok=True))

    assert not run.failed, run.msg
    assert sorted(http.requests) == sorted([
        f"DELETE {SCHEDULE_URL}/{OID}", f"DELETE {SCHEDULE_URL}/{OID2}", f"DELETE {SCHEDULE_URL}/{OID3}",
        f"GET {SCHEDULE_URL}/{OID2}/status", f"GET {SCHEDULE_URL}/{OID3}/status",
    ])
    assert [entry["omnimessage_id"] for entry in run.result["results"]] == [OID, OID2, OID3]
    assert [entry["changed"] for entry in run.result["results"]] == [True, False, False]
    assert run.result["changed"] is True and run.result["cancelled"] is True
    assert run.result["omnimessage_ids"] == [OID, OID2, OID3]
    assert run.result["omnimessage_id"] is None
    assert run.msg == "Cancelled 1 of 3 omnimessage(s), 2 needed no cancel"


def test_an_unknown_id_among_several_fails_the_task_and_names_it(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.parallel([delete(OID)], [delete(OID2, 404), get_status(OID2, 404, not_found())])

    run = run_module(cancel_args(OID, OID2))

    assert run.failed
    assert [(entry["changed"], entry["failed"]) for entry in run.result["results"]] == [(True, False), (False, True)]
    assert run.msg.startswith(f"Cancelled 1 of 2 omnimessage(s), 1 failed: Messente has no omnimessage {OID2} that these credentials can see")


@pytest.mark.parametrize("allow_partial", [False, True])
def test_one_sent_message_among_several_fails_the_task_unless_partial(http: ScriptedHTTP, run_module: ModuleRunner, allow_partial: bool) -> None:
    http.parallel([delete(OID)], [delete(OID2, 404), get_status(OID2, 200, delivery_report(OID2, "DELIVRD"))])

    run = run_module(cancel_args(OID, OID2, allow_partial=allow_partial))

    assert run.failed is not allow_partial
    assert run.result["changed"] is True
    assert [entry["failed"] for entry in run.result["results"]] == [False, True]
    assert run.msg == (f"Cancelled 1 of 2 omnimessage(s), 1 failed: Omnimessage {OID2} was already sent "
                       "(viber: DELIVRD) and can no longer be cancelled")


def test_check_mode_with_several_ids_only_reads_statuses(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.parallel([get_status(OID, 200, delivery_report(OID, None))], [get_status(OID2, 404, not_found())])

    run = run_module(cancel_args(OID, OID2, missing_ok=True), check_mode=True)

    assert not run.failed, run.msg
    assert sorted(http.requests) == sorted([f"GET {SCHEDULE_URL}/{OID}/status", f"GET {SCHEDULE_URL}/{OID2}/status"])
    assert [entry["changed"] for entry in run.result["results"]] == [True, False]
    assert run.result["cancelled"] is False
    assert run.msg == "Check mode: would cancel 1 of 2 omnimessage(s), 1 needed no cancel"


def test_password_inside_api_url_is_not_repeated_by_the_validate_certs_warning(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    url = f"http://{USERNAME}:{PASSWORD}@127.0.0.1:18999/v1"
    http.script(Call("POST", f"{url}/omnimessage", body=sms_payload(), status=201, reply=created()))

    run = run_module(schedule_args(api_url=url, validate_certs=False))  # the runner fails on the leaked warning

    assert run.warnings == ["validate_certs is false: the TLS certificate of http://127.0.0.1:18999 is not verified. "
                            "Use this only for testing."]


def test_diff_of_a_thousand_recipients_is_a_summary_and_the_first_bodies(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    recipients = [f"+3725{index:07d}" for index in range(1000)]

    run = run_module(schedule_args(to=recipients), check_mode=True, diff=True)

    after = run.result["diff"]["after"]
    assert http.requests == []
    assert after == {
        "summary": f"1000 omnimessages for {WHEN}, one per recipient, the same but for 'to'",
        "first_bodies": [sms_payload(to=number) for number in recipients[:3]],
        "bodies_not_shown": 997,
    }
    assert len(json.dumps(run.result["diff"], indent=2).splitlines()) < 60

# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
"""Tests for the local Messente sandbox: its answers, its request log, its faults, script and TLS modes."""

from __future__ import annotations

import base64
import datetime as dt
import json
import signal
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from messente_api import (ApiClient, BulkOmniMessageCreateSuccessResponse, Configuration, DeliveryReportApi, DeliveryReportResponse, ErrorOmnichannel,
                          OmniMessageCreateSuccessResponse, Omnimessage, OmnimessageApi, OmnimessageMessagesInner, Viber)
from messente_api import SMS as SdkSMS
from messente_api.exceptions import NotFoundException

from messente_sandbox import DEFAULT_PASSWORD, DEFAULT_SENDER, DEFAULT_USERNAME, SandboxServer, make_self_signed_cert
from sandbox_calls import BULK, LISTENING, SCRIPT, SEND, SMS, TO, UNKNOWN_ID, VIBER, Reply, assert_uuid, call, error, later, omni, schedule, start_script


# -- sending -------------------------------------------------------------------------------------------------

def test_schedule_returns_one_result_per_sub_message_in_order(sandbox: SandboxServer) -> None:
    body = omni(VIBER, SMS, time_to_send=later(sandbox))
    reply = call(sandbox, "POST", SEND, body)

    assert reply.status == 201
    assert reply.headers["Content-Type"] == "application/json"
    assert [(m["channel"], m["sender"]) for m in reply.body["messages"]] == [("viber", "MyBrand"), ("sms", DEFAULT_SENDER)]
    assert reply.body["to"] == TO
    for message_id in [reply.body["omnimessage_id"], *(m["message_id"] for m in reply.body["messages"])]:
        assert_uuid(message_id)
    OmniMessageCreateSuccessResponse.from_dict(reply.body)
    [entry] = sandbox.requests
    assert entry["method"] == "POST" and entry["path"] == SEND and entry["auth_ok"] is True
    assert entry["body"] == body and json.loads(entry["raw_body"]) == body
    assert entry["headers"]["Content-Type"] == "application/json"
    assert (entry["status"], entry["response"], entry["fault"]) == (201, reply.body, None)
    [stored] = sandbox.messages
    assert (stored["omnimessage_id"], stored["state"], stored["payload"]) == (reply.body["omnimessage_id"], "scheduled", body)


def test_default_sender_is_configurable() -> None:
    with SandboxServer(default_sender="Acme") as server:
        reply = call(server, "POST", SEND, omni(SMS))
        assert reply.status == 201
        assert reply.body["messages"][0]["sender"] == "Acme"
        assert server.requests[0]["response"] == reply.body


def test_time_to_send_offset_is_honoured_and_no_offset_means_utc(sandbox: SandboxServer) -> None:
    at = (sandbox.now() + dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    naive = at.replace(tzinfo=None).isoformat()
    given = [at.astimezone(dt.timezone(dt.timedelta(hours=4))).isoformat(), f"{naive}Z", naive, naive[:16]]
    for time_to_send in given:
        assert call(sandbox, "POST", SEND, omni(time_to_send=time_to_send)).status == 201

    assert [m["time_to_send"] for m in sandbox.messages] == [at.isoformat()] * 4
    assert {m["state"] for m in sandbox.messages} == {"scheduled"}
    assert [e["body"]["time_to_send"] for e in sandbox.requests] == given


def test_past_time_to_send_is_sent_at_once_in_send_now_mode() -> None:
    with SandboxServer(past_time="send-now") as server:
        created = call(server, "POST", SEND, omni(time_to_send="2000-01-01T00:00:00Z")).body
        assert [m["state"] for m in server.messages] == ["sent"]
        reply = call(server, "DELETE", f"{SEND}/{created['omnimessage_id']}")
        assert (reply.status, reply.body) == (404, error("101", None))
        assert [e["status"] for e in server.requests] == [201, 404]


INVALID = [
    pytest.param({"to": TO, "messages": [{"channel": "telegram", "text": "hi"}]}, "105", "messages[0].channel", id="unknown-channel"),
    pytest.param({"to": TO, "messages": [{"channel": "fax", "text": "hi"}]}, "105", "messages[0].channel", id="fax-channel"),
    pytest.param({"to": TO, "messages": [{"text": "hi"}]}, "106", "messages[0].channel", id="missing-channel"),
    pytest.param({"to": TO, "messages": [{"channel": None, "text": "hi"}]}, "106", "messages[0].channel", id="null-channel"),
    pytest.param({"to": TO, "messages": [{"channel": "sms"}]}, "106", "messages[0].text", id="sms-without-text"),
    pytest.param({"to": TO, "messages": [{"channel": "sms", "text": ""}]}, "105", "messages[0].text", id="sms-empty-text"),
    pytest.param({"to": "37251000000", "messages": [SMS]}, "105", "to", id="to-without-plus"),
    pytest.param({"to": "+0372510000", "messages": [SMS]}, "105", "to", id="to-leading-zero"),
    pytest.param({"to": "+123456", "messages": [SMS]}, "105", "to", id="to-too-short"),
    pytest.param({"to": "+1234567890123456", "messages": [SMS]}, "105", "to", id="to-too-long"),
    pytest.param({"to": "+372 5100 0000", "messages": [SMS]}, "105", "to", id="to-with-spaces"),
    pytest.param({"to": "+\uff13\uff17\uff12\uff15\uff11\uff10\uff10\uff10", "messages": [SMS]}, "105", "to", id="to-wide-digits"),
    pytest.param({"to": 37251000000, "messages": [SMS]}, "105", "to", id="to-is-a-number"),
    pytest.param({"messages": [SMS]}, "106", "to", id="missing-to"),
    pytest.param({"to": TO}, "106", "messages", id="missing-messages"),
    pytest.param({"to": TO, "messages": []}, "106", "messages", id="empty-messages"),
    pytest.param({"to": TO, "messages": {"channel": "sms"}}, "105", "messages", id="messages-not-a-list"),
    pytest.param({"to": TO, "messages": ["sms"]}, "105", "messages[0]", id="message-not-an-object"),
    pytest.param({"to": TO, "messages": [SMS, VIBER, {**SMS, "text": "again"}]}, "105", "messages[2].channel", id="duplicate-channel"),
    pytest.param(omni(time_to_send="tomorrow"), "105", "time_to_send", id="time-words"),
    pytest.param(omni(time_to_send="2030-01-01"), "105", "time_to_send", id="time-date-only"),
    pytest.param(omni(time_to_send=1900000000), "105", "time_to_send", id="time-epoch"),
    pytest.param(omni(time_to_send="2030-13-01T10:00"), "105", "time_to_send", id="time-month-13"),
    pytest.param(omni(time_to_send="2030-01-01 10:00"), "105", "time_to_send", id="time-space-separator"),
    pytest.param(omni(time_to_send="2000-01-01T00:00:00Z"), "105", "time_to_send", id="time-in-the-past"),
    pytest.param(omni({**SMS, "ttl": 60, "validity": 1}), "105", "messages[0].validity", id="ttl-and-validity"),
    pytest.param(omni({**SMS, "ttl": 0}), "105", "messages[0].ttl", id="zero-ttl"),
    pytest.param(omni({**SMS, "ttl": "60"}), "105", "messages[0].ttl", id="ttl-string-sdk"),
    pytest.param(omni({**SMS, "validity": True}), "105", "messages[0].validity", id="validity-bool-sdk"),
    pytest.param(omni({"channel": "rcs", "text": "hi"}), "106", "messages[0].sender", id="rcs-without-sender"),
    pytest.param(omni({**SMS, "sender": ""}), "105", "messages[0].sender", id="empty-sender"),
    pytest.param(omni({**SMS, "autoconvert": "on"}), "105", "messages[0].autoconvert", id="autoconvert-sdk"),
    pytest.param(omni({"channel": "rcs", "sender": "Brand", "text": "x" * 3073}), "105", "messages[0].text", id="rcs-text-too-long-sdk"),
    pytest.param(omni({"channel": "whatsapp", "text": {"body": 1}}), "105", "messages[0].text.body", id="whatsapp-nested-type-sdk"),
    pytest.param(omni({"channel": "whatsapp", "template": {"language": {"code": "en"}, "components": []}}), "106",
                 "messages[0].template.name", id="whatsapp-template-name-sdk"),
    pytest.param(omni({"channel": "whatsapp", "template": {"name": "t", "language": {"code": "en"}, "components": 5}}), "105",
                 "messages[0].template.components", id="whatsapp-components-not-list-sdk"),
    pytest.param(omni(priority="urgent"), "105", "priority", id="priority-sdk"),
    pytest.param(omni(text_store="forever"), "105", "text_store", id="text-store-sdk"),
    pytest.param(omni(dlr_url=5), "105", "dlr_url", id="dlr-url-type-sdk"),
    pytest.param(omni(time_to_sent="2030-01-01T10:00"), "105", "time_to_sent", id="unknown-field"),
    pytest.param(omni({**SMS, "txt": "typo"}), "105", "messages[0].txt", id="unknown-message-field"),
]


@pytest.mark.parametrize(("body", "code", "source"), INVALID)
def test_invalid_omnimessage_is_rejected(sandbox: SandboxServer, body: dict[str, Any], code: str, source: str) -> None:
    reply = call(sandbox, "POST", SEND, body)

    assert (reply.status, reply.body) == (400, error(code, source))
    ErrorOmnichannel.from_dict(reply.body)
    assert sandbox.messages == []
    [entry] = sandbox.requests
    assert (entry["body"], entry["status"], entry["response"], entry["auth_ok"]) == (body, 400, reply.body, True)


@pytest.mark.parametrize(("raw", "logged"), [
    pytest.param(b"{not json", None, id="broken"),
    pytest.param(b"", None, id="empty"),
    pytest.param(b"[1, 2]", [1, 2], id="array"),
    pytest.param(b'{"to": NaN}', None, id="nan"),
    pytest.param(b'{"to": "+1", "to": "+2"}', None, id="duplicate-key"),
    pytest.param(b"\xff\xfe", None, id="not-utf8"),
])
def test_unusable_json_body_is_400_without_source(sandbox: SandboxServer, raw: bytes, logged: Any) -> None:
    reply = call(sandbox, "POST", SEND, raw=raw, headers={"Content-Type": "application/json"})

    assert (reply.status, reply.body) == (400, error("105", None))
    [entry] = sandbox.requests
    assert (entry["body"], entry["raw_body"], entry["status"]) == (logged, raw.decode(errors="replace"), 400)


def test_body_must_be_declared_as_json(sandbox: SandboxServer) -> None:
    reply = call(sandbox, "POST", SEND, raw=json.dumps(omni()).encode(), headers={"Content-Type": "text/plain"})

    assert (reply.status, reply.body) == (400, error("105", None))
    assert sandbox.messages == []
    assert sandbox.requests[0]["body"] == omni()


# -- credentials ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("authorization", [
    pytest.param(None, id="missing"),
    pytest.param("Basic " + base64.b64encode(b"sandbox-user:wrong").decode(), id="wrong-password"),
    pytest.param("Basic " + base64.b64encode(b"someone:sandbox-password-not-secret").decode(), id="unknown-user"),
    pytest.param("Bearer " + base64.b64encode(b"sandbox-user:sandbox-password-not-secret").decode(), id="not-basic"),
    pytest.param("Basic !!!", id="not-base64"),
])
def test_bad_credentials_are_401(sandbox: SandboxServer, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    reply = call(sandbox, "POST", SEND, omni(), auth=None, headers=headers)

    assert (reply.status, reply.body) == (401, error("103", None))
    assert sandbox.messages == []
    [entry] = sandbox.requests
    assert (entry["auth_ok"], entry["status"], entry["response"]) == (False, 401, reply.body)
    assert entry["headers"].get("Authorization") == authorization


@pytest.mark.parametrize(("method", "path"), [
    ("POST", SEND), ("DELETE", f"{SEND}/{UNKNOWN_ID}"), ("GET", f"{SEND}/{UNKNOWN_ID}/status"), ("POST", BULK), ("GET", "/v1/nothing"),
])
def test_every_api_call_needs_credentials(sandbox: SandboxServer, method: str, path: str) -> None:
    reply = call(sandbox, method, path, omni() if method == "POST" else None, auth=None)

    assert (reply.status, reply.body) == (401, error("103", None))
    assert [(e["method"], e["path"], e["auth_ok"], e["status"]) for e in sandbox.requests] == [(method, path, False, 401)]


def test_credentials_are_configurable() -> None:
    with SandboxServer(username="api-user", password="api-pass") as server:
        assert call(server, "POST", SEND, omni(), auth=("api-user", "api-pass")).status == 201
        assert call(server, "POST", SEND, omni()).status == 401
        assert [(e["auth_ok"], e["status"]) for e in server.requests] == [(True, 201), (False, 401)]


# -- cancelling, status and the clock ------------------------------------------------------------------------

def test_cancel_scheduled_is_202_then_404(sandbox: SandboxServer) -> None:
    created = schedule(sandbox, SMS)
    path = f"{SEND}/{created['omnimessage_id']}"

    first = call(sandbox, "DELETE", path)
    second = call(sandbox, "DELETE", path)

    assert (first.status, first.body, first.headers["Content-Type"]) == (202, {}, "application/json")
    assert (second.status, second.body) == (404, error("101", None))
    assert [m["state"] for m in sandbox.messages] == ["cancelled"]
    assert [(e["method"], e["path"], e["body"], e["status"]) for e in sandbox.requests[1:]] == [
        ("DELETE", path, None, 202), ("DELETE", path, None, 404)]


def test_cancel_unknown_is_404(sandbox: SandboxServer) -> None:
    for omnimessage_id in (str(uuid.uuid4()), "not-a-uuid"):
        reply = call(sandbox, "DELETE", f"{SEND}/{omnimessage_id}")
        assert (reply.status, reply.body) == (404, error("101", None))
    assert [e["status"] for e in sandbox.requests] == [404, 404]


def status_of(server: SandboxServer, created: dict[str, Any]) -> Reply:
    """GET the delivery report; it must parse with the SDK and carry aware timestamps on every row."""
    reply = call(server, "GET", f"{SEND}/{created['omnimessage_id']}/status")
    assert reply.status == 200
    report = DeliveryReportResponse.from_dict(reply.body)
    assert DeliveryReportResponse.from_json(json.dumps(reply.body)) == report
    assert all(row.timestamp is not None and row.timestamp.utcoffset() == dt.timedelta(0) for row in report.statuses)
    assert all(row["timestamp"].endswith("+00:00") for row in reply.body["statuses"])
    assert (reply.body["to"], reply.body["omnimessage_id"]) == (created["to"], created["omnimessage_id"])
    assert [(s["channel"], s["message_id"], s["sender"]) for s in reply.body["statuses"]] == [
        (m["channel"], m["message_id"], m["sender"]) for m in created["messages"]]
    return reply


def stored(server: SandboxServer, created: dict[str, Any]) -> dict[str, Any]:
    """The control API's view of one message."""
    return next(m for m in server.messages if m["omnimessage_id"] == created["omnimessage_id"])


def test_status_of_scheduled_message_has_null_results_stamped_with_the_acceptance_time(sandbox: SandboxServer) -> None:
    created = schedule(sandbox, VIBER, SMS)
    reply = status_of(sandbox, created)

    accepted_at = stored(sandbox, created)["accepted_at"]
    assert dt.datetime.fromisoformat(accepted_at) <= sandbox.now()
    for row in reply.body["statuses"]:
        assert (row["status"], row["err"], row["error"], row["price_info"]) == (None, None, None, None)
        assert dt.datetime.fromisoformat(row["timestamp"]) == dt.datetime.fromisoformat(accepted_at)
    assert sandbox.requests[-1]["response"] == reply.body


def test_status_of_cancelled_message_is_deleted_everywhere_at_the_cancel_time(sandbox: SandboxServer) -> None:
    created = schedule(sandbox, VIBER, SMS)
    sandbox.advance_clock(600)
    assert call(sandbox, "DELETE", f"{SEND}/{created['omnimessage_id']}").status == 202
    reply = status_of(sandbox, created)

    cancelled_at = dt.datetime.fromisoformat(stored(sandbox, created)["changed_at"])
    assert cancelled_at - dt.datetime.fromisoformat(stored(sandbox, created)["accepted_at"]) >= dt.timedelta(seconds=600)
    assert [row["status"] for row in reply.body["statuses"]] == ["DELETED", "DELETED"]
    assert {dt.datetime.fromisoformat(row["timestamp"]) for row in reply.body["statuses"]} == {cancelled_at}
    assert [e["status"] for e in sandbox.requests] == [201, 202, 200]


def test_status_of_sent_message_is_delivered_on_first_channel_at_the_send_time(sandbox: SandboxServer) -> None:
    created = call(sandbox, "POST", SEND, omni(VIBER, SMS)).body
    reply = status_of(sandbox, created)

    first, fallback = reply.body["statuses"]
    view = stored(sandbox, created)
    assert (view["state"], view["time_to_send"]) == ("sent", None)
    assert view["changed_at"] == view["accepted_at"] == view["delivered_at"]
    assert (first["status"], first["err"], first["error"]) == ("DELIVRD", 0, None)
    assert first["price_info"] == {"part_price": "0.0000", "parts_count": 1, "total_price": "0.0000"}
    assert (fallback["status"], fallback["err"], fallback["price_info"]) == (None, None, None)
    assert {dt.datetime.fromisoformat(row["timestamp"]) for row in (first, fallback)} == {dt.datetime.fromisoformat(view["changed_at"])}


def test_status_of_a_message_sent_when_due_is_stamped_with_its_send_time(sandbox: SandboxServer) -> None:
    send_at = (sandbox.now() + dt.timedelta(minutes=5)).replace(microsecond=0)
    created = call(sandbox, "POST", SEND, omni(SMS, time_to_send=send_at.isoformat())).body
    sandbox.advance_clock(3600)
    [row] = status_of(sandbox, created).body["statuses"]

    assert (row["status"], dt.datetime.fromisoformat(row["timestamp"])) == ("DELIVRD", send_at)
    assert row["timestamp"] == send_at.isoformat(timespec="microseconds")


def test_status_of_unknown_message_is_404(sandbox: SandboxServer) -> None:
    reply = call(sandbox, "GET", f"{SEND}/{uuid.uuid4()}/status")

    assert (reply.status, reply.body) == (404, error("101", None))
    assert sandbox.requests[0]["status"] == 404


def test_late_cancel_after_clock_advance_is_404(sandbox: SandboxServer) -> None:
    created = schedule(sandbox, VIBER, SMS, seconds=60)
    before = sandbox.now()

    after = sandbox.advance_clock(61)
    reply = call(sandbox, "DELETE", f"{SEND}/{created['omnimessage_id']}")

    assert after - before >= dt.timedelta(seconds=61)
    assert (reply.status, reply.body) == (404, error("101", None))
    assert [row["status"] for row in status_of(sandbox, created).body["statuses"]] == ["DELIVRD", None]
    assert [m["state"] for m in sandbox.messages] == ["sent"]
    assert [e["status"] for e in sandbox.requests] == [201, 404, 200]
    with pytest.raises(ValueError):
        sandbox.advance_clock(-1)


def test_official_sdk_client_round_trip(sandbox: SandboxServer) -> None:
    """The SDK is the reference client: its wire format must be accepted and our answers must parse."""
    config = Configuration(host=sandbox.base_url, username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD)
    message = Omnimessage(to=TO, messages=[OmnimessageMessagesInner(Viber(text="hi", sender="MyBrand")), OmnimessageMessagesInner(SdkSMS(text="hi"))],
                          time_to_send=sandbox.now() + dt.timedelta(hours=1))
    with ApiClient(config) as client:
        created = OmnimessageApi(client).send_omnimessage(message)
        report = DeliveryReportApi(client).retrieve_delivery_report(created.omnimessage_id)
        OmnimessageApi(client).cancel_scheduled_message(created.omnimessage_id)
        with pytest.raises(NotFoundException) as again:
            OmnimessageApi(client).cancel_scheduled_message(created.omnimessage_id)

    assert [(m.channel, m.sender) for m in created.messages] == [("viber", "MyBrand"), ("sms", DEFAULT_SENDER)]
    assert [s.message_id for s in report.statuses] == [m.message_id for m in created.messages]
    assert again.value.data.errors[0].code == "101"
    log = sandbox.requests
    assert [(e["method"], e["status"]) for e in log] == [("POST", 201), ("GET", 200), ("DELETE", 202), ("DELETE", 404)]
    assert {e["headers"]["User-Agent"] for e in log} == {"OpenAPI-Generator/2.7.0/python"}
    assert dt.datetime.fromisoformat(log[0]["body"]["time_to_send"]) == message.time_to_send


# -- bulk ----------------------------------------------------------------------------------------------------

def test_bulk_answers_each_item_with_success_or_error(sandbox: SandboxServer) -> None:
    items = [omni(SMS), {"to": "not-a-number", "messages": [SMS]}, omni({"text": "no channel"}), omni(VIBER, SMS)]
    reply = call(sandbox, "POST", BULK, {"messages": items})

    assert reply.status == 201
    BulkOmniMessageCreateSuccessResponse.from_dict(reply.body)
    ok_first, bad_to, bad_channel, ok_last = reply.body["messages"]
    assert [m["channel"] for m in ok_first["messages"]] == ["sms"]
    assert [m["channel"] for m in ok_last["messages"]] == ["viber", "sms"]
    assert bad_to == error("105", "to")
    assert bad_channel == error("106", "messages[0].channel")
    assert [m["omnimessage_id"] for m in sandbox.messages] == [ok_first["omnimessage_id"], ok_last["omnimessage_id"]]
    assert [(e["path"], e["body"], e["status"]) for e in sandbox.requests] == [(BULK, {"messages": items}, 201)]


def test_ids_are_version_4_uuids_unique_across_bulks_resets_and_sandboxes(sandbox: SandboxServer) -> None:
    def bulk_ids(server: SandboxServer) -> list[str]:
        reply = call(server, "POST", BULK, {"messages": [omni(VIBER, SMS, to=f"+3725100{n:04d}") for n in range(50)]})
        assert reply.status == 201
        return [found for item in reply.body["messages"] for found in [item["omnimessage_id"], *(m["message_id"] for m in item["messages"])]]

    ids = bulk_ids(sandbox) + bulk_ids(sandbox)
    sandbox.reset()
    ids += bulk_ids(sandbox)
    with SandboxServer() as other:
        ids += bulk_ids(other)

    for found in ids:
        assert_uuid(found)
    assert len(ids) == 4 * 50 * 3
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(("body", "code", "source"), [
    pytest.param({}, "106", "messages", id="missing-messages"),
    pytest.param({"messages": []}, "106", "messages", id="empty-messages"),
    pytest.param({"messages": omni()}, "105", "messages", id="messages-not-a-list"),
    pytest.param({"messages": [omni()], "extra": 1}, "105", "extra", id="unknown-field"),
    pytest.param([omni()], "105", None, id="not-an-object"),
])
def test_bulk_with_malformed_envelope_is_400(sandbox: SandboxServer, body: Any, code: str, source: str | None) -> None:
    reply = call(sandbox, "POST", BULK, body)

    assert (reply.status, reply.body) == (400, error(code, source))
    assert sandbox.messages == []
    assert (sandbox.requests[0]["body"], sandbox.requests[0]["status"]) == (body, 400)


# -- routing -------------------------------------------------------------------------------------------------

API_PATHS = {SEND: "POST", f"{SEND}/{UNKNOWN_ID}": "DELETE", f"{SEND}/{UNKNOWN_ID}/status": "GET", BULK: "POST"}
OTHER_METHODS = ["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "FOO", "get"]


@pytest.mark.parametrize(("path", "method"), [(path, method) for path, served in API_PATHS.items() for method in OTHER_METHODS if method != served])
def test_every_unsupported_method_is_405_with_allow(sandbox: SandboxServer, path: str, method: str) -> None:
    allowed = API_PATHS[path]
    reply = call(sandbox, method, path)

    assert (reply.status, reply.headers["Allow"], reply.headers["Content-Type"]) == (405, allowed, "application/json")
    assert reply.body == ("" if method == "HEAD" else error("107", None))
    assert [(e["method"], e["path"], e["status"], e["auth_ok"]) for e in sandbox.requests] == [(method, path, 405, True)]
    if method != "HEAD":
        assert sandbox.requests[0]["response"] == reply.body


@pytest.mark.parametrize("method", OTHER_METHODS)
def test_unknown_path_is_404_for_every_method(sandbox: SandboxServer, method: str) -> None:
    reply = call(sandbox, method, "/v1/omnimessage/x/y")

    assert (reply.status, reply.headers["Allow"]) == (404, None)
    assert reply.body == ("" if method == "HEAD" else error("101", None))
    assert [(e["method"], e["status"]) for e in sandbox.requests] == [(method, 404)]


def test_control_api_answers_unsupported_methods_with_405_too(sandbox: SandboxServer) -> None:
    reply = call(sandbox, "TRACE", "/_sandbox/config", auth=None)

    assert (reply.status, reply.body, reply.headers["Allow"]) == (405, error("107", None), "GET, POST")
    assert sandbox.requests == []


# -- faults --------------------------------------------------------------------------------------------------

def test_fault_status_with_retry_after_then_normal_service(sandbox: SandboxServer) -> None:
    sandbox.inject_fault("POST", SEND, status=429, retry_after=7)

    faulted = call(sandbox, "POST", SEND, omni())
    normal = call(sandbox, "POST", SEND, omni())

    assert (faulted.status, faulted.headers["Retry-After"]) == (429, "7")
    assert faulted.body == error("104", None)
    assert (normal.status, normal.headers["Retry-After"]) == (201, None)
    assert len(sandbox.messages) == 1 and sandbox.faults == []
    first, second = sandbox.requests
    assert (first["status"], first["response"], first["fault"]["status"], first["fault"]["processed"]) == (429, faulted.body, 429, None)
    assert (second["status"], second["fault"]) == (201, None)


def test_fault_with_process_stores_the_message_but_answers_the_fault(sandbox: SandboxServer) -> None:
    sandbox.inject_fault("POST", SEND, status=500, body={"errors": []}, process=True)

    reply = call(sandbox, "POST", SEND, omni(time_to_send=later(sandbox)))

    assert (reply.status, reply.body) == (500, {"errors": []})
    [stored] = sandbox.messages
    [entry] = sandbox.requests
    assert (entry["status"], entry["response"]) == (500, {"errors": []})
    assert entry["fault"]["processed"]["status"] == 201
    assert entry["fault"]["processed"]["response"]["omnimessage_id"] == stored["omnimessage_id"]


def test_fault_delay_causes_a_client_read_timeout(sandbox: SandboxServer) -> None:
    sandbox.inject_fault("POST", SEND, delay=5, process=True)

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        call(sandbox, "POST", SEND, omni(), timeout=0.3)

    assert time.monotonic() - started < 2
    assert [m["state"] for m in sandbox.messages] == ["sent"]
    [entry] = sandbox.requests
    assert (entry["status"], entry["fault"]["delay"], entry["fault"]["processed"]["status"]) == (201, 5, 201)


def test_fault_delay_then_answer(sandbox: SandboxServer) -> None:
    sandbox.inject_fault("DELETE", SEND, status=503, delay=0.2)

    started = time.monotonic()
    reply = call(sandbox, "DELETE", f"{SEND}/{uuid.uuid4()}")

    assert time.monotonic() - started >= 0.2
    assert (reply.status, reply.body) == (503, error("104", None))
    assert sandbox.requests[0]["fault"]["delay"] == 0.2


@pytest.mark.parametrize("process", [False, True])
def test_fault_drop_closes_the_connection_without_an_answer(sandbox: SandboxServer, process: bool) -> None:
    sandbox.inject_fault("POST", SEND, drop=True, process=process)

    with pytest.raises(ConnectionError):
        call(sandbox, "POST", SEND, omni())

    assert len(sandbox.messages) == (1 if process else 0)
    [entry] = sandbox.requests
    assert (entry["status"], entry["response"], entry["fault"]["drop"]) == (None, None, True)
    assert (entry["fault"]["processed"] is not None) is process


def test_fault_non_json_body(sandbox: SandboxServer) -> None:
    page = "<html><body>502 Bad Gateway</body></html>"
    sandbox.inject_fault("GET", "/v1/", status=502, body=page, content_type="text/html")

    reply = call(sandbox, "GET", f"{SEND}/{uuid.uuid4()}/status")

    assert (reply.status, reply.body, reply.headers["Content-Type"]) == (502, page, "text/html")
    assert (sandbox.requests[0]["status"], sandbox.requests[0]["response"]) == (502, page)


def test_fault_matches_method_and_path_prefix_for_count_calls(sandbox: SandboxServer) -> None:
    created = schedule(sandbox, SMS)
    sandbox.inject_fault("DELETE", f"{SEND}/", count=2, status=500)
    path = f"{SEND}/{created['omnimessage_id']}"

    statuses = [call(sandbox, "DELETE", path).status, call(sandbox, "GET", f"{path}/status").status,
                call(sandbox, "DELETE", path).status, call(sandbox, "DELETE", path).status]

    assert statuses == [500, 200, 500, 202]
    assert [e["fault"] is not None for e in sandbox.requests] == [False, True, False, True, False]


@pytest.mark.parametrize("options", [
    {}, {"count": 0}, {"status": 99}, {"status": "500"}, {"delay": -1}, {"drop": True, "status": 500}, {"body": "x"}, {"delay": 1},
    {"path_prefix": "v1", "status": 500}, {"path_prefix": 1, "status": 500}, {"method": None, "status": 500},
])
def test_fault_options_are_checked(sandbox: SandboxServer, options: dict[str, Any]) -> None:
    fault = {"method": "POST", "path_prefix": SEND, **options}
    with pytest.raises(ValueError):
        sandbox.inject_fault(**fault)
    reply = call(sandbox, "POST", "/_sandbox/faults", fault, auth=None)
    assert (reply.status, reply.body) == (400, error("105", None))
    assert sandbox.faults == [] and sandbox.requests == []


# -- control API ---------------------------------------------------------------------------------------------

def test_control_api_over_http(sandbox: SandboxServer) -> None:
    fault = {"method": "post", "path_prefix": BULK, "count": 2, "status": 503, "retry_after": "30"}
    added = call(sandbox, "POST", "/_sandbox/faults", fault, auth=None)
    assert (added.status, added.body["method"], added.body["retry_after"]) == (200, "POST", "30")
    assert call(sandbox, "GET", "/_sandbox/faults", auth=None).body == [{**added.body, "remaining": 2}]

    created = schedule(sandbox, SMS, seconds=60)
    clock = call(sandbox, "POST", "/_sandbox/clock", {"advance_seconds": 120}, auth=None)
    assert (clock.status, clock.body["offset_seconds"]) == (200, 120)
    assert call(sandbox, "GET", "/_sandbox/clock", auth=None).body["offset_seconds"] == 120
    messages = call(sandbox, "GET", "/_sandbox/messages", auth=None)
    assert [(m["omnimessage_id"], m["state"]) for m in messages.body] == [(created["omnimessage_id"], "sent")]
    log = call(sandbox, "GET", "/_sandbox/requests", auth=None)
    assert log.body == sandbox.requests and [e["status"] for e in log.body] == [201]

    assert call(sandbox, "POST", "/_sandbox/reset", auth=None).status == 200
    assert (sandbox.requests, sandbox.messages, sandbox.faults) == ([], [], [])
    assert sandbox.now() - dt.datetime.now(dt.UTC) < dt.timedelta(seconds=5)


def test_control_api_rejects_bad_input(sandbox: SandboxServer) -> None:
    bad_clock = call(sandbox, "POST", "/_sandbox/clock", {"advance_seconds": -5}, auth=None)
    bad_json = call(sandbox, "POST", "/_sandbox/faults", raw=b"{", auth=None)
    unknown = call(sandbox, "GET", "/_sandbox/nothing", auth=None)

    assert (bad_clock.status, bad_clock.body) == (400, error("105", "advance_seconds"))
    assert (bad_json.status, bad_json.body) == (400, error("105", None))
    assert (unknown.status, unknown.body) == (404, error("101", None))
    assert sandbox.requests == []


# -- script mode and TLS -------------------------------------------------------------------------------------

def test_script_mode_serves_until_sigterm(tmp_path: Path) -> None:
    proc, line, port_file = start_script(tmp_path, "--max-lifetime", "30")
    try:
        match = LISTENING.fullmatch(line)
        assert match and match.group(1) == "http"
        port = int(match.group(2))
        assert int(port_file.read_text()) == port
        assert call(port, "POST", SEND, omni()).status == 201
        log = call(port, "GET", "/_sandbox/requests", auth=None).body
        assert [(e["path"], e["status"]) for e in log] == [(SEND, 201)]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.communicate()
    assert proc.poll() == 0


def test_script_mode_exits_after_max_lifetime(tmp_path: Path) -> None:
    proc, line = start_script(tmp_path, "--max-lifetime", "1")[:2]
    try:
        match = LISTENING.fullmatch(line)
        assert match
        reply = call(int(match.group(2)), "GET", f"{SEND}/{uuid.uuid4()}/status")
        assert (reply.status, reply.body) == (404, error("101", None))
        log = call(int(match.group(2)), "GET", "/_sandbox/requests", auth=None).body
        assert [(e["method"], e["status"]) for e in log] == [("GET", 404)]
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.communicate()
    assert proc.poll() == 0


def test_script_mode_refuses_non_loopback_host(tmp_path: Path) -> None:
    proc, line, port_file = start_script(tmp_path, "--host", "0.0.0.0")
    stderr = proc.communicate(timeout=10)[1]

    assert (proc.returncode, line, port_file.exists()) == (2, "", False)
    assert "loopback" in stderr


@pytest.mark.parametrize("workdir", ["repo", "elsewhere"])
def test_script_without_its_requirements_prints_how_to_install_them(tmp_path: Path, workdir: str) -> None:
    """`-I -S` runs the same interpreter without site-packages: no pydantic, no messente_api."""
    cwd = SCRIPT.parents[2] if workdir == "repo" else tmp_path
    proc = subprocess.run([sys.executable, "-I", "-S", str(SCRIPT), "--port", "0"], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)

    requirements = "tests/sandbox/requirements.txt" if workdir == "repo" else str(SCRIPT.parent / "requirements.txt")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == (f"messente-sandbox: the Python package 'pydantic' is missing; install the sandbox's requirements with: "
                           f"{Path(sys.executable).name} -m pip install -r {requirements}\n")


def test_script_mode_tls_until_sigint(tmp_path: Path) -> None:
    cert, key = make_self_signed_cert(tmp_path)
    proc, line = start_script(tmp_path, "--tls-cert", str(cert), "--tls-key", str(key), "--max-lifetime", "30")[:2]
    try:
        match = LISTENING.fullmatch(line)
        assert match and match.group(1) == "https"
        reply = call(int(match.group(2)), "POST", SEND, omni(), context=ssl.create_default_context(cafile=str(cert)))
        assert reply.status == 201
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.communicate()
    assert proc.poll() == 0


def test_tls_certificate_is_not_trusted_by_default(tmp_path: Path) -> None:
    cert, key = make_self_signed_cert(tmp_path)
    with SandboxServer(tls=(cert, key)) as server:
        assert server.base_url == f"https://127.0.0.1:{server.port}/v1"
        with pytest.raises(ssl.SSLCertVerificationError):
            call(server, "POST", SEND, omni(), context=ssl.create_default_context())
        trusting = ssl.create_default_context(cafile=str(cert))
        trusting.verify_flags |= ssl.VERIFY_X509_STRICT
        reply = call(server, "POST", SEND, omni(), context=trusting)

        assert reply.status == 201
        assert [(e["path"], e["status"]) for e in server.requests] == [(SEND, 201)]


def test_stop_ends_the_server(sandbox: SandboxServer) -> None:
    assert call(sandbox, "GET", f"{SEND}/{UNKNOWN_ID}/status").status == 404
    with pytest.raises(RuntimeError):
        sandbox.start()
    sandbox.stop()
    sandbox.stop()

    with pytest.raises(ConnectionRefusedError):
        call(sandbox, "GET", "/_sandbox/requests", auth=None)
    assert sandbox.base_url == f"http://127.0.0.1:{sandbox.port}/v1"
    assert [e["status"] for e in sandbox.requests] == [404]
    with pytest.raises(ValueError):
        SandboxServer(host="0.0.0.0")

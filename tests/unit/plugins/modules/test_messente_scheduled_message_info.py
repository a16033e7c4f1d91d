# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""messente_scheduled_message_info against scripted HTTP: GET requests only, one overall state per id."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.messente.omnichannel.plugins.modules import messente_scheduled_message_info
from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import (
    API_URL,
    Call,
    ModuleRunner,
    ScriptedHTTP,
    module_args,
)

OID = "4f1a4a3e-52a2-4b8a-9e63-0c3c6b0c1f9e"
OID2 = "8f4b1f7e-2c4d-4a8b-9e57-1d2c3b4a5f60"


def status_url(omnimessage_id: str) -> str:
    return f"{API_URL}/omnimessage/{omnimessage_id}/status"


def report(omnimessage_id: str, *channels: tuple[str | None, int | None]) -> dict[str, Any]:
    names = ("viber", "sms", "whatsapp")
    return {
        "statuses": [{"channel": names[index], "message_id": f"m-{index}", "sender": "Ops", "status": status, "err": err,
                      "error": None, "timestamp": "2030-06-01T07:59:00", "price_info": None}
                     for index, (status, err) in enumerate(channels)],
        "to": "+37251234567",
        "omnimessage_id": omnimessage_id,
    }


def look_up(run_module: ModuleRunner, *ids: str, check_mode: bool = False) -> Any:
    return run_module(module_args(omnimessage_id=list(ids)), check_mode=check_mode, module=messente_scheduled_message_info)


@pytest.mark.parametrize(("channels", "state"), [
    (((None, None), (None, None)), "scheduled"),
    ((("DELETED", None),), "cancelled"),
    ((("UNDELIV", 1), ("DELIVRD", 0)), "delivered"),
    ((("SEEN", 10),), "delivered"),
    ((("ACK", None), (None, None)), "sent"),
    ((("FAILED", 9), ("EXPIRED", 2)), "failed"),
], ids=["scheduled", "cancelled", "delivered-by-fallback", "seen", "in-flight", "all-failed"])
def test_each_id_gets_one_overall_state(http: ScriptedHTTP, run_module: ModuleRunner, channels: tuple[Any, ...], state: str) -> None:
    http.script(Call("GET", status_url(OID), status=200, reply=report(OID, *channels)))

    run = look_up(run_module, OID)

    assert not run.failed, run.msg
    assert run.result["changed"] is False
    (found,) = run.result["omnimessages"]
    assert (found["omnimessage_id"], found["found"], found["state"], found["to"]) == (OID, True, state, "+37251234567")
    assert [entry["status"] for entry in found["statuses"]] == [status for status, _err in channels]


def test_error_codes_are_spelled_out(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(Call("GET", status_url(OID), status=200, reply=report(OID, ("REJECTD", 7), ("DELIVRD", 0), (None, None))))

    run = look_up(run_module, OID)

    assert [entry["err_meaning"] for entry in run.result["omnimessages"][0]["statuses"]] == ["Sender name not allowed", "No error", None]


def test_unknown_ids_are_reported_not_failed_and_lookups_run_in_parallel(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.parallel([Call("GET", status_url(OID), status=200, reply=report(OID, (None, None)))],
                  [Call("GET", status_url(OID2), status=404, reply={"errors": [{"title": "Not found", "code": "101"}]})])

    run = look_up(run_module, OID, OID2.upper())

    assert not run.failed, run.msg
    assert sorted(http.requests) == sorted([f"GET {status_url(OID)}", f"GET {status_url(OID2)}"])
    assert [(entry["omnimessage_id"], entry["found"], entry["state"]) for entry in run.result["omnimessages"]] == [
        (OID, True, "scheduled"), (OID2, False, "unknown")]
    assert run.result["omnimessages"][1]["statuses"] == []


def test_check_mode_reads_the_same(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(Call("GET", status_url(OID), status=200, reply=report(OID, ("DELETED", None))))

    run = look_up(run_module, OID, check_mode=True)

    assert run.result["omnimessages"][0]["state"] == "cancelled"


def test_bad_id_fails_before_any_request(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    run = look_up(run_module, OID, "12345")

    assert run.failed
    assert run.msg.startswith("omnimessage_id[1]: '12345' is not an omnimessage id")
    assert run.result["omnimessages"] == []
    assert http.seen == []


def test_api_errors_fail_with_status_and_keep_the_result_key(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    http.script(Call("GET", status_url(OID), status=401, reply={"errors": [{"title": "Unauthorized", "detail": "bad key", "code": "103", "source": None}]}))

    run = look_up(run_module, OID)

    assert run.failed
    assert run.msg.startswith(f"Messente rejected GET /omnimessage/{OID}/status (401 Unauthorized, code 103): bad key. Check api_username")
    assert run.result["status"] == 401 and run.result["omnimessages"] == []

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


# --- wait_for: polling until a state is reached ----------------------------------------------------------------------


class FakeClock:
    """A monotonic clock that moves only when the module sleeps, so every wait is exact and instant."""

    def __init__(self) -> None:
        self.now = 5000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(messente_scheduled_message_info, "monotonic", fake.monotonic)
    monkeypatch.setattr(messente_scheduled_message_info, "sleep", fake.sleep)
    return fake


def wait(run_module: ModuleRunner, *ids: str, check_mode: bool = False, **options: Any) -> Any:
    return run_module(module_args(omnimessage_id=list(ids), **options), check_mode=check_mode, module=messente_scheduled_message_info)


def status_call(omnimessage_id: str, *channels: tuple[str | None, int | None]) -> Call:
    return Call("GET", status_url(omnimessage_id), status=200, reply=report(omnimessage_id, *channels))


SCHEDULED = ((None, None),)
DELIVERED = (("DELIVRD", 0),)


def test_wait_for_delivered_polls_until_delivered_with_growing_pauses(http: ScriptedHTTP, run_module: ModuleRunner, clock: FakeClock) -> None:
    http.script(status_call(OID, *SCHEDULED), status_call(OID, ("ACK", None)), status_call(OID, *SCHEDULED[:0], ("UNDELIV", 1), ("DELIVRD", 0)))

    run = wait(run_module, OID, wait_for="delivered")

    assert not run.failed, run.msg
    assert clock.sleeps == [1.0, 2.0]
    assert run.result["omnimessages"][0]["state"] == "delivered"
    assert [entry["status"] for entry in run.result["omnimessages"][0]["statuses"]] == ["UNDELIV", "DELIVRD"]


def test_pauses_double_up_to_ten_seconds_and_never_pass_the_timeout(http: ScriptedHTTP, run_module: ModuleRunner, clock: FakeClock) -> None:
    http.script(*[status_call(OID, *SCHEDULED) for _poll in range(7)])

    run = wait(run_module, OID, wait_for="final", wait_timeout=30)

    assert run.failed
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 5.0]
    assert run.msg == f"wait_for=final was not reached within wait_timeout=30s; last state seen: {OID} is scheduled"
    assert run.result["omnimessages"][0]["state"] == "scheduled"
    assert run.result["changed"] is False


@pytest.mark.parametrize(("wait_for", "channels", "state"), [
    ("sent", (("ACK", None), (None, None)), "sent"),
    ("sent", (("DELIVRD", 0),), "delivered"),
    ("sent", (("FAILED", 9),), "failed"),
    ("delivered", (("UNDELIV", 1), ("SEEN", 10)), "delivered"),
    ("final", (("DELETED", None),), "cancelled"),
    ("final", (("REJECTD", 7), ("EXPIRED", 2)), "failed"),
    ("final", (("DELIVRD", 0),), "delivered"),
], ids=["sent-in-flight", "sent-delivered", "sent-failed", "delivered", "final-cancelled", "final-failed", "final-delivered"])
def test_each_wait_for_accepts_its_states_without_waiting(http: ScriptedHTTP, run_module: ModuleRunner, clock: FakeClock,
                                                          wait_for: str, channels: tuple[Any, ...], state: str) -> None:
    http.script(status_call(OID, *channels))

    run = wait(run_module, OID, wait_for=wait_for)

    assert not run.failed, run.msg
    assert (run.result["omnimessages"][0]["state"], clock.sleeps) == (state, [])


@pytest.mark.parametrize(("wait_for", "channels", "state"), [
    ("sent", (("DELETED", None),), "cancelled"),
    ("delivered", (("DELETED", None),), "cancelled"),
    ("delivered", (("FAILED", 9), ("UNDELIV", 1)), "failed"),
], ids=["sent-but-cancelled", "delivered-but-cancelled", "delivered-but-failed"])
def test_a_final_state_that_wait_for_does_not_accept_fails_at_once(http: ScriptedHTTP, run_module: ModuleRunner, clock: FakeClock,
                                                                   wait_for: str, channels: tuple[Any, ...], state: str) -> None:
    http.script(status_call(OID, *channels))

    run = wait(run_module, OID, wait_for=wait_for)

    assert run.failed
    assert run.msg == f"wait_for={wait_for} cannot be reached: {OID} is {state}, which will not change any more"
    assert clock.sleeps == []


def test_an_unknown_id_fails_at_once(http: ScriptedHTTP, run_module: ModuleRunner, clock: FakeClock) -> None:
    http.script(Call("GET", status_url(OID), status=404, reply={"errors": [{"title": "Not found", "code": "101"}]}))

    run = wait(run_module, OID, wait_for="sent")

    assert run.failed
    assert run.msg == f"wait_for=sent cannot be reached: {OID} is unknown to Messente, which will not change any more"
    assert run.result["omnimessages"][0]["found"] is False
    assert clock.sleeps == []


def test_ids_that_arrived_are_not_read_again(http: ScriptedHTTP, run_module: ModuleRunner, clock: FakeClock) -> None:
    http.parallel([status_call(OID, *DELIVERED)], [status_call(OID2, *SCHEDULED), status_call(OID2, *SCHEDULED), status_call(OID2, *DELIVERED)])

    run = wait(run_module, OID, OID2, wait_for="delivered", check_mode=True)

    assert not run.failed, run.msg
    assert sorted(http.requests) == sorted([f"GET {status_url(OID)}"] + [f"GET {status_url(OID2)}"] * 3)
    assert [(entry["omnimessage_id"], entry["state"]) for entry in run.result["omnimessages"]] == [(OID, "delivered"), (OID2, "delivered")]
    assert clock.sleeps == [1.0, 2.0]


def test_the_timeout_names_only_the_ids_still_waiting(http: ScriptedHTTP, run_module: ModuleRunner, clock: FakeClock) -> None:
    http.parallel([status_call(OID, *DELIVERED)], [status_call(OID2, *SCHEDULED), status_call(OID2, ("ACK", None))])

    run = wait(run_module, OID, OID2, wait_for="delivered", wait_timeout=1)

    assert run.failed
    assert run.msg == f"wait_for=delivered was not reached within wait_timeout=1s; last state seen: {OID2} is sent"
    assert [entry["state"] for entry in run.result["omnimessages"]] == ["delivered", "sent"]
    assert clock.sleeps == [1.0]


def test_without_wait_for_it_is_one_read_whatever_wait_timeout_says(http: ScriptedHTTP, run_module: ModuleRunner, clock: FakeClock) -> None:
    http.script(status_call(OID, *SCHEDULED))

    run = wait(run_module, OID, wait_timeout=5)

    assert not run.failed, run.msg
    assert (run.result["omnimessages"][0]["state"], clock.sleeps) == ("scheduled", [])


@pytest.mark.parametrize(("options", "message"), [
    ({"wait_for": ""}, "value of wait_for must be one of: sent, delivered, final, got: "),
    ({"wait_for": "soon"}, "value of wait_for must be one of: sent, delivered, final, got: soon"),
    ({"wait_for": "Delivered"}, "value of wait_for must be one of: sent, delivered, final, got: Delivered"),
    ({"wait_for": ["delivered"]}, "value of wait_for must be one of: sent, delivered, final, got: ['delivered']"),
    ({"wait_for": {"state": "delivered"}}, "value of wait_for must be one of: sent, delivered, final, got: {'state': 'delivered'}"),
    ({"wait_for": 1}, "value of wait_for must be one of: sent, delivered, final, got: 1"),
    ({"wait_for": None}, "value of wait_for must be one of: sent, delivered, final, got: None"),
    ({"wait_for": "delivered", "wait_timeout": None}, "argument 'wait_timeout' is of type"),
    ({"wait_for": "delivered", "wait_timeout": 0}, "wait_timeout: must be a whole number of seconds, 1 or more, got 0"),
    ({"wait_for": "delivered", "wait_timeout": -30}, "wait_timeout: must be a whole number of seconds, 1 or more, got -30"),
    ({"wait_timeout": 0}, "wait_timeout: must be a whole number of seconds, 1 or more, got 0"),
    ({"wait_for": "delivered", "wait_timeout": ""}, "argument 'wait_timeout' is of type"),
    ({"wait_for": "delivered", "wait_timeout": "soon"}, "argument 'wait_timeout' is of type"),
    ({"wait_for": "delivered", "wait_timeout": 2.5}, "argument 'wait_timeout' is of type"),
    ({"wait_for": "delivered", "wait_timeout": [60]}, "argument 'wait_timeout' is of type"),
    ({"wait_for": "delivered", "wait_timeout": {"seconds": 60}}, "argument 'wait_timeout' is of type"),
], ids=["wait_for-empty", "wait_for-unknown", "wait_for-case", "wait_for-list", "wait_for-dict", "wait_for-number", "wait_for-none", "timeout-none",
        "timeout-zero", "timeout-negative", "timeout-zero-without-wait_for", "timeout-empty", "timeout-text", "timeout-float",
        "timeout-list", "timeout-dict"])
def test_bad_wait_options_fail_by_name_before_any_request(http: ScriptedHTTP, run_module: ModuleRunner, clock: FakeClock,
                                                          options: dict[str, Any], message: str) -> None:
    run = wait(run_module, OID, **options)

    assert run.failed
    assert message in run.msg, run.msg
    assert http.seen == [] and clock.sleeps == []

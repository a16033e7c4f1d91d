# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pace the threads of one client share: a 429 pauses all of them and narrows the window, rate_limit spaces them.

Every wait is recorded on the harness's clock, which moves only when a client sleeps: nothing here really sleeps.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from ansible_collections.messente.omnichannel.plugins.module_utils._client import (
    MAX_RETRY_WARNINGS,
    MessenteClient,
    MessenteError,
    Pacer,
    RequestWithdrawn,
)
from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import (
    API_URL,
    PASSWORD,
    USERNAME,
    Call,
    ScriptedHTTP,
)

OID_A = "4f1a4a3e-52a2-4b8a-9e63-0c3c6b0c1f9e"
OID_B = "8f4b1f7e-2c4d-4a8b-9e57-1d2c3b4a5f60"
OID_C = "0b8e7c51-9d0f-4e55-8d2c-6a1f3e9b7c44"
BULK_URL = f"{API_URL}/omnimessages"
BODY = {"to": "+37251234567", "messages": [{"channel": "sms", "text": "hi"}], "time_to_send": "2030-06-22T09:05:00+00:00"}
CREATED = {"messages": [{"channel": "sms", "message_id": "m-1", "sender": "Ops"}], "to": "+37251234567", "omnimessage_id": OID_A}
SLOW_DOWN = {"errors": [{"title": "Too many requests", "detail": "slow down", "code": "104", "source": None}]}


def make_client(warnings: list[str] | None = None, **options: Any) -> MessenteClient:
    return MessenteClient(api_url=API_URL, username=USERNAME, password=PASSWORD, timeout=5.0,
                          on_retry=(warnings if warnings is not None else []).append, **options)


def delete(omnimessage_id: str, status: int = 202, retry_after: str | None = None) -> Call:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    reply = {} if status == 202 else SLOW_DOWN
    return Call("DELETE", f"{API_URL}/omnimessage/{omnimessage_id}", status=status, reply=reply, headers=headers)


def post(status: int = 201, retry_after: str | None = None) -> Call:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Call("POST", f"{API_URL}/omnimessage", body=BODY, status=status, reply=CREATED if status == 201 else SLOW_DOWN, headers=headers)


def wait_until(condition: Any, seconds: float = 10.0) -> bool:
    """Poll a condition another thread will make true; the bound only keeps a broken test from hanging."""
    event = threading.Event()
    for _poll in range(int(seconds / 0.005)):
        if condition():
            return True
        event.wait(0.005)
    return bool(condition())


class FakeTime:
    """A clock that moves only when slept on, for Pacer tests without a client."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


# --- one 429 pauses every thread ---------------------------------------------------------------------------------


def test_a_429_on_one_thread_pauses_a_request_of_another_thread(http: ScriptedHTTP) -> None:
    http.script(delete(OID_A, 429, retry_after="3"), delete(OID_A))
    http.script(delete(OID_B))
    events: list[tuple[str, float, int]] = []
    client: MessenteClient

    def sleep(seconds: float) -> None:
        """The first sleep is thread A waiting out its own 429; thread B starts right then and must wait as well."""
        events.append(("sleep", seconds, len(http.seen)))
        if len(events) == 1:
            other = threading.Thread(target=client.cancel, args=(OID_B,))
            other.start()
            other.join()
        http.sleep(seconds)

    client = make_client(sleep=sleep)

    assert client.cancel(OID_A) is True

    assert http.requests == [f"DELETE {API_URL}/omnimessage/{OID_A}", f"DELETE {API_URL}/omnimessage/{OID_B}",
                             f"DELETE {API_URL}/omnimessage/{OID_A}"]
    # A and B both waited the 3 s of the pause, each before its next request went out (after 1 request seen: A's 429).
    assert events == [("sleep", 3.0, 1), ("sleep", 3.0, 1)]


def test_a_429_halves_the_requests_in_flight_and_successes_grow_them_back(http: ScriptedHTTP) -> None:
    http.script(delete(OID_A, 429, retry_after="1"), delete(OID_A), *[delete(OID_B)] * 9)
    client = make_client(pool_size=8)
    assert client.pacer.in_flight_limit == 8

    client.cancel(OID_A)
    after_429 = client.pacer.in_flight_limit
    limits = []
    for _request in range(9):
        client.cancel(OID_B)
        limits.append(client.pacer.in_flight_limit)

    assert after_429 == 4
    # One more place after as many successes in a row as the window allows: 4 (A's retry counts), then 5 more.
    assert limits == [4, 4, 5, 5, 5, 5, 5, 6, 6]


def test_the_window_halves_once_per_pause_not_once_per_429() -> None:
    time = FakeTime()
    pacer = Pacer(8, clock=time.clock, sleep=time.sleep)

    with pacer.slot() as first, pacer.slot() as second:  # both sent before Messente said "too many"
        pass
    pacer.throttled(first, 1.0)
    pacer.throttled(second, 1.0)
    assert pacer.in_flight_limit == 4
    with pacer.slot() as later:  # sent after the pause: its 429 means the halved pace is still too fast
        pass
    pacer.throttled(later, 1.0)

    assert pacer.in_flight_limit == 2
    assert time.sleeps == [1.0]  # "later" waited out the pause before it went out


def test_the_window_bounds_how_many_requests_are_in_flight() -> None:
    pacer = Pacer(4)
    pacer.throttled(0, 0.0)  # window 4 -> 2
    entered = [threading.Event() for _thread in range(3)]
    release = threading.Event()

    def request(index: int) -> None:
        with pacer.slot():
            entered[index].set()
            release.wait(10)

    threads = [threading.Thread(target=request, args=(index,)) for index in range(3)]
    for thread in threads[:2]:
        thread.start()
    assert all(event.wait(10) for event in entered[:2])
    threads[2].start()
    third_got_in_early = entered[2].wait(0.2)  # a correct window never lets it in; no timing is asserted
    release.set()
    for thread in threads:
        thread.join(10)

    assert pacer.in_flight_limit == 2
    assert third_got_in_early is False
    assert entered[2].is_set()


def test_an_answer_other_than_429_is_a_success_for_the_window(http: ScriptedHTTP) -> None:
    http.script(delete(OID_A, 429, retry_after="0"), delete(OID_A), delete(OID_B, 404), delete(OID_C))
    client = make_client(pool_size=4)

    client.cancel(OID_A)
    assert client.pacer.in_flight_limit == 2
    assert client.cancel(OID_B) is False  # the ambiguous 404 still says Messente kept up

    assert client.pacer.in_flight_limit == 3
    assert client.cancel(OID_C) is True


# --- 429 tries are bounded by a wait budget, not by retries ------------------------------------------------------


def test_a_sustained_429_storm_is_waited_out_beyond_the_number_of_retries(http: ScriptedHTTP) -> None:
    http.script(*[post(429, retry_after="1")] * 6, post())
    warnings: list[str] = []

    assert make_client(warnings, retries=3).schedule(BODY) == CREATED

    assert len(http.seen) == 7
    assert http.sleeps == [1.0] * 6
    assert len(warnings) == 6
    assert warnings[-1].endswith("then this one is tried again (6.0s of 300s for 429 waits used)")


def test_429_tries_stop_when_their_waits_would_pass_the_budget(http: ScriptedHTTP) -> None:
    http.script(*[post(429, retry_after="120")] * 3)

    with pytest.raises(MessenteError) as failed:
        make_client(retries=3).schedule(BODY)

    assert http.sleeps == [120.0, 120.0]  # a third wait would make 360 s, over the 300 s budget
    assert failed.value.status == 429 and failed.value.may_have_been_processed is False
    assert failed.value.message == (
        "Messente rejected POST /omnimessage (429 Too many requests, code 104): slow down. It had already been refused "
        "with HTTP 429 2 time(s) and waited 240.0s; 429 waits may add up to 300s per request")


def test_retries_zero_turns_429_tries_off_as_well(http: ScriptedHTTP) -> None:
    http.script(post(429, retry_after="1"))

    with pytest.raises(MessenteError) as failed:
        make_client(retries=0).schedule(BODY)

    assert failed.value.status == 429
    assert http.sleeps == []


def test_a_429_without_retry_after_backs_off_doubling(http: ScriptedHTTP) -> None:
    http.script(post(429), post(429), post(429), post())

    make_client(retries=1).schedule(BODY)

    assert [(low <= delay <= high) for delay, (low, high) in zip(http.sleeps, [(0.5, 1), (1, 2), (2, 4)])] == [True] * 3


def test_retry_warnings_stop_after_a_bound_with_one_note(http: ScriptedHTTP) -> None:
    http.script(*[post(429, retry_after="0")] * (MAX_RETRY_WARNINGS + 5), post())
    warnings: list[str] = []

    make_client(warnings).schedule(BODY)

    assert len(http.seen) == MAX_RETRY_WARNINGS + 6
    assert len(warnings) == MAX_RETRY_WARNINGS + 1
    assert warnings[-1] == (f"Messente: more than {MAX_RETRY_WARNINGS} retries in this task; further retries are not "
                            "reported one by one")


# --- rate_limit -------------------------------------------------------------------------------------------------


def test_rate_limit_spaces_the_starts_of_requests_evenly() -> None:
    time = FakeTime()
    pacer = Pacer(8, rate_limit=4.0, clock=time.clock, sleep=time.sleep)

    starts = []
    for _request in range(4):
        with pacer.slot():
            starts.append(time.now)

    assert starts == [0.0, 0.25, 0.5, 0.75]
    assert time.sleeps == [0.25, 0.25, 0.25]


def test_rate_limit_does_not_wait_when_the_requests_are_slower_than_it() -> None:
    time = FakeTime()
    pacer = Pacer(8, rate_limit=4.0, clock=time.clock, sleep=time.sleep)

    for _request in range(3):
        with pacer.slot():
            time.now += 1.0  # each request takes a second on the wire

    assert time.sleeps == []


def test_rate_limit_paces_a_client_over_the_harness_clock(http: ScriptedHTTP) -> None:
    http.script(delete(OID_A), delete(OID_B), delete(OID_C))
    client = make_client(rate_limit=10.0)

    for omnimessage_id in (OID_A, OID_B, OID_C):
        client.cancel(omnimessage_id)

    assert http.sleeps == pytest.approx([0.1, 0.1])


# --- withdrawing a request ---------------------------------------------------------------------------------------


def test_a_withdrawn_request_is_never_sent(http: ScriptedHTTP) -> None:
    stop = threading.Event()
    stop.set()

    with pytest.raises(RequestWithdrawn) as withdrawn:
        make_client().schedule_bulk([BODY], stop=stop)

    assert http.seen == []
    assert (withdrawn.value.method, withdrawn.value.path, withdrawn.value.may_have_been_processed) == ("POST", "/omnimessages", False)


def test_a_request_refused_with_429_is_not_tried_again_once_withdrawn(http: ScriptedHTTP) -> None:
    stop = threading.Event()
    http.script(Call("POST", BULK_URL, body={"messages": [BODY]}, status=429, reply=SLOW_DOWN, headers={"Retry-After": "1"},
                     before_answer=stop.set))  # another chunk failed while this one was on the wire

    with pytest.raises(RequestWithdrawn):
        make_client().schedule_bulk([BODY], stop=stop)

    assert len(http.seen) == 1
    assert http.sleeps == []  # withdrawn before it would wait out the pause


def test_a_failed_bulk_request_withdraws_one_that_waits_for_its_place_in_flight(http: ScriptedHTTP) -> None:
    stop = threading.Event()
    client = make_client(pool_size=1)
    second: dict[str, Any] = {}

    def start_the_second_request() -> None:
        """While the first request is on the wire, a second one queues for the only place in flight."""
        def second_request() -> None:
            try:
                client.schedule_bulk([BODY, BODY], stop=stop)
            except RequestWithdrawn as withdrawn:
                second["withdrawn"] = withdrawn
        second["thread"] = threading.Thread(target=second_request)
        second["thread"].start()
        assert wait_until(lambda: client.pacer.waiting == 1), "the second request never queued"

    http.script(Call("POST", BULK_URL, body={"messages": [BODY]}, status=500, raw="<html>oops</html>", before_answer=start_the_second_request))

    with pytest.raises(MessenteError) as failed:
        client.schedule_bulk([BODY], stop=stop)
    second["thread"].join(10)

    assert failed.value.may_have_been_processed is True
    assert stop.is_set()
    assert "withdrawn" in second
    assert len(http.seen) == 1


def test_a_bulk_answer_without_one_result_each_fails_as_a_whole_and_stops(http: ScriptedHTTP) -> None:
    stop = threading.Event()
    http.script(Call("POST", BULK_URL, body={"messages": [BODY, BODY]}, status=201, reply={"messages": [CREATED]}))

    with pytest.raises(MessenteError) as failed:
        make_client().schedule_bulk([BODY, BODY], stop=stop)

    assert failed.value.message == ("Messente's bulk answer did not hold one result per recipient (2 sent); "
                                    "these messages MAY have been scheduled")
    assert (failed.value.status, failed.value.may_have_been_processed) == (201, True)
    assert stop.is_set()


# --- secrets in success bodies -----------------------------------------------------------------------------------


def test_a_password_written_with_a_json_escape_in_a_success_body_is_redacted(http: ScriptedHTTP) -> None:
    escaped = PASSWORD[:-1] + "\\u00" + format(ord(PASSWORD[-1]), "x")
    raw = '{"messages": [{"errors": [{"title": "Invalid data", "detail": "echo ' + escaped + '", "code": "105"}]}]}'
    http.script(Call("POST", BULK_URL, body={"messages": [BODY]}, status=201, raw=raw))

    answer = make_client().schedule_bulk([BODY])

    assert answer["messages"][0]["errors"][0]["detail"] == "echo ********"

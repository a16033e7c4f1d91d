# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MessenteClient over scripted HTTP: headers, the documented retry policy, Retry-After, errors and redaction."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.client import RemoteDisconnected
from typing import Any, Callable

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError, ProtocolError

from ansible_collections.messente.omnichannel.plugins.module_utils._client import (
    COLLECTION_VERSION,
    MessenteClient,
    MessenteError,
)
from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import (
    API_URL,
    BASIC_TOKEN,
    PASSWORD,
    USERNAME,
    Call,
    ScriptedHTTP,
)

OID = "4f1a4a3e-52a2-4b8a-9e63-0c3c6b0c1f9e"
DELETE_URL = f"{API_URL}/omnimessage/{OID}"
STATUS_URL = f"{API_URL}/omnimessage/{OID}/status"
POST_URL = f"{API_URL}/omnimessage"
BODY = {"to": "+37251234567", "messages": [{"channel": "sms", "text": "hi"}], "time_to_send": "2030-06-22T09:05:00+00:00"}
CREATED = {"messages": [{"channel": "sms", "message_id": "9e2d3b6a-3c1e-4f4f-8a0b-7d6c5b4a3f21", "sender": "Ops"}],
           "to": "+37251234567", "omnimessage_id": OID}
REPORT = {"statuses": [{"channel": "sms", "status": None}], "to": "+37251234567", "omnimessage_id": OID}
MAY_HAVE = "The request was sent, so the message MAY have been scheduled; it was not retried so that it cannot be sent twice"


class Recorder:
    """Collects on_retry warnings."""

    def __init__(self) -> None:
        self.warnings: list[str] = []


@pytest.fixture
def warnings() -> Recorder:
    return Recorder()


def make_client(recorder: Recorder, retries: int = 3, **options: Any) -> MessenteClient:
    return MessenteClient(api_url=options.pop("api_url", API_URL), username=USERNAME, password=PASSWORD, retries=retries,
                          timeout=options.pop("timeout", 5.0), on_retry=recorder.warnings.append, **options)


# --- failures as requests would raise them ---------------------------------------------------------------------


def refused() -> requests.exceptions.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")  # type: ignore[arg-type]
    return requests.exceptions.ConnectionError(MaxRetryError(None, POST_URL, reason=reason))  # type: ignore[arg-type]


def unresolvable() -> requests.exceptions.ConnectionError:
    reason = NameResolutionError("api.messente.com", None, OSError("Name or service not known"))  # type: ignore[arg-type]
    return requests.exceptions.ConnectionError(MaxRetryError(None, POST_URL, reason=reason))  # type: ignore[arg-type]


def dropped() -> requests.exceptions.ConnectionError:
    return requests.exceptions.ConnectionError(
        ProtocolError("Connection aborted.", RemoteDisconnected("Remote end closed connection without response")))


def dropped_after_retry_wrapper() -> requests.exceptions.ConnectionError:
    reason = ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))
    return requests.exceptions.ConnectionError(MaxRetryError(None, POST_URL, reason=reason))  # type: ignore[arg-type]


def read_timeout() -> requests.exceptions.ReadTimeout:
    return requests.exceptions.ReadTimeout("HTTPConnectionPool(host='127.0.0.1', port=18999): Read timed out. (read timeout=5.0)")


def connect_timeout() -> requests.exceptions.ConnectTimeout:
    return requests.exceptions.ConnectTimeout("Connection to 127.0.0.1 timed out. (connect timeout=5.0)")


def tls_failure() -> requests.exceptions.SSLError:
    return requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate")


def failure(method: str, url: str, status: int | None = None, raises: Callable[[], BaseException] | None = None, **answer: Any) -> Call:
    body = BODY if method == "POST" else None
    if raises is not None:
        return Call(method, url, body=body, raises=raises())
    return Call(method, url, body=body, status=status or 500, raw=answer.pop("raw", "<html>try later</html>"), **answer)


def success(method: str, url: str) -> Call:
    if method == "POST":
        return Call("POST", url, body=BODY, status=201, reply=CREATED)
    if method == "DELETE":
        return Call("DELETE", url, status=202, reply={})
    return Call("GET", url, status=200, reply=REPORT)


def call_client(client: MessenteClient, method: str) -> Any:
    if method == "POST":
        return client.schedule(BODY)
    if method == "DELETE":
        return client.cancel(OID)
    return client.delivery_status(OID)


EXPECTED_SUCCESS = {"POST": CREATED, "DELETE": True, "GET": REPORT}
URLS = {"POST": POST_URL, "DELETE": DELETE_URL, "GET": STATUS_URL}
PATHS = {"POST": "/omnimessage", "DELETE": f"/omnimessage/{OID}", "GET": f"/omnimessage/{OID}/status"}

RETRYABLE_FOR_READS = {
    "502": ({"status": 502}, "HTTP 502"),
    "503": ({"status": 503}, "HTTP 503"),
    "504": ({"status": 504}, "HTTP 504"),
    "read-timeout": ({"raises": read_timeout}, "connection failed (no answer within timeout=5.0s)"),
    "connect-timeout": ({"raises": connect_timeout}, "connection failed (could not connect within timeout=5.0s)"),
    "refused": ({"raises": refused}, "connection failed (NewConnectionError: None: Failed to establish a new connection"),
    "dropped": ({"raises": dropped}, "connection failed (ProtocolError: ('Connection aborted.', RemoteDisconnected("),
}
RETRYABLE_FOR_POST = {
    "429": ({"status": 429}, "HTTP 429 (too many requests)"),
    "connect-timeout": ({"raises": connect_timeout}, "connection failed (could not connect within timeout=5.0s)"),
    "refused": ({"raises": refused}, "connection failed (NewConnectionError: None: Failed to establish a new connection"),
    "unresolvable": ({"raises": unresolvable}, "connection failed (NameResolutionError: "),
}


# --- headers and plain success ---------------------------------------------------------------------------------


def test_every_request_has_basic_auth_json_and_the_collection_user_agent(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(success("POST", POST_URL), success("DELETE", DELETE_URL), success("GET", STATUS_URL))
    client = make_client(warnings, timeout=7.5, validate_certs=False)

    assert client.schedule(BODY) == CREATED
    assert client.cancel(OID) is True
    assert client.delivery_status(OID) == REPORT

    for seen in http.seen:
        assert seen.headers["Authorization"] == f"Basic {BASIC_TOKEN}"
        assert seen.headers["User-Agent"] == f"messente.omnichannel/{COLLECTION_VERSION} (Ansible collection)"
        assert seen.headers["Accept"] == "application/json"
        assert (seen.timeout, seen.verify) == (7.5, False)
    assert http.seen[0].headers["Content-Type"] == "application/json"
    assert "Content-Type" not in http.seen[1].headers and "Content-Type" not in http.seen[2].headers
    assert warnings.warnings == [] and http.sleeps == []


def test_trailing_slash_of_the_api_url_is_ignored(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(success("DELETE", DELETE_URL))

    assert make_client(warnings, api_url=f"{API_URL}/").cancel(OID) is True


def test_bulk_posts_the_envelope(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(Call("POST", f"{API_URL}/omnimessages", body={"messages": [BODY, BODY]}, status=201, reply={"messages": [CREATED, CREATED]}))

    assert make_client(warnings).schedule_bulk([BODY, BODY]) == {"messages": [CREATED, CREATED]}


def test_cancel_ignores_the_202_body_and_404_means_false(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(Call("DELETE", DELETE_URL, status=202, raw=""), Call("DELETE", DELETE_URL, status=404, reply={"errors": []}))
    client = make_client(warnings)

    assert client.cancel(OID) is True
    assert client.cancel(OID) is False


def test_status_of_an_unknown_message_is_none(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(Call("GET", STATUS_URL, status=404, reply={"errors": [{"title": "Not found", "code": "101"}]}))

    assert make_client(warnings).delivery_status(OID) is None


def test_404_on_schedule_to_a_url_without_v1_says_the_version_path_is_missing(http: ScriptedHTTP, warnings: Recorder) -> None:
    bare = API_URL[: -len("/v1")]
    http.script(Call("POST", f"{bare}/omnimessage", body=BODY, status=404,
                     reply={"errors": [{"title": "Not found", "detail": "No such resource: /omnimessage", "code": "101", "source": None}]}))

    with pytest.raises(MessenteError) as failed:
        make_client(warnings, api_url=bare).schedule(BODY)

    assert failed.value.message.endswith(
        f"No such resource: /omnimessage. api_url {bare} probably lacks the /v1 version path (Messente's is https://api.messente.com/v1)")


def test_404_on_schedule_is_an_error(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(Call("POST", POST_URL, body=BODY, status=404, reply={"errors": [{"title": "Not found", "detail": "No route", "code": "101", "source": None}]}))

    with pytest.raises(MessenteError) as failed:
        make_client(warnings).schedule(BODY)

    assert failed.value.message == ("Messente rejected POST /omnimessage (404 Not found, code 101): No route. "
                                    f"Check that api_url {API_URL} is Messente's API (Messente's is https://api.messente.com/v1)")
    assert failed.value.as_result() == {"status": 404, "method": "POST", "path": "/omnimessage",
                                        "errors": [{"title": "Not found", "detail": "No route", "code": "101", "source": None}],
                                        "may_have_been_processed": False}


# --- retry policy -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "DELETE"])
@pytest.mark.parametrize("name", sorted(RETRYABLE_FOR_READS))
def test_reads_and_cancels_are_retried_on_transient_failures(http: ScriptedHTTP, warnings: Recorder, method: str, name: str) -> None:
    answer, reason = RETRYABLE_FOR_READS[name]
    http.script(failure(method, URLS[method], **answer), success(method, URLS[method]))

    assert call_client(make_client(warnings), method) == EXPECTED_SUCCESS[method]

    assert len(http.seen) == 2
    (warning,) = warnings.warnings
    assert warning.startswith(f"Messente {method} {PATHS[method]}: {reason}")
    assert warning.endswith(f"; retry 1 of 3 in {http.sleeps[0]:.1f}s")
    assert 0.5 <= http.sleeps[0] <= 1.0


@pytest.mark.parametrize("name", sorted(RETRYABLE_FOR_POST))
def test_schedule_is_retried_only_when_messente_provably_did_not_process_it(http: ScriptedHTTP, warnings: Recorder, name: str) -> None:
    answer, reason = RETRYABLE_FOR_POST[name]
    http.script(failure("POST", POST_URL, **answer), success("POST", POST_URL))

    assert make_client(warnings).schedule(BODY) == CREATED

    assert len(http.seen) == 2
    assert warnings.warnings[0].startswith(f"Messente POST /omnimessage: {reason}")
    assert len(http.sleeps) == 1


@pytest.mark.parametrize(("answer", "detail"), [
    ({"raises": read_timeout}, "Messente did not answer POST /omnimessage (no answer within timeout=5.0s)"),
    ({"raises": dropped}, "Messente did not answer POST /omnimessage (ProtocolError: ('Connection aborted.', RemoteDisconnected("),
    ({"raises": dropped_after_retry_wrapper}, "Messente did not answer POST /omnimessage (ProtocolError: ('Connection aborted.', ConnectionResetError("),
    ({"status": 500}, "Messente answered POST /omnimessage with HTTP 500, expected 201"),
    ({"status": 502}, "Messente answered POST /omnimessage with HTTP 502, expected 201"),
    ({"status": 503}, "Messente answered POST /omnimessage with HTTP 503, expected 201"),
    ({"status": 504}, "Messente answered POST /omnimessage with HTTP 504, expected 201"),
], ids=["read-timeout", "dropped", "reset", "500", "502", "503", "504"])
def test_schedule_is_never_retried_once_the_request_may_have_arrived(http: ScriptedHTTP, warnings: Recorder, answer: dict[str, Any],
                                                                     detail: str) -> None:
    http.script(failure("POST", POST_URL, **answer))

    with pytest.raises(MessenteError) as failed:
        make_client(warnings).schedule(BODY)

    assert failed.value.message.startswith(detail)
    assert "MAY have been scheduled; it was not retried so that it cannot be sent twice" in failed.value.message
    assert "Check the recipient's message history in the Messente dashboard" in failed.value.message
    assert failed.value.may_have_been_processed is True
    assert len(http.seen) == 1 and http.sleeps == [] and warnings.warnings == []


def test_transport_failure_of_a_post_says_the_request_was_sent(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(failure("POST", POST_URL, raises=read_timeout))

    with pytest.raises(MessenteError) as failed:
        make_client(warnings).schedule(BODY)

    assert MAY_HAVE in failed.value.message
    assert failed.value.as_result()["status"] is None


@pytest.mark.parametrize("method", ["GET", "DELETE", "POST"])
@pytest.mark.parametrize("status", [400, 401, 403, 500])
def test_client_errors_and_500_are_not_retried(http: ScriptedHTTP, warnings: Recorder, method: str, status: int) -> None:
    http.script(failure(method, URLS[method], status=status, reply={"errors": [{"title": "x", "detail": "y", "code": "104", "source": None}]}, raw=None))

    with pytest.raises(MessenteError) as failed:
        call_client(make_client(warnings), method)

    assert failed.value.status == status
    assert failed.value.message.startswith(f"Messente rejected {method} {PATHS[method]} ({status} x, code 104): y")
    assert failed.value.may_have_been_processed is (method == "POST" and status >= 500)
    assert len(http.seen) == 1 and http.sleeps == []


def test_retries_stop_after_the_configured_number_with_doubling_backoff(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(*[failure("GET", STATUS_URL, status=503) for _attempt in range(4)])

    with pytest.raises(MessenteError) as failed:
        make_client(warnings, retries=3).delivery_status(OID)

    assert failed.value.message.startswith(f"Messente answered GET /omnimessage/{OID}/status with HTTP 503, expected 200 (text/html")
    assert failed.value.may_have_been_processed is False
    assert [warning.split("; ")[1].split(" in ")[0] for warning in warnings.warnings] == ["retry 1 of 3", "retry 2 of 3", "retry 3 of 3"]
    assert [(low <= delay <= high) for delay, (low, high) in zip(http.sleeps, [(0.5, 1), (1, 2), (2, 4)])] == [True] * 3
    assert len(http.sleeps) == 3


def test_backoff_is_capped_at_30_seconds(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(*[failure("DELETE", DELETE_URL, raises=connect_timeout) for _attempt in range(8)])

    with pytest.raises(MessenteError) as failed:
        make_client(warnings, retries=7).cancel(OID)

    assert failed.value.message == f"Could not reach Messente for DELETE /omnimessage/{OID}: could not connect within timeout=5.0s"
    assert len(http.sleeps) == 7
    assert all(15.0 <= delay <= 30.0 for delay in http.sleeps[5:]), http.sleeps
    assert max(http.sleeps) <= 30.0


def test_zero_retries_means_one_attempt(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(failure("GET", STATUS_URL, status=503))

    with pytest.raises(MessenteError):
        make_client(warnings, retries=0).delivery_status(OID)

    assert len(http.seen) == 1 and http.sleeps == [] and warnings.warnings == []


def test_negative_retries_are_treated_as_zero(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(failure("DELETE", DELETE_URL, raises=dropped))

    with pytest.raises(MessenteError) as failed:
        make_client(warnings, retries=-2).cancel(OID)

    assert failed.value.message.startswith(f"Could not reach Messente for DELETE /omnimessage/{OID}: ProtocolError")
    assert len(http.seen) == 1


# --- Retry-After ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "retry_after", "waited"), [
    ("POST", "7", 7.0),
    ("GET", "0", 0.0),
    ("GET", "2.5", 2.5),
    ("DELETE", "120", 120.0),
    ("GET", "-5", 0.0),
])
def test_retry_after_seconds_of_a_429_are_honoured(http: ScriptedHTTP, warnings: Recorder, method: str, retry_after: str, waited: float) -> None:
    http.script(failure(method, URLS[method], status=429, headers={"Retry-After": retry_after}), success(method, URLS[method]))

    assert call_client(make_client(warnings), method) == EXPECTED_SUCCESS[method]

    assert http.sleeps == ([waited] if waited else [])  # the next try waits out the pause; a pause of 0 is no wait
    assert warnings.warnings == [f"Messente {method} {PATHS[method]}: HTTP 429 (too many requests); every request pauses "
                                 f"{waited:.1f}s, at most 5 in flight, then this one is tried again ({waited:.1f}s of 300s "
                                 "for 429 waits used)"]


@pytest.mark.parametrize(("retry_after", "waited"), [("7", 7.0), ("0", 0.0), ("2.5", 2.5), ("120", 120.0), ("-5", 0.0)])
def test_retry_after_seconds_of_a_503_are_honoured(http: ScriptedHTTP, warnings: Recorder, retry_after: str, waited: float) -> None:
    http.script(failure("GET", STATUS_URL, status=503, headers={"Retry-After": retry_after}), success("GET", STATUS_URL))

    assert make_client(warnings).delivery_status(OID) == REPORT

    assert http.sleeps == [waited]
    assert warnings.warnings == [f"Messente GET {PATHS['GET']}: HTTP 503; retry 1 of 3 in {waited:.1f}s"]


def test_retry_after_http_date_is_honoured(http: ScriptedHTTP, warnings: Recorder) -> None:
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=40), usegmt=True)
    http.script(failure("GET", STATUS_URL, status=503, headers={"Retry-After": when}), success("GET", STATUS_URL))

    assert make_client(warnings).delivery_status(OID) == REPORT

    (waited,) = http.sleeps
    assert 37.0 <= waited <= 40.0


def test_retry_after_date_in_the_past_means_no_wait(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(failure("GET", STATUS_URL, status=503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), success("GET", STATUS_URL))

    make_client(warnings).delivery_status(OID)

    assert http.sleeps == [0.0]


def test_unreadable_retry_after_falls_back_to_backoff(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(failure("GET", STATUS_URL, status=503, headers={"Retry-After": "soon"}), success("GET", STATUS_URL))

    make_client(warnings).delivery_status(OID)

    assert 0.5 <= http.sleeps[0] <= 1.0


@pytest.mark.parametrize("retry_after", ["121", "3600", format_datetime(datetime(2100, 1, 1, tzinfo=timezone.utc), usegmt=True)])
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_retry_after_above_the_cap_fails_instead_of_waiting(http: ScriptedHTTP, warnings: Recorder, method: str, retry_after: str) -> None:
    http.script(failure(method, URLS[method], status=429, headers={"Retry-After": retry_after}, raw=None,
                        reply={"errors": [{"title": "Too many requests", "detail": "slow down", "code": "104", "source": None}]}))

    with pytest.raises(MessenteError) as failed:
        call_client(make_client(warnings), method)

    assert failed.value.status == 429
    assert failed.value.message.startswith(f"Messente rejected {method} {PATHS[method]} (429 Too many requests, code 104): slow down")
    assert failed.value.may_have_been_processed is False
    assert http.sleeps == [] and warnings.warnings == []


# --- TLS and transport errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "DELETE", "POST"])
def test_tls_errors_are_not_retried_and_point_at_the_ca_bundle(http: ScriptedHTTP, warnings: Recorder, method: str) -> None:
    http.script(failure(method, URLS[method], raises=tls_failure))

    with pytest.raises(MessenteError) as failed:
        call_client(make_client(warnings), method)

    message = failed.value.message
    assert message.startswith(f"TLS error talking to Messente ({method} {PATHS[method]}): SSLError: [SSL: CERTIFICATE_VERIFY_FAILED]")
    assert "REQUESTS_CA_BUNDLE" in message and "validate_certs: false" in message
    assert failed.value.may_have_been_processed is False
    assert len(http.seen) == 1 and http.sleeps == []


@pytest.mark.parametrize("reason", [
    "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1000)",
    "[SSL] record layer failure (_ssl.c:1010)",
    "[SSL: HTTP_REQUEST] http request (_ssl.c:1000)",
], ids=["openssl-1.1-3.1", "openssl-3.2", "http-request"])
def test_https_to_a_plain_http_server_says_it_does_not_speak_tls(http: ScriptedHTTP, warnings: Recorder, reason: str) -> None:
    http.script(failure("POST", POST_URL, raises=lambda: requests.exceptions.SSLError(reason)))

    with pytest.raises(MessenteError) as failed:
        make_client(warnings).schedule(BODY)

    message = failed.value.message
    assert message.startswith("TLS error talking to Messente (POST /omnimessage): the server at http://127.0.0.1:18999 does not speak TLS")
    assert "use an http:// api_url" in message and "REQUESTS_CA_BUNDLE" not in message
    assert failed.value.may_have_been_processed is False and len(http.seen) == 1


def test_connection_refused_after_all_retries_names_the_reason(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(*[failure("POST", POST_URL, raises=refused) for _attempt in range(2)])

    with pytest.raises(MessenteError) as failed:
        make_client(warnings, retries=1).schedule(BODY)

    assert failed.value.message == ("Could not reach Messente for POST /omnimessage: NewConnectionError: None: "
                                    "Failed to establish a new connection: [Errno 111] Connection refused")
    assert failed.value.may_have_been_processed is False


# --- bodies that are not what was expected ----------------------------------------------------------------------


def test_success_status_with_a_non_json_body_fails_and_post_may_be_scheduled(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(Call("POST", POST_URL, body=BODY, status=201, raw="<html>Captive portal</html>"))

    with pytest.raises(MessenteError) as failed:
        make_client(warnings).schedule(BODY)

    assert failed.value.message == (
        "Messente answered POST /omnimessage with 201 but the body is not JSON (text/html; charset=utf-8: '<html>Captive portal</html>'). "
        "The message MAY have been scheduled. Check the recipient's message history in the Messente dashboard "
        "(or the delivery report sent to dlr_url) before scheduling again."
    )
    assert failed.value.may_have_been_processed is True


def test_long_error_pages_are_cut_and_empty_ones_are_named(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(Call("GET", STATUS_URL, status=400, raw="x" * 500),
                Call("GET", STATUS_URL, status=400, raw=""),
                Call("GET", STATUS_URL, status=400))
    client = make_client(warnings)
    messages = []
    for _attempt in range(3):
        with pytest.raises(MessenteError) as failed:
            client.delivery_status(OID)
        messages.append(failed.value.message)

    assert messages[0].endswith(f"(text/html; charset=utf-8: '{'x' * 200}...')")
    assert messages[1].endswith("(text/html; charset=utf-8, empty body)")
    assert messages[2].endswith("(no content type, empty body)")


def test_several_error_items_are_all_rendered(http: ScriptedHTTP, warnings: Recorder) -> None:
    errors = [{"title": "Invalid data", "detail": "bad number", "code": "105", "source": "to"},
              {"title": "Missing data", "detail": None, "code": "106", "source": None},
              {"code": "105"}, "not an item"]
    http.script(Call("POST", POST_URL, body=BODY, status=400, reply={"errors": errors}))

    with pytest.raises(MessenteError) as failed:
        make_client(warnings).schedule(BODY)

    assert failed.value.message == ("Messente rejected POST /omnimessage (400 Invalid data, code 105): bad number [field: to]; "
                                    "Missing data, code 106: no detail given; error, code 105: no detail given")
    assert failed.value.errors == errors[:3]


# --- secrecy ----------------------------------------------------------------------------------------------------


def test_secrets_echoed_in_error_bodies_are_redacted(http: ScriptedHTTP, warnings: Recorder) -> None:
    errors = [{"title": "Unauthorized", "detail": f"Authorization: Basic {BASIC_TOKEN}", "code": "103",
               "source": {"header": f"{USERNAME}:{PASSWORD}"}}]
    http.script(Call("GET", STATUS_URL, status=401, reply={"errors": errors}))

    with pytest.raises(MessenteError) as failed:
        make_client(warnings).delivery_status(OID)

    assert "Authorization: Basic ********" in failed.value.message
    assert failed.value.errors == [{"title": "Unauthorized", "detail": "Authorization: Basic ********", "code": "103",
                                    "source": {"header": "********"}}]
    assert PASSWORD not in repr(failed.value.as_result()) and BASIC_TOKEN not in repr(failed.value.as_result())


def test_secrets_in_exception_texts_are_redacted(http: ScriptedHTTP, warnings: Recorder) -> None:
    leaking = requests.exceptions.ConnectionError(f"proxy refused http://{USERNAME}:{PASSWORD}@127.0.0.1:18999/v1 token {BASIC_TOKEN}")
    http.script(Call("DELETE", DELETE_URL, raises=leaking))

    with pytest.raises(MessenteError) as failed:
        make_client(warnings, retries=0).cancel(OID)

    assert failed.value.message == (f"Could not reach Messente for DELETE /omnimessage/{OID}: "
                                    "ConnectionError: proxy refused http://********@127.0.0.1:18999/v1 token ********")


def test_secrets_in_retry_warnings_are_redacted(http: ScriptedHTTP, warnings: Recorder) -> None:
    leaking = requests.exceptions.ConnectionError(f"reset while sending {PASSWORD}")
    http.script(Call("GET", STATUS_URL, raises=leaking), success("GET", STATUS_URL))

    make_client(warnings).delivery_status(OID)

    assert warnings.warnings[0].startswith(f"Messente GET /omnimessage/{OID}/status: connection failed (ConnectionError: reset while sending ********)")


def test_secrets_echoed_in_success_bodies_are_redacted(http: ScriptedHTTP, warnings: Recorder) -> None:
    report = {"statuses": [{"channel": "sms", "status": "FAILED", "error": f"auth {BASIC_TOKEN} rejected"}], "to": "+37251234567", "omnimessage_id": OID}
    http.script(Call("GET", STATUS_URL, status=200, reply=report))

    answer = make_client(warnings).delivery_status(OID)

    assert answer["statuses"][0]["error"] == "auth ******** rejected"


def test_secret_cut_by_the_preview_limit_is_still_redacted(http: ScriptedHTTP, warnings: Recorder) -> None:
    http.script(Call("GET", STATUS_URL, status=400, raw=f"{'x' * 190}{BASIC_TOKEN} and more text after it"))

    with pytest.raises(MessenteError) as failed:
        make_client(warnings).delivery_status(OID)

    assert failed.value.message.endswith(f"'{'x' * 190}******** a...')")
    assert BASIC_TOKEN[:8] not in failed.value.message

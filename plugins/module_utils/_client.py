# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The one HTTP client every module of this collection uses to talk to Messente's Omnichannel API.

PRIVATE to the messente.omnichannel collection: not a public API, it may change in any release.

Two rules shape it. A scheduled message must never be sent twice, so a POST is retried only when
Messente provably did not process it. And the API password must never leak, so every text that
leaves this file passes through ``_redact``.

Many threads may share one client (parallel cancels, concurrent bulk chunks). They share its pace too
(``Pacer``): an HTTP 429 on any request pauses every thread and lowers how many requests may be in flight,
and ``rate_limit`` spaces requests evenly.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import InsecureRequestWarning, NewConnectionError
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

COLLECTION_VERSION = "1.0.0"
USER_AGENT = f"messente.omnichannel/{COLLECTION_VERSION} (Ansible collection)"
DEFAULT_API_URL = "https://api.messente.com/v1"

# "Too many requests": Messente refused the request without processing it, so any request may be repeated.
RATE_LIMITED = 429
# Further statuses worth another try for requests that are safe to repeat (GET, DELETE). A POST is repeated only on 429.
RETRY_STATUSES_IDEMPOTENT = frozenset((502, 503, 504))
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0
MAX_RETRY_AFTER_SECONDS = 120.0
# A request answered 429 is tried again, whatever ``retries`` says, until its 429 waits add up to this much.
RATE_LIMIT_WAIT_BUDGET_SECONDS = 300.0
# Retries beyond this many are not reported one by one: a long 429 storm must not flood the task's warnings.
MAX_RETRY_WARNINGS = 20
BODY_PREVIEW_CHARS = 200
# How OpenSSL words a TLS handshake answered by a server that does not speak TLS (mostly plain HTTP).
NOT_TLS_MARKERS = ("wrong_version_number", "wrong version number", "record layer failure", "packet length too long", "http request")
HOW_TO_CHECK = (
    "Check the recipient's message history in the Messente dashboard (or the delivery report sent to dlr_url) "
    "before scheduling again"
)


class MessenteError(Exception):
    """Anything that went wrong talking to Messente, already phrased for the user and free of secrets."""

    def __init__(self, message: str, method: str, path: str, status: int | None = None,
                 errors: list | None = None, may_have_been_processed: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.errors = errors or []
        self.may_have_been_processed = may_have_been_processed

    def as_result(self) -> dict:
        """The keys a failed task returns, so playbooks can branch on status and Messente's error codes."""
        return {"status": self.status, "method": self.method, "path": self.path, "errors": self.errors,
                "may_have_been_processed": self.may_have_been_processed}


class RequestWithdrawn(MessenteError):
    """The caller took a request back before it went out, or before it was tried again: Messente never processed it."""


@dataclass(frozen=True)
class _Retry:
    """A try that did not count: wait ``delay`` seconds (outside the window; None: only the shared pause), then try again."""

    delay: float | None


@dataclass
class _Tries:
    """What one request has used up: retries of failures, and 429 answers with the seconds waited for them."""

    retries: int = 0
    throttled: int = 0
    throttle_waited: float = 0.0


class Pacer:
    """The pace every thread of one client keeps: a pause after an HTTP 429, a window of requests in flight, a rate cap.

    The window works like TCP's congestion control (AIMD). It halves on a 429, once per pause, since the requests in
    flight at that moment were all sent at the old pace; after as many successes in a row as it allows at once, it
    grows by one, up to ``max_in_flight``. ``rate_limit`` (requests per second) spaces the starts of requests evenly.
    Every wait goes through ``clock`` and ``sleep``, so tests can record them instead of sleeping.
    """

    def __init__(self, max_in_flight: int, rate_limit: float | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.max_in_flight = max(1, max_in_flight)
        self.in_flight_limit = self.max_in_flight
        self.waiting = 0  # threads waiting for a place in the window
        self._interval = 1.0 / rate_limit if rate_limit else 0.0
        self._clock = clock
        self._sleep = sleep
        self._changed = threading.Condition()
        self._in_flight = 0
        self._successes = 0
        self._epoch = 0
        self._pause_until = float("-inf")
        self._next_start = float("-inf")

    @contextmanager
    def slot(self) -> Iterator[int]:
        """Hold a place in the window while one request is on the wire; yields the epoch (pause count) it is sent in."""
        with self._changed:
            self.waiting += 1
            while self._in_flight >= self.in_flight_limit:
                self._changed.wait()
            self.waiting -= 1
            self._in_flight += 1
        try:
            self._sleep_out_pause()
            self._keep_rate()
            with self._changed:
                epoch = self._epoch
            yield epoch
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()

    def throttled(self, epoch: int, delay: float) -> None:
        """A 429: every thread pauses ``delay`` seconds; the first 429 of requests sent since the last pause halves the window."""
        with self._changed:
            self._pause_until = max(self._pause_until, self._clock() + delay)
            self._successes = 0
            if epoch == self._epoch:
                self._epoch += 1
                self.in_flight_limit = max(1, self.in_flight_limit // 2)

    def succeeded(self) -> None:
        """Any answer but a 429: after a window's worth of them in a row, one more request may be in flight."""
        with self._changed:
            self._successes += 1
            if self.in_flight_limit < self.max_in_flight and self._successes >= self.in_flight_limit:
                self.in_flight_limit += 1
                self._successes = 0
                self._changed.notify_all()

    def _sleep_out_pause(self) -> None:
        """Wait until the pause is over; a pause that another 429 made longer meanwhile is waited out too."""
        slept_to = float("-inf")
        while True:
            with self._changed:
                now, until = self._clock(), self._pause_until
            if until <= max(now, slept_to):
                return
            self._sleep(until - now)
            slept_to = until

    def _keep_rate(self) -> None:
        """Take the next free start time, ``1 / rate_limit`` seconds after the previous one, and wait for it."""
        if not self._interval:
            return
        with self._changed:
            now = self._clock()
            start = max(now, self._next_start)
            self._next_start = start + self._interval
        if start > now:
            self._sleep(start - now)


class MessenteClient:
    """Schedule, cancel and look up omnimessages over one keep-alive session, shared safely by many threads.

    ``pool_size`` is how many requests may be in flight at once (the connection pool and the pacer's window);
    ``rate_limit`` caps requests per second (None: no cap).
    """

    def __init__(self, api_url: str, username: str, password: str, timeout: float = 30, validate_certs: bool = True,
                 retries: int = 3, on_retry: Callable[[str], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep, pool_size: int = 10, rate_limit: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.api_url = api_url.rstrip("/")
        self.username = username
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.retries = max(0, retries)
        self.pacer = Pacer(pool_size, rate_limit, clock, sleep)
        self._on_retry = on_retry or (lambda message: None)
        self._sleep = sleep
        self._secrets = _secret_forms(username, password)
        self._session = _new_session(username, password, pool_size)
        self._retry_lock = threading.Lock()
        self._retry_warnings = 0
        if not validate_certs:
            # The module already warned about validate_certs=false; urllib3's own warning would only reach stderr.
            # Set once here, not per request: catch_warnings() is not safe across the parallel cancel threads.
            warnings.simplefilter("ignore", InsecureRequestWarning)

    def schedule(self, omnimessage: dict) -> dict:
        """POST one omnimessage; Messente answers 201 with its id and one result per channel."""
        return self._request("POST", "/omnimessage", omnimessage, expected=201)

    def schedule_bulk(self, omnimessages: list[dict], stop: threading.Event | None = None) -> dict:
        """POST many omnimessages at once; per-item failures come back inside the 201 body, one result per omnimessage.

        A 201 without one result per omnimessage fails as a whole, as possibly processed. With ``stop``, the request is
        withdrawn (RequestWithdrawn) if ``stop`` is set before a try goes out, and a failure sets ``stop`` before any
        other request can take this one's place in flight: the caller's other chunks never go out after it.
        """
        def one_result_each(answer: Any) -> None:
            items = answer.get("messages") if isinstance(answer, dict) else None
            if not isinstance(items, list) or len(items) != len(omnimessages):
                raise MessenteError(f"Messente's bulk answer did not hold one result per recipient ({len(omnimessages)} sent); "
                                    "these messages MAY have been scheduled", "POST", "/omnimessages", 201, may_have_been_processed=True)

        return self._request("POST", "/omnimessages", {"messages": omnimessages}, expected=201, stop=stop, check=one_result_each)

    def cancel(self, omnimessage_id: str) -> bool:
        """DELETE a scheduled omnimessage: True when cancelled, False on Messente's ambiguous 404."""
        return self._request("DELETE", f"/omnimessage/{omnimessage_id}", None, expected=202, not_found_ok=True) is not None

    def delivery_status(self, omnimessage_id: str) -> dict | None:
        """GET the per-channel delivery report, or None when Messente knows no such message."""
        return self._request("GET", f"/omnimessage/{omnimessage_id}/status", None, expected=200, not_found_ok=True)

    def close(self) -> None:
        self._session.close()

    def unknown_id_causes(self) -> str:
        """Why Messente may not know an id that the user believes exists, most specific first."""
        causes = [f"the id belongs to another Messente account or API key than api_username {self.username!r}",
                  f"api_url {describe_endpoint(self.api_url)} is not the endpoint the message was scheduled through"]
        if not _has_version_path(self.api_url):
            causes[1] += " (it does not end in /v1)"
        causes.append("the id is a per-channel message_id from messages[].message_id, not the omnimessage_id")
        return "; ".join(f"({number}) {cause}" for number, cause in enumerate(causes, 1))

    def _request(self, method: str, path: str, body: Any, expected: int, not_found_ok: bool = False,
                 stop: threading.Event | None = None, check: Callable[[Any], None] | None = None) -> Any:
        """Try until an answer counts; each try is judged while it still holds its place in flight (see schedule_bulk)."""
        tries = _Tries()
        while True:
            _withdraw_if_stopped(stop, method, path)  # before waiting for a place, a pause or the rate ...
            with self.pacer.slot() as epoch:
                _withdraw_if_stopped(stop, method, path)  # ... and after, since the caller may have stopped meanwhile
                try:
                    outcome = self._try_once(method, path, body, (expected, not_found_ok), tries, epoch, check)
                except MessenteError:
                    if stop is not None:
                        stop.set()
                    raise
            if not isinstance(outcome, _Retry):
                return outcome
            if outcome.delay is not None:
                self._sleep(outcome.delay)

    def _try_once(self, method: str, path: str, body: Any, expecting: tuple[int, bool], tries: _Tries, epoch: int,
                  check: Callable[[Any], None] | None) -> Any:
        """One request on the wire: the answer's value, a _Retry saying how long to wait first, or MessenteError."""
        expected, not_found_ok = expecting
        try:
            response = self._send(method, path, body)
        except requests.RequestException as exc:
            if not (tries.retries < self.retries and _transport_error_is_retryable(method, exc)):
                raise self._transport_error(method, path, exc) from None
            return self._back_off(method, path, tries, None, f"connection failed ({self._describe(exc)})")
        if response.status_code == RATE_LIMITED:
            return self._wait_for_rate_limit(method, path, response, expected, tries, epoch)
        self.pacer.succeeded()
        if response.status_code == expected:
            answer = self._success_body(method, path, response)
            if check is not None:
                check(answer)
            return answer
        if response.status_code == 404 and not_found_ok:
            return None
        if tries.retries < self.retries and self._status_is_retryable(method, response):
            return self._back_off(method, path, tries, response.headers.get("Retry-After"), f"HTTP {response.status_code}")
        raise self._status_error(method, path, response, expected)

    def _send(self, method: str, path: str, body: Any):
        """Compact UTF-8 JSON: a bulk of 1000 omnimessages is a tenth smaller than with requests' default spacing."""
        data = None if body is None else json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
        return self._session.request(
            method, f"{self.api_url}{path}", data=data, timeout=self.timeout, verify=self.validate_certs,
            headers={"Content-Type": "application/json"} if body is not None else None,
        )

    @staticmethod
    def _status_is_retryable(method: str, response) -> bool:
        if method == "POST" or response.status_code not in RETRY_STATUSES_IDEMPOTENT:
            return False
        delay = _retry_after_seconds(response.headers.get("Retry-After"))
        return delay is None or delay <= MAX_RETRY_AFTER_SECONDS

    def _wait_for_rate_limit(self, method: str, path: str, response, expected: int, tries: _Tries, epoch: int) -> _Retry:
        """A 429 pauses every thread; this request is tried again while its 429 waits stay within the budget.

        The budget, not ``retries``, bounds these tries: Messente refused the request unprocessed, so waiting is safe,
        and a sustained rate limit must slow the task down rather than fail it. ``retries=0`` still means no retry.
        The wait itself is the pause, which the next try sleeps out like every other request.
        """
        delay = _retry_after_seconds(response.headers.get("Retry-After"))
        if delay is None:
            delay = _backoff_seconds(tries.throttled)
        if not self.retries or delay > MAX_RETRY_AFTER_SECONDS or tries.throttle_waited + delay > RATE_LIMIT_WAIT_BUDGET_SECONDS:
            raise self._status_error(method, path, response, expected, tries)
        tries.throttled += 1
        tries.throttle_waited += delay
        self.pacer.throttled(epoch, delay)
        self._report_retry(f"Messente {method} {path}: HTTP 429 (too many requests); every request pauses {delay:.1f}s, "
                           f"at most {self.pacer.in_flight_limit} in flight, then this one is tried again "
                           f"({tries.throttle_waited:.1f}s of {RATE_LIMIT_WAIT_BUDGET_SECONDS:g}s for 429 waits used)")
        return _Retry(None)

    def _back_off(self, method: str, path: str, tries: _Tries, retry_after: str | None, reason: str) -> _Retry:
        """The wait before the next try of this request alone; only a 429 makes every thread wait."""
        delay = _retry_after_seconds(retry_after)
        if delay is None:
            delay = _backoff_seconds(tries.retries)
        tries.retries += 1
        self._report_retry(f"Messente {method} {path}: {reason}; retry {tries.retries} of {self.retries} in {delay:.1f}s")
        return _Retry(delay)

    def _report_retry(self, message: str) -> None:
        with self._retry_lock:
            self._retry_warnings += 1
            if self._retry_warnings <= MAX_RETRY_WARNINGS:
                self._on_retry(message)
            elif self._retry_warnings == MAX_RETRY_WARNINGS + 1:
                self._on_retry(f"Messente: more than {MAX_RETRY_WARNINGS} retries in this task; further retries are not reported one by one")

    def _success_body(self, method: str, path: str, response) -> Any:
        if method == "DELETE":
            return {}  # 202 is the documented success; its body carries nothing we use.
        try:
            body = response.json()
        except ValueError:
            raise MessenteError(
                self._redact(
                    f"Messente answered {method} {path} with {response.status_code} but the body is not JSON "
                    f"({self._preview(response)})"
                    + (f". The message MAY have been scheduled. {HOW_TO_CHECK}." if method == "POST" else "")
                ),
                method, path, response.status_code, may_have_been_processed=method == "POST",
            ) from None
        return self._redact_body(response, body)

    def _redact_body(self, response, body: Any) -> Any:
        """Per-item errors and reports can echo what the server was sent, so secrets are masked in every string.

        A UTF-8 body without escape sequences (and without NUL, which UTF-16 and UTF-32 would show) holds every
        string exactly as parsed: when no secret appears in its text, none is in the body either, and a bulk answer
        of 1000 items need not be walked item by item.
        """
        try:
            text = (response.content or b"").decode("utf-8")
        except UnicodeDecodeError:
            text = "\\"
        if "\\" not in text and "\x00" not in text and not any(secret in text for secret in self._secrets):
            return body
        return self._redact_item(body)

    def _status_error(self, method: str, path: str, response, expected: int, tries: _Tries | None = None) -> MessenteError:
        errors = _error_items(response)
        status = response.status_code
        if errors:
            message = f"Messente rejected {method} {path} ({status} {_render_errors(errors)}"
        else:
            message = f"Messente answered {method} {path} with HTTP {status}, expected {expected} ({self._preview(response)})"
        if tries is not None and tries.throttled:
            message += (f". It had already been refused with HTTP 429 {tries.throttled} time(s) and waited "
                        f"{tries.throttle_waited:.1f}s; 429 waits may add up to {RATE_LIMIT_WAIT_BUDGET_SECONDS:g}s per request")
        if status == 401:
            message += ". Check api_username and api_password: they are the API credentials from the Messente dashboard, not your login"
        if status == 404:
            message += f". {self._wrong_endpoint_hint()}"
        maybe_processed = method == "POST" and status >= 500
        if maybe_processed:
            message += f". The message MAY have been scheduled; it was not retried so that it cannot be sent twice. {HOW_TO_CHECK}"
        return MessenteError(self._redact(message), method, path, status,
                             [self._redact_item(item) for item in errors], maybe_processed)

    def _wrong_endpoint_hint(self) -> str:
        endpoint = describe_endpoint(self.api_url)
        if not _has_version_path(self.api_url):
            return f"api_url {endpoint} probably lacks the /v1 version path (Messente's is {DEFAULT_API_URL})"
        return f"Check that api_url {endpoint} is Messente's API (Messente's is {DEFAULT_API_URL})"

    def _transport_error(self, method: str, path: str, exc: Exception) -> MessenteError:
        detail = self._describe(exc)
        if isinstance(exc, requests.exceptions.SSLError) and _speaks_no_tls(detail):
            message = (f"TLS error talking to Messente ({method} {path}): the server at {describe_endpoint(self.api_url, path=False)} "
                       f"does not speak TLS ({detail}); it is most likely a plain-HTTP server. If that is intended (a local "
                       f"test server), use an http:// api_url; Messente's own API is {DEFAULT_API_URL}")
            return MessenteError(self._redact(message), method, path)
        if isinstance(exc, requests.exceptions.SSLError):
            message = (f"TLS error talking to Messente ({method} {path}): {detail}. If the server uses a private CA, "
                       "point REQUESTS_CA_BUNDLE at it; validate_certs: false turns verification off (testing only)")
            return MessenteError(self._redact(message), method, path)
        if method == "POST" and not _request_never_left(exc):
            message = (f"Messente did not answer {method} {path} ({detail}). The request was sent, so the message MAY "
                       f"have been scheduled; it was not retried so that it cannot be sent twice. {HOW_TO_CHECK}")
            return MessenteError(self._redact(message), method, path, may_have_been_processed=True)
        return MessenteError(self._redact(f"Could not reach Messente for {method} {path}: {detail}"), method, path)

    def _describe(self, exc: Exception) -> str:
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return f"no answer within timeout={self.timeout}s"
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return f"could not connect within timeout={self.timeout}s"
        reason = _root_cause(exc)
        return self._redact(f"{type(reason).__name__}: {reason}")

    def _preview(self, response) -> str:
        """A short, redacted look at a body; redacting before cutting keeps a secret split by the cut from leaking."""
        content_type = response.headers.get("Content-Type", "no content type")
        text = self._redact((response.text or "").strip().replace("\n", " "))
        if len(text) > BODY_PREVIEW_CHARS:
            text = text[:BODY_PREVIEW_CHARS] + "..."
        return f"{content_type}: {text!r}" if text else f"{content_type}, empty body"

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "********")
        return text

    def _redact_item(self, item: Any) -> Any:
        if isinstance(item, dict):
            return {key: self._redact_item(value) for key, value in item.items()}
        if isinstance(item, list):
            return [self._redact_item(value) for value in item]
        return self._redact(item) if isinstance(item, str) else item


def _withdraw_if_stopped(stop: threading.Event | None, method: str, path: str) -> None:
    if stop is not None and stop.is_set():
        raise RequestWithdrawn(f"{method} {path} was withdrawn before it was sent", method, path)


def describe_endpoint(api_url: str, path: bool = True) -> str:
    """Scheme, host, port and (optionally) path: a URL may carry credentials, and messages are not masked by no_log."""
    parts = urlsplit(api_url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path.rstrip('/') if path else ''}"


def _has_version_path(api_url: str) -> bool:
    return urlsplit(api_url).path.rstrip("/").endswith("/v1")


def _speaks_no_tls(detail: str) -> bool:
    lowered = detail.lower()
    return any(marker in lowered for marker in NOT_TLS_MARKERS)


def _new_session(username: str, password: str, pool_size: int):
    session = requests.Session()
    session.auth = (username, password)
    session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(1, pool_size), max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _secret_forms(username: str, password: str) -> list[str]:
    """Every spelling of the password a server or library could echo back: raw, user:pass, and the Basic token."""
    if not password:
        return []
    pair = f"{username}:{password}"
    token = base64.b64encode(pair.encode("utf-8")).decode("ascii")
    return sorted({pair, token, password}, key=len, reverse=True)


def _transport_error_is_retryable(method: str, exc: Exception) -> bool:
    if isinstance(exc, requests.exceptions.SSLError):
        return False  # a certificate problem does not fix itself
    if method != "POST":
        return isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout))
    return _request_never_left(exc)


def _request_never_left(exc: Exception) -> bool:
    """True only when the connection was never made, so Messente cannot have seen the request."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.ReadTimeout)):
        return False
    return isinstance(exc, requests.exceptions.ConnectionError) and isinstance(_root_cause(exc), NewConnectionError)


def _root_cause(exc: Exception) -> Exception:
    """requests wraps urllib3's MaxRetryError, which holds the real reason in ``.reason``."""
    cause: Any = exc
    for _depth in range(5):
        inner = getattr(cause, "reason", None)
        if inner is None and cause.args and isinstance(cause.args[0], Exception):
            inner = cause.args[0]
        if not isinstance(inner, Exception):
            break
        cause = inner
    return cause


def _backoff_seconds(tries: int) -> float:
    """Doubling from BACKOFF_BASE_SECONDS up to BACKOFF_CAP_SECONDS, each spread over its upper half to keep threads apart."""
    return min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** tries) * random.uniform(0.5, 1.0)


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _error_items(response) -> list:
    try:
        body = response.json()
    except ValueError:
        return []
    items = body.get("errors") if isinstance(body, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _render_errors(errors: list) -> str:
    """Messente's error items as ``Invalid data, code 105): <detail> [field: to]``, further items after ``;``."""
    rendered = []
    for item in errors:
        text = f"{item.get('title', 'error')}, code {item.get('code', '?')}"
        text += ("): " if not rendered else ": ") + str(item.get("detail") or "no detail given")
        if item.get("source"):
            text += f" [field: {item['source']}]"
        rendered.append(text)
    return "; ".join(rendered)

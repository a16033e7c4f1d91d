# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
"""Local stand-in for the Messente Omnichannel API, for tests only.

Why: the collection's tests must never reach the real service, yet its client needs a
server that answers the way Messente documents it (status codes, ErrorOmnichannel bodies,
scheduling, cancelling) and that can misbehave on request.  Every choice the public
documentation leaves open is listed in README.md beside this file.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import copy
import dataclasses
import datetime as dt
import hmac
import ipaddress
import json
import re
import signal
import socket
import ssl
import sys
import threading
import uuid
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pydantic
from messente_api import SMS, Omnimessage, Rcs, Viber, WhatsApp

DEFAULT_USERNAME = "sandbox-user"
DEFAULT_PASSWORD = "sandbox-password-not-secret"
DEFAULT_SENDER = "SandboxSender"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_MAX_LIFETIME = 900.0
PAST_TIME_MODES = ("reject", "send-now")
JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
CONTROL_PREFIX = "/_sandbox/"
IDLE_CONNECTION_TIMEOUT = 30.0
POLL_INTERVAL = 0.05

ERROR_TITLES = {
    "101": "Not found",
    "102": "Forbidden",
    "103": "Unauthorized",
    "104": "Internal Server Error",
    "105": "Invalid data",
    "106": "Missing data",
    "107": "Method not allowed",
}
STATUS_CODES = {400: "105", 401: "103", 403: "102", 404: "101", 405: "107"}
CHANNEL_MODELS: dict[str, type[pydantic.BaseModel]] = {"sms": SMS, "viber": Viber, "whatsapp": WhatsApp, "rcs": Rcs}
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
ISO_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?")
SANDBOX_PRICE = {"part_price": "0.0000", "parts_count": 1, "total_price": "0.0000"}


def _model_fields(model: type[pydantic.BaseModel]) -> frozenset[str]:
    """The JSON fields a model documents; the SDK's catch-all bag is not one of them."""
    return frozenset(model.model_fields) - {"additional_properties"}


ENVELOPE_FIELDS = _model_fields(Omnimessage)
BULK_FIELDS = frozenset({"messages"})


class ApiError(Exception):
    """A Messente-shaped failure; raising it anywhere while answering a call yields its response."""

    def __init__(self, status: int, detail: str, source: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code or STATUS_CODES.get(status, "104")
        self.detail = detail
        self.source = source
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """ErrorOmnichannel: one item, string code, source only for 400s."""
        item = {"title": ERROR_TITLES[self.code], "detail": self.detail, "code": self.code, "source": self.source}
        return {"errors": [item]}

    def response(self) -> Response:
        return Response(self.status, self.body(), headers=self.headers)


def _field(where: str, name: str) -> str:
    """Join a field path the way `source` names it: messages[0].channel."""
    return f"{where}.{name}" if where else name


def _missing(source: str) -> ApiError:
    return ApiError(400, f"{source} is required", source, code="106")


def _invalid(source: str, detail: str) -> ApiError:
    return ApiError(400, detail, source)


@dataclasses.dataclass(frozen=True)
class Response:
    """One HTTP answer; `raw` bodies are sent as text instead of JSON (for fault injection)."""

    status: int
    body: Any = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    raw: bool = False
    content_type: str = JSON_TYPE

    def payload(self) -> bytes:
        return (self.body if self.raw else json.dumps(self.body)).encode("utf-8")

    def summary(self) -> dict[str, Any]:
        return {"status": self.status, "response": self.body}


def _reject_constant(name: str) -> None:
    """NaN and Infinity are not JSON, although Python's parser takes them."""
    raise ValueError(f"{name} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Duplicate keys make a payload ambiguous, so they are refused instead of last-one-wins."""
    keys = [pair[0] for pair in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate key {duplicates[0]!r}")
    return dict(pairs)


def parse_json(raw: bytes) -> tuple[Any, str | None]:
    """Parse a request body strictly; returns (value, None) or (None, reason). An empty body is (None, None)."""
    if not raw:
        return None, None
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys, parse_constant=_reject_constant), None
    except ValueError as exc:
        return None, str(exc)


@dataclasses.dataclass(frozen=True)
class ApiRequest:
    """What the sandbox needs from one HTTP request, independent of the socket it came on."""

    method: str
    target: str
    headers: dict[str, str]
    raw: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def raw_body(self) -> str:
        return self.raw.decode("utf-8", errors="replace")

    @property
    def body(self) -> Any:
        return parse_json(self.raw)[0]

    def header(self, name: str) -> str:
        """Header lookup ignoring case, as HTTP requires."""
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), "")


def json_object(request: ApiRequest) -> dict[str, Any]:
    """The request body as a JSON object; anything else is a 400 without a source."""
    value, error = parse_json(request.raw)
    if error:
        raise ApiError(400, f"Malformed JSON body: {error}")
    if not isinstance(value, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return value


def api_body(request: ApiRequest) -> dict[str, Any]:
    """Messente requires JSON requests, so a POST must say so in Content-Type."""
    if request.header("Content-Type").split(";")[0].strip().lower() != JSON_TYPE:
        raise ApiError(400, f"Content-Type must be {JSON_TYPE}")
    return json_object(request)


@dataclasses.dataclass(frozen=True)
class Submission:
    """A validated omnimessage: recipient, (channel, sender) per sub-message, and when to send it."""

    to: str
    parts: list[tuple[str, str]]
    time_to_send: dt.datetime | None


def _reject_unknown(obj: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    """Unknown fields are refused so a typo in a client payload cannot pass silently."""
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise _invalid(_field(where, unknown[0]), f"Unknown field {unknown[0]!r}")


def _required_list(obj: dict[str, Any], name: str) -> list[Any]:
    """A required, non-empty JSON array (used by both the omnimessage and the bulk envelope)."""
    value = obj.get(name)
    if value is None or value == []:
        raise _missing(name)
    if not isinstance(value, list):
        raise _invalid(name, f"{name} must be a JSON array")
    return value


def _check_to(value: Any) -> str:
    if value is None:
        raise _missing("to")
    if not isinstance(value, str) or not E164.fullmatch(value):
        raise _invalid("to", "to must be an E.164 phone number: + followed by 7 to 15 digits, the first not 0")
    return value


def _check_sender(where: str, msg: dict[str, Any], required: bool) -> None:
    sender = msg.get("sender")
    if sender is None:
        if required:
            raise _missing(_field(where, "sender"))
    elif not isinstance(sender, str) or not sender.strip():
        raise _invalid(_field(where, "sender"), "sender must be a non-empty string")


def _check_sms_text(where: str, msg: dict[str, Any]) -> None:
    text = msg.get("text")
    if text is None:
        raise _missing(_field(where, "text"))
    if not isinstance(text, str) or not text:
        raise _invalid(_field(where, "text"), "SMS text must be a non-empty string")


def _check_fallback_timeout(where: str, msg: dict[str, Any]) -> None:
    """Messente allows only one of ttl and validity; a timeout below 1 cannot mean anything."""
    present = [name for name in ("ttl", "validity") if msg.get(name) is not None]
    if len(present) == 2:
        raise _invalid(_field(where, "validity"), "Only one of ttl and validity can be used")
    for name in present:
        value = msg[name]
        if isinstance(value, int) and not isinstance(value, bool) and value < 1:
            raise _invalid(_field(where, name), f"{name} must be a positive integer")


def _check_message(where: str, msg: Any, seen: list[str]) -> str:
    """Rules for one channel message that the SDK models do not encode; returns its channel."""
    if not isinstance(msg, dict):
        raise _invalid(where, "Each message must be a JSON object")
    channel = msg.get("channel")
    if channel is None:
        raise _missing(_field(where, "channel"))
    if not isinstance(channel, str) or channel not in CHANNEL_MODELS:
        raise _invalid(_field(where, "channel"), f"channel must be one of {', '.join(CHANNEL_MODELS)}")
    if channel in seen:
        raise _invalid(_field(where, "channel"), f"Duplicate channel {channel!r}")
    _reject_unknown(msg, _model_fields(CHANNEL_MODELS[channel]), where)
    _check_sender(where, msg, required=channel == "rcs")
    if channel == "sms":
        _check_sms_text(where, msg)
    _check_fallback_timeout(where, msg)
    return channel


def parse_time_to_send(value: Any) -> dt.datetime:
    """ISO 8601 date-time with a time part, as a UTC instant; no offset means UTC, an offset is honoured."""
    detail = "time_to_send must be an ISO 8601 date-time such as 2030-01-31T09:05:00+02:00"
    if not isinstance(value, str) or not ISO_DATE_TIME.fullmatch(value):
        raise _invalid("time_to_send", detail)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise _invalid("time_to_send", detail) from exc
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _pydantic_error(exc: pydantic.ValidationError, where: str) -> ApiError:
    """Turn the SDK's first complaint into a Messente error naming the field."""
    first = exc.errors()[0]
    source = where
    for part in first["loc"]:
        source = f"{source}[{part}]" if isinstance(part, int) else _field(source, str(part))
    if first["type"] == "missing" or first.get("input") is None:
        return _missing(source)
    return _invalid(source, f"{source}: {first['msg']}")


def _locate_message_error(messages: list[dict[str, Any]]) -> ApiError:
    """The SDK reports bad channel messages without a position, so re-check each against its own model."""
    for index, msg in enumerate(messages):
        try:
            CHANNEL_MODELS[msg["channel"]].model_validate(msg)
        except pydantic.ValidationError as exc:
            return _pydantic_error(exc, f"messages[{index}]")
    return _invalid("messages", "The messages do not match the Messente channel models")


def check_with_sdk(body: dict[str, Any]) -> None:
    """Second opinion from the official models: strict types, enums and nested shapes.

    TypeError is caught too: the SDK's from_dict iterates list fields without checking they are lists.
    """
    try:
        Omnimessage.from_json(json.dumps(body))
    except pydantic.ValidationError as exc:
        raise _pydantic_error(exc, "") from exc
    except (ValueError, TypeError) as exc:
        raise _locate_message_error(body["messages"]) from exc


def validate_omnimessage(body: Any, now: dt.datetime, past_time: str, default_sender: str) -> Submission:
    """Documented rules first (they name the field precisely), then the SDK models; the first problem wins."""
    if not isinstance(body, dict):
        raise ApiError(400, "An omnimessage must be a JSON object")
    _reject_unknown(body, ENVELOPE_FIELDS, "")
    to = _check_to(body.get("to"))
    messages = _required_list(body, "messages")
    channels: list[str] = []
    for index, msg in enumerate(messages):
        channels.append(_check_message(f"messages[{index}]", msg, channels))
    time_to_send = None
    if body.get("time_to_send") is not None:
        time_to_send = parse_time_to_send(body["time_to_send"])
        if time_to_send < now and past_time == "reject":
            raise _invalid("time_to_send", "time_to_send is in the past")
    check_with_sdk(body)
    parts = [(channel, msg.get("sender") or default_sender) for channel, msg in zip(channels, messages)]
    return Submission(to, parts, time_to_send)


def wire_time(moment: dt.datetime) -> str:
    """Delivery timestamps as Messente's examples show them: UTC without an offset."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


@dataclasses.dataclass
class StoredMessage:
    """One accepted omnimessage and where it is in its life: scheduled, sent or cancelled."""

    omnimessage_id: str
    to: str
    parts: list[dict[str, str]]
    payload: dict[str, Any]
    time_to_send: dt.datetime | None
    due_at: dt.datetime
    state: str = "scheduled"
    changed_at: dt.datetime | None = None

    def release_if_due(self, now: dt.datetime) -> None:
        """Scheduled messages go out once the sandbox clock passes their send time."""
        if self.state == "scheduled" and self.due_at <= now:
            self.state, self.changed_at = "sent", self.due_at

    def created(self) -> dict[str, Any]:
        return {"messages": copy.deepcopy(self.parts), "to": self.to, "omnimessage_id": self.omnimessage_id}

    def status_row(self, index: int, part: dict[str, str]) -> dict[str, Any]:
        """Pending channels are all null; cancelled ones DELETED; a sent message is delivered on its first channel."""
        row: dict[str, Any] = {**part, "status": None, "err": None, "error": None, "timestamp": None, "price_info": None}
        if self.state == "cancelled" and self.changed_at:
            row.update(status="DELETED", timestamp=wire_time(self.changed_at))
        elif self.state == "sent" and index == 0 and self.changed_at:
            row.update(status="DELIVRD", err=0, timestamp=wire_time(self.changed_at), price_info=dict(SANDBOX_PRICE))
        return row

    def report(self) -> dict[str, Any]:
        statuses = [self.status_row(index, part) for index, part in enumerate(self.parts)]
        return {"statuses": statuses, "to": self.to, "omnimessage_id": self.omnimessage_id}

    def view(self) -> dict[str, Any]:
        """The control API's picture of the message, for test assertions."""
        return {
            **self.created(),
            "state": self.state,
            "time_to_send": self.time_to_send.isoformat() if self.time_to_send else None,
            "changed_at": self.changed_at.isoformat() if self.changed_at else None,
            "payload": copy.deepcopy(self.payload),
        }


@dataclasses.dataclass
class Fault:
    """Misbehave on the next `count` API calls whose method and path prefix match.

    `process` runs the real request first (so e.g. the message is stored); the client then gets the fault:
    `status` (+ `body`: a str is sent raw, anything else as JSON), a dropped connection (`drop`), or, with
    neither, the real answer.  `delay` seconds pass before answering; `retry_after` adds that header.
    """

    method: str
    path_prefix: str
    count: int = 1
    status: int | None = None
    body: Any = None
    content_type: str | None = None
    retry_after: int | str | None = None
    delay: float = 0.0
    drop: bool = False
    process: bool = False
    remaining: int = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        problems = {
            "method must be a string": not isinstance(self.method, str),
            "path_prefix must be a path starting with /": not isinstance(self.path_prefix, str) or not self.path_prefix.startswith("/"),
            "count must be a positive integer": not isinstance(self.count, int) or self.count < 1,
            "status must be an HTTP status code": self.status is not None and not (isinstance(self.status, int) and 100 <= self.status <= 599),
            "delay must be a non-negative number": not isinstance(self.delay, (int, float)) or self.delay < 0,
            "drop and status cannot be combined": self.drop and self.status is not None,
            "body needs a status": self.body is not None and self.status is None,
            "a fault needs status, drop or process": self.status is None and not self.drop and not self.process,
        }
        for problem, found in problems.items():
            if found:
                raise ValueError(problem)
        self.method = self.method.upper()
        self.remaining = self.count

    def matches(self, method: str, path: str) -> bool:
        return self.remaining > 0 and method == self.method and path.startswith(self.path_prefix)

    def describe(self) -> dict[str, Any]:
        """The fault as configured, for the request log and the control API."""
        described = dataclasses.asdict(self)
        del described["remaining"]
        return described

    def _own_response(self) -> Response | None:
        if self.status is None:
            return None
        if isinstance(self.body, str):
            return Response(self.status, self.body, raw=True, content_type=self.content_type or TEXT_TYPE)
        body = self.body
        if body is None:
            body = {} if self.status < 400 else ApiError(self.status, f"Injected fault: HTTP {self.status}").body()
        return Response(self.status, body, content_type=self.content_type or JSON_TYPE)

    def answer(self, processed: Response | None) -> Response | None:
        """What the client gets: nothing when dropping, else the fault's own answer or the real one."""
        response = None if self.drop else self._own_response() or processed
        if response is not None and self.retry_after is not None:
            response = dataclasses.replace(response, headers={**response.headers, "Retry-After": str(self.retry_after)})
        return response


Route = tuple[re.Pattern[str], dict[str, Callable[[ApiRequest, dict[str, str]], Response]]]


def resolve(routes: tuple[Route, ...], method: str, path: str) -> tuple[Callable[..., Response], dict[str, str]]:
    """Find the handler for a path; unknown paths are 404, known paths with another method 405."""
    for pattern, methods in routes:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        if method not in methods:
            raise ApiError(405, f"{method} is not allowed on {path}", headers={"Allow": ", ".join(methods)})
        return methods[method], match.groupdict()
    raise ApiError(404, f"No such resource: {path}")


class SandboxState:
    """Everything the fake Messente remembers, behind one lock so handler threads agree."""

    def __init__(self, username: str, password: str, past_time: str, default_sender: str) -> None:
        self._credentials = f"{username}:{password}".encode("utf-8")
        self._past_time = past_time
        self._default_sender = default_sender
        self._lock = threading.Lock()
        self._offset = 0.0
        self._messages: dict[str, StoredMessage] = {}
        self._log: list[dict[str, Any]] = []
        self._faults: list[Fault] = []
        message_path = r"/v1/omnimessage/(?P<omnimessage_id>[^/]+)"
        self.api_routes: tuple[Route, ...] = (
            (re.compile(r"/v1/omnimessage"), {"POST": self._send}),
            (re.compile(message_path), {"DELETE": self._cancel}),
            (re.compile(f"{message_path}/status"), {"GET": self._status}),
            (re.compile(r"/v1/omnimessages"), {"POST": self._bulk}),
        )
        self.control_routes: tuple[Route, ...] = (
            (re.compile(r"/_sandbox/requests"), {"GET": lambda *_: Response(200, self.log())}),
            (re.compile(r"/_sandbox/messages"), {"GET": lambda *_: Response(200, self.messages())}),
            (re.compile(r"/_sandbox/reset"), {"POST": self._control_reset}),
            (re.compile(r"/_sandbox/faults"), {"GET": lambda *_: Response(200, self.faults()), "POST": self._control_fault}),
            (re.compile(r"/_sandbox/clock"), {"GET": lambda *_: Response(200, self.clock()), "POST": self._control_clock}),
        )

    # -- clock -------------------------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        """Real UTC time moved forward by advance_clock, so tests need not sleep until a send time."""
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self._offset)

    def advance_clock(self, seconds: float) -> dt.datetime:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ValueError("the sandbox clock only moves forward: seconds must be a number >= 0")
        with self._lock:
            self._offset += seconds
        return self.now()

    def clock(self) -> dict[str, Any]:
        return {"now": self.now().isoformat(), "offset_seconds": self._offset}

    # -- test-facing state ---------------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self._messages.clear()
            self._log.clear()
            self._faults.clear()
            self._offset = 0.0

    def log(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._log)

    def messages(self) -> list[dict[str, Any]]:
        self._release_due()
        with self._lock:
            return [message.view() for message in self._messages.values()]

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**fault.describe(), "remaining": fault.remaining} for fault in self._faults]

    def add_fault(self, fault: Fault) -> dict[str, Any]:
        with self._lock:
            self._faults.append(fault)
        return fault.describe()

    def take_fault(self, method: str, path: str) -> Fault | None:
        """Consume one use of the oldest matching fault, if any."""
        with self._lock:
            fault = next((fault for fault in self._faults if fault.matches(method, path)), None)
            if fault is not None:
                fault.remaining -= 1
                self._faults = [pending for pending in self._faults if pending.remaining > 0]
            return fault

    def record(self, request: ApiRequest, response: Response | None, fault: Fault | None = None,
               processed: Response | None = None) -> None:
        """Log an API call with what was answered (None when the connection was dropped)."""
        entry = {
            "method": request.method,
            "path": request.target,
            "headers": dict(request.headers),
            "body": request.body,
            "raw_body": request.raw_body,
            "auth_ok": self.authorized(request),
            "status": response.status if response else None,
            "response": response.body if response else None,
            "fault": None if fault is None else {**fault.describe(), "processed": processed.summary() if processed else None},
        }
        with self._lock:
            self._log.append(entry)

    # -- request handling ----------------------------------------------------------------------------------
    def authorized(self, request: ApiRequest) -> bool:
        """HTTP Basic with the configured API credentials, compared in constant time."""
        scheme, token = request.header("Authorization").partition(" ")[::2]
        if scheme.lower() != "basic":
            return False
        try:
            supplied = base64.b64decode(token.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        return hmac.compare_digest(supplied, self._credentials)

    def handle(self, request: ApiRequest) -> Response:
        """Answer one Messente API call; credentials are checked before anything else."""
        try:
            if not self.authorized(request):
                raise ApiError(401, "Missing or invalid API credentials")
            handler, params = resolve(self.api_routes, request.method, request.path)
            self._release_due()
            return handler(request, params)
        except ApiError as exc:
            return exc.response()

    def control(self, request: ApiRequest) -> Response:
        """Answer a /_sandbox/ call; no credentials, never logged."""
        try:
            handler, params = resolve(self.control_routes, request.method, request.path)
            return handler(request, params)
        except ApiError as exc:
            return exc.response()

    def _release_due(self) -> None:
        now = self.now()
        with self._lock:
            for message in self._messages.values():
                message.release_if_due(now)

    def _store(self, body: Any) -> dict[str, Any]:
        """Validate one omnimessage and keep it; a message without a future send time goes out at once."""
        now = self.now()
        submission = validate_omnimessage(body, now, self._past_time, self._default_sender)
        parts = [{"message_id": str(uuid.uuid4()), "channel": channel, "sender": sender} for channel, sender in submission.parts]
        due_at = max(submission.time_to_send or now, now)
        message = StoredMessage(str(uuid.uuid4()), submission.to, parts, copy.deepcopy(body), submission.time_to_send, due_at)
        message.release_if_due(now)
        with self._lock:
            self._messages[message.omnimessage_id] = message
        return message.created()

    def _known(self, omnimessage_id: str) -> StoredMessage:
        message = self._messages.get(omnimessage_id)
        if message is None:
            raise ApiError(404, f"No omnimessage with id {omnimessage_id}")
        return message

    def _send(self, request: ApiRequest, _params: dict[str, str]) -> Response:
        return Response(201, self._store(api_body(request)))

    def _bulk(self, request: ApiRequest, _params: dict[str, str]) -> Response:
        """Per-item failures come back as ErrorOmnichannel items inside a 201; a bad envelope is a 400."""
        body = api_body(request)
        _reject_unknown(body, BULK_FIELDS, "")
        results = []
        for item in _required_list(body, "messages"):
            try:
                results.append(self._store(item))
            except ApiError as exc:
                results.append(exc.body())
        return Response(201, {"messages": results})

    def _cancel(self, _request: ApiRequest, params: dict[str, str]) -> Response:
        with self._lock:
            message = self._known(params["omnimessage_id"])
            if message.state != "scheduled":
                raise ApiError(404, f"Omnimessage {message.omnimessage_id} was already {message.state}")
            message.state, message.changed_at = "cancelled", self.now()
        return Response(202, {})

    def _status(self, _request: ApiRequest, params: dict[str, str]) -> Response:
        with self._lock:
            return Response(200, self._known(params["omnimessage_id"]).report())

    def _control_reset(self, _request: ApiRequest, _params: dict[str, str]) -> Response:
        self.reset()
        return Response(200, {})

    def _control_fault(self, request: ApiRequest, _params: dict[str, str]) -> Response:
        try:
            return Response(200, self.add_fault(Fault(**json_object(request))))
        except (TypeError, ValueError) as exc:
            raise ApiError(400, f"Invalid fault: {exc}") from exc

    def _control_clock(self, request: ApiRequest, _params: dict[str, str]) -> Response:
        try:
            self.advance_clock(json_object(request).get("advance_seconds"))
        except ValueError as exc:
            raise ApiError(400, str(exc), "advance_seconds") from exc
        return Response(200, self.clock())


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP into ApiRequest objects and writes Responses; every decision lives in SandboxState."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, Nagle delays every reused keep-alive answer by ~40 ms.
    disable_nagle_algorithm = True
    timeout = IDLE_CONNECTION_TIMEOUT
    server: _HTTPServer

    def setup(self) -> None:
        """TLS handshakes happen here, in the connection's own thread, so a silent client blocks nobody."""
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def _read_body(self) -> bytes:
        """Bodies must come with Content-Length (requests, urllib3 and the SDK send it); chunked ones are not read."""
        if "Transfer-Encoding" in self.headers:
            self.close_connection = True
            return b""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        request = ApiRequest(self.command, self.path, dict(self.headers.items()), self._read_body())
        state = self.server.state
        if request.path.startswith(CONTROL_PREFIX):
            self._write(state.control(request))
            return
        fault = state.take_fault(request.method, request.path)
        if fault is None:
            response = state.handle(request)
            state.record(request, response)
            self._write(response)
        else:
            self._misbehave(request, fault)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def _misbehave(self, request: ApiRequest, fault: Fault) -> None:
        """Apply an injected fault; the log entry is written before any delay so tests see it at once."""
        state = self.server.state
        processed = state.handle(request) if fault.process else None
        response = fault.answer(processed)
        state.record(request, response, fault, processed)
        if fault.delay and self.server.stopping.wait(fault.delay):
            response = None
        if response is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        else:
            self._write(response)

    def _write(self, response: Response) -> None:
        payload = response.payload()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Even protocol-level errors (bad request line, unknown method) answer in Messente's JSON shape."""
        self.close_connection = True
        self._write(ApiError(code, message or HTTPStatus(code).phrase).response())

    def version_string(self) -> str:
        return "messente-sandbox"

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        """Quiet: the request log is the record tests read."""


class _HTTPServer(ThreadingHTTPServer):
    """A threading server that knows its state and can cut open connections on shutdown."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: SandboxState, tls: ssl.SSLContext | None) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        with self._connections_lock:
            self._connections.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Kept-alive client connections would otherwise outlive stop() in their daemon threads."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients vanishing mid-answer and failed TLS handshakes are routine in fault tests: stay quiet on them."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


def _require_loopback(host: str) -> None:
    """The sandbox must never be reachable from another machine."""
    try:
        loopback = ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"host must be an IPv4 loopback address, not {host!r}")


class SandboxServer:
    """The fake Messente API on a loopback port, for in-process use (also a context manager) or via main()."""

    def __init__(self, username: str = DEFAULT_USERNAME, password: str = DEFAULT_PASSWORD,
                 tls: tuple[str | Path, str | Path] | None = None, host: str = DEFAULT_HOST, port: int = 0,
                 past_time: str = "reject", default_sender: str = DEFAULT_SENDER) -> None:
        _require_loopback(host)
        if past_time not in PAST_TIME_MODES:
            raise ValueError(f"past_time must be one of {PAST_TIME_MODES}")
        self._state = SandboxState(username, password, past_time, default_sender)
        self._address = (host, port)
        self._tls = tls
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    def start(self) -> SandboxServer:
        """Bind and serve in a daemon thread; returns self so `SandboxServer().start()` chains."""
        if self._httpd is not None:
            raise RuntimeError("the sandbox is already running")
        context = None
        if self._tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self._tls)
        self._httpd = _HTTPServer(self._address, self._state, context)
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(POLL_INTERVAL,), name="messente-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections and end pending delays; safe to call twice."""
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None or thread is None:
            return
        httpd.stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        thread.join()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port; still known after stop() so URLs can be reported."""
        if self._port is None:
            raise RuntimeError("the sandbox has not been started")
        return self._port

    @property
    def root_url(self) -> str:
        """Scheme, host and port, without the API prefix: where /_sandbox/ lives."""
        return f"{'https' if self._tls else 'http'}://{self._address[0]}:{self.port}"

    @property
    def base_url(self) -> str:
        """What a client uses as api_url."""
        return f"{self.root_url}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self._state.log()

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self._state.messages()

    @property
    def faults(self) -> list[dict[str, Any]]:
        return self._state.faults()

    def inject_fault(self, method: str, path_prefix: str, **options: Any) -> dict[str, Any]:
        """Queue a Fault (see its docstring for the options); returns it as configured."""
        return self._state.add_fault(Fault(method, path_prefix, **options))

    def reset(self) -> None:
        """Forget requests, messages and faults, and put the clock back to real time."""
        self._state.reset()

    def advance_clock(self, seconds: float) -> dt.datetime:
        """Move the sandbox clock forward; returns the new sandbox time."""
        return self._state.advance_clock(seconds)

    def now(self) -> dt.datetime:
        return self._state.now()


def make_self_signed_cert(directory: str | Path, host: str = DEFAULT_HOST) -> tuple[Path, Path]:
    """Write cert.pem + key.pem for `host` into directory: a certificate no client trusts unless told to.

    The certificate is its own CA, so clients opt in by using cert.pem as their CA bundle.
    """
    # cryptography is only needed here, and ansible-core already depends on it.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "messente-sandbox")])
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                          key_agreement=False, key_cert_sign=True, crl_sign=False, encipher_only=False, decipher_only=False)
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]), False),
        (x509.BasicConstraints(ca=True, path_length=0), True),
        (usage, True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        (x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), False),
    ]
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=7)))
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    cert_path, key_path = Path(directory, "cert.pem"), Path(directory, "key.pem")
    cert_path.write_bytes(builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return number


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Local Messente Omnichannel API sandbox (tests only).")
    parser.add_argument("--host", default=DEFAULT_HOST, help="IPv4 loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", type=Path, help="write the bound port here once listening")
    parser.add_argument("--username", default=DEFAULT_USERNAME)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--default-sender", default=DEFAULT_SENDER, help="sender reported when a message names none")
    parser.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (needs --tls-key)")
    parser.add_argument("--tls-key", type=Path)
    parser.add_argument("--max-lifetime", type=_positive, default=DEFAULT_MAX_LIFETIME,
                        help="exit after this many seconds so no sandbox is left behind")
    parser.add_argument("--past-time", choices=PAST_TIME_MODES, default="reject",
                        help="what a time_to_send in the past does: 400, or send at once")
    args = parser.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    try:
        _require_loopback(args.host)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def _write_port_file(path: Path, port: int) -> None:
    """Write via a temporary file so a reader never sees a half-written port."""
    partial = path.with_name(f"{path.name}.partial")
    partial.write_text(f"{port}\n")
    partial.replace(path)


def main(argv: list[str] | None = None) -> int:
    """Script mode: serve until SIGTERM/SIGINT or --max-lifetime, whichever comes first."""
    args = parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    server = SandboxServer(username=args.username, password=args.password, tls=tls, host=args.host, port=args.port,
                           past_time=args.past_time, default_sender=args.default_sender)
    with server:
        if args.port_file:
            _write_port_file(args.port_file, server.port)
        print(f"messente-sandbox listening on {server.base_url}", flush=True)
        stop.wait(args.max_lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main())

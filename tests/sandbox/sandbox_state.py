# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
"""What the fake Messente remembers (messages, request log, faults, clock, options) and how it answers the API.

Why states are computed, not stored: a message's state follows from its times and the sandbox clock (scheduled
until due, sent from then on, delivered (or failed) `delivery_delay` seconds later, unless cancelled first), so no request has
to sweep 100,000 stored messages to release the due ones, and advancing the clock moves every message at once.
"""

from __future__ import annotations

import base64
import binascii
import collections
import copy
import dataclasses
import datetime as dt
import gc
import hmac
import itertools
import re
import threading
import uuid
import zlib
from collections.abc import Callable
from typing import Any

from sandbox_faults import Fault, Options, RateLimiter, throttle
from sandbox_http import ApiError, ApiRequest, Response, api_body, parse_json
from sandbox_validation import BULK_FIELDS, Submission, Validator, Verdict, reject_unknown, required_list

PACK_THRESHOLD = 4096
SANDBOX_PRICE = {"part_price": "0.0000", "parts_count": 1, "total_price": "0.0000"}
Handler = Callable[[ApiRequest, dict[str, str]], Response]
Route = tuple[re.Pattern[str], dict[str, Handler]]


def resolve(routes: tuple[Route, ...], method: str, path: str) -> tuple[Handler, dict[str, str]]:
    """Find the handler for a path; unknown paths are 404, any other method on a known path 405 with Allow."""
    for pattern, methods in routes:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        if method not in methods:
            raise ApiError(405, f"{method} is not allowed on {path}", headers={"Allow": ", ".join(methods)})
        return methods[method], match.groupdict()
    raise ApiError(404, f"No such resource: {path}")


class UuidSequence:
    """Version-4-shaped UUIDs: a random prefix per sandbox and a counter, unique without a random draw per id.

    Why not uuid.uuid4(): a bulk of 1,000 needs 2,000 ids, and drawing them took a quarter of the bulk's CPU time.
    The prefix comes from uuid4, so ids stay unique across sandbox restarts and keep the version and variant bits.
    """

    def __init__(self) -> None:
        self._prefix = str(uuid.uuid4())[:24]
        self._counter = itertools.count()

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter):012x}"


def wire_time(moment: dt.datetime) -> str:
    """A delivery-report timestamp: ISO 8601 in UTC with its offset, as the schema's date-time requires."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


@dataclasses.dataclass(slots=True)
class StoredMessage:
    """One accepted omnimessage, kept compact: the verdict (payload minus `to`) is shared by equal bulk items."""

    omnimessage_id: str
    to: str
    verdict: Verdict
    message_ids: tuple[str, ...]
    accepted_at: dt.datetime
    due_at: dt.datetime
    delivery_delay: float
    fails: bool = False
    cancelled_at: dt.datetime | None = None

    @property
    def delivered_at(self) -> dt.datetime:
        """When the outcome is known: delivered, or failed for an undeliverable recipient."""
        return self.due_at + dt.timedelta(seconds=self.delivery_delay)

    def state(self, now: dt.datetime) -> str:
        if self.cancelled_at is not None:
            return "cancelled"
        return "sent" if self.due_at <= now else "scheduled"

    def outcome(self, now: dt.datetime) -> str | None:
        """`delivered` or `failed` once a sent message's delivery_delay has passed, else None."""
        if self.state(now) != "sent" or self.delivered_at > now:
            return None
        return "failed" if self.fails else "delivered"

    def parts(self) -> list[dict[str, str]]:
        return [{"message_id": message_id, "channel": channel, "sender": sender}
                for message_id, (channel, sender) in zip(self.message_ids, self.verdict.parts)]

    def created(self) -> dict[str, Any]:
        return {"messages": self.parts(), "to": self.to, "omnimessage_id": self.omnimessage_id}

    def status_row(self, index: int, part: dict[str, str], now: dt.datetime) -> dict[str, Any]:
        """Each row's timestamp is when its status last changed: accepted, cancelled, sent, delivered or failed.

        Pending channels have null results; a cancel shows DELETED everywhere; a sent message is ACCEPTD on its
        first channel until its outcome, then DELIVRD there (later channels stay null: never needed), or, for an
        undeliverable recipient, UNDELIV with err 1 on every channel (each fallback was tried and failed too).
        """
        row: dict[str, Any] = {**part, "status": None, "err": None, "error": None, "timestamp": wire_time(self.accepted_at), "price_info": None}
        state, outcome = self.state(now), self.outcome(now)
        if state == "cancelled" and self.cancelled_at is not None:
            row.update(status="DELETED", timestamp=wire_time(self.cancelled_at))
        elif outcome == "failed":
            row.update(status="UNDELIV", err=1, error="Delivery failure", timestamp=wire_time(self.delivered_at))
        elif state == "sent":
            row["timestamp"] = wire_time(self.due_at)
            if index == 0 and outcome == "delivered":
                row.update(status="DELIVRD", err=0, timestamp=wire_time(self.delivered_at), price_info=dict(SANDBOX_PRICE))
            elif index == 0:
                row["status"] = "ACCEPTD"
        return row

    def report(self, now: dt.datetime) -> dict[str, Any]:
        statuses = [self.status_row(index, part, now) for index, part in enumerate(self.parts())]
        return {"statuses": statuses, "to": self.to, "omnimessage_id": self.omnimessage_id}

    def view(self, now: dt.datetime) -> dict[str, Any]:
        """The control API's picture of the message, for test assertions."""
        state, outcome = self.state(now), self.outcome(now)
        changed_at = {"sent": self.due_at, "cancelled": self.cancelled_at}.get(state)
        return {
            **self.created(),
            "state": state,
            "outcome": outcome,
            "time_to_send": self.verdict.time_to_send.isoformat() if self.verdict.time_to_send else None,
            "changed_at": changed_at.isoformat() if changed_at else None,
            "accepted_at": self.accepted_at.isoformat(),
            "delivered_at": self.delivered_at.isoformat() if outcome == "delivered" else None,
            "failed_at": self.delivered_at.isoformat() if outcome == "failed" else None,
            "payload": self.verdict.payload(self.to),
        }


@dataclasses.dataclass(frozen=True, slots=True)
class Packed:
    """Bytes kept zlib-compressed when large: a bulk body repeats one message 1,000 times and shrinks about 100x."""

    data: bytes
    compressed: bool

    @classmethod
    def of(cls, data: bytes) -> Packed:
        if len(data) < PACK_THRESHOLD:
            return cls(data, False)
        return cls(zlib.compress(data, 1), True)

    def unpack(self) -> bytes:
        return zlib.decompress(self.data) if self.compressed else self.data


@dataclasses.dataclass(slots=True)
class LogEntry:
    """One API call as (packed) bytes, parsed only when read: a log of 100 bulks of 1,000 must stay small."""

    method: str
    target: str
    headers: dict[str, str]
    raw: Packed
    auth_ok: bool
    status: int | None
    response: Packed | None
    raw_response: bool
    fault: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        response: Any = None
        if self.response is not None:
            answer = self.response.unpack()
            response = answer.decode("utf-8") if self.raw_response else parse_json(answer)[0]
        raw = self.raw.unpack()
        return {
            "method": self.method, "path": self.target, "headers": dict(self.headers), "body": parse_json(raw)[0],
            "raw_body": raw.decode("utf-8", errors="replace"), "auth_ok": self.auth_ok,
            "status": self.status, "response": response, "fault": copy.deepcopy(self.fault),
        }


class SandboxState:
    """Everything the fake Messente remembers, behind one lock so handler threads agree."""

    def __init__(self, username: str, password: str, options: Options) -> None:
        self._credentials = f"{username}:{password}".encode("utf-8")
        self._options = options
        self._lock = threading.Lock()
        self._offset = 0.0
        self._messages: dict[str, StoredMessage] = {}
        self._log: list[LogEntry] = []
        self._faults: list[Fault] = []
        self._limiter = RateLimiter()
        self._ids = UuidSequence()
        message_path = r"/v1/omnimessage/(?P<omnimessage_id>[^/]+)"
        self.api_routes: tuple[Route, ...] = (
            (re.compile(r"/v1/omnimessage"), {"POST": self._send}),
            (re.compile(message_path), {"DELETE": self._cancel}),
            (re.compile(f"{message_path}/status"), {"GET": self._status}),
            (re.compile(r"/v1/omnimessages"), {"POST": self._bulk}),
        )

    # -- options and clock ---------------------------------------------------------------------------------------
    @property
    def options(self) -> Options:
        return self._options

    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Change some options at once (all or none); messages already accepted keep their delivery delay."""
        with self._lock:
            self._options = self._options.changed(changes)
            return self._options.describe()

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

    # -- test-facing state ---------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget requests, messages, faults and rate-limit history; the clock goes back to real time. Options stay."""
        with self._lock:
            self._messages.clear()
            self._log.clear()
            self._faults.clear()
            self._offset = 0.0
        self._limiter.reset()
        gc.unfreeze()

    def log(self) -> list[dict[str, Any]]:
        with self._lock:
            entries = list(self._log)
        return [entry.to_dict() for entry in entries]

    def messages(self) -> list[dict[str, Any]]:
        """Views of every message; they share the stored payload parts, so serialize them before handing them out."""
        now = self.now()
        with self._lock:
            stored = list(self._messages.values())
        return [message.view(now) for message in stored]

    def stats(self) -> dict[str, Any]:
        """Counts only, cheap even with 100,000 messages."""
        now = self.now()
        with self._lock:
            stored = list(self._messages.values())
            requests, faults = len(self._log), len(self._faults)
        states = collections.Counter(message.state(now) for message in stored)
        outcomes = collections.Counter(message.outcome(now) for message in stored)
        return {"messages": len(stored), "states": dict(states), "delivered": outcomes["delivered"], "failed": outcomes["failed"],
                "requests": requests, "faults": faults}

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
        described = None
        if fault is not None:
            described = {**fault.describe(), "processed": None if processed is None else {"status": processed.status, "response": processed.body}}
        entry = LogEntry(request.method, request.target, dict(request.headers), Packed.of(request.raw), self.authorized(request),
                         response.status if response else None, Packed.of(response.payload) if response else None,
                         bool(response and response.raw), described)
        with self._lock:
            self._log.append(entry)

    # -- answering the API ---------------------------------------------------------------------------------------
    def answer(self, request: ApiRequest) -> tuple[Response | None, float]:
        """The answer to one API call (None: drop the connection) and the seconds to wait before giving it.

        Order: the rate limit (like a gateway in front of the service), then injected faults, then the real work.
        The call is logged before any wait, so tests see it while the client still waits.
        """
        options = self._options
        wait = self._limiter.wait_needed(request.client, options.rate_limit)
        fault = throttle(request.method, request.client, options.rate_limit, wait) if wait and options.rate_limit else None
        fault = fault or self.take_fault(request.method, request.path)
        processed = self.handle(request) if fault is None or fault.process else None
        response = processed if fault is None else fault.answer(processed)
        self.record(request, response, fault, processed if fault else None)
        delay = (fault.delay if fault else 0.0) + (options.latency if response is not None else 0.0)
        return response, delay

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
            return handler(request, params)
        except ApiError as exc:
            return exc.response()

    def _accept(self, submission: Submission, now: dt.datetime, options: Options) -> StoredMessage:
        """A stored message for a validated omnimessage; without a future send time it goes out at once."""
        verdict = submission.verdict
        due_at = now if verdict.time_to_send is None or verdict.time_to_send < now else verdict.time_to_send
        message_ids = tuple(self._ids.next() for _part in verdict.parts)
        return StoredMessage(self._ids.next(), submission.to, verdict, message_ids, now, due_at, options.delivery_delay,
                             fails=submission.to in options.undeliverable)

    def _keep(self, messages: list[StoredMessage]) -> None:
        """Store accepted messages, then freeze the garbage collector's view of everything alive.

        Why freeze: stored messages live until reset() and hold no reference cycles (reference counting frees them),
        yet the cyclic collector would scan all of them again and again while later bulks allocate: at 100,000 stored
        messages that doubled a bulk's cost. reset() unfreezes, so frozen cyclic garbage can still be collected.
        """
        with self._lock:
            self._messages.update((message.omnimessage_id, message) for message in messages)
        gc.freeze()

    def _validator(self) -> tuple[Validator, dt.datetime, Options]:
        options, now = self._options, self.now()
        return Validator(now, options.past_time, options.default_sender), now, options

    def _send(self, request: ApiRequest, _params: dict[str, str]) -> Response:
        body = api_body(request)
        validator, now, options = self._validator()
        message = self._accept(validator.submission(body), now, options)
        self._keep([message])
        return Response(201, message.created())

    def _bulk(self, request: ApiRequest, _params: dict[str, str]) -> Response:
        """Per-item failures come back as ErrorOmnichannel items inside a 201; a bad envelope is a 400."""
        body = api_body(request)
        reject_unknown(body, BULK_FIELDS, "")
        items = required_list(body, "messages")
        validator, now, options = self._validator()
        results, accepted = [], []
        for item in items:
            try:
                message = self._accept(validator.submission(item), now, options)
            except ApiError as exc:
                results.append(exc.body())
                continue
            accepted.append(message)
            results.append(message.created())
        self._keep(accepted)
        return Response(201, {"messages": results})

    def _known(self, omnimessage_id: str) -> StoredMessage:
        message = self._messages.get(omnimessage_id)
        if message is None:
            raise ApiError(404, f"No omnimessage with id {omnimessage_id}")
        return message

    def _cancel(self, _request: ApiRequest, params: dict[str, str]) -> Response:
        with self._lock:
            message = self._known(params["omnimessage_id"])
            now = self.now()
            state = message.state(now)
            if state != "scheduled":
                raise ApiError(404, f"Omnimessage {message.omnimessage_id} was already {state}")
            message.cancelled_at = now
        return Response(202, {})

    def _status(self, _request: ApiRequest, params: dict[str, str]) -> Response:
        with self._lock:
            message = self._known(params["omnimessage_id"])
        return Response(200, message.report(self.now()))

# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
"""Deliberate misbehaviour: injected faults, the per-client rate limit, and the options that shape every answer.

Why together: a throttled call is answered like an injected 429 fault, and both are logged the same way, so a test
can tell the sandbox's refusals of bad input from the trouble it was asked to make.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from sandbox_http import E164, JSON_TYPE, TEXT_TYPE, ApiError, Response

DEFAULT_SENDER = "SandboxSender"
PAST_TIME_MODES = ("reject", "send-now")
MAX_LATENCY = 300.0


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
            response = response.with_headers(**{"Retry-After": str(self.retry_after)})
        return response


@dataclasses.dataclass
class Throttle(Fault):
    """The rate limit's 429, logged like an injected fault with the limit it enforced."""

    rate_limit: float = 0.0


def throttle(method: str, client: str, rate: float, wait: float) -> Throttle:
    """A 429 with Retry-After in whole seconds (at least 1) and an ErrorOmnichannel body (the real one is undocumented)."""
    retry_after = max(1, math.ceil(wait))
    detail = f"Too many requests: more than {rate:g} requests per second from {client}; retry after {retry_after} s"
    return Throttle(method, "/", status=429, body=ApiError(429, detail).body(), retry_after=retry_after, rate_limit=rate)


class RateLimiter:
    """A token bucket per client IP: it holds up to max(rate, 1) tokens, refills at `rate` a second, and every
    accepted call takes one.  Throttled calls take none.  Real (monotonic) time, not the sandbox clock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def wait_needed(self, client: str, rate: float | None) -> float:
        """0 when the call may pass (its token is taken), else the seconds until the next token."""
        if rate is None:
            return 0.0
        capacity = max(rate, 1.0)
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get(client, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / rate

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


class OptionError(ValueError):
    """A bad option value; `name` says which option, so the control API can name it as the error's source."""

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(f"{name}: {detail}")
        self.name = name
        self.detail = detail


def _number(name: str, value: Any, low: float, high: float | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < low:
        raise OptionError(name, f"must be a number >= {low:g}")
    if high is not None and value > high:
        raise OptionError(name, f"must be at most {high:g}")


@dataclasses.dataclass(frozen=True)
class Options:
    """Behaviour that may change while the sandbox runs (constructor, command line, or POST /_sandbox/config)."""

    latency: float = 0.0
    rate_limit: float | None = None
    delivery_delay: float = 0.0
    past_time: str = "reject"
    default_sender: str = DEFAULT_SENDER
    undeliverable: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _number("latency", self.latency, 0, MAX_LATENCY)
        if self.rate_limit is not None:
            _number("rate_limit", self.rate_limit, 0)
            if self.rate_limit == 0:
                raise OptionError("rate_limit", "must be > 0, or null for no limit")
        _number("delivery_delay", self.delivery_delay, 0)
        if self.past_time not in PAST_TIME_MODES:
            raise OptionError("past_time", f"must be one of {', '.join(PAST_TIME_MODES)}")
        if not isinstance(self.default_sender, str) or not self.default_sender.strip():
            raise OptionError("default_sender", "must be a non-empty string")
        numbers = self.undeliverable
        if not isinstance(numbers, (list, tuple)) or not all(isinstance(number, str) and E164.fullmatch(number) for number in numbers):
            raise OptionError("undeliverable", "must be a list of E.164 phone numbers")
        object.__setattr__(self, "undeliverable", tuple(numbers))

    def changed(self, changes: dict[str, Any]) -> Options:
        unknown = sorted(set(changes) - {option.name for option in dataclasses.fields(self)})
        if unknown:
            raise OptionError(unknown[0], "is not a sandbox option")
        return dataclasses.replace(self, **changes)

    def describe(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "undeliverable": list(self.undeliverable)}

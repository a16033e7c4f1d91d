# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
"""The sandbox's wire vocabulary: requests, responses, strict JSON and Messente's ErrorOmnichannel.

Why a module of its own: validation, state and the HTTP server all speak it, and none of it needs the SDK.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import json
import re
from typing import Any
from urllib.parse import urlsplit

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
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
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


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


def field(where: str, name: str) -> str:
    """Join a field path the way `source` names it: messages[0].channel."""
    return f"{where}.{name}" if where else name


def missing(source: str, detail: str | None = None) -> ApiError:
    return ApiError(400, detail or f"{source} is required", source, code="106")


def invalid(source: str, detail: str) -> ApiError:
    return ApiError(400, detail, source)


@dataclasses.dataclass(frozen=True)
class Response:
    """One HTTP answer; `raw` bodies are sent as text instead of JSON (for fault injection)."""

    status: int
    body: Any = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    raw: bool = False
    content_type: str = JSON_TYPE

    @functools.cached_property
    def payload(self) -> bytes:
        """The body as sent, serialized once: it is written to the socket and kept in the request log."""
        return (self.body if self.raw else json.dumps(self.body)).encode("utf-8")

    def with_headers(self, **headers: str) -> Response:
        return dataclasses.replace(self, headers={**self.headers, **headers})


def _reject_constant(name: str) -> None:
    """NaN and Infinity are not JSON, although Python's parser takes them."""
    raise ValueError(f"{name} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Duplicate keys make a payload ambiguous, so they are refused instead of last-one-wins."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        counts = collections.Counter(key for key, _value in pairs)
        raise ValueError(f"duplicate key {min(key for key, count in counts.items() if count > 1)!r}")
    return obj


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
    client: str = "127.0.0.1"

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @functools.cached_property
    def parsed(self) -> tuple[Any, str | None]:
        """The body parsed once, however many steps look at it."""
        return parse_json(self.raw)

    def header(self, name: str) -> str:
        """Header lookup ignoring case, as HTTP requires."""
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), "")


def json_object(request: ApiRequest) -> dict[str, Any]:
    """The request body as a JSON object; anything else is a 400 without a source."""
    value, error = request.parsed
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

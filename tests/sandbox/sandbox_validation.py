# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
"""Is an omnimessage acceptable?  Documented rules, the official SDK models, then the channel content rules.

Why this order: the sandbox's own rules name the field precisely and refuse unknown fields at every depth (a typo
must not pass silently); the SDK 2.7.0 models are the reference for types, enums, required fields and lengths; the
content rules (sandbox_content) can then rely on the types the SDK has checked.  Only the first problem is reported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import re
import types
import typing
from typing import Any

import pydantic
from messente_api import SMS, Omnimessage, Rcs, Viber, WhatsApp

from sandbox_content import check_content
from sandbox_http import E164, ApiError, field, invalid, missing

PAST_TIME_MODES = ("reject", "send-now")
CHANNEL_MODELS: dict[str, type[pydantic.BaseModel]] = {"sms": SMS, "viber": Viber, "whatsapp": WhatsApp, "rcs": Rcs}
ISO_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?")
BULK_FIELDS = frozenset({"messages"})


@functools.cache
def model_fields(model: type[pydantic.BaseModel]) -> frozenset[str]:
    """The JSON fields a model documents; the SDK's catch-all bag is not one of them."""
    return frozenset(model.model_fields) - {"additional_properties"}


ENVELOPE_FIELDS = model_fields(Omnimessage)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """Strip Optional and Annotated from a field type; tell whether a list was inside."""
    is_list = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Union:
            annotation = next(arg for arg in typing.get_args(annotation) if arg is not types.NoneType)
        elif origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin is list:
            is_list, annotation = True, typing.get_args(annotation)[0]
        else:
            return annotation, is_list


@functools.cache
def nested_models(model: type[pydantic.BaseModel]) -> tuple[tuple[str, type[pydantic.BaseModel], bool], ...]:
    """(field, model, is_list) for each field of `model` that holds further SDK models."""
    nested = []
    for name, info in model.model_fields.items():
        inner, is_list = _unwrap(info.annotation)
        if isinstance(inner, type) and issubclass(inner, pydantic.BaseModel):
            nested.append((name, inner, is_list))
    return tuple(nested)


def reject_unknown(obj: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    """Unknown fields are refused so a typo in a client payload cannot pass silently."""
    unknown = obj.keys() - allowed
    if unknown:
        first = min(unknown)
        raise invalid(field(where, first), f"Unknown field {first!r}")


def reject_unknown_nested(obj: Any, model: type[pydantic.BaseModel], where: str) -> None:
    """reject_unknown at every depth of a model's JSON; values of the wrong type are left to the SDK."""
    if not isinstance(obj, dict):
        return
    reject_unknown(obj, model_fields(model), where)
    for name, child, is_list in nested_models(model):
        value = obj.get(name)
        if not is_list:
            reject_unknown_nested(value, child, field(where, name))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                reject_unknown_nested(item, child, f"{field(where, name)}[{index}]")


def required_list(obj: dict[str, Any], name: str) -> list[Any]:
    """A required, non-empty JSON array (used by both the omnimessage and the bulk envelope)."""
    value = obj.get(name)
    if value is None or value == []:
        raise missing(name)
    if not isinstance(value, list):
        raise invalid(name, f"{name} must be a JSON array")
    return value


def check_to(value: Any) -> str:
    if value is None:
        raise missing("to")
    if not isinstance(value, str) or not E164.fullmatch(value):
        raise invalid("to", "to must be an E.164 phone number: + followed by 7 to 15 digits, the first not 0")
    return value


def _check_sender(where: str, msg: dict[str, Any], required: bool) -> None:
    sender = msg.get("sender")
    if sender is None:
        if required:
            raise missing(field(where, "sender"))
    elif not isinstance(sender, str) or not sender.strip():
        raise invalid(field(where, "sender"), "sender must be a non-empty string")


def _check_sms_text(where: str, msg: dict[str, Any]) -> None:
    text = msg.get("text")
    if text is None:
        raise missing(field(where, "text"))
    if not isinstance(text, str) or not text:
        raise invalid(field(where, "text"), "SMS text must be a non-empty string")


def _check_fallback_timeout(where: str, msg: dict[str, Any]) -> None:
    """Messente allows only one of ttl and validity; a timeout below 1 cannot mean anything."""
    present = [name for name in ("ttl", "validity") if msg.get(name) is not None]
    if len(present) == 2:
        raise invalid(field(where, "validity"), "Only one of ttl and validity can be used")
    for name in present:
        value = msg[name]
        if isinstance(value, int) and not isinstance(value, bool) and value < 1:
            raise invalid(field(where, name), f"{name} must be a positive integer")


def check_message(where: str, msg: Any, seen: list[str]) -> str:
    """Rules for one channel message that come before the SDK check; returns its channel."""
    if not isinstance(msg, dict):
        raise invalid(where, "Each message must be a JSON object")
    channel = msg.get("channel")
    if channel is None:
        raise missing(field(where, "channel"))
    if not isinstance(channel, str) or channel not in CHANNEL_MODELS:
        raise invalid(field(where, "channel"), f"channel must be one of {', '.join(CHANNEL_MODELS)}")
    if channel in seen:
        raise invalid(field(where, "channel"), f"Duplicate channel {channel!r}")
    reject_unknown_nested(msg, CHANNEL_MODELS[channel], where)
    _check_sender(where, msg, required=channel == "rcs")
    if channel == "sms":
        _check_sms_text(where, msg)
    _check_fallback_timeout(where, msg)
    return channel


def parse_time_to_send(value: Any) -> dt.datetime:
    """ISO 8601 date-time with a time part, as a UTC instant; no offset means UTC, an offset is honoured."""
    detail = "time_to_send must be an ISO 8601 date-time such as 2030-01-31T09:05:00+02:00"
    if not isinstance(value, str) or not ISO_DATE_TIME.fullmatch(value):
        raise invalid("time_to_send", detail)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise invalid("time_to_send", detail) from exc
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _error_source(model: type[pydantic.BaseModel] | None, where: str, loc: tuple[int | str, ...]) -> str:
    """The field path of a pydantic error location, without the tags pydantic adds for union members (`float`)."""
    source, keyed = where, False
    for part in loc:
        if isinstance(part, int) or keyed:
            source, keyed = f"{source}[{part}]" if isinstance(part, int) else field(source, part), False
            continue
        if model is None or part not in model.model_fields:
            break
        source = field(source, part)
        inner, _is_list = _unwrap(model.model_fields[part].annotation)
        keyed = typing.get_origin(inner) is dict
        model = inner if isinstance(inner, type) and issubclass(inner, pydantic.BaseModel) else None
    return source


def _pydantic_error(exc: pydantic.ValidationError, where: str, model: type[pydantic.BaseModel]) -> ApiError:
    """Turn the SDK's first complaint into a Messente error naming the field."""
    first = exc.errors()[0]
    source = _error_source(model, where, first["loc"])
    if first["type"] == "missing" or first.get("input") is None:
        return missing(source)
    return invalid(source, f"{source}: {first['msg']}")


def _locate_message_error(messages: list[dict[str, Any]]) -> ApiError:
    """The SDK reports bad channel messages without a position, so re-check each against its own model."""
    for index, msg in enumerate(messages):
        try:
            CHANNEL_MODELS[msg["channel"]].model_validate(msg)
        except pydantic.ValidationError as exc:
            return _pydantic_error(exc, f"messages[{index}]", CHANNEL_MODELS[msg["channel"]])
    return invalid("messages", "The messages do not match the Messente channel models")


def check_with_sdk(body: dict[str, Any]) -> None:
    """Second opinion from the official models: strict types, enums and nested shapes.

    TypeError is caught too: the SDK's from_dict iterates list fields without checking they are lists.
    """
    try:
        Omnimessage.from_json(json.dumps(body))
    except pydantic.ValidationError as exc:
        raise _pydantic_error(exc, "", Omnimessage) from exc
    except (ValueError, TypeError) as exc:
        raise _locate_message_error(body["messages"]) from exc


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What an accepted omnimessage means apart from its recipient, shared by every equal item of a bulk."""

    keys: tuple[str, ...]
    rest: dict[str, Any]
    parts: tuple[tuple[str, str], ...]
    time_to_send: dt.datetime | None

    def payload(self, to: str) -> dict[str, Any]:
        """The omnimessage as received, rebuilt from the shared part and the recipient."""
        return {key: to if key == "to" else self.rest[key] for key in self.keys}


def judge(body: dict[str, Any], default_sender: str) -> Verdict:
    """Everything about an omnimessage except its envelope head (fields, `to`) and the clock."""
    messages = required_list(body, "messages")
    channels: list[str] = []
    for index, msg in enumerate(messages):
        channels.append(check_message(f"messages[{index}]", msg, channels))
    time_to_send = None if body.get("time_to_send") is None else parse_time_to_send(body["time_to_send"])
    check_with_sdk(body)
    for index, msg in enumerate(messages):
        check_content(f"messages[{index}]", msg)
    parts = tuple((channel, msg.get("sender") or default_sender) for channel, msg in zip(channels, messages))
    return Verdict(tuple(body), {key: value for key, value in body.items() if key != "to"}, parts, time_to_send)


class Submission(typing.NamedTuple):
    """A validated omnimessage: its recipient and the verdict on the rest (a tuple: one is made per bulk item)."""

    to: str
    verdict: Verdict


class Validator:
    """Validates omnimessages for one request at one sandbox time.

    Items equal apart from `to` share one verdict, so a bulk of 1,000 recipients of the same message costs one
    SDK validation, not 1,000; the memo lives only as long as the request.
    """

    def __init__(self, now: dt.datetime, past_time: str, default_sender: str) -> None:
        self._now = now
        self._past_time = past_time
        self._default_sender = default_sender
        self._memo: dict[str, Verdict | ApiError] = {}

    def submission(self, body: Any) -> Submission:
        if not isinstance(body, dict):
            raise ApiError(400, "An omnimessage must be a JSON object")
        reject_unknown(body, ENVELOPE_FIELDS, "")
        to = check_to(body.get("to"))
        # repr tells apart every parsed-JSON value (1, 1.0, true, "1") and costs less than a JSON encoder.
        key = repr({**body, "to": None})
        verdict = self._memo.get(key)
        if verdict is None:
            try:
                verdict = judge(body, self._default_sender)
            except ApiError as exc:
                verdict = exc
            self._memo[key] = verdict
        if isinstance(verdict, ApiError):
            raise verdict.with_traceback(None)
        if verdict.time_to_send is not None and verdict.time_to_send < self._now and self._past_time == "reject":
            raise invalid("time_to_send", "time_to_send is in the past")
        return Submission(to, verdict)

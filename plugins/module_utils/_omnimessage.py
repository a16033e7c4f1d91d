# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Check user input and build the Omnimessage JSON bodies Messente expects.

Each channel body comes from one generic walk over the channel table (``_channels``): every field is checked and
put where the table says, then the rules of its object are checked, so nothing documented there can be dropped here.

PRIVATE to the messente.omnichannel collection: not a public API, it may change in any release.

Everything here runs before the first HTTP request, so a bad value never reaches Messente and
never costs money. Messente's own schema is lax (see docs/api-behaviour.md); where its
documentation is silent we refuse the doubtful value rather than guess.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

from ansible_collections.messente.omnichannel.plugins.module_utils._channels import (
    CHANNEL_MODELS,
    CHANNELS,
    Field,
    Model,
    channels_with,
    format_number,
    parse_rfc3339,
)

TEXT_STORE_CHOICES = ("nostore", "plaintext", "sha256")
PRIORITY_CHOICES = ("low", "regular", "high")

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_PHONE_PUNCTUATION = re.compile(r"[\s\-.()]")
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})+$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_INTEGER = re.compile(r"^-?[0-9]+$")


class InputError(ValueError):
    """A refused option value; the text names the option and the rule it broke."""

    def __init__(self, option: str, rule: str) -> None:
        super().__init__(f"{option}: {rule}")
        self.option = option


def require_value(value: Any, option: str, when: str) -> Any:
    """A required option set to null or empty (often an undefined variable) is named before anything else runs."""
    if value is None or value in ("", [], [""]):
        shown = "null" if value is None else repr(value)
        raise InputError(option, f"is required with {when} and must not be null or empty, got {shown}")
    return value


def normalize_recipient(value: Any, option: str = "to") -> str:
    """Strip the punctuation people write in phone numbers and insist on E.164, which Messente requires."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(option, f"must be a phone number in E.164 format such as +37251234567, got {value!r}")
    number = _PHONE_PUNCTUATION.sub("", value)
    if not _E164.match(number):
        raise InputError(
            option,
            f"{value!r} is not an E.164 phone number: it must be '+' followed by 7 to 15 digits, the first not 0 "
            "(spaces, dashes, dots and parentheses are ignored)",
        )
    return number


def normalize_recipients(values: Iterable[Any], option: str = "to") -> list[str]:
    """Normalize every recipient and refuse repeats, because a repeated number would be texted twice."""
    seen: dict[str, int] = {}
    numbers = []
    for index, value in enumerate(values):
        number = normalize_recipient(value, f"{option}[{index}]")
        if number in seen:
            raise InputError(f"{option}[{index}]", f"{number} is already listed at {option}[{seen[number]}]; each recipient may appear once")
        seen[number] = index
        numbers.append(number)
    if not numbers:
        raise InputError(option, "must name at least one recipient")
    return numbers


def normalize_omnimessage_id(value: Any, option: str = "omnimessage_id") -> str:
    """Messente ids are UUIDs; checking here turns a typo into a clear error instead of a confusing 404."""
    text = value.strip() if isinstance(value, str) else ""
    try:
        parsed = uuid.UUID(text)
    except ValueError:
        parsed = None
    if parsed is None or len(text) != 36:
        raise InputError(option, f"{value!r} is not an omnimessage id: expected a UUID such as 8f4b1f7e-2c4d-4a8b-9e57-1d2c3b4a5f60")
    return str(parsed)


def normalize_omnimessage_ids(values: Iterable[Any], option: str = "omnimessage_id") -> list[str]:
    """Normalize ids and drop exact repeats so one message is never cancelled twice in one task (in linear time)."""
    ids = list(dict.fromkeys(normalize_omnimessage_id(value, f"{option}[{index}]") for index, value in enumerate(values)))
    if not ids:
        raise InputError(option, "must name at least one omnimessage id")
    return ids


def check_minimum(value: int, minimum: int, option: str) -> int:
    """Counts such as retries, concurrency and validity have a floor; below it they make no sense."""
    if value < minimum:
        raise InputError(option, f"must be {minimum} or more, got {value}")
    return value


def check_positive(value: Any, option: str, unit: str) -> float:
    """Timeouts and rates must be numbers above zero (a bool is not a number here, NaN is not above zero)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise InputError(option, f"must be a positive number of {unit}, got {value!r}")
    return float(value)


def check_http_url(value: str | None, option: str) -> str | None:
    """Only absolute http(s) URLs make sense for Messente endpoints and webhooks."""
    if value is None:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(option, f"{value!r} is not an absolute http:// or https:// URL")
    return value.strip()


def build_channel_messages(messages: list[dict] | None, text: str | None, sender: str | None) -> list[dict]:
    """Build the ordered fallback chain; without ``messages`` one SMS is made from ``text`` and ``sender``."""
    _check_default(text, "text", "must not be empty or only whitespace")
    _check_default(sender, "sender", "must not be empty; leave it out to use the account's default sender")
    if not messages:
        messages = [{"channel": "sms"}]
    seen: dict[str, int] = {}
    built = []
    for index, message in enumerate(messages):
        option = f"messages[{index}]"
        if not isinstance(message, dict):
            raise InputError(option, f"must be a mapping with at least a channel, got {message!r}")
        channel = message.get("channel")
        if channel not in CHANNELS:
            raise InputError(f"{option}.channel", f"must be one of {', '.join(CHANNELS)}, got {channel!r}")
        if channel in seen:
            raise InputError(f"{option}.channel", f"{channel} is already used by messages[{seen[channel]}]; each channel may appear once in the chain")
        seen[channel] = index
        model = CHANNEL_MODELS[channel]
        built.append(build_object(model, with_defaults(model, message, text, sender), option, channel))
    return built


def _check_default(value: Any, option: str, rule: str) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InputError(option, rule)


def with_defaults(model: Model, message: dict, text: str | None, sender: str | None) -> dict:
    """The entry with the top-level sender, and the top-level text where the entry's content allows a text.

    Whether it allows one is the channel's own rules' call: a WhatsApp template or an RCS card refuses a text beside it.
    """
    filled = dict(message)
    if filled.get("sender") is None and sender is not None:
        filled["sender"] = sender
    if filled.get("text") is None and text is not None:
        candidate = dict(filled, text=text)
        if not any(rule.violation(candidate) for rule in model.rules if "text" in rule.names):
            filled = candidate
    return filled


def build_object(model: Model, value: dict, path: str, channel: str, trail: tuple[str, ...] = ()) -> dict:
    """Walk one object of the table: refuse foreign fields, check and convert every field, then the model's rules."""
    _refuse_foreign_fields(model, value, path, channel, trail)
    body: dict[str, Any] = {}
    for item in model.fields:
        given = value.get(item.name)
        option = f"{path}.{item.name}"
        if given is None:
            if item.required:
                raise InputError(option, _required_rule(item, channel))
            continue
        _put(body, item.path, _build_value(item, given, option, channel, trail + (item.name,)))
    for rule in model.rules:
        broken = rule.violation(value)
        if broken is not None:
            name, reason = broken
            raise InputError(f"{path}.{name}" if name else path, reason)
    return body


def _refuse_foreign_fields(model: Model, value: dict, path: str, channel: str, trail: tuple[str, ...]) -> None:
    known = {item.name for item in model.fields}
    for name, given in value.items():
        if given is not None and name not in known:
            owners = channels_with(trail + (name,))
            where = f"it only applies to {', '.join(owners)}" if owners else "no channel has it"
            raise InputError(f"{path}.{name}", f"is not a {channel} field; {where}")


def _required_rule(item: Field, channel: str) -> str:
    if item.default_from:
        return f"is required for the {channel} channel (set it here or with the top-level {item.default_from} option)"
    return "is required"


def _put(body: dict, path: tuple[str, ...], value: Any) -> None:
    for step in path[:-1]:
        body = body.setdefault(step, {})
    body[path[-1]] = value


def _build_value(item: Field, value: Any, option: str, channel: str, trail: tuple[str, ...]) -> Any:
    builder = _VALUE_BUILDERS.get(item.type)
    if builder is None:
        raise InputError(option, f"has the unknown type {item.type}")
    return builder(item, value, option, channel, trail)


def _build_str(item: Field, value: Any, option: str, channel: str, _trail: tuple[str, ...]) -> Any:
    if not isinstance(value, str):
        raise InputError(option, f"must be a string, got {value!r}")
    if not value.strip():
        raise InputError(option, "must not be empty or only whitespace")
    if item.choices and value not in item.choices:
        raise InputError(option, f"must be one of {', '.join(item.choices)}, got {value!r}")
    _check_length(item, len(value), "characters", option, channel)
    value = CHECKS[item.check](value, option) if item.check else value
    return item.wire_values[value] if item.wire_values else value


def _build_number(item: Field, value: Any, option: str, _channel: str, _trail: tuple[str, ...]) -> Any:
    wanted = int if item.type == "int" else (int, float)
    if isinstance(value, bool) or not isinstance(value, wanted):
        raise InputError(option, f"must be {'an integer' if item.type == 'int' else 'a number'}, got {value!r}")
    low, high = item.minimum, item.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            raise InputError(option, f"must be {format_number(low)} or more, got {value}")
        bound = f"from {format_number(low)} to {format_number(high)}" if low is not None else f"at most {format_number(high)}"
        raise InputError(option, f"must be {bound}, got {value}")
    return value


def _build_bool(_item: Field, value: Any, option: str, _channel: str, _trail: tuple[str, ...]) -> Any:
    if not isinstance(value, bool):
        raise InputError(option, f"must be true or false, got {value!r}")
    return value


def _build_dict(item: Field, value: Any, option: str, channel: str, trail: tuple[str, ...]) -> Any:
    if not isinstance(value, dict):
        raise InputError(option, f"must be a mapping, got {value!r}")
    if item.model is None:
        return CHECKS[item.check](value, option) if item.check else dict(value)
    return build_object(item.model, value, option, channel, trail)


def _build_list(item: Field, value: Any, option: str, channel: str, trail: tuple[str, ...]) -> Any:
    if not isinstance(value, list):
        raise InputError(option, f"must be a list, got {value!r}")
    _check_length(item, len(value), item.noun, option, channel)
    built = []
    for index, element in enumerate(value):
        if not isinstance(element, dict) or item.model is None:
            raise InputError(f"{option}[{index}]", f"must be a mapping, got {element!r}")
        built.append(build_object(item.model, element, f"{option}[{index}]", channel, trail))
    return built


def _check_length(item: Field, length: int, unit: str, option: str, channel: str) -> None:
    low, high = item.min_length, item.max_length
    if (low is None or length >= low) and (high is None or length <= high):
        return
    if item.is_list:
        rule = f"needs {low} to {high} {unit}" if low is not None and high is not None else (
            f"allows at most {high} {unit}" if high is not None else f"needs at least {low} {unit}")
        raise InputError(option, f"{rule}, got {length}")
    if low is not None and high is not None:
        raise InputError(option, f"must be {low} to {high} {unit}, got {length}")
    if high is not None:
        raise InputError(option, f"is {length} {unit}; {channel} allows at most {high}")
    raise InputError(option, f"must be at least {low} {unit}, got {length}")


_VALUE_BUILDERS: dict[str, Callable[[Field, Any, str, str, tuple[str, ...]], Any]] = {
    "str": _build_str, "int": _build_number, "float": _build_number, "bool": _build_bool, "dict": _build_dict, "list": _build_list,
}


def _check_url(value: str, option: str) -> str:
    return check_http_url(value, option) or value


def _check_hex(value: str, option: str) -> str:
    if not _HEX.match(value):
        raise InputError(option, f"must be hex-encoded bytes such as 050003CC0201, got {value!r}")
    return value


def _check_rfc3339(value: str, option: str) -> str:
    if parse_rfc3339(value) is None:
        raise InputError(option, f"must be an RFC 3339 date-time with an offset, such as 2030-06-22T09:00:00Z, got {value!r}")
    return value


def _check_currency(value: str, option: str) -> str:
    if not _CURRENCY.match(value):
        raise InputError(option, f"must be an ISO 4217 currency code of three capital letters such as EUR, got {value!r}")
    return value


def _check_integer(value: str, option: str) -> str:
    if not _INTEGER.match(value):
        raise InputError(option, f"must be a whole number such as 100990, got {value!r}")
    return value


def _check_string_map(value: dict, option: str) -> dict:
    for key, item in value.items():
        if not isinstance(item, str):
            raise InputError(f"{option}.{key}", f"must be a string (quote numbers and booleans), got {item!r}")
    return dict(value)


def _check_empty_object(value: dict, option: str) -> dict:
    if value:
        raise InputError(option, f"takes no fields, set it to {{}}; got {value!r}")
    return {}


CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "url": _check_url,
    "hex": _check_hex,
    "e164": normalize_recipient,
    "rfc3339": _check_rfc3339,
    "iso4217": _check_currency,
    "integer": _check_integer,
    "string_map": _check_string_map,
    "empty_object": _check_empty_object,
}


def build_omnimessage(to: str, channel_messages: list[dict], time_to_send: str | None, extras: dict) -> dict:
    """Assemble one Omnimessage body; ``extras`` holds dlr_url/text_store/priority when the user set them.

    Without ``time_to_send`` (``time_to_send: now``) Messente sends the message at once.
    """
    body: dict[str, Any] = {"to": to, "messages": channel_messages}
    if time_to_send is not None:
        body["time_to_send"] = time_to_send
    body.update({key: value for key, value in extras.items() if value is not None})
    return body

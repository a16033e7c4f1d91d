# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Check user input and build the Omnimessage JSON bodies Messente expects.

PRIVATE to the messente.omnichannel collection: not a public API, it may change in any release.

Everything here runs before the first HTTP request, so a bad value never reaches Messente and
never costs money. Messente's own schema is lax (see docs/api-behaviour.md); where its
documentation is silent we refuse the doubtful value rather than guess.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Iterable
from urllib.parse import urlsplit

CHANNELS = ("sms", "viber", "whatsapp", "rcs")
TEXT_STORE_CHOICES = ("nostore", "plaintext", "sha256")
PRIORITY_CHOICES = ("low", "regular", "high")
AUTOCONVERT_CHOICES = ("full", "on", "off")
# Messente's schema enum is full/true/false while its prose says full/on/off; we take the prose
# words and send the schema values, which is the only mapping both sources allow.
AUTOCONVERT_WIRE = {"full": "full", "on": "true", "off": "false"}
RCS_TEXT_LIMIT = 3072

# Fields each channel accepts besides the common channel/sender/validity/ttl/text.
CHANNEL_FIELDS = {
    "sms": ("autoconvert", "udh"),
    "viber": ("image_url", "button_url", "button_text"),
    "whatsapp": (),
    "rcs": (),
}
CHANNEL_SPECIFIC_FIELDS = tuple(sorted({field for fields in CHANNEL_FIELDS.values() for field in fields}))

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_PHONE_PUNCTUATION = re.compile(r"[\s\-.()]")
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})+$")


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
    if not messages:
        messages = [{"channel": "sms"}]
    seen: dict[str, int] = {}
    built = []
    for index, message in enumerate(messages):
        option = f"messages[{index}]"
        channel = message.get("channel")
        if channel in seen:
            raise InputError(f"{option}.channel", f"{channel} is already used by messages[{seen[channel]}]; each channel may appear once in the chain")
        seen[channel] = index
        built.append(_build_channel_message(message, text, sender, option))
    return built


def _build_channel_message(message: dict, default_text: str | None, default_sender: str | None, option: str) -> dict:
    channel = message.get("channel")
    if channel not in CHANNELS:
        raise InputError(f"{option}.channel", f"must be one of {', '.join(CHANNELS)}, got {channel!r}")
    _refuse_foreign_fields(message, channel, option)
    text = _pick_text(message.get("text"), default_text, option)
    sender = _pick_sender(message.get("sender"), default_sender, option)
    body: dict[str, Any] = {"channel": channel}
    if sender is not None:
        body["sender"] = sender
    body.update(_fallback_timing(message, option))
    body.update(_CHANNEL_BUILDERS[channel](message, text, option))
    if channel == "rcs" and "sender" not in body:
        raise InputError(f"{option}.sender", "is required for the rcs channel (set it here or with the top-level sender option)")
    return body


def _refuse_foreign_fields(message: dict, channel: str, option: str) -> None:
    for field in CHANNEL_SPECIFIC_FIELDS:
        if message.get(field) is not None and field not in CHANNEL_FIELDS[channel]:
            raise InputError(f"{option}.{field}", f"is not a {channel} field; it only applies to {_channels_with(field)}")


def _channels_with(field: str) -> str:
    return ", ".join(channel for channel, fields in CHANNEL_FIELDS.items() if field in fields)


def _pick_text(own: str | None, default: str | None, option: str) -> str | None:
    text = own if own is not None else default
    if text is not None and not text.strip():
        raise InputError(f"{option}.text" if own is not None else "text", "must not be empty or only whitespace")
    return text


def _pick_sender(own: str | None, default: str | None, option: str) -> str | None:
    sender = own if own is not None else default
    if sender is not None and not sender.strip():
        raise InputError(f"{option}.sender" if own is not None else "sender", "must not be empty; leave it out to use the account's default sender")
    return sender


def _fallback_timing(message: dict, option: str) -> dict:
    validity, ttl = message.get("validity"), message.get("ttl")
    if validity is not None and ttl is not None:
        raise InputError(option, "set validity (minutes) or ttl (seconds), not both; Messente accepts only one of them")
    for name, value in (("validity", validity), ("ttl", ttl)):
        if value is not None:
            return {name: check_minimum(value, 1, f"{option}.{name}")}
    return {}


def _require_text(text: str | None, channel: str, option: str) -> str:
    if text is None:
        raise InputError(f"{option}.text", f"is required for the {channel} channel (set it here or with the top-level text option)")
    return text


def _sms_fields(message: dict, text: str | None, option: str) -> dict:
    body: dict[str, Any] = {"text": _require_text(text, "sms", option)}
    if message.get("autoconvert") is not None:
        body["autoconvert"] = AUTOCONVERT_WIRE[message["autoconvert"]]
    udh = message.get("udh")
    if udh is not None:
        if not _HEX.match(udh):
            raise InputError(f"{option}.udh", f"must be hex-encoded bytes such as 050003CC0201, got {udh!r}")
        body["udh"] = udh
    return body


def _viber_fields(message: dict, text: str | None, option: str) -> dict:
    body: dict[str, Any] = {}
    if text is not None:
        body["text"] = text
    if message.get("image_url") is not None:
        body["image_url"] = check_http_url(message["image_url"], f"{option}.image_url")
    if (message.get("button_url") is None) != (message.get("button_text") is None):
        raise InputError(option, "button_url and button_text go together: set both or neither")
    if message.get("button_url") is not None:
        if text is None:
            raise InputError(f"{option}.text", "is required when a viber button is set")
        body["button_url"] = check_http_url(message["button_url"], f"{option}.button_url")
        body["button_text"] = message["button_text"]
    if not body:
        raise InputError(option, "a viber message needs text, image_url, or both")
    return body


def _whatsapp_fields(message: dict, text: str | None, option: str) -> dict:
    return {"text": {"body": _require_text(text, "whatsapp", option)}}


def _rcs_fields(message: dict, text: str | None, option: str) -> dict:
    text = _require_text(text, "rcs", option)
    if len(text) > RCS_TEXT_LIMIT:
        raise InputError(f"{option}.text", f"is {len(text)} characters; rcs allows at most {RCS_TEXT_LIMIT}")
    return {"text": text}


_CHANNEL_BUILDERS = {"sms": _sms_fields, "viber": _viber_fields, "whatsapp": _whatsapp_fields, "rcs": _rcs_fields}


def build_omnimessage(to: str, channel_messages: list[dict], time_to_send: str, extras: dict) -> dict:
    """Assemble one Omnimessage body; ``extras`` holds dlr_url/text_store/priority when the user set them."""
    body: dict[str, Any] = {"to": to, "messages": channel_messages, "time_to_send": time_to_send}
    body.update({key: value for key, value in extras.items() if value is not None})
    return body

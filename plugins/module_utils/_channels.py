# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The one table of channel fields: what each Messente channel carries, named and nested as SDK 2.7.0 names it.

PRIVATE to the messente.omnichannel collection: not a public API, it may change in any release.

Three things are derived from this table and from nothing else, so that a field can never be documented but
dropped, or sent but undocumented: the argument spec of ``messages`` (``message_argument_spec``), its documentation
(the ``messente.omnichannel.channels`` doc fragment) and the request body (the walk in ``_omnimessage``).
Names, nesting and enum values are those of Messente's SDK models (OpenAPI document 2.1.0), unchanged.

A channel is a ``Model`` (the SDK class it mirrors, its fields and the rules tying them together). The user sees
one ``messages`` entry for every channel, so the argument spec is the union of the four channel models by name:
``video`` holds the WhatsApp and the Viber video fields side by side, and the builder refuses a field set on a
channel whose model lacks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterator, Mapping

CHANNELS = ("sms", "viber", "whatsapp", "rcs")
URL_MAX_LENGTH = 2048
# Messente's older reference limits Viber text to 1000 characters; the current schema is silent, so the stricter holds.
VIBER_TEXT_MAX_LENGTH = 1000
# "Cannot be larger than 200MB": read as decimal megabytes, the smaller (stricter) reading.
VIBER_VIDEO_MAX_BYTES = 200 * 1000 * 1000
VIBER_VIDEO_MAX_SECONDS = 600

# What the named format checks of ``Field.check`` accept; ``_omnimessage.CHECKS`` implements each of them.
CHECK_NOTES = {
    "url": "An absolute C(http://) or C(https://) URL.",
    "hex": "Hex-encoded bytes, such as V(050003CC0201).",
    "e164": "A phone number in E.164 format, such as V(+37251234567); spaces, dashes, dots and parentheses are removed.",
    "rfc3339": "An RFC 3339 date-time with an explicit offset, such as V(2030-06-22T09:00:00Z) or V(2030-06-22T12:00:00+03:00).",
    "iso4217": "An ISO 4217 currency code of three capital letters, such as V(EUR).",
    "integer": "A whole number written as a string, such as V('100990').",
    "string_map": "A mapping of parameter names to string values; numbers and booleans must be quoted.",
    "empty_object": "Always the empty mapping V({}); the action has no fields.",
}

RefMaker = Callable[[str], str]
_RFC3339 = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$")


def parse_rfc3339(value: Any) -> datetime | None:
    """An RFC 3339 date-time with its offset as an aware datetime, or None; stdlib only, as on Python 3.8."""
    match = _RFC3339.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    date, time, fraction, offset = match.groups()
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        return datetime.fromisoformat(f"{date}T{time}.{(fraction or '0')[:6].ljust(6, '0')}{offset}")
    except ValueError:
        return None


def format_number(value: float) -> str:
    """A limit as people write it: 200000000 and -90, not 2e+08 and -90.0."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _names(names: tuple[str, ...], joiner: str) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {joiner} {names[-1]}"


def _refs(ref: RefMaker, names: tuple[str, ...], joiner: str) -> str:
    return _names(tuple(ref(name) for name in names), joiner)


def _present(value: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in names if value.get(name) is not None)


class Rule:
    """A rule tying fields of one object together: ``_omnimessage`` checks it, the docs state it.

    Every rule has ``names``, the fields it speaks about (a dataclass field or a property).
    """

    def violation(self, value: Mapping[str, Any]) -> tuple[str | None, str] | None:
        """None when ``value`` keeps the rule; else (the field to blame or None for the object, the reason)."""
        raise NotImplementedError

    def describe(self, ref: RefMaker) -> str:
        """One sentence for the docs; ``ref`` turns a field name into its O() markup."""
        raise NotImplementedError


@dataclass(frozen=True)
class ExactlyOne(Rule):
    names: tuple[str, ...]

    def violation(self, value: Mapping[str, Any]) -> tuple[str | None, str] | None:
        present = _present(value, self.names)
        if len(present) == 1:
            return None
        return None, f"needs exactly one of {_names(self.names, 'or')}, got {_names(present, 'and') if present else 'none'}"

    def describe(self, ref: RefMaker) -> str:
        return f"Exactly one of {_refs(ref, self.names, 'or')} must be set."


@dataclass(frozen=True)
class AtLeastOne(Rule):
    names: tuple[str, ...]

    def violation(self, value: Mapping[str, Any]) -> tuple[str | None, str] | None:
        return None if _present(value, self.names) else (None, f"needs at least one of {_names(self.names, 'or')}, got none")

    def describe(self, ref: RefMaker) -> str:
        return f"At least one of {_refs(ref, self.names, 'or')} must be set."


@dataclass(frozen=True)
class AtMostOne(Rule):
    names: tuple[str, ...]
    message: str

    def violation(self, value: Mapping[str, Any]) -> tuple[str | None, str] | None:
        return (None, self.message) if len(_present(value, self.names)) > 1 else None

    def describe(self, ref: RefMaker) -> str:
        return f"{_refs(ref, self.names, 'and')} are mutually exclusive."


@dataclass(frozen=True)
class Requires(Rule):
    """``name`` may only be set together with ``other`` (with ``other`` equal to ``value``, when given)."""

    name: str
    other: str
    value: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, self.other)

    def violation(self, value: Mapping[str, Any]) -> tuple[str | None, str] | None:
        if value.get(self.name) is None:
            return None
        found = value.get(self.other)
        if found is None or (self.value is not None and found != self.value):
            wanted = self.other if self.value is None else f"{self.other}: {self.value}"
            return self.name, f"needs {wanted}, got {self.other}: {'null' if found is None else found}"
        return None

    def describe(self, ref: RefMaker) -> str:
        other = ref(self.other if self.value is None else f"{self.other}={self.value}")
        return f"{ref(self.name)} needs {other}."


@dataclass(frozen=True)
class NeededWhen(Rule):
    """With ``field`` equal to ``value`` every one of ``needed`` is required; with any other value none may be set."""

    field: str
    value: str
    needed: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.field, *self.needed)

    def violation(self, value: Mapping[str, Any]) -> tuple[str | None, str] | None:
        present = _present(value, self.needed)
        if value.get(self.field) == self.value:
            missing = tuple(name for name in self.needed if name not in present)
            return (missing[0], f"is required with {self.field}: {self.value}") if missing else None
        if present:
            return present[0], f"applies only with {self.field}: {self.value}, got {self.field}: {value.get(self.field)}"
        return None

    def describe(self, ref: RefMaker) -> str:
        return (f"With {ref(f'{self.field}={self.value}')}, {_refs(ref, self.needed, 'and')} "
                f"{'are' if len(self.needed) > 1 else 'is'} required; otherwise {'they' if len(self.needed) > 1 else 'it'} must not be set.")


@dataclass(frozen=True)
class Selects(Rule):
    """``field`` names the one field that carries the value: that field must be set, and no other of ``names``."""

    field: str
    choices: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.field, *self.choices)

    def violation(self, value: Mapping[str, Any]) -> tuple[str | None, str] | None:
        chosen = value.get(self.field)
        if chosen not in self.choices:
            return None  # a missing or unknown type is the field's own error
        if value.get(chosen) is None:
            return chosen, f"is required with {self.field}: {chosen}"
        others = tuple(name for name in _present(value, self.choices) if name != chosen)
        return (others[0], f"does not go with {self.field}: {chosen}; set only {chosen}") if others else None

    def describe(self, ref: RefMaker) -> str:
        example = f"{ref(f'{self.field}=text')} needs {ref('text')}"
        return f"{ref(self.field)} names the one field that carries the value, for example {example}; no other of those may be set."


@dataclass(frozen=True)
class Refuses(Rule):
    """A field the model has but that this use of the model must not carry."""

    name: str
    reason: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name,)

    def violation(self, value: Mapping[str, Any]) -> tuple[str | None, str] | None:
        return (self.name, self.reason) if value.get(self.name) is not None else None

    def describe(self, ref: RefMaker) -> str:
        return f"{ref(self.name)} must not be set here: it {self.reason}."


@dataclass(frozen=True)
class Ordered(Rule):
    """Two RFC 3339 date-times where the second must come after the first."""

    first: str
    second: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.first, self.second)

    def violation(self, value: Mapping[str, Any]) -> tuple[str | None, str] | None:
        first, second = parse_rfc3339(value.get(self.first)), parse_rfc3339(value.get(self.second))
        if first is None or second is None or second > first:
            return None  # a missing or malformed date-time is its own field's error
        return self.second, f"must be later than {self.first} ({value.get(self.first)}), got {value.get(self.second)}"

    def describe(self, ref: RefMaker) -> str:
        return f"{ref(self.second)} must be later than {ref(self.first)}."


@dataclass(frozen=True)
class Combinations(Rule):
    """The content fields set must be exactly one of the allowed sets (Viber's list of content combinations)."""

    names: tuple[str, ...]
    allowed: tuple[tuple[str, ...], ...]
    channel: str

    def violation(self, value: Mapping[str, Any]) -> tuple[str | None, str] | None:
        present = set(_present(value, self.names))
        if any(present == set(combination) for combination in self.allowed):
            return None
        got = " + ".join(name for name in self.names if name in present) or "nothing"
        listed = " | ".join(" + ".join(combination) for combination in self.allowed)
        return None, f"a {self.channel} message carries one of these combinations: {listed}; got {got}"

    def describe(self, ref: RefMaker) -> str:
        listed = "; ".join(_refs(ref, combination, "and") for combination in self.allowed)
        return f"The content is exactly one of these combinations: {listed}."


@dataclass(frozen=True)
class Field:
    """One option, as the SDK model names it; ``model`` describes the object a dict (or each list element) holds."""

    name: str
    type: str = "str"
    description: tuple[str, ...] = ()
    required: bool = False
    choices: tuple[str, ...] = ()
    model: Model | None = None
    min_length: int | None = None  # characters of a string, items of a list
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    check: str | None = None  # a named format check, see CHECK_NOTES
    wire: tuple[str, ...] = ()  # where the value goes in the body, relative to the object; default (name,)
    wire_values: Mapping[str, str] | None = None  # option value -> value sent
    default_from: str | None = None  # the top-level option that fills this field in
    noun: str = "items"  # what the elements of a list are called in messages

    @property
    def path(self) -> tuple[str, ...]:
        return self.wire or (self.name,)

    @property
    def is_list(self) -> bool:
        return self.type == "list"


@dataclass(frozen=True)
class Model:
    """An SDK object: the class it mirrors, its fields in the model's order and the rules tying them together."""

    sdk_name: str
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = field(default=())

    def get(self, name: str) -> Field | None:
        return next((item for item in self.fields if item.name == name), None)


def _url(name: str, *description: str, required: bool = False) -> Field:
    return Field(name, description=description, required=required, check="url", max_length=URL_MAX_LENGTH)


# ---------------------------------------------------------------------------------------------------------------------
# Fields every channel has.

CHANNEL = Field("channel", description=("Channel of this entry.",), required=True, choices=CHANNELS)
SENDER = Field("sender", description=("Sender name or phone number for this channel. Senders must be approved by Messente.",),
               default_from="sender")
VALIDITY = Field("validity", "int", ("Minutes to wait for this channel before Messente tries the next one.",), minimum=1)
TTL = Field("ttl", "int", ("Seconds to wait for this channel before Messente tries the next one.",), minimum=1)
TIMING = AtMostOne(("validity", "ttl"), "set validity (minutes) or ttl (seconds), not both; Messente accepts only one of them")
TEXT_DESCRIPTION = ("Text for this channel.",)

# ---------------------------------------------------------------------------------------------------------------------
# SMS (SDK model SMS).

SMS = Model("SMS", (
    CHANNEL,
    Field("text", description=TEXT_DESCRIPTION, required=True, default_from="text"),
    SENDER, VALIDITY, TTL,
    Field("autoconvert", description=(
        "How characters outside the GSM alphabet are handled. V(on) replaces them as set in the account's API auto-replace"
        " settings, V(full) replaces every non-GSM character with a similar one, V(off) sends the text unchanged.",
    ), choices=("full", "on", "off"), wire_values={"full": "full", "on": "true", "off": "false"}),
    Field("udh", description=("User data header of the SMS.",), check="hex"),
), (TIMING,))

# ---------------------------------------------------------------------------------------------------------------------
# Viber (SDK models Viber, ViberVideo, ViberTemplate, ViberCarousel, ViberCarouselItem, ViberCarouselButton).

VIBER_BUTTON = Model("ViberCarouselButton", (
    Field("label", description=("Label of the button.",), required=True, min_length=1),
    _url("action_url", "URL opened when the button is pressed.", required=True),
))
VIBER_VIDEO = Model("ViberVideo", (
    _url("url", "URL of the video file.", required=True),
    _url("thumbnail", "URL of the image shown before the video plays.", required=True),
    Field("file_size", "int", ("Size of the video file in bytes (200 MB at most).",), required=True, minimum=1,
          maximum=VIBER_VIDEO_MAX_BYTES),
    Field("duration", "int", ("Length of the video in seconds.",), required=True, minimum=1, maximum=VIBER_VIDEO_MAX_SECONDS),
))
VIBER_TEMPLATE = Model("ViberTemplate", (
    Field("id", description=("Id of the Viber template.",), required=True),
    Field("lang", description=("Language code of the template.",), required=True),
    Field("params", "dict", ("Values of the template's parameters, by parameter name.",), check="string_map"),
))
VIBER_CAROUSEL_ITEM = Model("ViberCarouselItem", (
    Field("title", description=("Title of the item.",), required=True, min_length=2, max_length=38),
    _url("image_url", "URL of the item's image.", required=True),
    Field("primary_button", "dict", ("The item's main button.",), required=True, model=VIBER_BUTTON),
    Field("secondary_button", "dict", ("A second button.",), model=VIBER_BUTTON),
))
VIBER_CAROUSEL = Model("ViberCarousel", (
    Field("items", "list", ("The items of the carousel.",), required=True, model=VIBER_CAROUSEL_ITEM, min_length=2, max_length=5),
))
VIBER_CONTENT = ("text", "image_url", "button_text", "button_url", "video", "carousel", "template")
VIBER_COMBINATIONS = (
    ("image_url",), ("text",), ("text", "button_text", "button_url"), ("text", "image_url", "button_text", "button_url"),
    ("video",), ("video", "text"), ("video", "text", "button_text"), ("video", "text", "button_text", "button_url"),
    ("carousel", "text"), ("template",),
)
VIBER = Model("Viber", (
    CHANNEL,
    Field("text", description=TEXT_DESCRIPTION, max_length=VIBER_TEXT_MAX_LENGTH, default_from="text"),
    SENDER, VALIDITY, TTL,
    _url("image_url", "URL of an image to send."),
    _url("button_url", "URL opened by the button."),
    Field("button_text", description=("Label of the button.",)),
    Field("video", "dict", ("A video with its thumbnail.",), model=VIBER_VIDEO),
    Field("template", "dict", ("A message from an approved Viber template; it is sent on its own, without other content.",),
          model=VIBER_TEMPLATE),
    Field("carousel", "dict", ("A carousel of 2 to 5 items, each with a title, an image and buttons; it needs a text.",),
          model=VIBER_CAROUSEL),
), (TIMING, Combinations(VIBER_CONTENT, VIBER_COMBINATIONS, "viber")))

# ---------------------------------------------------------------------------------------------------------------------
# WhatsApp (SDK models WhatsApp, WhatsAppText, WhatsAppImage/Video/Audio/Document/Sticker, WhatsAppTemplate,
# WhatsAppLanguage, WhatsAppComponent, WhatsAppParameter, WhatsAppCurrency, WhatsAppDatetime, WhatsAppMedia).

MEDIA_ID = Field("id", description=("Id of media uploaded to WhatsApp.",))
MEDIA_LINK = _url("link", "Link to the media file.")
MEDIA_MIME_TYPE = Field("mime_type", description=("MIME type of the file.",))
MEDIA_CAPTION = Field("caption", description=("Caption shown with the media.",))
ID_OR_LINK = ExactlyOne(("id", "link"))


def _whatsapp_media(sdk_name: str, *extra: Field) -> Model:
    return Model(sdk_name, (MEDIA_ID, MEDIA_LINK, *extra, MEDIA_MIME_TYPE), (ID_OR_LINK,))


PARAMETER_MEDIA_FIELDS = (MEDIA_ID, MEDIA_LINK, MEDIA_CAPTION, Field("filename", description=("File name of a document.",)))
PARAMETER_DOCUMENT = Model("WhatsAppMedia", PARAMETER_MEDIA_FIELDS, (ID_OR_LINK,))
PARAMETER_VISUAL = Model("WhatsAppMedia", PARAMETER_MEDIA_FIELDS, (ID_OR_LINK, Refuses("filename", "is only for document media")))
PARAMETER_KINDS = ("text", "currency", "date_time", "image", "document", "video", "coupon_code", "payload")
WHATSAPP_PARAMETER = Model("WhatsAppParameter", (
    Field("type", description=("Kind of the parameter: the name of the field below that carries its value.",), required=True,
          choices=PARAMETER_KINDS),
    Field("text", description=("Text of a V(text) parameter.",)),
    Field("currency", "dict", ("Amount of a V(currency) parameter.",), model=Model("WhatsAppCurrency", (
        Field("fallback_value", description=("Text shown when the amount cannot be localized.",), required=True),
        Field("code", description=("Currency code.",), required=True, check="iso4217"),
        Field("amount_1000", description=("The amount multiplied by 1000.",), required=True, check="integer"),
    ))),
    Field("date_time", "dict", ("Date and time of a V(date_time) parameter.",), model=Model("WhatsAppDatetime", (
        Field("fallback_value", description=("The date and time as text.",), required=True),
    ))),
    Field("image", "dict", ("Image of an V(image) parameter, usually in a header.",), model=PARAMETER_VISUAL),
    Field("document", "dict", ("Document of a V(document) parameter, usually in a header.",), model=PARAMETER_DOCUMENT),
    Field("video", "dict", ("Video of a V(video) parameter, usually in a header.",), model=PARAMETER_VISUAL),
    Field("coupon_code", description=("Code of a V(coupon_code) parameter, for a copy-code button.",)),
    Field("payload", description=("Data of a V(payload) parameter, returned when a quick-reply button is pressed.",)),
), (Selects("type", PARAMETER_KINDS),))
WHATSAPP_COMPONENT = Model("WhatsAppComponent", (
    Field("type", description=("Part of the template the parameters fill, such as V(header), V(body) or V(button).",),
          required=True),
    Field("sub_type", description=("Kind of button, such as V(quick_reply), V(url) or V(copy_code).",)),
    Field("index", "int", ("Position of the button in the template, from 0.",), minimum=0),
    Field("parameters", "list", ("Values for the placeholders of this part, in order.",), model=WHATSAPP_PARAMETER,
          noun="parameters"),
), (NeededWhen("type", "button", ("sub_type", "index")),))
WHATSAPP_TEMPLATE = Model("WhatsAppTemplate", (
    Field("name", description=("Name of the approved WhatsApp template.",), required=True),
    Field("language", "dict", ("Language of the template.",), required=True, model=Model("WhatsAppLanguage", (
        Field("code", description=("Language code of the template, such as V(en) or V(en_US).",), required=True),
        Field("policy", description=("Language policy, such as V(deterministic).",)),
    ))),
    Field("components", "list", ("Parameters of the template's parts; an empty list for a template without placeholders.",),
          required=True, model=WHATSAPP_COMPONENT, noun="components"),
))
WHATSAPP_CONTENT = ("text", "template", "image", "video", "audio", "document", "sticker")
WHATSAPP = Model("WhatsApp", (
    CHANNEL,
    Field("text", description=TEXT_DESCRIPTION, wire=("text", "body"), default_from="text"),
    Field("preview_url", "bool", ("Whether WhatsApp shows a preview of the first link in the text; Messente's default is V(true).",),
          wire=("text", "preview_url")),
    SENDER, VALIDITY, TTL,
    Field("template", "dict", ("A message from an approved WhatsApp template, the only kind WhatsApp delivers outside the"
                               " 24-hour customer-care window.",), model=WHATSAPP_TEMPLATE),
    Field("image", "dict", ("An image.",), model=_whatsapp_media("WhatsAppImage", MEDIA_CAPTION)),
    Field("video", "dict", ("A video, by media id or link.",), model=_whatsapp_media("WhatsAppVideo", MEDIA_CAPTION)),
    Field("audio", "dict", ("An audio file.",), model=_whatsapp_media("WhatsAppAudio")),
    Field("document", "dict", ("A document.",), model=_whatsapp_media(
        "WhatsAppDocument", MEDIA_CAPTION, Field("file_name", description=("File name shown to the recipient.",)))),
    Field("sticker", "dict", ("A sticker.",), model=_whatsapp_media(
        "WhatsAppSticker", Field("animated", "bool", ("Whether the sticker is animated.",)))),
), (TIMING, ExactlyOne(WHATSAPP_CONTENT), Requires("preview_url", "text")))

# ---------------------------------------------------------------------------------------------------------------------
# RCS (SDK models Rcs, RcsRichCard, RcsStandaloneCard, RcsCarouselCard, RcsCardContent, RcsMedia, RcsContentInfo,
# RcsSuggestion, RcsSuggestedReply, RcsSuggestedAction and the action models).

RCS_CONTENT_INFO = Model("RcsContentInfo", (
    _url("file_url", "URL of the media file.", required=True),
    _url("thumbnail_url", "URL of a thumbnail of the file."),
    Field("force_refresh", "bool", ("Whether Messente fetches the file again instead of using a cached copy.",), required=True),
))
POSTBACK = Field("postback_data", description=("Data sent back to you when the recipient taps it.",), required=True, max_length=2048)
RCS_REPLY = Model("RcsSuggestedReply", (
    Field("text", description=("Text of the reply chip.",), required=True, max_length=25),
    POSTBACK,
))
RCS_ACTIONS = ("dial_action", "view_location_action", "create_calendar_event_action", "open_url_action", "share_location_action")
RCS_ACTION = Model("RcsSuggestedAction", (
    Field("text", description=("Text of the action chip.",), required=True, max_length=25),
    POSTBACK,
    _url("fallback_url", "URL opened where the action is not supported."),
    Field("dial_action", "dict", ("Call a phone number.",), model=Model("RcsDialAction", (
        Field("phone_number", description=("The number to call.",), required=True, check="e164"),
    ))),
    Field("view_location_action", "dict", ("Show a place on a map, by coordinates or by a search query.",),
          model=Model("RcsViewLocationAction", (
              Field("lat_long", "dict", ("Coordinates of the place.",), model=Model("RcsLatLng", (
                  Field("latitude", "float", ("Latitude in degrees.",), required=True, minimum=-90, maximum=90),
                  Field("longitude", "float", ("Longitude in degrees.",), required=True, minimum=-180, maximum=180),
              ))),
              Field("label", description=("Label of the pin at the coordinates.",)),
              Field("query", description=("A search for places around the recipient, such as a business name or an address.",)),
          ), (ExactlyOne(("lat_long", "query")), Requires("label", "lat_long")))),
    Field("create_calendar_event_action", "dict", ("Add an event to the recipient's calendar.",),
          model=Model("RcsCreateCalendarEventAction", (
              Field("start_time", description=("Start of the event.",), required=True, check="rfc3339"),
              Field("end_time", description=("End of the event.",), required=True, check="rfc3339"),
              Field("title", description=("Title of the event.",), required=True, max_length=100),
              Field("description", description=("Description of the event.",), required=True, max_length=500),
          ), (Ordered("start_time", "end_time"),))),
    Field("open_url_action", "dict", ("Open a web page.",), model=Model("RcsOpenUrlAction", (
        _url("url", "The page to open.", required=True),
        Field("description", description=("What the page is, for accessibility.",)),
        Field("application", description=("Open the page in the browser or in a webview inside the messaging app.",),
              required=True, choices=("BROWSER", "WEBVIEW")),
        Field("webview_view_mode", description=("How much of the screen the webview covers.",), choices=("FULL", "HALF", "TALL")),
    ), (NeededWhen("application", "WEBVIEW", ("webview_view_mode",)),))),
    Field("share_location_action", "dict", ("Ask the recipient to share their location.",), check="empty_object"),
), (ExactlyOne(RCS_ACTIONS),))
RCS_SUGGESTION = Model("RcsSuggestion", (
    Field("reply", "dict", ("A suggested reply.",), model=RCS_REPLY),
    Field("action", "dict", ("A suggested action.",), model=RCS_ACTION),
), (ExactlyOne(("reply", "action")),))
RCS_CARD_CONTENT = Model("RcsCardContent", (
    Field("title", description=("Title of the card.",), max_length=200),
    Field("description", description=("Text of the card.",), max_length=2000),
    Field("media", "dict", ("Image or video at the top of the card.",), model=Model("RcsMedia", (
        Field("height", description=("Height of the media.",), required=True, choices=("SHORT", "MEDIUM", "TALL")),
        Field("content_info", "dict", ("The media file.",), required=True, model=RCS_CONTENT_INFO),
    ))),
    Field("suggestions", "list", ("Suggestion chips on the card.",), model=RCS_SUGGESTION, max_length=4, noun="suggestions"),
), (AtLeastOne(("title", "description", "media")),))
RCS_RICH_CARD = Model("RcsRichCard", (
    Field("standalone_card", "dict", ("A single card.",), model=Model("RcsStandaloneCard", (
        Field("card_orientation", description=("Layout of the card.",), required=True, choices=("VERTICAL", "HORIZONTAL")),
        Field("thumbnail_image_alignment", description=("Side of the image in a horizontal card.",), required=True,
              choices=("LEFT", "RIGHT")),
        Field("card_content", "dict", ("What the card shows.",), required=True, model=RCS_CARD_CONTENT),
    ))),
    Field("carousel_card", "dict", ("A carousel of cards the recipient scrolls through.",), model=Model("RcsCarouselCard", (
        Field("card_width", description=("Width of the cards.",), required=True, choices=("SMALL", "MEDIUM")),
        Field("card_contents", "list", ("The cards, in order.",), required=True, model=RCS_CARD_CONTENT, min_length=2,
              max_length=10, noun="cards"),
    ))),
), (ExactlyOne(("standalone_card", "carousel_card")),))
RCS_CONTENT = ("text", "content_info", "rich_card")
RCS = Model("Rcs", (
    CHANNEL,
    Field("sender", description=SENDER.description, required=True, default_from="sender"),
    VALIDITY, TTL,
    Field("text", description=TEXT_DESCRIPTION, max_length=3072, default_from="text"),
    Field("suggestions", "list", ("Suggestion chips shown under the message.",), model=RCS_SUGGESTION, max_length=11,
          noun="suggestions"),
    Field("rich_card", "dict", ("A rich card: one card, or a carousel of cards.",), model=RCS_RICH_CARD),
    Field("content_info", "dict", ("A media file sent on its own.",), model=RCS_CONTENT_INFO),
), (TIMING, ExactlyOne(RCS_CONTENT)))

CHANNEL_MODELS = {"sms": SMS, "viber": VIBER, "whatsapp": WHATSAPP, "rcs": RCS}
# The messages suboptions of the first release; every other one was added in FIELDS_ADDED_IN.
FIRST_RELEASE_FIELDS = ("channel", "text", "sender", "validity", "ttl", "autoconvert", "udh", "image_url", "button_url", "button_text")
FIELDS_ADDED_IN = "1.1.0"

MESSAGES_DESCRIPTION = (
    "The channels to try, in order. Each channel may appear once. Messente tries the next entry when one fails or its"
    " O(messages[].validity) or O(messages[].ttl) runs out.",
    "If not set, one SMS is sent with O(text) and O(sender).",
    "Every suboption is named and nested exactly as in Messente's API, so Messente's own documentation and examples"
    " translate one to one. A suboption set on a channel that does not have it fails the task.",
    "O(text) fills in O(messages[].text) of every entry that has none of its own, where that entry's content allows a"
    " text: not for a WhatsApp template or media message, an RCS rich card or file, a Viber template, or a Viber image"
    " without a button.",
)


# ---------------------------------------------------------------------------------------------------------------------
# The union of the channel models, as the user sees it.

@dataclass(frozen=True)
class Variant:
    """One channel's definition of a field at one place of the merged option tree."""

    channel: str
    field: Field


def merge(variants: list[Variant]) -> dict[str, list[Variant]]:
    """The sub-fields of objects held by ``variants`` (or the channel models themselves), by name, in first-seen order."""
    merged: dict[str, list[Variant]] = {}
    for variant in variants:
        model = variant.field.model
        for item in model.fields if model else ():
            merged.setdefault(item.name, []).append(Variant(variant.channel, item))
    return merged


def channel_variants() -> list[Variant]:
    """The four channel models as variants of one list-of-dicts field, the root of the merged tree."""
    return [Variant(channel, Field("messages", "list", model=model)) for channel, model in CHANNEL_MODELS.items()]


def argspec_required(variants: list[Variant], parents: list[Variant]) -> bool:
    """Ansible may enforce ``required`` only where it holds on every channel that has the parent object."""
    return len(variants) == len(parents) and all(variant.field.required for variant in variants)


def message_argument_spec() -> dict[str, dict[str, Any]]:
    """The ``options`` of the ``messages`` option, derived from the table."""
    return _options_spec(channel_variants())


def _options_spec(parents: list[Variant]) -> dict[str, dict[str, Any]]:
    return {name: _option_spec(variants, parents) for name, variants in merge(parents).items()}


def _option_spec(variants: list[Variant], parents: list[Variant]) -> dict[str, Any]:
    first = variants[0].field
    spec: dict[str, Any] = {"type": first.type}
    if argspec_required(variants, parents):
        spec["required"] = True
    if first.choices:
        spec["choices"] = list(first.choices)
    if first.is_list:
        spec["elements"] = "dict"
    if first.model is not None:
        spec["options"] = _options_spec(variants)
    return spec


def walk(model: Model, trail: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Field]]:
    """Every field under ``model`` with its option path (list elements add no step), depth first."""
    for item in model.fields:
        path = trail + (item.name,)
        yield path, item
        if item.model is not None:
            yield from walk(item.model, path)


def channels_with(trail: tuple[str, ...]) -> tuple[str, ...]:
    """The channels whose model has a field at this option path, for messages that name where a field belongs."""
    return tuple(channel for channel, model in CHANNEL_MODELS.items() if any(path == trail for path, _field in walk(model)))

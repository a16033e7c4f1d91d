# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
"""Content rules of the Viber, WhatsApp and RCS channels that Messente documents but its SDK models do not enforce.

Why: the SDK 2.7.0 models check types, required fields, enums and most lengths, but they accept a Viber text with an
image and no button, a WhatsApp message with both text and an image, an RCS message with text and a rich card, and
media with both `id` and `link`.  These checks run after the SDK has accepted the message, so every value already
has the type its model declares; each refusal names the exact field path.  The choices are listed in README.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox_http import field, invalid, missing

VIBER_CONTENT = ("text", "image_url", "button_text", "button_url", "video", "carousel", "template")
VIBER_VIDEO_MAX_BYTES = 200 * 1024 * 1024
VIBER_VIDEO_MAX_SECONDS = 600
WHATSAPP_CONTENT = ("template", "text", "image", "video", "audio", "document", "sticker")
WHATSAPP_MEDIA = ("image", "video", "audio", "document", "sticker")
WHATSAPP_PARAMETER_VALUES = ("text", "currency", "date_time", "image", "document", "video", "coupon_code", "payload")
WHATSAPP_PARAMETER_MEDIA = ("image", "document", "video")
RCS_CONTENT = ("text", "content_info", "rich_card")
RCS_CARD_CONTENT = ("title", "description", "media")
RCS_ACTIONS = ("dial_action", "view_location_action", "create_calendar_event_action", "open_url_action", "share_location_action")
RCS_URL_MAX = 2048


def given(obj: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    """The names that carry a value; null counts as absent, as it does for the SDK."""
    return [name for name in names if obj.get(name) is not None]


def exactly_one(where: str, obj: dict[str, Any], names: tuple[str, ...]) -> str:
    """The one name given; none is Missing data on the object itself, a second one is Invalid data on that field."""
    found = given(obj, names)
    if not found:
        raise missing(where, f"{where}: needs exactly one of {', '.join(names)}")
    if len(found) > 1:
        raise invalid(field(where, found[1]), f"{where}: only one of {', '.join(names)} may be given, found {found[0]} and {found[1]}")
    return found[0]


def at_most(source: str, value: int, limit: int, unit: str) -> None:
    if value > limit:
        raise invalid(source, f"{source}: at most {limit} {unit}, got {value}")


def at_least_one(source: str, value: int, unit: str) -> None:
    if value < 1:
        raise invalid(source, f"{source}: at least 1 {unit}, got {value}")


# -- Viber -----------------------------------------------------------------------------------------------------
def _viber_exclusive(where: str, found: list[str]) -> bool:
    """A template stands alone and a carousel goes with text only; True when one of them decided the message."""
    for kind, companions in (("template", ()), ("carousel", ("text",))):
        if kind not in found:
            continue
        extra = [name for name in found if name != kind and name not in companions]
        if extra:
            raise invalid(field(where, extra[0]), f"{where}: a Viber {kind} cannot be combined with {extra[0]}")
        if "text" in companions and "text" not in found:
            raise missing(field(where, "text"), f"{where}: a Viber carousel needs text")
        return True
    return False


def _viber_problem(found: set[str]) -> tuple[str, str, bool] | None:
    """(field, reason, is_missing) of the first broken rule among text, image, button and video combinations."""
    if "video" in found and "image_url" in found:
        return "image_url", "a Viber video cannot be combined with image_url", False
    if "button_url" in found and "button_text" not in found:
        return "button_text", "button_url needs button_text", True
    if "button_text" in found and "text" not in found:
        return "text", "button_text needs text", True
    if "video" not in found and "button_text" in found and "button_url" not in found:
        return "button_url", "button_text needs button_url (only a video message may have a button without a URL)", True
    if "video" not in found and {"text", "image_url"} <= found and "button_text" not in found:
        return "image_url", "text and image_url together need button_text and button_url as well", False
    return None


def check_viber(where: str, msg: dict[str, Any]) -> None:
    """Only the combinations the Viber model's description lists, and the video limits it states."""
    found = given(msg, VIBER_CONTENT)
    if not found:
        raise missing(where, f"{where}: a Viber message needs text, image_url, video, carousel or template")
    if not _viber_exclusive(where, found):
        problem = _viber_problem(set(found))
        if problem is not None:
            name, reason, is_missing = problem
            raise (missing if is_missing else invalid)(field(where, name), f"{where}: {reason}")
    if "video" in found:
        video = field(where, "video")
        for name, limit, unit in (("file_size", VIBER_VIDEO_MAX_BYTES, "bytes"), ("duration", VIBER_VIDEO_MAX_SECONDS, "seconds")):
            at_least_one(field(video, name), msg["video"][name], unit)
            at_most(field(video, name), msg["video"][name], limit, unit)


# -- WhatsApp --------------------------------------------------------------------------------------------------
def _id_or_link(where: str, media: dict[str, Any]) -> None:
    """"Either id or link must be provided, but not both"."""
    exactly_one(where, media, ("id", "link"))


def _template_media(where: str, kind: str, media: dict[str, Any]) -> None:
    """WhatsAppMedia of a template parameter: id or link, an HTTP(S) link, and a file name for documents only."""
    _id_or_link(where, media)
    link = media.get("link")
    if link is not None and not link.lower().startswith(("http://", "https://")):
        raise invalid(field(where, "link"), f"{where}.link: must be an http:// or https:// URL")
    if kind != "document" and media.get("filename") is not None:
        raise invalid(field(where, "filename"), f"{where}.filename: only document media has a file name")


def _template_parameter(where: str, parameter: dict[str, Any]) -> None:
    """A parameter's `type` names the one field that carries its value."""
    kind = parameter["type"]
    if kind not in WHATSAPP_PARAMETER_VALUES:
        raise invalid(field(where, "type"), f"{where}.type: must be one of {', '.join(WHATSAPP_PARAMETER_VALUES)}, got {kind!r}")
    if parameter.get(kind) is None:
        raise missing(field(where, kind), f"{where}: a {kind} parameter needs {kind}")
    other = [name for name in given(parameter, WHATSAPP_PARAMETER_VALUES) if name != kind]
    if other:
        raise invalid(field(where, other[0]), f"{where}: a {kind} parameter cannot carry {other[0]}")
    if kind in WHATSAPP_PARAMETER_MEDIA:
        _template_media(field(where, kind), kind, parameter[kind])


def check_whatsapp(where: str, msg: dict[str, Any]) -> None:
    """One kind of content per message (text, template or one medium), media by id or link."""
    kind = exactly_one(where, msg, WHATSAPP_CONTENT)
    if kind in WHATSAPP_MEDIA:
        _id_or_link(field(where, kind), msg[kind])
    elif kind == "template":
        components = field(field(where, "template"), "components")
        for index, component in enumerate(msg["template"]["components"]):
            for number, parameter in enumerate(component.get("parameters") or []):
                _template_parameter(f"{components}[{index}].parameters[{number}]", parameter)


# -- RCS -------------------------------------------------------------------------------------------------------
def _content_info(where: str, info: dict[str, Any]) -> None:
    for name in ("file_url", "thumbnail_url"):
        if info.get(name) is not None:
            at_most(field(where, name), len(info[name]), RCS_URL_MAX, "characters")


def _action(where: str, action: dict[str, Any]) -> None:
    """Exactly one action kind; a share-location action has no fields; a location is a lat_long or a query."""
    kind = exactly_one(where, action, RCS_ACTIONS)
    detail = action[kind]
    if kind == "share_location_action" and detail:
        name = next(iter(detail))
        raise invalid(field(field(where, kind), name), f"{where}.{kind}: takes no fields, got {name!r}")
    if kind == "view_location_action":
        location = field(where, kind)
        if exactly_one(location, detail, ("lat_long", "query")) == "query" and detail.get("label") is not None:
            raise invalid(field(location, "label"), f"{location}.label: goes with lat_long, not with query")


def _suggestions(where: str, suggestions: list[dict[str, Any]] | None) -> None:
    for index, suggestion in enumerate(suggestions or []):
        item = f"{where}[{index}]"
        if exactly_one(item, suggestion, ("reply", "action")) == "action":
            _action(field(item, "action"), suggestion["action"])


def _card_content(where: str, content: dict[str, Any]) -> None:
    if not given(content, RCS_CARD_CONTENT):
        raise missing(where, f"{where}: a card needs a title, a description or media")
    if content.get("media") is not None:
        _content_info(f"{where}.media.content_info", content["media"]["content_info"])
    _suggestions(field(where, "suggestions"), content.get("suggestions"))


def _rich_card(where: str, card: dict[str, Any]) -> None:
    if exactly_one(where, card, ("standalone_card", "carousel_card")) == "standalone_card":
        _card_content(f"{where}.standalone_card.card_content", card["standalone_card"]["card_content"])
        return
    for index, content in enumerate(card["carousel_card"]["card_contents"]):
        _card_content(f"{where}.carousel_card.card_contents[{index}]", content)


def check_rcs(where: str, msg: dict[str, Any]) -> None:
    """Exactly one of text, content_info or rich_card, plus the rules of cards, suggestions and actions."""
    kind = exactly_one(where, msg, RCS_CONTENT)
    if kind == "content_info":
        _content_info(field(where, kind), msg[kind])
    elif kind == "rich_card":
        _rich_card(field(where, kind), msg[kind])
    _suggestions(field(where, "suggestions"), msg.get("suggestions"))


CONTENT_RULES: dict[str, Callable[[str, dict[str, Any]], None]] = {"viber": check_viber, "whatsapp": check_whatsapp, "rcs": check_rcs}


def check_content(where: str, msg: dict[str, Any]) -> None:
    """The channel's documented content rules; SMS has none beyond its model (its text is checked earlier)."""
    rule = CONTENT_RULES.get(msg["channel"])
    if rule is not None:
        rule(where, msg)

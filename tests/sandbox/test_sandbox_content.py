# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
"""Every content kind of SDK 2.7.0 (WhatsApp templates and media, Viber video/template/carousel, RCS cards and
suggestions): the full shapes are accepted, and each documented rule refuses its bad case naming the field."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import pytest
from messente_api import BulkOmniMessageCreateSuccessResponse, DeliveryReportResponse, ErrorOmnichannel, Omnimessage

from messente_sandbox import SandboxServer
from sandbox_calls import BULK, SEND, SMS, TO, call, error, omni

URL = "https://example.com"
CONTENT_INFO = {"file_url": f"{URL}/video.mp4", "thumbnail_url": f"{URL}/thumb.png", "force_refresh": True}
WHATSAPP_TEMPLATE = {"channel": "whatsapp", "sender": "Brand", "ttl": 600, "template": {
    "name": "order_update", "language": {"code": "en_US", "policy": "deterministic"}, "components": [
        {"type": "header", "parameters": [{"type": "image", "image": {"link": f"{URL}/header.png", "caption": "Your order"}}]},
        {"type": "body", "parameters": [
            {"type": "text", "text": "Alice"},
            {"type": "currency", "currency": {"fallback_value": "$10.00", "code": "USD", "amount_1000": "10000"}},
            {"type": "date_time", "date_time": {"fallback_value": "1 January 2030"}},
        ]},
        {"type": "header", "parameters": [{"type": "document", "document": {"id": "media-1", "filename": "invoice.pdf"}}]},
        {"type": "header", "parameters": [{"type": "video", "video": {"link": f"{URL}/clip.mp4"}}]},
        {"type": "button", "sub_type": "quick_reply", "index": 0, "parameters": [{"type": "payload", "payload": "STOP"}]},
        {"type": "button", "sub_type": "copy_code", "index": 1, "parameters": [{"type": "coupon_code", "coupon_code": "SAVE10"}]},
    ]}}
WHATSAPP_KINDS = {
    "template": WHATSAPP_TEMPLATE["template"],
    "text": {"body": f"Track it at {URL}", "preview_url": False},
    "image": {"link": f"{URL}/photo.jpg", "caption": "Photo", "mime_type": "image/jpeg"},
    "video": {"id": "media-2", "caption": "Clip", "mime_type": "video/mp4"},
    "audio": {"id": "media-3", "mime_type": "audio/ogg"},
    "document": {"link": f"{URL}/invoice.pdf", "caption": "Invoice", "file_name": "invoice.pdf", "mime_type": "application/pdf"},
    "sticker": {"id": "media-4", "animated": True, "mime_type": "image/webp"},
}
VIBER_VIDEO = {"url": f"{URL}/clip.mp4", "thumbnail": f"{URL}/thumb.jpg", "file_size": 200 * 1024 * 1024, "duration": 600}
VIBER_ITEM = {"title": "Spring sale", "image_url": f"{URL}/1.jpg", "primary_button": {"label": "Buy", "action_url": f"{URL}/buy"},
              "secondary_button": {"label": "More", "action_url": f"{URL}/more"}}
VIBER_VALUES = {"text": "Hello", "image_url": f"{URL}/image.jpg", "button_text": "Open", "button_url": f"{URL}/open",
                "video": VIBER_VIDEO, "carousel": {"items": [VIBER_ITEM, {**VIBER_ITEM, "title": "Go"}]},
                "template": {"id": "template-1", "lang": "en", "params": {"name": "Alice"}}}
# The Viber model's own list (SDK 2.7.0 docstring), plus a template on its own (the sandbox's choice).
VIBER_ALLOWED = [{"image_url"}, {"text"}, {"text", "button_text", "button_url"}, {"text", "image_url", "button_text", "button_url"},
                 {"video"}, {"video", "text"}, {"video", "text", "button_text"}, {"video", "text", "button_text", "button_url"},
                 {"carousel", "text"}, {"template"}]
REPLY = {"reply": {"text": "Yes", "postback_data": "yes"}}
ACTIONS = {
    "dial_action": {"phone_number": "+37251000000"},
    "view_location_action": {"lat_long": {"latitude": 59.437, "longitude": 24.7536}, "label": "Office"},
    "create_calendar_event_action": {"start_time": "2030-01-01T10:00:00Z", "end_time": "2030-01-01T11:00:00Z",
                                     "title": "Maintenance", "description": "Planned maintenance window"},
    "open_url_action": {"url": f"{URL}/status", "application": "WEBVIEW", "webview_view_mode": "TALL", "description": "Status page"},
    "share_location_action": {},
}
RCS_SUGGESTIONS = [REPLY, *({"action": {"text": kind[:25], "postback_data": kind, "fallback_url": f"{URL}/fallback", kind: value}}
                            for kind, value in ACTIONS.items()),
                   {"action": {"text": "Find us", "postback_data": "query", "view_location_action": {"query": "Messente Tallinn"}}}]
CARD = {"title": "Spring sale", "description": "Up to 50% off", "media": {"height": "MEDIUM", "content_info": CONTENT_INFO},
        "suggestions": [REPLY] * 4}
RCS_TEXT = {"channel": "rcs", "sender": "Brand", "text": "x" * 3072, "suggestions": RCS_SUGGESTIONS[:11]}
RCS_STANDALONE = {"channel": "rcs", "sender": "Brand", "rich_card": {"standalone_card": {
    "card_orientation": "HORIZONTAL", "thumbnail_image_alignment": "LEFT", "card_content": CARD}}}
RCS_CAROUSEL = {"channel": "rcs", "sender": "Brand", "validity": 60, "suggestions": [REPLY], "rich_card": {"carousel_card": {
    "card_width": "SMALL", "card_contents": [CARD, {"title": "t" * 200}, {"description": "d" * 2000}, {"media": CARD["media"]}] * 2 + [CARD] * 2}}}
RCS_FILE = {"channel": "rcs", "sender": "Brand", "content_info": CONTENT_INFO}

VALID = {
    "whatsapp-template": WHATSAPP_TEMPLATE,
    **{f"whatsapp-{kind}": {"channel": "whatsapp", kind: value} for kind, value in WHATSAPP_KINDS.items() if kind != "template"},
    **{f"viber-{'+'.join(sorted(kinds))}": {"channel": "viber", "sender": "Brand", **{k: VIBER_VALUES[k] for k in kinds}} for kinds in VIBER_ALLOWED},
    "rcs-text-and-suggestions": RCS_TEXT,
    "rcs-standalone-card": RCS_STANDALONE,
    "rcs-carousel": RCS_CAROUSEL,
    "rcs-content-info": RCS_FILE,
}


def with_changes(message: dict[str, Any], *changes: tuple[str, Any]) -> dict[str, Any]:
    """A deep copy of `message` with dotted paths set (a list index is a number in the path); None deletes."""
    changed = copy.deepcopy(message)
    for path, value in changes:
        *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
        target = changed
        for part in parents:
            target = target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return changed


@pytest.mark.parametrize("message", list(VALID.values()), ids=list(VALID))
def test_every_content_kind_is_accepted_and_sent_at_once(sandbox: SandboxServer, message: dict[str, Any]) -> None:
    body = omni(message, SMS)
    Omnimessage.from_json(json.dumps(body))
    reply = call(sandbox, "POST", SEND, body)

    assert reply.status == 201, reply.body
    assert [part["channel"] for part in reply.body["messages"]] == [message["channel"], "sms"]
    [stored] = sandbox.messages
    assert (stored["payload"], stored["state"], stored["time_to_send"]) == (body, "sent", None)
    report = call(sandbox, "GET", f"{SEND}/{reply.body['omnimessage_id']}/status")
    assert [row.status for row in DeliveryReportResponse.from_dict(report.body).statuses] == ["DELIVRD", None]
    assert sandbox.requests[0]["body"] == body


M = "messages[0]"
INVALID = [
    # Viber: allowed combinations, video limits, carousel and template shapes
    ({"channel": "viber", "sender": "B"}, "106", M),
    (with_changes(VALID["viber-text"], ("image_url", f"{URL}/i.png")), "105", f"{M}.image_url"),
    (with_changes(VALID["viber-text"], ("button_text", "Open")), "106", f"{M}.button_url"),
    (with_changes(VALID["viber-text"], ("button_url", URL)), "106", f"{M}.button_text"),
    (with_changes(VALID["viber-image_url"], ("button_text", "Open"), ("button_url", URL)), "106", f"{M}.text"),
    (with_changes(VALID["viber-video"], ("image_url", f"{URL}/i.png")), "105", f"{M}.image_url"),
    (with_changes(VALID["viber-carousel+text"], ("text", None)), "106", f"{M}.text"),
    (with_changes(VALID["viber-carousel+text"], ("image_url", f"{URL}/i.png")), "105", f"{M}.image_url"),
    (with_changes(VALID["viber-template"], ("text", "Hi")), "105", f"{M}.text"),
    (with_changes(VALID["viber-video"], ("video.file_size", 200 * 1024 * 1024 + 1)), "105", f"{M}.video.file_size"),
    (with_changes(VALID["viber-video"], ("video.file_size", 0)), "105", f"{M}.video.file_size"),
    (with_changes(VALID["viber-video"], ("video.duration", 601)), "105", f"{M}.video.duration"),
    (with_changes(VALID["viber-video"], ("video.duration", "60")), "105", f"{M}.video.duration"),
    (with_changes(VALID["viber-video"], ("video.thumbnail", None)), "106", f"{M}.video.thumbnail"),
    (with_changes(VALID["viber-carousel+text"], ("carousel.items", [VIBER_ITEM])), "105", f"{M}.carousel.items"),
    (with_changes(VALID["viber-carousel+text"], ("carousel.items", [VIBER_ITEM] * 6)), "105", f"{M}.carousel.items"),
    (with_changes(VALID["viber-carousel+text"], ("carousel.items.0.title", "A")), "105", f"{M}.carousel.items[0].title"),
    (with_changes(VALID["viber-carousel+text"], ("carousel.items.1.title", "t" * 39)), "105", f"{M}.carousel.items[1].title"),
    (with_changes(VALID["viber-carousel+text"], ("carousel.items.1.primary_button", None)), "106", f"{M}.carousel.items[1].primary_button"),
    (with_changes(VALID["viber-carousel+text"], ("carousel.items.0.primary_button.label", "")), "105",
     f"{M}.carousel.items[0].primary_button.label"),
    (with_changes(VALID["viber-carousel+text"], ("carousel.items.0.subtitle", "typo")), "105", f"{M}.carousel.items[0].subtitle"),
    (with_changes(VALID["viber-template"], ("template.lang", None)), "106", f"{M}.template.lang"),
    (with_changes(VALID["viber-template"], ("template.params.name", 5)), "105", f"{M}.template.params.name"),
    # WhatsApp: one kind of content, media by id or link, template parameters
    ({"channel": "whatsapp", "sender": "B"}, "106", M),
    (with_changes(VALID["whatsapp-text"], ("image", WHATSAPP_KINDS["image"])), "105", f"{M}.image"),
    (with_changes(WHATSAPP_TEMPLATE, ("text", WHATSAPP_KINDS["text"])), "105", f"{M}.text"),
    (with_changes(VALID["whatsapp-video"], ("sticker", WHATSAPP_KINDS["sticker"])), "105", f"{M}.sticker"),
    (with_changes(VALID["whatsapp-image"], ("image.link", None)), "106", f"{M}.image"),
    (with_changes(VALID["whatsapp-image"], ("image.id", "media-9")), "105", f"{M}.image.link"),
    (with_changes(VALID["whatsapp-document"], ("document.id", "media-9")), "105", f"{M}.document.link"),
    (with_changes(VALID["whatsapp-sticker"], ("sticker.animated", "yes")), "105", f"{M}.sticker.animated"),
    (with_changes(VALID["whatsapp-text"], ("text.preview", True)), "105", f"{M}.text.preview"),
    (with_changes(VALID["whatsapp-text"], ("text.body", None)), "106", f"{M}.text.body"),
    (with_changes(WHATSAPP_TEMPLATE, ("template.language", None)), "106", f"{M}.template.language"),
    (with_changes(WHATSAPP_TEMPLATE, ("template.components.1.type", None)), "106", f"{M}.template.components[1].type"),
    (with_changes(WHATSAPP_TEMPLATE, ("template.components.1.parameters.0.type", "location")), "105",
     f"{M}.template.components[1].parameters[0].type"),
    (with_changes(WHATSAPP_TEMPLATE, ("template.components.1.parameters.0.text", None)), "106",
     f"{M}.template.components[1].parameters[0].text"),
    (with_changes(WHATSAPP_TEMPLATE, ("template.components.4.parameters.0.text", "extra")), "105",
     f"{M}.template.components[4].parameters[0].text"),
    (with_changes(WHATSAPP_TEMPLATE, ("template.components.0.parameters.0.image.link", None)), "106",
     f"{M}.template.components[0].parameters[0].image"),
    (with_changes(WHATSAPP_TEMPLATE, ("template.components.0.parameters.0.image.link", "ftp://example.com/h.png")), "105",
     f"{M}.template.components[0].parameters[0].image.link"),
    (with_changes(WHATSAPP_TEMPLATE, ("template.components.3.parameters.0.video.filename", "clip.mp4")), "105",
     f"{M}.template.components[3].parameters[0].video.filename"),
    (with_changes(WHATSAPP_TEMPLATE, ("template.components.1.parameters.1.currency.amount_1000", None)), "106",
     f"{M}.template.components[1].parameters[1].currency.amount_1000"),
    # RCS: exactly one content, cards, suggestions and actions
    (with_changes(RCS_FILE, ("text", "Hi")), "105", f"{M}.content_info"),
    (with_changes(RCS_STANDALONE, ("text", "Hi")), "105", f"{M}.rich_card"),
    ({"channel": "rcs", "sender": "Brand", "suggestions": [REPLY]}, "106", M),
    (with_changes(RCS_TEXT, ("text", "x" * 3073)), "105", f"{M}.text"),
    (with_changes(RCS_STANDALONE, ("rich_card.carousel_card", RCS_CAROUSEL["rich_card"]["carousel_card"])), "105", f"{M}.rich_card.carousel_card"),
    (with_changes(RCS_STANDALONE, ("rich_card", {})), "106", f"{M}.rich_card"),
    (with_changes(RCS_CAROUSEL, ("rich_card.carousel_card.card_contents", [CARD])), "105", f"{M}.rich_card.carousel_card.card_contents"),
    (with_changes(RCS_CAROUSEL, ("rich_card.carousel_card.card_contents", [CARD] * 11)), "105", f"{M}.rich_card.carousel_card.card_contents"),
    (with_changes(RCS_CAROUSEL, ("rich_card.carousel_card.card_width", "medium")), "105", f"{M}.rich_card.carousel_card.card_width"),
    (with_changes(RCS_CAROUSEL, ("rich_card.carousel_card.card_width", "LARGE")), "105", f"{M}.rich_card.carousel_card.card_width"),
    (with_changes(RCS_CAROUSEL, ("rich_card.carousel_card.card_contents.1", {})), "106", f"{M}.rich_card.carousel_card.card_contents[1]"),
    (with_changes(RCS_CAROUSEL, ("rich_card.carousel_card.card_content", [])), "105", f"{M}.rich_card.carousel_card.card_content"),
    (with_changes(RCS_STANDALONE, ("rich_card.standalone_card.card_orientation", "vertical")), "105",
     f"{M}.rich_card.standalone_card.card_orientation"),
    (with_changes(RCS_STANDALONE, ("rich_card.standalone_card.thumbnail_image_alignment", "CENTER")), "105",
     f"{M}.rich_card.standalone_card.thumbnail_image_alignment"),
    (with_changes(RCS_STANDALONE, ("rich_card.standalone_card.card_content.media.height", "HUGE")), "105",
     f"{M}.rich_card.standalone_card.card_content.media.height"),
    (with_changes(RCS_STANDALONE, ("rich_card.standalone_card.card_content.title", "t" * 201)), "105",
     f"{M}.rich_card.standalone_card.card_content.title"),
    (with_changes(RCS_STANDALONE, ("rich_card.standalone_card.card_content.description", "d" * 2001)), "105",
     f"{M}.rich_card.standalone_card.card_content.description"),
    (with_changes(RCS_STANDALONE, ("rich_card.standalone_card.card_content.suggestions", [REPLY] * 5)), "105",
     f"{M}.rich_card.standalone_card.card_content.suggestions"),
    (with_changes(RCS_STANDALONE, ("rich_card.standalone_card.card_content.suggestions.3", {})), "106",
     f"{M}.rich_card.standalone_card.card_content.suggestions[3]"),
    (with_changes(RCS_STANDALONE, ("rich_card.standalone_card.card_content.media.content_info.thumbnail_url", "u" * 2049)), "105",
     f"{M}.rich_card.standalone_card.card_content.media.content_info.thumbnail_url"),
    (with_changes(RCS_TEXT, ("suggestions", [REPLY] * 12)), "105", f"{M}.suggestions"),
    (with_changes(RCS_TEXT, ("suggestions.0.action", RCS_SUGGESTIONS[1]["action"])), "105", f"{M}.suggestions[0].action"),
    (with_changes(RCS_TEXT, ("suggestions.0", {})), "106", f"{M}.suggestions[0]"),
    (with_changes(RCS_TEXT, ("suggestions.0.reply.text", "r" * 26)), "105", f"{M}.suggestions[0].reply.text"),
    (with_changes(RCS_TEXT, ("suggestions.0.reply.postback_data", "p" * 2049)), "105", f"{M}.suggestions[0].reply.postback_data"),
    (with_changes(RCS_TEXT, ("suggestions.1.action.open_url_action", ACTIONS["open_url_action"])), "105",
     f"{M}.suggestions[1].action.open_url_action"),
    (with_changes(RCS_TEXT, ("suggestions.1.action.dial_action", None)), "106", f"{M}.suggestions[1].action"),
    (with_changes(RCS_TEXT, ("suggestions.1.action.fallback_url", "u" * 2049)), "105", f"{M}.suggestions[1].action.fallback_url"),
    (with_changes(RCS_TEXT, ("suggestions.4.action.open_url_action.url", "u" * 2049)), "105", f"{M}.suggestions[4].action.open_url_action.url"),
    (with_changes(RCS_TEXT, ("suggestions.4.action.open_url_action.application", "browser")), "105",
     f"{M}.suggestions[4].action.open_url_action.application"),
    (with_changes(RCS_TEXT, ("suggestions.4.action.open_url_action.webview_view_mode", "SMALL")), "105",
     f"{M}.suggestions[4].action.open_url_action.webview_view_mode"),
    (with_changes(RCS_TEXT, ("suggestions.4.action.text", "t" * 26)), "105", f"{M}.suggestions[4].action.text"),
    (with_changes(RCS_TEXT, ("suggestions.3.action.create_calendar_event_action.title", "t" * 101)), "105",
     f"{M}.suggestions[3].action.create_calendar_event_action.title"),
    (with_changes(RCS_TEXT, ("suggestions.3.action.create_calendar_event_action.description", "d" * 501)), "105",
     f"{M}.suggestions[3].action.create_calendar_event_action.description"),
    (with_changes(RCS_TEXT, ("suggestions.5.action.share_location_action", {"now": True})), "105",
     f"{M}.suggestions[5].action.share_location_action.now"),
    (with_changes(RCS_TEXT, ("suggestions.2.action.view_location_action.query", "Tallinn")), "105",
     f"{M}.suggestions[2].action.view_location_action.query"),
    (with_changes(RCS_TEXT, ("suggestions.2.action.view_location_action", {})), "106", f"{M}.suggestions[2].action.view_location_action"),
    (with_changes(RCS_TEXT, ("suggestions.6.action.view_location_action.label", "Office")), "105",
     f"{M}.suggestions[6].action.view_location_action.label"),
    (with_changes(RCS_TEXT, ("suggestions.2.action.view_location_action.lat_long.latitude", "59.4")), "105",
     f"{M}.suggestions[2].action.view_location_action.lat_long.latitude"),
    (with_changes(RCS_FILE, ("content_info.file_url", "u" * 2049)), "105", f"{M}.content_info.file_url"),
    (with_changes(RCS_FILE, ("content_info.force_refresh", None)), "106", f"{M}.content_info.force_refresh"),
]


@pytest.mark.parametrize(("message", "code", "source"), INVALID, ids=[case[2].replace(M, "") or "message" for case in INVALID])
def test_every_content_rule_refuses_its_bad_case_naming_the_field(sandbox: SandboxServer, message: dict[str, Any],
                                                                  code: str, source: str) -> None:
    body = omni(message, SMS)
    reply = call(sandbox, "POST", SEND, body)

    assert (reply.status, reply.body) == (400, error(code, source))
    ErrorOmnichannel.from_dict(reply.body)
    assert sandbox.messages == []
    assert [(e["body"], e["status"]) for e in sandbox.requests] == [(body, 400)]


def subsets(names: list[str]) -> list[set[str]]:
    return [set(chosen) for size in range(len(names) + 1) for chosen in itertools.combinations(names, size)]


def test_viber_accepts_exactly_the_documented_combinations(sandbox: SandboxServer) -> None:
    refused, accepted = [], []
    for kinds in subsets(list(VIBER_VALUES)):
        reply = call(sandbox, "POST", SEND, omni({"channel": "viber", **{k: VIBER_VALUES[k] for k in kinds}}))
        (accepted if reply.status == 201 else refused).append(kinds)
        if reply.status != 201:
            [item] = reply.body["errors"]
            assert (reply.status, item["code"]) in {(400, "105"), (400, "106")}
            assert item["source"] == M or item["source"].removeprefix(f"{M}.") in VIBER_VALUES

    assert sorted(map(sorted, accepted)) == sorted(map(sorted, VIBER_ALLOWED))
    assert len(accepted) + len(refused) == 2 ** len(VIBER_VALUES)
    assert len(sandbox.messages) == len(VIBER_ALLOWED)


def test_whatsapp_accepts_exactly_one_kind_of_content(sandbox: SandboxServer) -> None:
    for kinds in subsets(list(WHATSAPP_KINDS)):
        reply = call(sandbox, "POST", SEND, omni({"channel": "whatsapp", **{k: WHATSAPP_KINDS[k] for k in kinds}}))
        if len(kinds) == 1:
            assert reply.status == 201, (kinds, reply.body)
        else:
            assert reply.status == 400
            assert reply.body["errors"][0]["code"] == ("106" if not kinds else "105")
    assert len(sandbox.messages) == len(WHATSAPP_KINDS)


def test_bulk_validates_rich_shapes_item_by_item(sandbox: SandboxServer) -> None:
    both_media = with_changes(VALID["whatsapp-image"], ("image.id", "media-9"))
    items = [omni(WHATSAPP_TEMPLATE, SMS, to=f"+3725100000{n}") for n in range(3)]
    items += [omni(WHATSAPP_TEMPLATE, SMS, to="+0"), omni(both_media), omni(both_media), omni(RCS_CAROUSEL), omni(RCS_FILE, SMS)]
    reply = call(sandbox, "POST", BULK, {"messages": items})

    assert reply.status == 201
    BulkOmniMessageCreateSuccessResponse.from_dict(reply.body)
    results = reply.body["messages"]
    assert [result.get("to") for result in results] == ["+37251000000", "+37251000001", "+37251000002", None, None, None, TO, TO]
    assert results[3] == error("105", "to")
    assert results[4] == results[5] == error("105", f"{M}.image.link")
    assert [m["payload"] for m in sandbox.messages] == [items[n] for n in (0, 1, 2, 6, 7)]
    assert len({m["omnimessage_id"] for m in sandbox.messages}) == 5


def test_bulk_of_one_message_for_many_recipients_keeps_each_recipient(sandbox: SandboxServer) -> None:
    """Equal items share one verdict; every stored message must still have its own recipient, ids and payload."""
    items = [omni(RCS_CAROUSEL, SMS, to=f"+372510{n:05d}") for n in range(1000)]
    reply = call(sandbox, "POST", BULK, {"messages": items})

    assert reply.status == 201
    assert [result["to"] for result in reply.body["messages"]] == [item["to"] for item in items]
    stored = sandbox.messages
    assert [m["payload"] for m in stored] == items
    ids = [m["omnimessage_id"] for m in stored] + [part["message_id"] for m in stored for part in m["messages"]]
    assert len(set(ids)) == 3000
    assert sandbox.requests[0]["body"] == {"messages": items}

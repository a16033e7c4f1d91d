# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every bad option value fails the task with a message naming the option and the rule, before any request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import (
    ModuleRunner,
    ScriptedHTTP,
    module_args,
)

OID = "4f1a4a3e-52a2-4b8a-9e63-0c3c6b0c1f9e"
DROP = object()  # marks an option to leave out
SCHEDULE = {"to": ["+37251234567"], "text": "Maintenance at 10:00", "time_to_send": "2030-06-22T09:05"}
CANCEL = {"state": "absent", "omnimessage_id": [OID]}


@dataclass(frozen=True)
class Bad:
    """One bad input: options changed from a valid base, and the fragments the failure message must contain."""

    name: str
    options: dict[str, Any]
    expected: tuple[str, ...]
    base: tuple[tuple[str, Any], ...] = tuple(SCHEDULE.items())

    def args(self) -> dict[str, Any]:
        merged = module_args(**dict(self.base, **self.options))
        return {key: value for key, value in merged.items() if value is not DROP}


def cancel(name: str, options: dict[str, Any], *expected: str) -> Bad:
    return Bad(name, options, expected, tuple(CANCEL.items()))


def schedule(name: str, options: dict[str, Any], *expected: str) -> Bad:
    return Bad(name, options, expected)


def channel(name: str, messages: list[dict[str, Any]], *expected: str, **options: Any) -> Bad:
    return Bad(name, dict(options, messages=messages), expected)


NOT_ISO = "is not an ISO 8601 date-time"
NOT_VALID = "is not a valid date-time"
NOT_E164 = "is not an E.164 phone number: it must be '+' followed by 7 to 15 digits"
NOT_UUID = "is not an omnimessage id: expected a UUID"
NOT_URL = "is not an absolute http:// or https:// URL"
VIBER_COMBINATIONS = (
    "a viber message carries one of these combinations: image_url | text | text + button_text + button_url | "
    "text + image_url + button_text + button_url | video | video + text | video + text + button_text | "
    "video + text + button_text + button_url | carousel + text | template"
)
IMG = "https://cdn.example.com/a.png"
VIDEO = {"url": "https://cdn.example.com/a.mp4", "thumbnail": IMG, "file_size": 1000, "duration": 10}
BUTTON = {"label": "Open", "action_url": "https://example.com/open"}
ITEM = {"title": "Morning", "image_url": IMG, "primary_button": BUTTON}
TEMPLATE = {"name": "notice", "language": {"code": "en"}, "components": []}
REPLY = {"reply": {"text": "OK", "postback_data": "ok"}}
CARD = {"title": "Payment API"}
STANDALONE = {"card_orientation": "VERTICAL", "thumbnail_image_alignment": "LEFT", "card_content": CARD}
CALENDAR = {"start_time": "2030-06-22T09:00:00Z", "end_time": "2030-06-22T10:00:00Z", "title": "Window", "description": "Read-only"}


def viber(**fields: Any) -> list[dict[str, Any]]:
    return [dict(fields, channel="viber")]


def whatsapp(**fields: Any) -> list[dict[str, Any]]:
    return [dict(fields, channel="whatsapp")]


def rcs(**fields: Any) -> list[dict[str, Any]]:
    return [dict({"sender": "Ops"}, **fields, channel="rcs")]


def parameter(**fields: Any) -> list[dict[str, Any]]:
    return whatsapp(template=dict(TEMPLATE, components=[{"type": "body", "parameters": [fields]}]))


def action(**fields: Any) -> list[dict[str, Any]]:
    return rcs(suggestions=[{"action": dict({"text": "Do", "postback_data": "do"}, **fields)}])


def card(**content: Any) -> list[dict[str, Any]]:
    return rcs(rich_card={"standalone_card": dict(STANDALONE, card_content=content)})


def carousel(count: int) -> list[dict[str, Any]]:
    return rcs(rich_card={"carousel_card": {"card_width": "MEDIUM", "card_contents": [CARD] * count}})


CASES = [
    # time_to_send
    schedule("time-past", {"time_to_send": "2030-05-31T09:00"}, "time_to_send '2030-05-31T09:00' is 2030-05-31T09:00:00+00:00",
             "which is not in the future (now is 2030-06-01T08:00:00+00:00 UTC)"),
    schedule("time-now", {"time_to_send": "2030-06-01T08:00:00Z"}, "time_to_send", "not in the future"),
    schedule("time-date-only", {"time_to_send": "2030-06-22"}, "time_to_send '2030-06-22' is a date without a time of day"),
    schedule("time-garbage", {"time_to_send": "next tuesday"}, f"time_to_send 'next tuesday' {NOT_ISO}"),
    schedule("time-month-13", {"time_to_send": "2030-13-01T09:00"}, f"time_to_send '2030-13-01T09:00' {NOT_VALID}"),
    schedule("time-hour-25", {"time_to_send": "2030-06-22T25:00"}, f"time_to_send '2030-06-22T25:00' {NOT_VALID}"),
    schedule("time-minute-60", {"time_to_send": "2030-06-22T09:60"}, f"time_to_send '2030-06-22T09:60' {NOT_VALID}"),
    schedule("time-feb-30", {"time_to_send": "2031-02-30T09:00"}, f"time_to_send '2031-02-30T09:00' {NOT_VALID}"),
    schedule("time-offset-25h", {"time_to_send": "2030-06-22T09:05+25:00"}, f"time_to_send '2030-06-22T09:05+25:00' {NOT_VALID}"),
    schedule("time-empty", {"time_to_send": ""}, "time_to_send: is required with state=present and must not be null or empty, got ''"),
    schedule("time-null", {"time_to_send": None}, "time_to_send: is required with state=present and must not be null or empty, got null"),
    schedule("time-blank", {"time_to_send": "   "}, "time_to_send must not be empty"),
    schedule("time-relative-zero", {"time_to_send": "+0m"}, "time_to_send '+0m' is 2030-06-01T08:00:00+00:00, which is not in the future"),
    schedule("time-relative-no-unit", {"time_to_send": "+30"}, f"time_to_send '+30' {NOT_ISO}", "+1h30m"),
    schedule("time-relative-negative", {"time_to_send": "-30m"}, f"time_to_send '-30m' {NOT_ISO}"),
    schedule("time-beyond-9999", {"time_to_send": "+99999999999d"}, "time_to_send '+99999999999d' lies beyond the year 9999 UTC"),
    schedule("time-now-capitals", {"time_to_send": "NOW"}, f"time_to_send 'NOW' {NOT_ISO}"),
    schedule("time-immediately", {"time_to_send": "immediately"}, f"time_to_send 'immediately' {NOT_ISO}"),
    schedule("time-now-bad-timezone", {"time_to_send": "now", "timezone": "Mars/Olympus_Mons"}, "timezone: 'Mars/Olympus_Mons' is not a known IANA"),
    schedule("time-epoch", {"time_to_send": "1900000000"}, f"time_to_send '1900000000' {NOT_ISO}"),
    schedule("time-dst-gap", {"time_to_send": "2030-03-31T03:30", "timezone": "Europe/Tallinn"},
             "time_to_send 2030-03-31T03:30:00 does not exist in Europe/Tallinn", "daylight saving time"),
    schedule("time-dst-fold", {"time_to_send": "2030-10-27T03:30", "timezone": "Europe/Tallinn"},
             "time_to_send 2030-10-27T03:30:00 happens twice in Europe/Tallinn", "explicit UTC offset (+03:00 or +02:00)"),
    # timezone
    schedule("timezone-unknown", {"timezone": "Mars/Olympus_Mons"}, "timezone: 'Mars/Olympus_Mons' is not a known IANA time zone name"),
    schedule("timezone-path", {"timezone": "../../etc/passwd"}, "timezone: '../../etc/passwd' is not a known IANA time zone name"),
    schedule("timezone-empty", {"timezone": ""}, "timezone: '' is not a known IANA time zone name"),
    schedule("timezone-posix-rule", {"timezone": "UTC+3"}, "timezone: 'UTC+3' is not a known IANA time zone name"),
    # to
    schedule("to-letters", {"to": ["+3725abc4567"]}, f"to[0]: '+3725abc4567' {NOT_E164}"),
    schedule("to-too-short", {"to": ["+123456"]}, f"to[0]: '+123456' {NOT_E164}"),
    schedule("to-too-long", {"to": ["+1234567890123456"]}, f"to[0]: '+1234567890123456' {NOT_E164}"),
    schedule("to-missing-plus", {"to": ["37251234567"]}, f"to[0]: '37251234567' {NOT_E164}"),
    schedule("to-leading-zero", {"to": ["+0372512345"]}, f"to[0]: '+0372512345' {NOT_E164}", "the first not 0"),
    schedule("to-empty-string", {"to": [""]}, "to: is required with state=present and must not be null or empty, got ['']"),
    schedule("to-empty-list", {"to": []}, "to: is required with state=present and must not be null or empty, got []"),
    schedule("to-null", {"to": None}, "to: is required with state=present and must not be null or empty, got null"),
    schedule("to-null-element", {"to": ["+37251234567", ""]}, "to[1]: must be a phone number in E.164 format such as +37251234567, got ''"),
    schedule("text-null-without-messages", {"text": None}, "text: is required with state=present unless messages gives every channel its own text; got null"),
    schedule("to-second-bad", {"to": ["+37251234567", "+44 20 x"]}, f"to[1]: '+44 20 x' {NOT_E164}"),
    schedule("to-duplicate", {"to": ["+37251234567", "+372 5123-4567"]},
             "to[1]: +37251234567 is already listed at to[0]; each recipient may appear once"),
    # omnimessage_id
    cancel("id-not-uuid", {"omnimessage_id": ["not-a-uuid"]}, f"omnimessage_id[0]: 'not-a-uuid' {NOT_UUID}"),
    cancel("id-empty-string", {"omnimessage_id": [""]}, "omnimessage_id: is required with state=absent and must not be null or empty, got ['']",
           "after a task that scheduled several recipients, omnimessage_id is null: pass the list instead, "
           'omnimessage_id: "{{ result.omnimessage_ids }}"'),
    cancel("id-null", {"omnimessage_id": None}, "omnimessage_id: is required with state=absent and must not be null or empty, got None;",
           "omnimessage_ids"),
    cancel("id-none-rendered-by-old-ansible", {"omnimessage_id": ["None"]}, "omnimessage_id: is required with state=absent", "omnimessage_ids"),
    cancel("id-hex-without-dashes", {"omnimessage_id": [OID.replace("-", "")]}, f"omnimessage_id[0]: '{OID.replace('-', '')}' {NOT_UUID}"),
    cancel("id-second-bad", {"omnimessage_id": [OID, f"{OID}x"]}, f"omnimessage_id[1]: '{OID}x' {NOT_UUID}"),
    cancel("id-empty-list", {"omnimessage_id": []}, "omnimessage_id: is required with state=absent and must not be null or empty, got []"),
    # messages
    channel("channel-unknown", [{"channel": "telegram"}], "channel", "telegram", "sms, viber, whatsapp, rcs"),
    channel("channel-missing", [{"text": "hi"}], "channel", "messages"),
    channel("channel-duplicate", [{"channel": "sms"}, {"channel": "sms"}],
            "messages[1].channel: sms is already used by messages[0]; each channel may appear once"),
    channel("ttl-and-validity", [{"channel": "sms", "ttl": 60, "validity": 1}], "messages[0]: set validity (minutes) or ttl (seconds), not both"),
    channel("validity-zero", [{"channel": "sms", "validity": 0}], "messages[0].validity: must be 1 or more, got 0"),
    channel("ttl-negative", [{"channel": "sms", "ttl": -5}], "messages[0].ttl: must be 1 or more, got -5"),
    channel("validity-not-int", [{"channel": "sms", "validity": "ten"}], "validity", "int"),
    channel("text-per-channel-blank", [{"channel": "sms", "text": "  \t"}], "messages[0].text: must not be empty or only whitespace"),
    channel("sms-field-on-viber", [{"channel": "viber", "udh": "050003CC0201"}], "messages[0].udh: is not a viber field; it only applies to sms"),
    channel("viber-field-on-sms", [{"channel": "sms", "image_url": "https://example.com/a.png"}],
            "messages[0].image_url: is not a sms field; it only applies to viber"),
    channel("autoconvert-on-whatsapp", [{"channel": "whatsapp", "autoconvert": "on"}],
            "messages[0].autoconvert: is not a whatsapp field; it only applies to sms"),
    channel("viber-button-without-text", [{"channel": "viber", "image_url": "https://example.com/a.png", "button_url": "https://example.com",
                                           "button_text": "Open"}], f"messages[0]: {VIBER_COMBINATIONS}; got image_url + button_text + button_url",
            text=DROP),
    channel("viber-button-url-alone", [{"channel": "viber", "button_url": "https://example.com"}], f"messages[0]: {VIBER_COMBINATIONS}; got button_url"),
    channel("viber-nothing-to-send", [{"channel": "viber"}], f"messages[0]: {VIBER_COMBINATIONS}; got nothing", text=DROP),
    # viber: allowed combinations, video, carousel and template limits
    channel("viber-text-image-without-button", viber(text="Rota", image_url=IMG), f"messages[0]: {VIBER_COMBINATIONS}; got text + image_url"),
    channel("viber-carousel-without-text", viber(carousel={"items": [ITEM, ITEM]}), f"{VIBER_COMBINATIONS}; got carousel", text=DROP),
    channel("viber-template-with-text", viber(text="Hi", template={"id": "t1", "lang": "en"}), f"{VIBER_COMBINATIONS}; got text + template"),
    channel("viber-video-and-image", viber(video=VIDEO, image_url=IMG), "got image_url + video", text=DROP),
    channel("viber-carousel-one-item", viber(carousel={"items": [ITEM]}), "messages[0].carousel.items: needs 2 to 5 items, got 1"),
    channel("viber-carousel-six-items", viber(carousel={"items": [ITEM] * 6}), "messages[0].carousel.items: needs 2 to 5 items, got 6"),
    channel("viber-carousel-title-short", viber(carousel={"items": [ITEM, dict(ITEM, title="A")]}),
            "messages[0].carousel.items[1].title: must be 2 to 38 characters, got 1"),
    channel("viber-carousel-title-long", viber(carousel={"items": [dict(ITEM, title="T" * 39), ITEM]}),
            "messages[0].carousel.items[0].title: must be 2 to 38 characters, got 39"),
    channel("viber-carousel-label-empty", viber(carousel={"items": [ITEM, dict(ITEM, primary_button=dict(BUTTON, label=""))]}),
            "messages[0].carousel.items[1].primary_button.label: must not be empty"),
    channel("viber-carousel-without-button", viber(carousel={"items": [ITEM, {"title": "Evening", "image_url": IMG}]}),
            "primary_button", "carousel"),
    channel("viber-video-too-big", viber(video=dict(VIDEO, file_size=200000001)),
            "messages[0].video.file_size: must be from 1 to 200000000, got 200000001"),
    channel("viber-video-too-long", viber(video=dict(VIDEO, duration=601)), "messages[0].video.duration: must be from 1 to 600, got 601"),
    channel("viber-video-without-thumbnail", viber(video={"url": IMG, "file_size": 1, "duration": 1}), "messages[0].video.thumbnail: is required"),
    channel("viber-video-whatsapp-field", viber(video=dict(VIDEO, link=IMG)),
            "messages[0].video.link: is not a viber field; it only applies to whatsapp"),
    channel("viber-template-without-lang", viber(template={"id": "t1"}), "messages[0].template.lang: is required", text=DROP),
    channel("viber-template-number-param", viber(template={"id": "t1", "lang": "en", "params": {"amount": 5}}),
            "messages[0].template.params.amount: must be a string (quote numbers and booleans), got 5", text=DROP),
    channel("viber-text-too-long", viber(text="v" * 1001), "messages[0].text: is 1001 characters; viber allows at most 1000"),
    # whatsapp: one kind of content, media by id or link, templates
    channel("whatsapp-text-and-image", whatsapp(text="Hi", image={"link": IMG}),
            "messages[0]: needs exactly one of text, template, image, video, audio, document or sticker, got text and image"),
    channel("whatsapp-template-and-sticker", whatsapp(template=TEMPLATE, sticker={"id": "1"}), "got template and sticker", text=DROP),
    channel("whatsapp-image-id-and-link", whatsapp(image={"id": "1", "link": IMG}), "messages[0].image: needs exactly one of id or link, got id and link"),
    channel("whatsapp-document-neither", whatsapp(document={"caption": "Invoice"}), "messages[0].document: needs exactly one of id or link, got none"),
    channel("whatsapp-preview-without-text", whatsapp(preview_url=True, image={"id": "1"}), "messages[0].preview_url: needs text, got text: null",
            text=DROP),
    channel("whatsapp-caption-on-audio", whatsapp(audio={"id": "1", "caption": "x"}),
            "Unsupported parameters", "messages.audio.caption", "Supported parameters include: id, link, mime_type"),
    channel("whatsapp-media-link-not-url", whatsapp(video={"link": "video.mp4"}), f"messages[0].video.link: 'video.mp4' {NOT_URL}"),
    channel("whatsapp-template-without-name", whatsapp(template={"language": {"code": "en"}, "components": []}),
            "messages[0].template.name: is required"),
    channel("whatsapp-template-without-language", whatsapp(template={"name": "n", "components": []}), "messages[0].template.language: is required"),
    channel("whatsapp-template-without-components", whatsapp(template={"name": "n", "language": {"code": "en"}}),
            "messages[0].template.components: is required"),
    channel("whatsapp-template-without-code", whatsapp(template={"name": "n", "language": {"policy": "deterministic"}, "components": []}),
            "code", "language"),
    channel("whatsapp-template-viber-field", whatsapp(template=dict(TEMPLATE, id="t1")),
            "messages[0].template.id: is not a whatsapp field; it only applies to viber"),
    channel("whatsapp-parameter-kind-missing", parameter(type="text", payload="x"),
            "messages[0].template.components[0].parameters[0].text: is required with type: text"),
    channel("whatsapp-parameter-two-kinds", parameter(type="text", text="a", coupon_code="b"),
            "messages[0].template.components[0].parameters[0].coupon_code: does not go with type: text; set only text"),
    channel("whatsapp-parameter-bad-type", parameter(type="location", text="a"), "type", "text, currency, date_time"),
    channel("whatsapp-button-without-index", whatsapp(template=dict(TEMPLATE, components=[{"type": "button", "sub_type": "url"}])),
            "messages[0].template.components[0].index: is required with type: button"),
    channel("whatsapp-index-on-body", whatsapp(template=dict(TEMPLATE, components=[{"type": "body", "index": 0}])),
            "messages[0].template.components[0].index: applies only with type: button, got type: body"),
    channel("whatsapp-index-negative", whatsapp(template=dict(TEMPLATE, components=[{"type": "button", "sub_type": "url", "index": -1}])),
            "messages[0].template.components[0].index: must be 0 or more, got -1"),
    channel("whatsapp-currency-code", parameter(type="currency", currency={"fallback_value": "12 eur", "code": "eur", "amount_1000": "12000"}),
            "messages[0].template.components[0].parameters[0].currency.code: must be an ISO 4217 currency code"),
    channel("whatsapp-currency-amount", parameter(type="currency", currency={"fallback_value": "12.5", "code": "EUR", "amount_1000": "12.5"}),
            "messages[0].template.components[0].parameters[0].currency.amount_1000: must be a whole number"),
    channel("whatsapp-image-parameter-filename", parameter(type="image", image={"link": IMG, "filename": "a.png"}),
            "messages[0].template.components[0].parameters[0].image.filename: is only for document media"),
    # rcs: exactly one content, counts, lengths, suggestions and every action
    channel("rcs-text-and-card", rcs(text="Hi", rich_card={"standalone_card": STANDALONE}),
            "messages[0]: needs exactly one of text, content_info or rich_card, got text and rich_card"),
    channel("rcs-no-content", rcs(suggestions=[REPLY]), "messages[0]: needs exactly one of text, content_info or rich_card, got none", text=DROP),
    channel("rcs-twelve-suggestions", rcs(suggestions=[REPLY] * 12), "messages[0].suggestions: allows at most 11 suggestions, got 12"),
    channel("rcs-carousel-one-card", carousel(1), "messages[0].rich_card.carousel_card.card_contents: needs 2 to 10 cards, got 1", text=DROP),
    channel("rcs-carousel-eleven-cards", carousel(11), "messages[0].rich_card.carousel_card.card_contents: needs 2 to 10 cards, got 11", text=DROP),
    channel("rcs-both-cards", rcs(rich_card={"standalone_card": STANDALONE, "carousel_card": {"card_width": "SMALL", "card_contents": [CARD] * 2}}),
            "messages[0].rich_card: needs exactly one of standalone_card or carousel_card, got standalone_card and carousel_card", text=DROP),
    channel("rcs-no-card", rcs(rich_card={}), "messages[0].rich_card: needs exactly one of standalone_card or carousel_card, got none", text=DROP),
    channel("rcs-card-title-long", card(title="T" * 201),
            "messages[0].rich_card.standalone_card.card_content.title: is 201 characters; rcs allows at most 200"),
    channel("rcs-card-description-long", card(description="D" * 2001),
            "messages[0].rich_card.standalone_card.card_content.description: is 2001 characters; rcs allows at most 2000"),
    channel("rcs-card-five-suggestions", card(title="T", suggestions=[REPLY] * 5),
            "messages[0].rich_card.standalone_card.card_content.suggestions: allows at most 4 suggestions, got 5"),
    channel("rcs-card-empty", card(suggestions=[REPLY]),
            "messages[0].rich_card.standalone_card.card_content: needs at least one of title, description or media, got none"),
    channel("rcs-card-orientation-case", rcs(rich_card={"standalone_card": dict(STANDALONE, card_orientation="vertical")}),
            "card_orientation", "VERTICAL, HORIZONTAL", text=DROP),
    channel("rcs-carousel-without-width", rcs(rich_card={"carousel_card": {"card_contents": [CARD] * 2}}), "card_width", text=DROP),
    channel("rcs-media-without-file", card(media={"height": "TALL", "content_info": {"force_refresh": False}}), "file_url"),
    channel("rcs-file-without-refresh", rcs(content_info={"file_url": IMG}), "force_refresh", text=DROP),
    channel("rcs-file-url-too-long", rcs(content_info={"file_url": "https://x.example.com/" + "a" * 2030, "force_refresh": True}),
            "messages[0].content_info.file_url: is 2052 characters; rcs allows at most 2048", text=DROP),
    channel("rcs-suggestion-text-long", rcs(suggestions=[{"reply": {"text": "T" * 26, "postback_data": "p"}}]),
            "messages[0].suggestions[0].reply.text: is 26 characters; rcs allows at most 25"),
    channel("rcs-postback-long", rcs(suggestions=[{"reply": {"text": "T", "postback_data": "p" * 2049}}]),
            "messages[0].suggestions[0].reply.postback_data: is 2049 characters; rcs allows at most 2048"),
    channel("rcs-reply-and-action", rcs(suggestions=[dict(REPLY, action={"text": "T", "postback_data": "p", "share_location_action": {}})]),
            "messages[0].suggestions[0]: needs exactly one of reply or action, got reply and action"),
    channel("rcs-action-two-kinds", action(dial_action={"phone_number": "+37251234567"}, share_location_action={}),
            "messages[0].suggestions[0].action: needs exactly one of dial_action, view_location_action, create_calendar_event_action, "
            "open_url_action or share_location_action, got dial_action and share_location_action"),
    channel("rcs-action-no-kind", action(), "messages[0].suggestions[0].action: needs exactly one of dial_action"),
    channel("rcs-fallback-url-long", action(share_location_action={}, fallback_url="https://x.example.com/" + "a" * 2027),
            "messages[0].suggestions[0].action.fallback_url: is 2049 characters; rcs allows at most 2048"),
    channel("rcs-dial-not-e164", action(dial_action={"phone_number": "5551234"}),
            f"messages[0].suggestions[0].action.dial_action.phone_number: '5551234' {NOT_E164}"),
    channel("rcs-open-url-long", action(open_url_action={"url": "https://x.example.com/" + "a" * 2027, "application": "BROWSER"}),
            "messages[0].suggestions[0].action.open_url_action.url: is 2049 characters; rcs allows at most 2048"),
    channel("rcs-webview-without-mode", action(open_url_action={"url": IMG, "application": "WEBVIEW"}),
            "messages[0].suggestions[0].action.open_url_action.webview_view_mode: is required with application: WEBVIEW"),
    channel("rcs-browser-with-mode", action(open_url_action={"url": IMG, "application": "BROWSER", "webview_view_mode": "FULL"}),
            "messages[0].suggestions[0].action.open_url_action.webview_view_mode: applies only with application: WEBVIEW, got application: BROWSER"),
    channel("rcs-location-both", action(view_location_action={"lat_long": {"latitude": 1.5, "longitude": 2}, "query": "office"}),
            "messages[0].suggestions[0].action.view_location_action: needs exactly one of lat_long or query, got lat_long and query"),
    channel("rcs-location-label-without-pin", action(view_location_action={"query": "office", "label": "Here"}),
            "messages[0].suggestions[0].action.view_location_action.label: needs lat_long, got lat_long: null"),
    channel("rcs-latitude-out-of-range", action(view_location_action={"lat_long": {"latitude": 91, "longitude": 0}}),
            "messages[0].suggestions[0].action.view_location_action.lat_long.latitude: must be from -90 to 90, got 91.0"),
    channel("rcs-calendar-title-long", action(create_calendar_event_action=dict(CALENDAR, title="T" * 101)),
            "messages[0].suggestions[0].action.create_calendar_event_action.title: is 101 characters; rcs allows at most 100"),
    channel("rcs-calendar-description-long", action(create_calendar_event_action=dict(CALENDAR, description="D" * 501)),
            "messages[0].suggestions[0].action.create_calendar_event_action.description: is 501 characters; rcs allows at most 500"),
    channel("rcs-calendar-end-first", action(create_calendar_event_action=dict(CALENDAR, end_time="2030-06-22T11:59:00+03:00")),
            "messages[0].suggestions[0].action.create_calendar_event_action.end_time: must be later than start_time"),
    channel("rcs-calendar-no-offset", action(create_calendar_event_action=dict(CALENDAR, start_time="2030-06-22T09:00")),
            "messages[0].suggestions[0].action.create_calendar_event_action.start_time: must be an RFC 3339 date-time with an offset"),
    channel("rcs-share-location-with-fields", action(share_location_action={"where": "here"}),
            "messages[0].suggestions[0].action.share_location_action: takes no fields, set it to {}"),
    channel("viber-image-not-http", [{"channel": "viber", "image_url": "file:///etc/passwd"}], f"messages[0].image_url: 'file:///etc/passwd' {NOT_URL}"),
    channel("whatsapp-without-text", [{"channel": "whatsapp"}],
            "messages[0]: needs exactly one of text, template, image, video, audio, document or sticker, got none", text=DROP),
    channel("rcs-without-sender", [{"channel": "rcs"}], "messages[0].sender: is required for the rcs channel"),
    channel("rcs-text-too-long", [{"channel": "rcs", "sender": "Ops", "text": "x" * 3073}], "messages[0].text: is 3073 characters; rcs allows at most 3072"),
    channel("udh-not-hex", [{"channel": "sms", "udh": "05000zz"}], "messages[0].udh: must be hex-encoded bytes"),
    channel("autoconvert-bad-choice", [{"channel": "sms", "autoconvert": "maybe"}], "autoconvert", "full, on, off"),
    schedule("text-empty", {"text": ""}, "text: must not be empty or only whitespace"),
    schedule("text-blank", {"text": "   "}, "text: must not be empty or only whitespace"),
    schedule("sender-empty", {"sender": ""}, "sender: must not be empty"),
    schedule("text-store-bad-choice", {"text_store": "forever"}, "text_store", "nostore, plaintext, sha256"),
    schedule("priority-bad-choice", {"priority": "urgent"}, "priority", "low, regular, high"),
    # URLs and limits
    schedule("api-url-ftp", {"api_url": "ftp://api.messente.com/v1"}, f"api_url: 'ftp://api.messente.com/v1' {NOT_URL}"),
    schedule("api-url-no-scheme", {"api_url": "api.messente.com/v1"}, f"api_url: 'api.messente.com/v1' {NOT_URL}"),
    schedule("dlr-url-javascript", {"dlr_url": "javascript:alert(1)"}, f"dlr_url: 'javascript:alert(1)' {NOT_URL}"),
    schedule("dlr-url-no-host", {"dlr_url": "https://"}, f"dlr_url: 'https://' {NOT_URL}"),
    schedule("timeout-zero", {"timeout": 0}, "timeout: must be a positive number of seconds, got 0"),
    schedule("timeout-negative", {"timeout": -2.5}, "timeout: must be a positive number of seconds, got -2.5"),
    schedule("timeout-not-number", {"timeout": "soon"}, "timeout", "float"),
    schedule("retries-negative", {"retries": -1}, "retries: must be 0 or more, got -1"),
    cancel("concurrency-zero", {"concurrency": 0}, "concurrency: must be 1 or more, got 0"),
    schedule("concurrency-negative", {"concurrency": -3}, "concurrency: must be 1 or more, got -3"),
    # required options per state
    schedule("present-without-to", {"to": DROP}, "state is present but all of the following are missing: to"),
    schedule("present-without-time", {"time_to_send": DROP}, "state is present but all of the following are missing: time_to_send"),
    schedule("present-without-text-or-messages", {"text": DROP}, "state is present but any of the following are missing: text, messages"),
    cancel("absent-without-id", {"omnimessage_id": DROP}, "state is absent but any of the following are missing: omnimessage_id, key"),
    cancel("absent-with-id-and-key", {"key": "maintenance"}, "parameters are mutually exclusive: key|omnimessage_id"),
    schedule("key-empty", {"key": " "}, "key: must be a non-empty name of at most 200 characters"),
    schedule("key-too-long", {"key": "k" * 201}, "key: must be a non-empty name of at most 200 characters"),
    schedule("without-username", {"api_username": DROP},
             "api_username: is required and must not be empty: set it in the task, through the MESSENTE_API_USERNAME environment "
             "variable, or once for every task with module_defaults (group/messente.omnichannel.messente)"),
    schedule("without-password", {"api_password": DROP}, "api_password: is required", "MESSENTE_API_PASSWORD environment variable",
             "module_defaults"),
    schedule("without-credentials", {"api_password": DROP, "api_username": ""},
             "api_username and api_password: are required and must not be empty: set them in the task, through the "
             "MESSENTE_API_USERNAME environment variable and the MESSENTE_API_PASSWORD environment variable, or once"),
    schedule("api-url-empty", {"api_url": ""}, "api_url: must not be null or empty; leave it out to use the default 'https://api.messente.com/v1'"),
    schedule("state-null", {"state": None}, "state", "present, absent"),
    schedule("state-bad-choice", {"state": "gone"}, "state", "present, absent"),
    schedule("unknown-option", {"send_at": "+1h"}, "Unsupported parameters", "send_at"),
]


def test_the_matrix_is_big_and_names_are_unique() -> None:
    names = [case.name for case in CASES]
    assert len(names) >= 40
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_fails_before_any_request(http: ScriptedHTTP, run_module: ModuleRunner, case: Bad) -> None:
    run = run_module(case.args())

    assert run.failed
    for fragment in case.expected:
        assert fragment in run.msg, f"{fragment!r} missing from {run.msg!r}"
    assert run.printed["msg"] == run.msg
    assert http.seen == []
    assert "Traceback" not in run.stdout


@pytest.mark.parametrize("case", [case for case in CASES if case.name.startswith(("time-", "to-", "id-", "channel-", "rcs-", "viber-"))],
                         ids=lambda case: case.name)
def test_bad_input_fails_the_same_in_check_mode(http: ScriptedHTTP, run_module: ModuleRunner, case: Bad) -> None:
    run = run_module(case.args(), check_mode=True)

    assert run.failed and case.expected[0] in run.msg
    assert http.seen == []


def test_refused_input_still_returns_every_documented_key(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    run = run_module(module_args(**{**SCHEDULE, "time_to_send": "2030-05-31T09:00"}))

    assert run.failed
    assert run.result["omnimessage_id"] is None and run.result["omnimessage_ids"] == [] and run.result["results"] == []
    assert http.seen == []


def test_a_null_api_url_is_refused_by_name(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    """ansible-core 2.16 refuses a null string option itself; later lines hand it over and the module refuses it."""
    run = run_module(module_args(**dict(SCHEDULE, api_url=None)))

    assert run.failed
    assert run.msg in (
        "api_url: must not be null or empty; leave it out to use the default 'https://api.messente.com/v1'",
        "argument 'api_url' is of type <class 'NoneType'> and we were unable to convert to str: 'None' is not a string and conversion is not allowed",
    )
    assert http.seen == []


@pytest.mark.parametrize("bad", ["", 42, "not-an-object", ["x"]], ids=["empty", "number", "text", "list"])
def test_a_refused_nested_object_leaks_no_secret(http: ScriptedHTTP, run_module: ModuleRunner, bad: Any) -> None:
    """ansible-core 2.19 drops every no_log value when a nested object is not one, then prints the raw arguments."""
    ledger_password = "Ledger-Secret-Pw-77b1"
    args = Bad("nested", {"ledger": f"postgresql://ops:{ledger_password}@db.example.com/ops",
                          "messages": [{"channel": "whatsapp", "template": bad}]}, ()).args()

    run = run_module(args)  # the runner itself fails the test if the API password appears anywhere

    assert run.failed and "template" in run.msg
    assert ledger_password not in run.stdout
    assert http.seen == []

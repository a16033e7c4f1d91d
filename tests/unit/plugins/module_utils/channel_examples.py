# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One full example of every content kind of every channel: the ``messages`` entry a user writes and the exact body.

Shared by the builder tests, the SDK comparison, the limit and type matrices, and the module tests. Together the
examples set every field of the channel table; ``test_messente_channels`` fails when a field is added to the table
without an example that sets it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

IMAGE = "https://cdn.example.com/rota.png"
VIDEO = "https://cdn.example.com/release.mp4"
PAGE = "https://status.example.com/incident/42"


@dataclass(frozen=True)
class Example:
    """A ``messages`` entry as written in a task, and the channel body Messente must receive for it."""

    name: str
    message: dict[str, Any]
    body: dict[str, Any]

    @property
    def channel(self) -> str:
        return self.message["channel"]


def as_written(name: str, message: dict[str, Any]) -> Example:
    """Most fields go out exactly as the user wrote them, since options are named and nested as the API's fields."""
    return Example(name, message, copy.deepcopy(message))


CONTENT_INFO = {"file_url": VIDEO, "thumbnail_url": IMAGE, "force_refresh": False}
REPLY = {"reply": {"text": "Acknowledge", "postback_data": "ack-incident-42"}}
DIAL = {"action": {"text": "Call on-call", "postback_data": "dial", "dial_action": {"phone_number": "+37251234567"}}}
OPEN_PAGE = {"action": {"text": "Status page", "postback_data": "open", "fallback_url": PAGE,
                        "open_url_action": {"url": PAGE, "description": "Incident status", "application": "BROWSER"}}}
WEBVIEW = {"action": {"text": "Runbook", "postback_data": "runbook",
                      "open_url_action": {"url": "https://wiki.example.com/runbook", "application": "WEBVIEW",
                                          "webview_view_mode": "HALF"}}}
MAP = {"action": {"text": "Data centre", "postback_data": "map",
                  "view_location_action": {"lat_long": {"latitude": 59.437, "longitude": 24.7536}, "label": "DC1"}}}
SEARCH = {"action": {"text": "Nearest office", "postback_data": "search", "view_location_action": {"query": "Example Ltd office"}}}
CALENDAR = {"action": {"text": "Add to calendar", "postback_data": "calendar", "create_calendar_event_action": {
    "start_time": "2030-06-22T09:00:00Z", "end_time": "2030-06-22T10:00:00+00:00", "title": "Maintenance window",
    "description": "The payment API is read-only during maintenance."}}}
SHARE = {"action": {"text": "Share location", "postback_data": "share", "share_location_action": {}}}
CARD = {"title": "Payment API", "description": "Degraded since 09:00 UTC", "media": {"height": "MEDIUM", "content_info": CONTENT_INFO},
        "suggestions": [REPLY, OPEN_PAGE]}

SMS = [
    Example("sms-text", {"channel": "sms", "text": "Maintenance at 10:00 UTC", "sender": "OpsTeam", "validity": 60,
                         "autoconvert": "on", "udh": "050003CC0201"},
            {"channel": "sms", "text": "Maintenance at 10:00 UTC", "sender": "OpsTeam", "validity": 60, "autoconvert": "true",
             "udh": "050003CC0201"}),
    Example("sms-ttl-full", {"channel": "sms", "text": "Wartung um 10:00", "ttl": 600, "autoconvert": "full"},
            {"channel": "sms", "text": "Wartung um 10:00", "ttl": 600, "autoconvert": "full"}),
    Example("sms-off", {"channel": "sms", "text": "Plain", "autoconvert": "off"}, {"channel": "sms", "text": "Plain", "autoconvert": "false"}),
]

VIDEO_FIELDS = {"url": VIDEO, "thumbnail": IMAGE, "file_size": 10485760, "duration": 95}
VIBER = [
    as_written("viber-image", {"channel": "viber", "image_url": IMAGE, "sender": "OpsTeam", "validity": 10}),
    as_written("viber-text", {"channel": "viber", "text": "On call from 18:00", "ttl": 600}),
    as_written("viber-text-button", {"channel": "viber", "text": "On call from 18:00", "button_text": "Rota", "button_url": PAGE}),
    as_written("viber-text-image-button", {"channel": "viber", "text": "On call", "image_url": IMAGE, "button_text": "Rota",
                                           "button_url": PAGE}),
    as_written("viber-video", {"channel": "viber", "video": VIDEO_FIELDS}),
    as_written("viber-video-text", {"channel": "viber", "video": VIDEO_FIELDS, "text": "Release 4.2 in 90 seconds"}),
    as_written("viber-video-text-button-text", {"channel": "viber", "video": VIDEO_FIELDS, "text": "Release 4.2",
                                                "button_text": "Watch"}),
    as_written("viber-video-text-button", {"channel": "viber", "video": VIDEO_FIELDS, "text": "Release 4.2",
                                           "button_text": "Notes", "button_url": PAGE}),
    as_written("viber-carousel", {"channel": "viber", "text": "Pick a shift", "carousel": {"items": [
        {"title": "Morning", "image_url": IMAGE, "primary_button": {"label": "Take it", "action_url": f"{PAGE}?shift=am"},
         "secondary_button": {"label": "Details", "action_url": f"{PAGE}/am"}},
        {"title": "Evening", "image_url": IMAGE, "primary_button": {"label": "Take it", "action_url": f"{PAGE}?shift=pm"}},
    ]}}),
    as_written("viber-template", {"channel": "viber", "sender": "OpsTeam", "template": {
        "id": "a1b2c3d4-0000-4000-8000-000000000001", "lang": "en", "params": {"name": "Ada", "window": "10:00-11:00"}}}),
]

WHATSAPP_TEMPLATE = {"name": "maintenance_notice", "language": {"code": "en_US", "policy": "deterministic"}, "components": [
    {"type": "header", "parameters": [{"type": "image", "image": {"link": IMAGE, "caption": "Rota"}}]},
    {"type": "body", "parameters": [
        {"type": "text", "text": "payment API"},
        {"type": "currency", "currency": {"fallback_value": "EUR 12.50", "code": "EUR", "amount_1000": "12500"}},
        {"type": "date_time", "date_time": {"fallback_value": "June 22, 2030 10:00 UTC"}},
    ]},
    {"type": "button", "sub_type": "quick_reply", "index": 0, "parameters": [{"type": "payload", "payload": "ack-42"}]},
    {"type": "button", "sub_type": "copy_code", "index": 1, "parameters": [{"type": "coupon_code", "coupon_code": "SORRY10"}]},
]}
WHATSAPP = [
    Example("whatsapp-text", {"channel": "whatsapp", "text": "Your parcel arrives today: https://t.example.com/1", "preview_url": False,
                              "sender": "ShopCo", "ttl": 3600},
            {"channel": "whatsapp", "text": {"body": "Your parcel arrives today: https://t.example.com/1", "preview_url": False},
             "sender": "ShopCo", "ttl": 3600}),
    as_written("whatsapp-template", {"channel": "whatsapp", "sender": "ShopCo", "validity": 60, "template": WHATSAPP_TEMPLATE}),
    as_written("whatsapp-template-document", {"channel": "whatsapp", "template": {
        "name": "invoice", "language": {"code": "en"}, "components": [
            {"type": "header", "parameters": [{"type": "document", "document": {
                "link": "https://cdn.example.com/invoice-42.pdf", "caption": "Invoice", "filename": "invoice-42.pdf"}}]}]}}),
    as_written("whatsapp-template-document-by-id", {"channel": "whatsapp", "template": {
        "name": "invoice", "language": {"code": "en"}, "components": [
            {"type": "header", "parameters": [{"type": "document", "document": {"id": "1013859603432"}}]}]}}),
    as_written("whatsapp-template-video", {"channel": "whatsapp", "template": {
        "name": "release_video", "language": {"code": "en"}, "components": [
            {"type": "header", "parameters": [{"type": "video", "video": {"id": "3013859603432", "caption": "Release 4.2"}}]}]}}),
    as_written("whatsapp-template-without-placeholders", {"channel": "whatsapp", "template": {
        "name": "hello_world", "language": {"code": "en_US"}, "components": []}}),
    as_written("whatsapp-image", {"channel": "whatsapp", "image": {"link": IMAGE, "caption": "Rota", "mime_type": "image/png"}}),
    as_written("whatsapp-image-by-id", {"channel": "whatsapp", "image": {"id": "1013859603432"}}),
    as_written("whatsapp-video", {"channel": "whatsapp", "video": {"link": VIDEO, "caption": "Release", "mime_type": "video/mp4"}}),
    as_written("whatsapp-video-by-id", {"channel": "whatsapp", "video": {"id": "3013859603432"}}),
    as_written("whatsapp-audio", {"channel": "whatsapp", "audio": {"id": "2013859603432", "mime_type": "audio/ogg"}}),
    as_written("whatsapp-audio-by-link", {"channel": "whatsapp", "audio": {"link": "https://cdn.example.com/notice.ogg"}}),
    as_written("whatsapp-document", {"channel": "whatsapp", "document": {
        "link": "https://cdn.example.com/invoice-42.pdf", "caption": "Invoice", "file_name": "invoice-42.pdf",
        "mime_type": "application/pdf"}}),
    as_written("whatsapp-document-by-id", {"channel": "whatsapp", "document": {"id": "4013859603432"}}),
    as_written("whatsapp-sticker", {"channel": "whatsapp", "sticker": {
        "link": "https://cdn.example.com/ok.webp", "animated": True, "mime_type": "image/webp"}}),
    as_written("whatsapp-sticker-by-id", {"channel": "whatsapp", "sticker": {"id": "5013859603432"}}),
]

RCS = [
    as_written("rcs-text-suggestions", {"channel": "rcs", "sender": "OpsTeam", "ttl": 300, "text": "Incident 42: payment API degraded",
                                        "suggestions": [REPLY, DIAL, OPEN_PAGE, WEBVIEW, MAP, SEARCH, CALENDAR, SHARE]}),
    as_written("rcs-standalone-card", {"channel": "rcs", "sender": "OpsTeam", "validity": 5, "rich_card": {"standalone_card": {
        "card_orientation": "HORIZONTAL", "thumbnail_image_alignment": "LEFT", "card_content": CARD}}}),
    as_written("rcs-carousel", {"channel": "rcs", "sender": "OpsTeam", "suggestions": [REPLY], "rich_card": {"carousel_card": {
        "card_width": "MEDIUM", "card_contents": [
            CARD,
            {"title": "Checkout", "suggestions": [DIAL]},
            {"description": "Everything else is up", "media": {"height": "SHORT", "content_info": {"file_url": IMAGE, "force_refresh": True}},
             "suggestions": [MAP, CALENDAR, SHARE]},
        ]}}}),
    as_written("rcs-card-actions", {"channel": "rcs", "sender": "OpsTeam", "rich_card": {"standalone_card": {
        "card_orientation": "VERTICAL", "thumbnail_image_alignment": "RIGHT", "card_content": {
            "title": "Maintenance window", "suggestions": [DIAL, MAP, CALENDAR, SHARE]}}}}),
    as_written("rcs-file", {"channel": "rcs", "sender": "OpsTeam", "content_info": CONTENT_INFO}),
]

EXAMPLES = SMS + VIBER + WHATSAPP + RCS
BY_NAME = {example.name: example for example in EXAMPLES}

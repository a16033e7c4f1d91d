# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Read Messente delivery reports: per-channel statuses in plain words and one overall state per omnimessage.

PRIVATE to the messente.omnichannel collection: not a public API, it may change in any release.
"""

from __future__ import annotations

# Messente's delivery error codes (the ``err`` field of a delivery report).
ERR_MEANINGS = {
    0: "No error",
    1: "Delivery failure",
    2: "Sending message expired",
    3: "Invalid number",
    4: "Error crediting account",
    5: "Invalid number format",
    6: "Too many identical messages",
    7: "Sender name not allowed",
    8: "Operator blacklisted",
    9: "Unroutable",
    10: "Seen",
    999: "General temporary error",
}
DELIVERED_STATUSES = frozenset(("DELIVRD", "SEEN"))
IN_FLIGHT_STATUSES = frozenset(("ACK", "ACCEPTD"))
FAILED_STATUSES = frozenset(("FAILED", "UNDELIV", "REJECTD", "EXPIRED", "NACK"))
OVERALL_STATES = ("scheduled", "cancelled", "sent", "delivered", "failed", "unknown")


def describe_statuses(report: dict | None) -> list[dict]:
    """The channel entries of a report, each with the meaning of its ``err`` code spelled out."""
    statuses = report.get("statuses") if isinstance(report, dict) else None
    if not isinstance(statuses, list):
        return []
    described = []
    for item in statuses:
        if isinstance(item, dict):
            entry = {key: item.get(key) for key in ("channel", "message_id", "sender", "status", "err", "error", "timestamp", "price_info")}
            entry["err_meaning"] = ERR_MEANINGS.get(item.get("err")) if item.get("err") is not None else None
            described.append(entry)
    return described


def overall_state(report: dict | None) -> str:
    """One word for where an omnimessage stands, judged across its fallback chain.

    A delivered channel wins; a cancel shows as DELETED; nothing processed yet means still scheduled;
    a chain whose every processed channel failed, with none pending, has failed.
    """
    if report is None:
        return "unknown"
    statuses = [item["status"] for item in describe_statuses(report)]
    if not statuses:
        return "unknown"
    if DELIVERED_STATUSES.intersection(statuses):
        return "delivered"
    if "DELETED" in statuses:
        return "cancelled"
    if all(status is None for status in statuses):
        return "scheduled"
    if IN_FLIGHT_STATUSES.intersection(statuses) or None in statuses:
        return "sent"
    if all(status in FAILED_STATUSES for status in statuses):
        return "failed"
    return "unknown"

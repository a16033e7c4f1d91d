# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Parse and check ``time_to_send`` values before anything is sent to Messente.

PRIVATE to the messente.omnichannel collection: not a public API, it may change in any release.

Messente reads ISO 8601 and takes a time without an offset as UTC. We send the same instant
back as ``YYYY-MM-DDTHH:MM:SS+00:00`` so that what a task reports is exactly what Messente gets.
The clock is always passed in, so tests are exact.
"""

from __future__ import annotations

import re
import traceback
from datetime import datetime, timedelta, timezone

try:
    from dateutil import tz as dateutil_tz
    from dateutil.parser import isoparse
except ImportError:
    HAS_DATEUTIL = False
    DATEUTIL_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_DATEUTIL = True
    DATEUTIL_IMPORT_ERROR = None

UTC = timezone.utc
# The one word that means "send at once": the body then has no time_to_send. Nothing else means now.
SEND_NOW = "now"
CANONICAL_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"
EXPECTED_FORM = (
    "expected an ISO 8601 date-time such as 2030-06-22T09:05, 2030-06-22T09:05:07+04:00 or 2030-06-22T09:05:07Z "
    "(no offset means UTC), or a relative time such as +30m, +2h, +1d or +1h30m"
)
_ISO_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RELATIVE = re.compile(r"^\+(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*$")


class TimeValueError(ValueError):
    """A user-facing reason why a time value was refused; the module fails with it before any request."""


def utc_now() -> datetime:
    """The real clock, kept in one place so every caller can be given a fixed one instead."""
    return datetime.now(UTC)


def format_utc(moment: datetime) -> str:
    """Render an aware datetime in the one canonical form this collection sends and returns."""
    return moment.astimezone(UTC).strftime(CANONICAL_FORMAT)


def parse_utc(text: str) -> datetime:
    """Read back a time this collection wrote with ``format_utc``."""
    return datetime.strptime(text, CANONICAL_FORMAT).replace(tzinfo=UTC)


def resolve_timezone(name: str | None, option: str = "timezone"):
    """Turn an IANA zone name into a tzinfo; None means UTC, Messente's own rule."""
    if name is None:
        return UTC
    zone = dateutil_tz.gettz(name) if _ZONE_NAME.match(name) else None
    # gettz also reads POSIX rules such as "UTC+3", whose sign is the reverse of Etc/GMT+3: only real zone files count.
    if not isinstance(zone, (dateutil_tz.tzfile, dateutil_tz.tzutc)):
        raise TimeValueError(f"{option}: {name!r} is not a known IANA time zone name (for example Europe/Tallinn or UTC)")
    return zone


def parse_time_to_send(value: str, now: datetime, zone_name: str | None = None, option: str = "time_to_send",
                       require_future: bool = True) -> datetime:
    """Return the UTC instant ``value`` stands for, refusing anything that is not strictly in the future (unless told)."""
    zone = resolve_timezone(zone_name)
    text = (value or "").strip()
    if not text:
        raise TimeValueError(f"{option} must not be empty; {EXPECTED_FORM}")
    relative = _RELATIVE.match(text)
    try:
        moment = now + _relative_delta(relative) if relative else _parse_absolute(text, zone, zone_name, option)
        moment = moment.astimezone(UTC).replace(microsecond=0)
    except OverflowError:
        raise TimeValueError(f"{option} {value!r} lies beyond the year 9999 UTC; {EXPECTED_FORM}") from None
    if require_future and moment <= now:
        raise TimeValueError(
            f"{option} {value!r} is {format_utc(moment)}, which is not in the future "
            f"(now is {format_utc(now)} UTC); a scheduled message needs a time after now"
        )
    return moment


def normalize_time_to_send(value: str, now: datetime, zone_name: str | None = None, option: str = "time_to_send",
                           require_future: bool = True) -> str:
    """The canonical UTC string for ``value``, or a TimeValueError explaining the problem."""
    return format_utc(parse_time_to_send(value, now, zone_name, option, require_future))


def means_now(value: object) -> bool:
    """Whether ``value`` is ``now``: only that word (surrounding spaces aside, as for any time) sends at once."""
    return isinstance(value, str) and value.strip() == SEND_NOW


def is_relative(value: str | None) -> bool:
    """Whether ``value`` is a time relative to now (+2h), which a keyed message resolves only once."""
    return isinstance(value, str) and _RELATIVE.match(value.strip()) is not None


def _relative_delta(match: re.Match) -> timedelta:
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def _parse_absolute(text: str, zone, zone_name: str | None, option: str) -> datetime:
    if _DATE_ONLY.match(text):
        raise TimeValueError(f"{option} {text!r} is a date without a time of day; {EXPECTED_FORM}")
    if not _ISO_DATE_TIME.match(text):
        raise TimeValueError(f"{option} {text!r} is not an ISO 8601 date-time; {EXPECTED_FORM}")
    try:
        moment = isoparse(text)
    except (ValueError, OverflowError) as exc:
        raise TimeValueError(f"{option} {text!r} is not a valid date-time ({exc}); {EXPECTED_FORM}") from None
    if moment.tzinfo is not None:
        return moment
    if zone_name is None:
        return moment.replace(tzinfo=UTC)
    return _localize(moment, zone, zone_name, option)


def _localize(naive: datetime, zone, zone_name: str, option: str) -> datetime:
    """Attach a named zone, refusing wall-clock times that DST skips or repeats, since guessing would move the send."""
    local = naive.replace(tzinfo=zone)
    shown = naive.isoformat()
    if not dateutil_tz.datetime_exists(local):
        raise TimeValueError(
            f"{option} {shown} does not exist in {zone_name}: the clocks skip it for daylight saving time; "
            "choose a time outside the gap or give an explicit UTC offset"
        )
    if dateutil_tz.datetime_ambiguous(local):
        offsets = " or ".join(_offset_text(local.replace(fold=fold)) for fold in (0, 1))
        raise TimeValueError(
            f"{option} {shown} happens twice in {zone_name} because the clocks go back; "
            f"give an explicit UTC offset ({offsets}) to say which one you mean"
        )
    return local


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"

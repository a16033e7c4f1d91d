# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""time_to_send parsing with an injected clock: exact cases for every accepted form, and properties for the rest."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.messente.omnichannel.plugins.module_utils._time import (
    TimeValueError,
    format_utc,
    normalize_time_to_send,
    parse_time_to_send,
    resolve_timezone,
)

UTC = timezone.utc
# A clock with a fraction of a second, to show that results are cut to whole seconds.
NOW = datetime(2030, 1, 1, 0, 0, 0, 250000, tzinfo=UTC)
CANONICAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, database=None)


@pytest.mark.parametrize(("value", "expected"), [
    ("2030-06-22T09:05", "2030-06-22T09:05:00+00:00"),
    ("2030-06-22T09:05:07", "2030-06-22T09:05:07+00:00"),
    ("2030-06-22T09:05:07+04:00", "2030-06-22T05:05:07+00:00"),
    ("2030-06-22T09:05:07-03:30", "2030-06-22T12:35:07+00:00"),
    ("2030-06-22T09:05:07+0400", "2030-06-22T05:05:07+00:00"),
    ("2030-06-22T09:05+04", "2030-06-22T05:05:00+00:00"),
    ("2030-06-22T23:30-02:00", "2030-06-23T01:30:00+00:00"),
    ("2030-06-22T09:05:07Z", "2030-06-22T09:05:07+00:00"),
    ("2030-06-22T09:05:07+00:00", "2030-06-22T09:05:07+00:00"),
    ("2030-06-22T09:05:07.999999Z", "2030-06-22T09:05:07+00:00"),
    ("2030-06-22T09:05:07,5Z", "2030-06-22T09:05:07+00:00"),
    ("2030-06-22T09:05:07.123456789", "2030-06-22T09:05:07+00:00"),
    ("2030-06-22 09:05:07.123456", "2030-06-22T09:05:07+00:00"),
    ("2030-06-22 09:05", "2030-06-22T09:05:00+00:00"),
    ("  2030-06-22T09:05  ", "2030-06-22T09:05:00+00:00"),
    ("2030-01-01T00:00:01Z", "2030-01-01T00:00:01+00:00"),
    ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59+00:00"),
], ids=str)
def test_absolute_times_become_the_same_instant_in_utc(value: str, expected: str) -> None:
    assert normalize_time_to_send(value, NOW) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("+30m", "2030-01-01T00:30:00+00:00"),
    ("+2h", "2030-01-01T02:00:00+00:00"),
    ("+1d", "2030-01-02T00:00:00+00:00"),
    ("+1h30m", "2030-01-01T01:30:00+00:00"),
    ("+1d2h3m4s", "2030-01-02T02:03:04+00:00"),
    ("+90s", "2030-01-01T00:01:30+00:00"),
    ("+400d", "2031-02-05T00:00:00+00:00"),
])
def test_relative_times_count_from_the_injected_clock(value: str, expected: str) -> None:
    assert normalize_time_to_send(value, NOW) == expected
    assert normalize_time_to_send(value, NOW, "Europe/Tallinn") == expected


@pytest.mark.parametrize(("value", "zone", "expected"), [
    ("2030-06-22T09:05", "Europe/Tallinn", "2030-06-22T06:05:00+00:00"),
    ("2030-12-22T09:05", "Europe/Tallinn", "2030-12-22T07:05:00+00:00"),
    ("2030-01-15 09:00", "America/New_York", "2030-01-15T14:00:00+00:00"),
    ("2030-07-15 09:00", "America/New_York", "2030-07-15T13:00:00+00:00"),
    ("2030-06-22T09:05", "UTC", "2030-06-22T09:05:00+00:00"),
    ("2030-06-22T09:05Z", "Europe/Tallinn", "2030-06-22T09:05:00+00:00"),
    ("2030-06-22T09:05+01:00", "Asia/Tokyo", "2030-06-22T08:05:00+00:00"),
    # Both DST transitions of Europe/Tallinn are fine once an explicit offset says which instant is meant.
    ("2030-03-31T03:30+03:00", "Europe/Tallinn", "2030-03-31T00:30:00+00:00"),
    ("2030-03-31T04:30", "Europe/Tallinn", "2030-03-31T01:30:00+00:00"),
    ("2030-03-31T02:59", "Europe/Tallinn", "2030-03-31T00:59:00+00:00"),
    ("2030-10-27T03:30+03:00", "Europe/Tallinn", "2030-10-27T00:30:00+00:00"),
    ("2030-10-27T03:30+02:00", "Europe/Tallinn", "2030-10-27T01:30:00+00:00"),
    ("2030-10-27T04:00", "Europe/Tallinn", "2030-10-27T02:00:00+00:00"),
])
def test_times_without_offset_are_read_in_the_timezone_option(value: str, zone: str, expected: str) -> None:
    assert normalize_time_to_send(value, NOW, zone) == expected


def test_dst_gap_is_refused_with_advice() -> None:
    with pytest.raises(TimeValueError) as refused:
        parse_time_to_send("2030-03-31T03:30", NOW, "Europe/Tallinn")
    assert str(refused.value) == (
        "time_to_send 2030-03-31T03:30:00 does not exist in Europe/Tallinn: the clocks skip it for daylight saving time; "
        "choose a time outside the gap or give an explicit UTC offset"
    )


def test_dst_fold_is_refused_with_both_offsets() -> None:
    with pytest.raises(TimeValueError) as refused:
        parse_time_to_send("2030-10-27T03:30", NOW, "Europe/Tallinn")
    assert str(refused.value) == (
        "time_to_send 2030-10-27T03:30:00 happens twice in Europe/Tallinn because the clocks go back; "
        "give an explicit UTC offset (+03:00 or +02:00) to say which one you mean"
    )


def test_past_time_names_both_instants() -> None:
    with pytest.raises(TimeValueError) as refused:
        parse_time_to_send("2029-12-31T23:59:59Z", NOW)
    assert str(refused.value) == (
        "time_to_send '2029-12-31T23:59:59Z' is 2029-12-31T23:59:59+00:00, which is not in the future "
        "(now is 2030-01-01T00:00:00+00:00 UTC); a scheduled message needs a time after now"
    )


@pytest.mark.parametrize("value", ["2030-01-01T00:00:00Z", "2030-01-01T00:00:00.9", "+0m", "+0d0h0m0s"])
def test_now_itself_is_not_in_the_future(value: str) -> None:
    with pytest.raises(TimeValueError, match="which is not in the future"):
        parse_time_to_send(value, NOW)


@pytest.mark.parametrize(("value", "fragment"), [
    ("", "time_to_send must not be empty"),
    ("2030-06-22", "is a date without a time of day"),
    ("2030-06-22T9:05", "is not an ISO 8601 date-time"),
    ("22.06.2030 09:05", "is not an ISO 8601 date-time"),
    ("2030-06-22t09:05z", "is not an ISO 8601 date-time"),
    ("2030-06-22T09:05:07+04:00:00", "is not an ISO 8601 date-time"),
    ("+1w", "is not an ISO 8601 date-time"),
    ("+1m30h", "is not an ISO 8601 date-time"),
    ("+", "is not an ISO 8601 date-time"),
    ("2030-02-29T09:00", "is not a valid date-time"),
    ("2030-06-31T09:00", "is not a valid date-time"),
    ("2030-00-10T09:00", "is not a valid date-time"),
    ("0000-01-01T00:00", "is not a valid date-time"),
])
def test_refused_forms_explain_what_is_expected(value: str, fragment: str) -> None:
    with pytest.raises(TimeValueError) as refused:
        parse_time_to_send(value, NOW)
    assert fragment in str(refused.value)
    assert "such as 2030-06-22T09:05" in str(refused.value)


@pytest.mark.parametrize("value", ["+9999999999d", "+999999999d", "9999-12-31T23:59:00-01:00"])
def test_times_beyond_the_calendar_are_refused_not_crashed(value: str) -> None:
    with pytest.raises(TimeValueError) as refused:
        parse_time_to_send(value, NOW)
    assert str(refused.value).startswith(f"time_to_send {value!r} lies beyond the year 9999 UTC; expected an ISO 8601 date-time")


def test_option_name_is_used_in_messages() -> None:
    with pytest.raises(TimeValueError, match=r"^send_at must not be empty"):
        parse_time_to_send(" ", NOW, option="send_at")


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "../etc/passwd", "/usr/share/zoneinfo/UTC", "", "Europe/"])
def test_unknown_timezones_are_refused(name: str) -> None:
    with pytest.raises(TimeValueError) as refused:
        resolve_timezone(name)
    assert str(refused.value) == f"timezone: {name!r} is not a known IANA time zone name (for example Europe/Tallinn or UTC)"


def test_no_timezone_means_utc() -> None:
    assert resolve_timezone(None) is UTC


def test_format_utc_converts_to_utc() -> None:
    assert format_utc(datetime(2030, 6, 22, 12, 5, 7, 900, tzinfo=timezone(timedelta(hours=3)))) == "2030-06-22T09:05:07+00:00"


# --- properties -------------------------------------------------------------------------------------------------

OFFSETS = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(lambda minutes: timezone(timedelta(minutes=minutes)))
FUTURE = {"min_value": datetime(2030, 1, 2), "max_value": datetime(9998, 12, 31)}


def render(moment: datetime, separator: str, seconds_only: bool) -> str:
    text = moment.isoformat(sep=separator, timespec="seconds" if seconds_only else "auto")
    return text[:-6] + "Z" if text.endswith("+00:00") and separator == "T" else text


@PROPERTY_SETTINGS
@given(moment=st.datetimes(timezones=OFFSETS, **FUTURE), separator=st.sampled_from("T "), seconds_only=st.booleans())
def test_any_aware_time_is_the_same_utc_instant(moment: datetime, separator: str, seconds_only: bool) -> None:
    text = normalize_time_to_send(render(moment, separator, seconds_only), NOW)

    assert CANONICAL.match(text)
    assert datetime.fromisoformat(text) == moment.replace(microsecond=0)


@PROPERTY_SETTINGS
@given(moment=st.datetimes(**FUTURE), separator=st.sampled_from("T "), seconds_only=st.booleans())
def test_any_naive_time_is_read_as_utc(moment: datetime, separator: str, seconds_only: bool) -> None:
    text = normalize_time_to_send(moment.isoformat(sep=separator, timespec="seconds" if seconds_only else "auto"), NOW)

    assert CANONICAL.match(text)
    assert text == moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S+00:00")


@PROPERTY_SETTINGS
@given(days=st.integers(0, 3650), hours=st.integers(0, 48), minutes=st.integers(0, 120), seconds=st.integers(0, 120))
def test_any_positive_relative_time_is_now_plus_that_much(days: int, hours: int, minutes: int, seconds: int) -> None:
    text = f"+{days}d{hours}h{minutes}m{seconds}s"
    delta = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if delta < timedelta(seconds=1):
        with pytest.raises(TimeValueError):
            normalize_time_to_send(text, NOW)
        return

    result = normalize_time_to_send(text, NOW)

    assert CANONICAL.match(result)
    assert datetime.fromisoformat(result) == (NOW + delta).replace(microsecond=0)

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
                                           "button_text": "Open"}], "messages[0].text: is required when a viber button is set", text=DROP),
    channel("viber-button-url-alone", [{"channel": "viber", "button_url": "https://example.com"}],
            "messages[0]: button_url and button_text go together: set both or neither"),
    channel("viber-nothing-to-send", [{"channel": "viber"}], "messages[0]: a viber message needs text, image_url, or both", text=DROP),
    channel("viber-image-not-http", [{"channel": "viber", "image_url": "file:///etc/passwd"}], f"messages[0].image_url: 'file:///etc/passwd' {NOT_URL}"),
    channel("whatsapp-without-text", [{"channel": "whatsapp"}], "messages[0].text: is required for the whatsapp channel", text=DROP),
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

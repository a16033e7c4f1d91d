# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The watchdog's pure decisions: configuration checks, alert texts and the end-of-run decision table."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone
from typing import Any

import pytest

from ansible_collections.messente.omnichannel.plugins.module_utils._watchdog import (
    CANCEL,
    KEEP,
    SEND_NOW,
    Failure,
    alert_omnimessages,
    decide,
    failed_hosts,
    failure_text,
    failures_to_name,
    parse_config,
    render_text,
)
from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import API_URL, PASSWORD, USERNAME

NOW = datetime(2030, 6, 1, 8, 0, 0, tzinfo=timezone.utc)
DEADLINE = datetime(2030, 6, 1, 9, 30, 0, tzinfo=timezone.utc)


def options(**overrides: Any) -> dict[str, Any]:
    """Options as Ansible's config manager hands them over: the documented defaults plus the required ones."""
    values: dict[str, Any] = {
        "recipients": ["+37251234567"], "deadline": "+1h", "text": "Playbook {playbook} on {host} overdue",
        "on_failure": "send_now", "sender": None, "api_username": USERNAME, "api_password": PASSWORD,
        "api_url": API_URL, "validate_certs": True, "timeout": 10.0,
    }
    values.update(overrides)
    return values


# --- configuration --------------------------------------------------------------------------------------------------


def test_a_full_configuration_is_normalized() -> None:
    config = parse_config(options(recipients=["+372 5123 4567", "+1 (202) 555-0100"], deadline=" +1h30m ", sender="OpsTeam",
                                  on_failure="keep", timeout=3, validate_certs=False), NOW)

    assert config.recipients == ("+37251234567", "+12025550100")
    assert (config.deadline, config.on_failure, config.sender, config.timeout, config.validate_certs) == ("+1h30m", "keep", "OpsTeam", 3.0, False)
    assert (config.api_url, config.api_username, config.api_password) == (API_URL, USERNAME, PASSWORD)


def test_a_comma_separated_string_of_recipients_is_split() -> None:
    assert parse_config(options(recipients="+37251234567, +37251234568"), NOW).recipients == ("+37251234567", "+37251234568")


def test_the_password_is_not_in_the_repr() -> None:
    config = parse_config(options(), NOW)

    assert PASSWORD not in repr(config)
    assert USERNAME in repr(config)


BAD_OPTIONS = {
    "no recipients": ({"recipients": None}, "recipients: must be comma-separated E.164 phone numbers"),
    "empty recipient list": ({"recipients": []}, "recipients: must name at least one recipient"),
    "empty recipient": ({"recipients": [""]}, "recipients[0]: must be a phone number in E.164 format"),
    "bad number": ({"recipients": ["+37251234567", "12345"]}, "recipients[1]: '12345' is not an E.164 phone number"),
    "repeated number": ({"recipients": ["+37251234567", "+372 5123 4567"]}, "recipients[1]: +37251234567 is already listed"),
    "recipient dict": ({"recipients": {"to": "+37251234567"}}, "recipients: must be comma-separated E.164 phone numbers"),
    "recipient number": ({"recipients": 37251234567}, "recipients: must be comma-separated E.164 phone numbers"),
    "nested recipient": ({"recipients": [["+37251234567"]]}, "recipients[0]: must be a phone number in E.164 format"),
    "absolute deadline": ({"deadline": "2030-06-01T09:00:00Z"}, "deadline: must be a time relative to the start of the run"),
    "deadline words": ({"deadline": "tomorrow"}, "deadline: must be a time relative to the start of the run"),
    "deadline bad unit": ({"deadline": "+1x"}, "deadline '+1x' is not an ISO 8601 date-time"),
    "deadline zero": ({"deadline": "+0m"}, "deadline '+0m' is 2030-06-01T08:00:00+00:00, which is not in the future"),
    "deadline empty": ({"deadline": ""}, "deadline: must be a time relative"),
    "deadline none": ({"deadline": None}, "deadline: must be a time relative"),
    "deadline list": ({"deadline": ["+1h"]}, "deadline: must be a time relative"),
    "deadline number": ({"deadline": 3600}, "deadline: must be a time relative"),
    "text none": ({"text": None}, "text: must be a non-empty string, got None"),
    "text blank": ({"text": "  "}, "text: must be a non-empty string, got '  '"),
    "text dict": ({"text": {"a": 1}}, "text: must be a non-empty string, got {'a': 1}"),
    "unknown placeholder": ({"text": "{playbook} late, {owner}"},
                            "text: has the unknown placeholder {owner}; the known ones are {playbook}, {host}, {started}, {deadline}"),
    "positional placeholder": ({"text": "late {0}"}, "text: is not a valid template (Replacement index 0 out of range"),
    "single brace": ({"text": "late {"}, "text: is not a valid template (Single '{' encountered in format string); use the placeholders"),
    "bad format spec": ({"text": "{started:%H}"}, "text: is not a valid template (Invalid format specifier"),
    "on_failure unknown": ({"on_failure": "explode"}, "on_failure: must be one of send_now, keep, cancel, got 'explode'"),
    "on_failure none": ({"on_failure": None}, "on_failure: must be one of send_now, keep, cancel, got None"),
    "on_failure list": ({"on_failure": ["keep"]}, "on_failure: must be one of send_now, keep, cancel, got ['keep']"),
    "sender empty": ({"sender": ""}, "sender: must not be empty; leave it out to use the account's default sender"),
    "sender number": ({"sender": 42}, "sender: must not be empty; leave it out to use the account's default sender, got 42"),
    "username missing": ({"api_username": None}, "api_username: must be a non-empty string, got None"),
    "url not http": ({"api_url": "ftp://127.0.0.1/v1"}, "api_url: 'ftp://127.0.0.1/v1' is not an absolute http:// or https:// URL"),
    "url none": ({"api_url": None}, "api_url: must be a non-empty string, got None"),
    "validate_certs string": ({"validate_certs": "yes"}, "validate_certs: must be true or false, got 'yes'"),
    "timeout zero": ({"timeout": 0}, "timeout: must be a positive number of seconds, got 0"),
    "timeout negative": ({"timeout": -1.5}, "timeout: must be a positive number of seconds, got -1.5"),
    "timeout bool": ({"timeout": True}, "timeout: must be a positive number of seconds, got True"),
    "timeout string": ({"timeout": "10"}, "timeout: must be a positive number of seconds, got '10'"),
}


@pytest.mark.parametrize(("overrides", "message"), BAD_OPTIONS.values(), ids=BAD_OPTIONS.keys())
def test_every_bad_option_is_refused_by_name(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_config(options(**overrides), NOW)

    assert str(refused.value).startswith(message), str(refused.value)


@pytest.mark.parametrize("password", [None, "", []], ids=["none", "empty", "list"])
def test_a_missing_password_is_named_without_echoing_the_value(password: Any) -> None:
    with pytest.raises(ValueError) as refused:
        parse_config(options(api_password=password), NOW)

    assert str(refused.value) == "api_password: must be a non-empty string"


def test_literal_braces_are_allowed() -> None:
    config = parse_config(options(text="{{ops}} {playbook} late"), NOW)

    assert render_text(config.text, "site.yml", "ctl", NOW, DEADLINE) == "{ops} site.yml late"


# --- texts and bodies -----------------------------------------------------------------------------------------------


def test_the_scheduled_text_fills_every_placeholder_in_utc() -> None:
    text = render_text("{playbook}|{host}|{started}|{deadline}", "site.yml", "ctl-1", NOW, DEADLINE)

    assert text == "site.yml|ctl-1|2030-06-01 08:00:00 UTC|2030-06-01 09:30:00 UTC"


def test_the_failure_text_names_hosts_and_tasks_and_caps_the_list() -> None:
    failures = [Failure("web1", "Restart nginx"), Failure("db1", "Gathering Facts", unreachable=True)]
    failures += [Failure(f"app{index}", "Deploy") for index in range(5)]

    text = failure_text("site.yml", "ctl-1", NOW, failures)

    assert text == ("FAILED: Ansible playbook site.yml on ctl-1 (started 2030-06-01 08:00:00 UTC): web1 failed at task "
                    "'Restart nginx'; db1 unreachable at task 'Gathering Facts'; app0 failed at task 'Deploy'; "
                    "app1 failed at task 'Deploy'; app2 failed at task 'Deploy'; and 2 more.")


def test_alerts_are_one_sms_per_recipient_scheduled_or_immediate() -> None:
    config = parse_config(options(recipients=["+37251234567", "+37251234568"], sender="OpsTeam"), NOW)

    scheduled = alert_omnimessages(config, "late", "2030-06-01T09:00:00+00:00")
    immediate = alert_omnimessages(config, "failed")

    assert scheduled == [
        {"to": "+37251234567", "messages": [{"channel": "sms", "sender": "OpsTeam", "text": "late"}], "time_to_send": "2030-06-01T09:00:00+00:00"},
        {"to": "+37251234568", "messages": [{"channel": "sms", "sender": "OpsTeam", "text": "late"}], "time_to_send": "2030-06-01T09:00:00+00:00"},
    ]
    assert immediate == [{"to": number, "messages": [{"channel": "sms", "sender": "OpsTeam", "text": "failed"}]}
                         for number in ("+37251234567", "+37251234568")]


# --- the end of the run -----------------------------------------------------------------------------------------------


def test_failed_hosts_are_those_with_failures_or_unreachable() -> None:
    summaries = {
        "ok": {"ok": 3, "failures": 0, "unreachable": 0, "rescued": 0, "ignored": 0},
        "rescued": {"ok": 2, "failures": 0, "unreachable": 0, "rescued": 1, "ignored": 0},
        "ignored": {"ok": 2, "failures": 0, "unreachable": 0, "rescued": 0, "ignored": 1},
        "web2": {"ok": 1, "failures": 1, "unreachable": 0},
        "db1": {"ok": 0, "failures": 0, "unreachable": 1},
    }

    assert failed_hosts(summaries) == ["db1", "web2"]


def test_only_failures_of_failed_hosts_are_named_in_order_and_none_is_lost() -> None:
    recorded = [Failure("web1", "Check"), Failure("rescued", "Try"), Failure("app1", "Sync", unreachable=True), Failure("web1", "Retry")]

    assert failures_to_name(["app1", "db1", "web1"], recorded) == [
        Failure("web1", "Check"), Failure("app1", "Sync", unreachable=True), Failure("web1", "Retry"), Failure("db1", "unknown")]


DECISIONS = {
    # (run failed, on_failure, alert scheduled): actions in order
    (False, SEND_NOW, True): (CANCEL,),
    (False, KEEP, True): (CANCEL,),
    (False, CANCEL, True): (CANCEL,),
    (False, SEND_NOW, False): (),
    (False, KEEP, False): (),
    (False, CANCEL, False): (),
    (True, SEND_NOW, True): (SEND_NOW, CANCEL),
    (True, KEEP, True): (),
    (True, CANCEL, True): (CANCEL,),
    (True, SEND_NOW, False): (SEND_NOW,),
    (True, KEEP, False): (),
    (True, CANCEL, False): (),
}


def test_the_decision_table_covers_every_combination() -> None:
    combinations = set(itertools.product((False, True), (SEND_NOW, KEEP, CANCEL), (False, True)))

    assert set(DECISIONS) == combinations


@pytest.mark.parametrize(("case", "actions"), DECISIONS.items(), ids=[f"failed={f}-{o}-scheduled={s}" for f, o, s in DECISIONS])
def test_decision(case: tuple[bool, str, bool], actions: tuple[str, ...]) -> None:
    assert decide(*case) == actions


@pytest.mark.parametrize("on_failure", [None, "", "SEND_NOW", ["keep"]])
def test_decision_refuses_an_unknown_on_failure(on_failure: Any) -> None:
    with pytest.raises(ValueError, match="on_failure must be one of send_now, keep, cancel"):
        decide(True, on_failure, True)

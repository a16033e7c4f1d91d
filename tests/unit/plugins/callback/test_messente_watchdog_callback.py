# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The watchdog callback driven through its Ansible events, configured by environment variables, over scripted HTTP.

The options are registered from the plugin's own DOCUMENTATION, the way Ansible's plugin loader does, so the
environment variable names and defaults tested here are the documented ones.
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
import yaml

from ansible import constants as C
from ansible import context
from ansible.executor.stats import AggregateStats
from ansible.module_utils.common.collections import ImmutableDict

from ansible_collections.messente.omnichannel.plugins.callback import watchdog
from ansible_collections.messente.omnichannel.plugins.module_utils import _time
from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import (
    API_URL,
    NOW,
    PASSWORD,
    USERNAME,
    Call,
    ScriptedHTTP,
    assert_no_secret,
)

try:  # ansible-core 2.19 and later
    from ansible.module_utils import _internal as ansible_internal
except ImportError:  # older cores have no process-wide controller flag
    ansible_internal = None

# Importing controller code (the callback) marks the whole pytest process as an Ansible controller, and from then on
# module warnings go to Display instead of the module result, which the module tests check. Keep the flag off outside
# this file's tests, and on while they run, as it is in ansible-playbook.
if ansible_internal is not None:
    ansible_internal.is_controller = False

LOAD_NAME = "messente.omnichannel.watchdog"
RECIPIENT = "+37251234567"
OTHER = "+37251234568"
SCHEDULED_ID = "4f1a4a3e-52a2-4b8a-9e63-0c3c6b0c1f9e"
NOW_ID = "8f4b1f7e-2c4d-4a8b-9e57-1d2c3b4a5f60"
SEND_URL = f"{API_URL}/omnimessage"
CANCEL_URL = f"{SEND_URL}/{SCHEDULED_ID}"
DUE = "2030-06-01T09:00:00+00:00"
DEFAULT_TEXT = ("ALERT: Ansible playbook site.yml started on ctl-1 at 2030-06-01 08:00:00 UTC has not finished by "
                "2030-06-01 09:00:00 UTC.")
WATCHDOG_ENV = ("MESSENTE_WATCHDOG_TO", "MESSENTE_WATCHDOG_DEADLINE", "MESSENTE_WATCHDOG_TEXT", "MESSENTE_WATCHDOG_ON_FAILURE",
                "MESSENTE_WATCHDOG_SENDER", "MESSENTE_WATCHDOG_VALIDATE_CERTS", "MESSENTE_WATCHDOG_TIMEOUT")


class RecordingDisplay:
    """Stands in for Ansible's Display: keeps warnings, normal lines and -v lines apart."""

    verbosity = 0

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.lines: list[str] = []
        self.verbose: list[str] = []

    def warning(self, msg: str, formatted: bool = False) -> None:
        self.warnings.append(msg)

    def display(self, msg: str, **_kwargs: Any) -> None:
        self.lines.append(msg)

    def v(self, msg: str, host: str | None = None) -> None:
        self.verbose.append(msg)

    def everything(self) -> str:
        return json.dumps([self.warnings, self.lines, self.verbose])


class Named:
    def __init__(self, name: str) -> None:
        self.name = name

    def get_name(self) -> str:
        return self.name


def task_result(host: str, task: str) -> SimpleNamespace:
    """What a callback reads from a task result in ansible-core 2.19 and later."""
    return SimpleNamespace(host=Named(host), task=Named(task))


def stats(**hosts: dict[str, int]) -> AggregateStats:
    """Real end-of-run stats, counted the way the strategy counts them (AggregateStats calls unreachable "dark")."""
    aggregate = AggregateStats()
    for host, counts in hosts.items():
        for what, count in counts.items():
            for _index in range(count):
                aggregate.increment("dark" if what == "unreachable" else what, host)
    return aggregate


def created(omnimessage_id: str, to: str = RECIPIENT) -> dict[str, Any]:
    return {"messages": [{"channel": "sms", "message_id": "9e2d3b6a-3c1e-4f4f-8a0b-7d6c5b4a3f21", "sender": "Ops"}],
            "to": to, "omnimessage_id": omnimessage_id}


def schedule_call(text: str = DEFAULT_TEXT, **answer: Any) -> Call:
    body = {"to": RECIPIENT, "messages": [{"channel": "sms", "text": text}], "time_to_send": DUE}
    return Call("POST", SEND_URL, body=body, **(answer or {"status": 201, "reply": created(SCHEDULED_ID)}))


def send_now_call(text: str, **answer: Any) -> Call:
    body = {"to": RECIPIENT, "messages": [{"channel": "sms", "text": text}]}
    return Call("POST", SEND_URL, body=body, **(answer or {"status": 201, "reply": created(NOW_ID)}))


def failed_text(*failures: str) -> str:
    return f"FAILED: Ansible playbook site.yml on ctl-1 (started 2030-06-01 08:00:00 UTC): {'; '.join(failures)}."


CANCEL_CALL = Call("DELETE", CANCEL_URL, status=202, reply={})
PLAYBOOK = SimpleNamespace(_file_name="/srv/ansible/site.yml")


@pytest.fixture(scope="module", autouse=True)
def option_definitions() -> None:
    """What the plugin loader does when it loads the callback: register the options from DOCUMENTATION."""
    C.config.initialize_plugin_configuration_definitions("callback", LOAD_NAME, yaml.safe_load(watchdog.DOCUMENTATION)["options"])


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The callback configured by environment variables only, a fixed clock and controller name, no --check."""
    if ansible_internal is not None:
        monkeypatch.setattr(ansible_internal, "is_controller", True)
    for name in WATCHDOG_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in (("MESSENTE_WATCHDOG_TO", RECIPIENT), ("MESSENTE_API_USERNAME", USERNAME),
                        ("MESSENTE_API_PASSWORD", PASSWORD), ("MESSENTE_API_URL", API_URL)):
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(_time, "utc_now", lambda: NOW)
    monkeypatch.setattr(watchdog.socket, "gethostname", lambda: "ctl-1")
    monkeypatch.setattr(context, "CLIARGS", ImmutableDict(check=False))
    return monkeypatch


@pytest.fixture
def display(env: pytest.MonkeyPatch) -> Iterator[RecordingDisplay]:
    """Whatever a test makes the callback print must never hold a form of the password."""
    del env  # requested for its settings only
    shown = RecordingDisplay()
    yield shown
    assert_no_secret("the watchdog's output", shown.everything())


def load(display: RecordingDisplay) -> watchdog.CallbackModule:
    """Create and configure the callback the way ansible-core's TaskQueueManager does."""
    callback = watchdog.CallbackModule(display=display)
    callback._load_name = LOAD_NAME  # pylint: disable=protected-access
    callback.set_options()
    return callback


def set_env(env: pytest.MonkeyPatch, **variables: str) -> None:
    for name, value in variables.items():
        env.setenv(name, value)


def run_play(callback: watchdog.CallbackModule, end: AggregateStats, *failures: tuple[str, str, str]) -> None:
    """Start a playbook, report ("failed" | "ignored" | "unreachable", host, task) results, end it."""
    callback.v2_playbook_on_start(PLAYBOOK)
    for kind, host, task in failures:
        if kind == "unreachable":
            callback.v2_runner_on_unreachable(task_result(host, task))
        else:
            callback.v2_runner_on_failed(task_result(host, task), ignore_errors=kind == "ignored")
    callback.v2_playbook_on_stats(end)


# --- the three outcomes ---------------------------------------------------------------------------------------------------


def test_a_good_run_schedules_at_start_plus_deadline_and_cancels(http: ScriptedHTTP, display: RecordingDisplay) -> None:
    http.script(schedule_call(), CANCEL_CALL)

    run_play(load(display), stats(localhost={"ok": 2}))

    assert [seen.timeout for seen in http.seen] == [10.0, 10.0]
    assert all(seen.verify is True for seen in http.seen)
    assert display.warnings == []
    assert display.lines == [
        f"{LOAD_NAME}: alert {SCHEDULED_ID} scheduled for 2030-06-01 09:00:00 UTC unless the run ends well before",
        f"{LOAD_NAME}: the run ended without failures; the scheduled alert was cancelled",
    ]


def test_a_failed_run_sends_an_alert_naming_hosts_and_tasks_then_cancels(http: ScriptedHTTP, display: RecordingDisplay) -> None:
    http.script(schedule_call(), send_now_call(failed_text("web2 failed at task 'Restart nginx'", "db1 unreachable at task 'Gathering Facts'")),
                CANCEL_CALL)

    run_play(load(display), stats(web1={"ok": 1, "ignored": 1}, web2={"failures": 1}, db1={"unreachable": 1}),
             ("ignored", "web1", "Probe"), ("failed", "web2", "Restart nginx"), ("unreachable", "db1", "Gathering Facts"))

    assert display.warnings == []
    assert display.lines[-1] == (f"{LOAD_NAME}: 2 host(s) failed or were unreachable; an alert naming the failures was sent now; "
                                 "the scheduled alert was cancelled")


def test_a_rescued_failure_counts_as_a_good_run(http: ScriptedHTTP, display: RecordingDisplay) -> None:
    http.script(schedule_call(), CANCEL_CALL)

    run_play(load(display), stats(web1={"ok": 2, "rescued": 1}), ("failed", "web1", "Try the fast way"))

    assert display.lines[-1] == f"{LOAD_NAME}: the run ended without failures; the scheduled alert was cancelled"


def test_on_failure_keep_leaves_the_alert_scheduled(http: ScriptedHTTP, display: RecordingDisplay, env: pytest.MonkeyPatch) -> None:
    set_env(env, MESSENTE_WATCHDOG_ON_FAILURE="keep")
    http.script(schedule_call())

    run_play(load(display), stats(web2={"failures": 1}), ("failed", "web2", "Deploy"))

    assert display.lines[-1] == (f"{LOAD_NAME}: 1 host(s) failed or were unreachable; the scheduled alert stays and goes out at "
                                 "2030-06-01 09:00:00 UTC")


def test_on_failure_cancel_cancels_and_sends_nothing(http: ScriptedHTTP, display: RecordingDisplay, env: pytest.MonkeyPatch) -> None:
    set_env(env, MESSENTE_WATCHDOG_ON_FAILURE="cancel")
    http.script(schedule_call(), CANCEL_CALL)

    run_play(load(display), stats(web2={"failures": 1}), ("failed", "web2", "Deploy"))

    assert display.lines[-1] == f"{LOAD_NAME}: 1 host(s) failed or were unreachable; the scheduled alert was cancelled"


# --- configuration from the environment ------------------------------------------------------------------------------


def test_the_callback_reads_exactly_the_documented_options() -> None:
    assert sorted(watchdog.OPTION_NAMES) == sorted(yaml.safe_load(watchdog.DOCUMENTATION)["options"])


def test_every_option_is_read_from_its_environment_variable(http: ScriptedHTTP, display: RecordingDisplay, env: pytest.MonkeyPatch) -> None:
    set_env(env, MESSENTE_WATCHDOG_TO=f"{RECIPIENT},{OTHER}", MESSENTE_WATCHDOG_DEADLINE="+1h30m", MESSENTE_WATCHDOG_SENDER="OpsTeam",
            MESSENTE_WATCHDOG_TEXT="{playbook}@{host} {started} -> {deadline}", MESSENTE_WATCHDOG_TIMEOUT="2.5",
            MESSENTE_WATCHDOG_VALIDATE_CERTS="false", MESSENTE_WATCHDOG_ON_FAILURE="keep")
    sms = {"channel": "sms", "sender": "OpsTeam", "text": "site.yml@ctl-1 2030-06-01 08:00:00 UTC -> 2030-06-01 09:30:00 UTC"}
    bulk = {"messages": [{"to": number, "messages": [sms], "time_to_send": "2030-06-01T09:30:00+00:00"} for number in (RECIPIENT, OTHER)]}
    http.script(Call("POST", f"{API_URL}/omnimessages", body=bulk, status=201, reply={"messages": [created(SCHEDULED_ID), created(NOW_ID, OTHER)]}))

    run_play(load(display), stats(web2={"failures": 1}), ("failed", "web2", "Deploy"))

    assert [(seen.timeout, seen.verify) for seen in http.seen] == [(2.5, False)]
    assert display.warnings == [f"{LOAD_NAME}: validate_certs is false, so the TLS certificate of Messente is not verified. "
                                "Use this only for testing."]
    assert display.lines[0] == f"{LOAD_NAME}: alert {SCHEDULED_ID}, {NOW_ID} scheduled for 2030-06-01 09:30:00 UTC unless the run ends well before"


# ansible-core words its own configuration errors differently on each line (2.16: "No setting was provided for
# required configuration ... setting: recipients"; 2.21: "Required config 'recipients'"): those cases are patterns.
ANSIBLE_WORDED = {
    "recipients": r"(Required config 'recipients'|No setting was provided for required configuration .*setting: recipients)",
    "api_password": r"(Required config 'api_password'|No setting was provided for required configuration .*setting: api_password)",
    "on_failure": r"Invalid value ['\"]panic['\"] for config(uration option)? ['\"]?(on_failure|.*setting: on_failure)",
    "timeout": r"(Config 'timeout'|Invalid type for configuration option .*setting: timeout)",
}


@pytest.mark.parametrize(("variables", "reason"), [
    ({"MESSENTE_WATCHDOG_TO": None}, ANSIBLE_WORDED["recipients"]),
    ({"MESSENTE_API_PASSWORD": None}, ANSIBLE_WORDED["api_password"]),
    ({"MESSENTE_WATCHDOG_TO": ""}, re.escape("recipients[0]: must be a phone number in E.164 format such as +37251234567, got ''")),
    ({"MESSENTE_WATCHDOG_TO": "+37251234567,0800 123"}, re.escape("recipients[1]: '0800 123' is not an E.164 phone number")),
    ({"MESSENTE_WATCHDOG_DEADLINE": "2030-06-01T12:00:00Z"}, re.escape("deadline: must be a time relative to the start of the run")),
    ({"MESSENTE_WATCHDOG_DEADLINE": "+0s"}, re.escape("deadline '+0s' is 2030-06-01T08:00:00+00:00, which is not in the future")),
    ({"MESSENTE_WATCHDOG_TEXT": "late: {playbook} {who}"}, re.escape("text: has the unknown placeholder {who}")),
    ({"MESSENTE_WATCHDOG_ON_FAILURE": "panic"}, ANSIBLE_WORDED["on_failure"]),
    ({"MESSENTE_WATCHDOG_TIMEOUT": "soon"}, ANSIBLE_WORDED["timeout"]),
    ({"MESSENTE_WATCHDOG_TIMEOUT": "0"}, re.escape("timeout: must be a positive number of seconds, got 0.0")),
    ({"MESSENTE_API_URL": "api.messente.com"}, re.escape("api_url: 'api.messente.com' is not an absolute http:// or https:// URL")),
], ids=["no-recipients", "no-password", "empty-recipients", "bad-number", "absolute-deadline", "zero-deadline", "unknown-placeholder",
        "bad-on-failure", "timeout-not-a-number", "zero-timeout", "bad-url"])
def test_bad_configuration_is_one_warning_naming_the_option_and_nothing_is_sent(
        http: ScriptedHTTP, display: RecordingDisplay, env: pytest.MonkeyPatch, variables: dict[str, str | None], reason: str) -> None:
    for name, value in variables.items():
        if value is None:
            env.delenv(name)
        else:
            env.setenv(name, value)

    run_play(load(display), stats(web2={"failures": 1}), ("failed", "web2", "Deploy"))

    assert http.seen == []
    assert len(display.warnings) == 1, display.warnings
    assert re.match(f"{re.escape(LOAD_NAME)} is off for this run and sends nothing: {reason}", display.warnings[0]), display.warnings[0]
    assert display.lines == []


def test_check_mode_schedules_nothing_and_says_so_once(http: ScriptedHTTP, display: RecordingDisplay, env: pytest.MonkeyPatch) -> None:
    env.setattr(context, "CLIARGS", ImmutableDict(check=True))
    callback = load(display)

    run_play(callback, stats(localhost={"ok": 1}))
    run_play(callback, stats(web2={"failures": 1}), ("failed", "web2", "Deploy"))

    assert http.seen == []
    assert display.lines == [f"{LOAD_NAME}: check mode, so no alert is scheduled"]
    assert display.warnings == []


# --- Messente unreachable or refusing -----------------------------------------------------------------------------------


def refused() -> Exception:
    import requests  # pylint: disable=import-outside-toplevel
    from urllib3.exceptions import MaxRetryError, NewConnectionError  # pylint: disable=import-outside-toplevel

    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")  # type: ignore[arg-type]
    return requests.exceptions.ConnectionError(MaxRetryError(None, SEND_URL, reason=reason))  # type: ignore[arg-type]


def test_unreachable_messente_is_one_warning_after_one_retry_and_the_run_goes_on(http: ScriptedHTTP, display: RecordingDisplay) -> None:
    http.script(schedule_call(raises=refused()), schedule_call(raises=refused()))

    run_play(load(display), stats(localhost={"ok": 1}))

    assert len(http.sleeps) == 1 and 0.5 <= http.sleeps[0] <= 1.0
    assert display.warnings == [
        f"{LOAD_NAME}: could not schedule the alert, so this run is not watched: Could not reach Messente for POST /omnimessage: "
        "NewConnectionError: None: Failed to establish a new connection: [Errno 111] Connection refused"]
    assert display.verbose[0].startswith("Messente POST /omnimessage: connection failed (NewConnectionError")
    assert display.lines == [f"{LOAD_NAME}: the run ended without failures; no alert was scheduled"]


def test_a_failed_run_still_tries_the_immediate_alert_when_scheduling_failed(http: ScriptedHTTP, display: RecordingDisplay) -> None:
    http.script(schedule_call(status=401, reply={"errors": [{"title": "Unauthorized", "detail": "bad key", "code": "103", "source": None}]}),
                send_now_call(failed_text("web2 failed at task 'Deploy'")))

    run_play(load(display), stats(web2={"failures": 1}), ("failed", "web2", "Deploy"))

    assert len(display.warnings) == 1
    assert display.warnings[0].startswith(f"{LOAD_NAME}: could not schedule the alert, so this run is not watched: Messente rejected "
                                          "POST /omnimessage (401 Unauthorized, code 103): bad key. Check api_username and api_password")
    assert display.lines == [f"{LOAD_NAME}: 1 host(s) failed or were unreachable; an alert naming the failures was sent now; no alert was scheduled"]


def test_a_refused_immediate_alert_leaves_the_scheduled_one_armed(http: ScriptedHTTP, display: RecordingDisplay) -> None:
    http.script(schedule_call(), send_now_call(failed_text("web2 failed at task 'Deploy'"), status=503, raw="<html>busy</html>"))

    run_play(load(display), stats(web2={"failures": 1}), ("failed", "web2", "Deploy"))

    assert [seen.method for seen in http.seen] == ["POST", "POST"]
    assert len(display.warnings) == 1
    assert display.warnings[0].startswith(
        f"{LOAD_NAME}: could not send the failure alert, so the scheduled alert was left to go out at 2030-06-01 09:00:00 UTC: "
        "Messente answered POST /omnimessage with HTTP 503, expected 201")
    assert display.lines[-1] == (f"{LOAD_NAME}: 1 host(s) failed or were unreachable; the scheduled alert stays and goes out at "
                                 "2030-06-01 09:00:00 UTC")


def test_an_alert_already_sent_by_a_late_run_is_one_warning(http: ScriptedHTTP, display: RecordingDisplay) -> None:
    report = {"statuses": [{"channel": "sms", "status": "DELIVRD", "err": 0}], "to": RECIPIENT, "omnimessage_id": SCHEDULED_ID}
    http.script(schedule_call(), Call("DELETE", CANCEL_URL, status=404, reply={"errors": [{"title": "Not found", "code": "101"}]}),
                Call("GET", f"{CANCEL_URL}/status", status=200, reply=report))

    run_play(load(display), stats(localhost={"ok": 1}))

    assert display.warnings == [f"{LOAD_NAME}: could not cancel the scheduled alert due at 2030-06-01 09:00:00 UTC: Omnimessage "
                                f"{SCHEDULED_ID} was already sent (sms: DELIVRD) and can no longer be cancelled"]
    assert display.lines[-1] == f"{LOAD_NAME}: the run ended without failures; the scheduled alert could not be cancelled"


def test_a_recipient_refused_in_bulk_is_one_warning_and_the_accepted_alert_is_still_cancelled(
        http: ScriptedHTTP, display: RecordingDisplay, env: pytest.MonkeyPatch) -> None:
    set_env(env, MESSENTE_WATCHDOG_TO=f"{RECIPIENT},{OTHER}")
    sms = {"channel": "sms", "text": DEFAULT_TEXT}
    bulk = {"messages": [{"to": number, "messages": [sms], "time_to_send": DUE} for number in (RECIPIENT, OTHER)]}
    error = {"errors": [{"title": "Invalid data", "detail": "blocked number", "code": "105", "source": "to"}]}
    http.script(Call("POST", f"{API_URL}/omnimessages", body=bulk, status=201, reply={"messages": [created(SCHEDULED_ID), error]}), CANCEL_CALL)

    run_play(load(display), stats(localhost={"ok": 1}))

    assert display.warnings == [f"{LOAD_NAME}: could not schedule the alert, so this run is not watched: Messente did not accept the "
                                f"alert for {OTHER}: Messente refused this recipient: Invalid data (code 105): blocked number"]
    assert display.lines == [
        f"{LOAD_NAME}: alert {SCHEDULED_ID} scheduled for 2030-06-01 09:00:00 UTC unless the run ends well before",
        f"{LOAD_NAME}: the run ended without failures; the scheduled alert was cancelled",
    ]


def test_an_unexpected_error_is_a_warning_never_an_exception(http: ScriptedHTTP, display: RecordingDisplay) -> None:
    http.script(schedule_call())
    callback = load(display)
    callback.v2_playbook_on_start(PLAYBOOK)

    callback.v2_runner_on_failed(object())
    callback.v2_playbook_on_stats(None)

    assert display.warnings == [
        f"{LOAD_NAME}: internal error in v2_runner_on_failed (AttributeError: 'object' object has no attribute '_host'); "
        "the alert may not be in the state this run expects",
        f"{LOAD_NAME}: internal error in v2_playbook_on_stats (AttributeError: 'NoneType' object has no attribute 'processed'); "
        "the alert may not be in the state this run expects",
    ]

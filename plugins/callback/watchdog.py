# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: watchdog
type: notification
short_description: Dead man's switch for playbooks, alerting by SMS through Messente unless the run ends well
version_added: 1.1.0
description:
  - When a playbook starts, this callback schedules an SMS alert with Messente for the start time plus O(deadline).
  - When the playbook ends and no host failed or was unreachable, it cancels the alert.
  - When a host failed or was unreachable, it does what O(on_failure) says.
  - Because the alert is already scheduled at Messente, it goes out even when the controller crashes, loses its
    network, or the run hangs past the deadline, which is when callbacks that send at the end stay silent.
  - If Messente cannot be reached or refuses a request, the callback prints one warning and the playbook goes on.
    A missing or invalid option also gives one warning naming the option, and then nothing is sent for the run.
  - With C(--check) nothing is scheduled or sent.
author:
  - Messente collection maintainers (@messente)
requirements:
  - requests (Python library on the controller)
  - python-dateutil (Python library on the controller)
  - Enabled in configuration, for example with C(callbacks_enabled = messente.omnichannel.watchdog) in the
    C([defaults]) section of C(ansible.cfg), or E(ANSIBLE_CALLBACKS_ENABLED=messente.omnichannel.watchdog).
options:
  recipients:
    description:
      - Phone numbers that get the alert, in E.164 format such as V(+37251234567), separated by commas.
      - Each number gets its own message; a number may appear only once.
    type: list
    elements: str
    required: true
    env:
      - name: MESSENTE_WATCHDOG_TO
    ini:
      - section: callback_messente_watchdog
        key: recipients
  deadline:
    description:
      - How long after the start of the playbook the alert goes out unless the run has ended well by then.
      - A time relative to the start, in the collection's relative time syntax, such as V(+30m), V(+2h), V(+1d) or V(+1h30m).
    type: str
    default: "+1h"
    env:
      - name: MESSENTE_WATCHDOG_DEADLINE
    ini:
      - section: callback_messente_watchdog
        key: deadline
  text:
    description:
      - Text of the scheduled alert.
      - "Placeholders in C(str.format) style are filled in when the playbook starts: C({playbook}) the playbook file name,
        C({host}) the host name of the controller, C({started}) the start time and C({deadline}) the send time, both in UTC."
      - Write literal braces as C({{) and C(}}). An unknown placeholder is reported as a warning naming this option, and
        then nothing is scheduled.
      - In C(ansible.cfg), a C(;) starts a comment and C(%) must be written as C(%%); use the environment variable for
        texts with these characters.
    type: str
    default: "ALERT: Ansible playbook {playbook} started on {host} at {started} has not finished by {deadline}."
    env:
      - name: MESSENTE_WATCHDOG_TEXT
    ini:
      - section: callback_messente_watchdog
        key: text
  on_failure:
    description:
      - What to do when the playbook ends with a failed or unreachable host. Failures of tasks with C(ignore_errors)
        and failures handled by a C(rescue) block do not count.
      - V(send_now) sends an alert at once that names the failed hosts and tasks, then cancels the scheduled alert.
        When the immediate alert cannot be sent, the scheduled one is left to go out at the deadline.
      - V(keep) leaves the scheduled alert to go out at the deadline.
      - V(cancel) cancels the scheduled alert and sends nothing.
    type: str
    default: send_now
    choices: [send_now, keep, cancel]
    env:
      - name: MESSENTE_WATCHDOG_ON_FAILURE
    ini:
      - section: callback_messente_watchdog
        key: on_failure
  sender:
    description:
      - Sender name or number shown to the recipients.
      - If not set, Messente uses the default sender of the account.
    type: str
    env:
      - name: MESSENTE_WATCHDOG_SENDER
    ini:
      - section: callback_messente_watchdog
        key: sender
  api_username:
    description:
      - Username of the Messente API key, the same as the modules' O(messente.omnichannel.messente_scheduled_message#module:api_username).
    type: str
    required: true
    env:
      - name: MESSENTE_API_USERNAME
    ini:
      - section: callback_messente_watchdog
        key: api_username
  api_password:
    description:
      - Password of the Messente API key.
      - The value never appears in the callback's output.
    type: str
    required: true
    env:
      - name: MESSENTE_API_PASSWORD
    ini:
      - section: callback_messente_watchdog
        key: api_password
  api_url:
    description:
      - Base URL of the Messente API, up to and including the version path.
    type: str
    default: https://api.messente.com/v1
    env:
      - name: MESSENTE_API_URL
    ini:
      - section: callback_messente_watchdog
        key: api_url
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(api_url). To trust a private CA, set E(REQUESTS_CA_BUNDLE) instead.
      - V(false) gives a warning; use it only for testing.
    type: bool
    default: true
    env:
      - name: MESSENTE_WATCHDOG_VALIDATE_CERTS
    ini:
      - section: callback_messente_watchdog
        key: validate_certs
  timeout:
    description:
      - Seconds to wait for Messente to accept the connection and, separately, to answer.
      - Kept short so that an unreachable Messente delays the start and the end of the playbook only a little.
        A request that could not even connect is tried once more.
    type: float
    default: 10
    env:
      - name: MESSENTE_WATCHDOG_TIMEOUT
    ini:
      - section: callback_messente_watchdog
        key: timeout
notes:
  - A run that is interrupted (for example with Ctrl+C) or killed does not end well, so its alert goes out at the deadline.
    The callback prints the id of the scheduled alert when the playbook starts; cancel it with
    M(messente.omnichannel.messente_scheduled_message) and O(messente.omnichannel.messente_scheduled_message#module:state=absent).
  - A run that is still going at the deadline triggers the alert; choose a deadline longer than the slowest good run.
seealso:
  - ref: ansible_collections.messente.omnichannel.docsite.watchdog
    description: The guide to the watchdog, with its set-up, its decisions and its limits.
  - module: messente.omnichannel.messente_scheduled_message
  - module: messente.omnichannel.messente_scheduled_message_info
"""

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import Any, Callable

from ansible import context
from ansible.errors import AnsibleError
from ansible.plugins.callback import CallbackBase

from ansible_collections.messente.omnichannel.plugins.module_utils import _client, _operations, _time
from ansible_collections.messente.omnichannel.plugins.module_utils._client import MessenteClient, MessenteError
from ansible_collections.messente.omnichannel.plugins.module_utils._watchdog import (
    CANCEL,
    SEND_NOW,
    TEXT_TIME_FORMAT,
    Failure,
    WatchdogConfig,
    alert_omnimessages,
    decide,
    failed_hosts,
    failure_text,
    failures_to_name,
    parse_config,
    render_text,
)

PREFIX = "messente.omnichannel.watchdog"
OPTION_NAMES = ("recipients", "deadline", "text", "on_failure", "sender",
                "api_username", "api_password", "api_url", "validate_certs", "timeout")
CLIENT_RETRIES = 1  # one more try only when the connection could not even be opened
CONCURRENCY = 4


@dataclass
class _Run:
    """What the callback knows and has done about the playbook in progress."""

    playbook: str
    host: str
    started: datetime
    deadline: datetime
    scheduled_ids: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    sent_now: bool = False
    cancel_tried: bool = False

    def when(self) -> str:
        return self.deadline.strftime(TEXT_TIME_FORMAT)


def _never_raise(method: Callable[..., None]) -> Callable[..., None]:
    """A watchdog must never break the play it watches: an unexpected error becomes one warning."""
    @wraps(method)
    def guarded(self: CallbackModule, *args: Any, **kwargs: Any) -> None:
        try:
            method(self, *args, **kwargs)
        except Exception as error:
            self.warn_redacted(f"internal error in {method.__name__} ({error.__class__.__name__}: {error}); "
                               "the alert may not be in the state this run expects")
    return guarded


class CallbackModule(CallbackBase):
    """Schedule the alert when a playbook starts; cancel it, keep it or send one at once when it ends."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = PREFIX
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display: Any = None) -> None:
        super().__init__(display=display)
        self._config: WatchdogConfig | None = None
        self._run: _Run | None = None
        self._check_mode_noted = False

    def set_options(self, task_keys: Any = None, var_options: Any = None, direct: Any = None) -> None:
        """Read and check every option once; any problem switches the watchdog off with one warning."""
        self._config = None
        try:
            super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
            self._config = self._read_config()
        except AnsibleError as error:
            self._switch_off(f"{error.message.rstrip('.')}. See ansible-doc -t callback {PREFIX} for its environment variables and ansible.cfg keys")
        except ValueError as error:
            self._switch_off(str(error))

    def _read_config(self) -> WatchdogConfig:
        if not _client.HAS_REQUESTS or not _time.HAS_DATEUTIL:
            raise ValueError("it needs the Python libraries requests and python-dateutil on the controller")
        config = parse_config({name: self.get_option(name) for name in OPTION_NAMES}, _time.utc_now())
        if not config.validate_certs:
            self._display.warning(f"{PREFIX}: validate_certs is false, so the TLS certificate of Messente is not verified. "
                                  "Use this only for testing.")
        return config

    def _switch_off(self, reason: str) -> None:
        self._display.warning(f"{PREFIX} is off for this run and sends nothing: {reason}")

    def warn_redacted(self, message: str) -> None:
        """One warning, never with the password in it, whatever produced the text."""
        password = self._config.api_password if self._config else None
        self._display.warning(f"{PREFIX}: {message.replace(password, '********') if password else message}")

    @_never_raise
    def v2_playbook_on_start(self, playbook: Any) -> None:
        self._run = None
        if self._config is None:
            return
        if context.CLIARGS.get("check", False):
            if not self._check_mode_noted:
                self._display.display(f"{PREFIX}: check mode, so no alert is scheduled")
                self._check_mode_noted = True
            return
        started = _time.utc_now().replace(microsecond=0)
        deadline = _time.parse_time_to_send(self._config.deadline, started, option="deadline")
        self._run = _Run(os.path.basename(getattr(playbook, "_file_name", None) or "playbook"), socket.gethostname(), started, deadline)
        self._attempt("schedule the alert, so this run is not watched", self._schedule)
        if self._run.scheduled_ids:  # also after a partial refusal: these are the ones to cancel by hand if need be
            self._display.display(f"{PREFIX}: alert {', '.join(self._run.scheduled_ids)} scheduled for "
                                  f"{self._run.when()} unless the run ends well before")

    @_never_raise
    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        if self._run is not None and not ignore_errors:
            self._run.failures.append(_failure_of(result, unreachable=False))

    @_never_raise
    def v2_runner_on_unreachable(self, result: Any) -> None:
        if self._run is not None:
            self._run.failures.append(_failure_of(result, unreachable=True))

    @_never_raise
    def v2_playbook_on_stats(self, stats: Any) -> None:
        run, self._run = self._run, None
        if run is None or self._config is None:
            return
        hosts = failed_hosts({host: stats.summarize(host) for host in stats.processed})
        steps = {
            SEND_NOW: (f"send the failure alert, so the scheduled alert was left to go out at {run.when()}",
                       lambda client: self._send_now(client, run, hosts)),
            CANCEL: (f"cancel the scheduled alert due at {run.when()}", lambda client: self._cancel(client, run)),
        }
        for action in decide(bool(hosts), self._config.on_failure, bool(run.scheduled_ids)):
            if not self._attempt(*steps[action]):
                break
        self._display.display(f"{PREFIX}: {_summary(run, hosts)}")

    def _attempt(self, what: str, action: Callable[[MessenteClient], None]) -> bool:
        """Run one exchange with Messente on a fresh client; a refusal or an outage is one warning, never an error."""
        config = self._config
        client = MessenteClient(api_url=config.api_url, username=config.api_username, password=config.api_password,
                                timeout=config.timeout, validate_certs=config.validate_certs, retries=CLIENT_RETRIES,
                                on_retry=self._display.v, pool_size=CONCURRENCY)
        try:
            action(client)
            return True
        except MessenteError as error:
            self.warn_redacted(f"could not {what}: {error.message}")
            return False
        finally:
            client.close()

    def _schedule(self, client: MessenteClient) -> None:
        run = self._run
        text = render_text(self._config.text, run.playbook, run.host, run.started, run.deadline)
        run.scheduled_ids, refused = _post(client, alert_omnimessages(self._config, text, _time.format_utc(run.deadline)))
        _raise_refused(refused)

    def _send_now(self, client: MessenteClient, run: _Run, hosts: list[str]) -> None:
        text = failure_text(run.playbook, run.host, run.started, failures_to_name(hosts, run.failures))
        sent_ids, refused = _post(client, alert_omnimessages(self._config, text))
        run.sent_now = bool(sent_ids)
        _raise_refused(refused)

    def _cancel(self, client: MessenteClient, run: _Run) -> None:
        run.cancel_tried = True
        entries = _operations.cancel(client, run.scheduled_ids, _operations.CancelOptions(concurrency=CONCURRENCY))
        run.scheduled_ids = [entry["omnimessage_id"] for entry in entries if entry["failed"]]
        problems = [entry["msg"] for entry in entries if entry["failed"]]
        if problems:
            raise MessenteError("; ".join(problems), "DELETE", "/omnimessage")


def _post(client: MessenteClient, omnimessages: list[dict]) -> tuple[list[str], list[str]]:
    """POST the alerts: the ids Messente accepted, and what it refused per recipient."""
    entries = _operations.schedule(client, omnimessages)
    accepted = [entry["omnimessage_id"] for entry in entries if entry["omnimessage_id"]]
    return accepted, [f"{entry['to']}: {entry['error']}" for entry in entries if entry["error"]]


def _raise_refused(refused: list[str]) -> None:
    if refused:
        raise MessenteError(f"Messente did not accept the alert for {'; '.join(refused)}", "POST", "/omnimessages")


def _summary(run: _Run, hosts: list[str]) -> str:
    """One line on how the run ended and where the alert stands now."""
    parts = [f"{len(hosts)} host(s) failed or were unreachable" if hosts else "the run ended without failures"]
    if run.sent_now:
        parts.append("an alert naming the failures was sent now")
    if run.scheduled_ids and run.cancel_tried:
        parts.append("the scheduled alert could not be cancelled")
    elif run.scheduled_ids:
        parts.append(f"the scheduled alert stays and goes out at {run.when()}")
    elif run.cancel_tried:
        parts.append("the scheduled alert was cancelled")
    else:
        parts.append("no alert was scheduled")
    return "; ".join(parts)


def _failure_of(result: Any, unreachable: bool) -> Failure:
    """ansible-core 2.19 and later hand callbacks ``host`` and ``task``; 2.18 only has ``_host`` and ``_task``."""
    host = getattr(result, "host", None) or result._host
    task = getattr(result, "task", None) or result._task
    return Failure(host.get_name(), task.get_name(), unreachable)

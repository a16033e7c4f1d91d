# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The decisions of the messente.omnichannel.watchdog callback, kept free of Ansible and HTTP so tests can pin them.

PRIVATE to the messente.omnichannel collection: not a public API, it may change in any release.

The callback schedules an alert when a playbook starts and, when it ends, decides what to do with it. Everything
that decides lives here: reading the configuration, the alert texts and the end-of-run decision table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping

from ansible_collections.messente.omnichannel.plugins.module_utils._omnimessage import (
    InputError,
    build_channel_messages,
    check_http_url,
    check_positive,
    normalize_recipients,
)
from ansible_collections.messente.omnichannel.plugins.module_utils._time import parse_time_to_send

SEND_NOW = "send_now"
KEEP = "keep"
CANCEL = "cancel"
ON_FAILURE_CHOICES = (SEND_NOW, KEEP, CANCEL)
TEXT_FIELDS = ("playbook", "host", "started", "deadline")
TEXT_TIME_FORMAT = "%Y-%m-%d %H:%M:%S UTC"
MAX_FAILURES_NAMED = 5


@dataclass(frozen=True)
class WatchdogConfig:
    """The callback's options after every check; building one proves the watchdog can run."""

    recipients: tuple[str, ...]
    deadline: str
    text: str
    on_failure: str
    sender: str | None
    api_url: str
    api_username: str
    api_password: str = field(repr=False)  # a repr may end up in a log; the password must not
    validate_certs: bool = True
    timeout: float = 10.0


@dataclass(frozen=True)
class Failure:
    """One failed or unreachable task result, as the immediate alert names it."""

    host: str
    task: str
    unreachable: bool = False

    def describe(self) -> str:
        return f"{self.host} {'unreachable' if self.unreachable else 'failed'} at task '{self.task}'"


def parse_config(options: Mapping[str, Any], now: datetime) -> WatchdogConfig:
    """Check every option the way the modules check theirs; an InputError names the option that is wrong."""
    deadline = _check_deadline(options.get("deadline"), now)
    text = _check_text(options.get("text"))
    on_failure = options.get("on_failure")
    if on_failure not in ON_FAILURE_CHOICES:
        raise InputError("on_failure", f"must be one of {', '.join(ON_FAILURE_CHOICES)}, got {on_failure!r}")
    timeout = check_positive(options.get("timeout"), "timeout", "seconds")
    return WatchdogConfig(
        recipients=tuple(normalize_recipients(_recipient_list(options.get("recipients")), "recipients")),
        deadline=deadline, text=text, on_failure=on_failure,
        sender=_optional_text(options.get("sender"), "sender", "leave it out to use the account's default sender"),
        api_url=check_http_url(_required_text(options.get("api_url"), "api_url"), "api_url"),
        api_username=_required_text(options.get("api_username"), "api_username"),
        api_password=_required_text(options.get("api_password"), "api_password", show_value=False),
        validate_certs=_check_bool(options.get("validate_certs"), "validate_certs"),
        timeout=timeout,
    )


def _recipient_list(value: Any) -> list[Any]:
    """ansible.cfg and environment variables give a comma-separated string; Ansible's list type has split it."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",")]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise InputError("recipients", f"must be comma-separated E.164 phone numbers such as +37251234567, got {value!r}")


def _check_deadline(value: Any, now: datetime) -> str:
    """Only the relative form makes sense for a switch armed anew by every run."""
    if not isinstance(value, str) or not value.strip().startswith("+"):
        raise InputError("deadline", f"must be a time relative to the start of the run such as +30m, +2h or +1h30m, got {value!r}")
    parse_time_to_send(value, now, option="deadline")
    return value.strip()


def _check_text(value: Any) -> str:
    """Fill the template once with sample values so an unknown placeholder is caught before the run, not during it."""
    text = _required_text(value, "text")
    try:
        text.format(**{name: name for name in TEXT_FIELDS})
    except KeyError as error:
        raise InputError("text", f"has the unknown placeholder {{{error.args[0]}}}; the known ones are {_known_fields()}") from None
    except (IndexError, ValueError, AttributeError, TypeError) as error:
        raise InputError("text", f"is not a valid template ({error}); use the placeholders {_known_fields()}, "
                                 "and write literal braces as {{ and }}") from None
    return text


def _known_fields() -> str:
    return ", ".join(f"{{{name}}}" for name in TEXT_FIELDS)


def _required_text(value: Any, option: str, show_value: bool = True) -> str:
    if not isinstance(value, str) or not value.strip():
        shown = f", got {value!r}" if show_value else ""
        raise InputError(option, f"must be a non-empty string{shown}")
    return value


def _optional_text(value: Any, option: str, hint: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(option, f"must not be empty; {hint}, got {value!r}")
    return value


def _check_bool(value: Any, option: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(option, f"must be true or false, got {value!r}")
    return value


def render_text(template: str, playbook: str, host: str, started: datetime, deadline: datetime) -> str:
    """The scheduled alert's text, with the placeholders checked by parse_config filled in."""
    return template.format(playbook=playbook, host=host, started=started.strftime(TEXT_TIME_FORMAT),
                           deadline=deadline.strftime(TEXT_TIME_FORMAT))


def failure_text(playbook: str, host: str, started: datetime, failures: Iterable[Failure]) -> str:
    """The immediate alert: which hosts failed at which tasks, the first few by name."""
    failures = list(failures)
    named = "; ".join(failure.describe() for failure in failures[:MAX_FAILURES_NAMED])
    if len(failures) > MAX_FAILURES_NAMED:
        named += f"; and {len(failures) - MAX_FAILURES_NAMED} more"
    return f"FAILED: Ansible playbook {playbook} on {host} (started {started.strftime(TEXT_TIME_FORMAT)}): {named}."


def alert_omnimessages(config: WatchdogConfig, text: str, time_to_send: str | None = None) -> list[dict]:
    """One SMS omnimessage per recipient; without ``time_to_send`` Messente sends it at once."""
    messages = build_channel_messages(None, text, config.sender)
    extra = {"time_to_send": time_to_send} if time_to_send is not None else {}
    return [dict({"to": recipient, "messages": messages}, **extra) for recipient in config.recipients]


def failed_hosts(summaries: Mapping[str, Mapping[str, int]]) -> list[str]:
    """Hosts the run counts as failed: a failure that was neither ignored nor rescued, or unreachable."""
    return sorted(host for host, summary in summaries.items() if summary.get("failures") or summary.get("unreachable"))


def failures_to_name(hosts: Iterable[str], recorded: Iterable[Failure]) -> list[Failure]:
    """The recorded failures of the failed hosts in the order they happened; a failed host with no record is still named."""
    hosts = list(hosts)
    named = [failure for failure in recorded if failure.host in hosts]
    return named + [Failure(host, "unknown") for host in hosts if host not in {failure.host for failure in named}]


def decide(run_failed: bool, on_failure: str, scheduled: bool) -> tuple[str, ...]:
    """What to do when the run ends, in order.

    A run without failures cancels the alert. A failed run follows ``on_failure``: ``send_now`` sends an alert at
    once and only then cancels the scheduled one, so a refused send still leaves that one armed; ``keep`` leaves
    it to fire at the deadline; ``cancel`` cancels it. Nothing scheduled means nothing to cancel.
    """
    if on_failure not in ON_FAILURE_CHOICES:
        raise ValueError(f"on_failure must be one of {', '.join(ON_FAILURE_CHOICES)}, got {on_failure!r}")
    cancel = (CANCEL,) if scheduled else ()
    if not run_failed:
        return cancel
    if on_failure == SEND_NOW:
        return (SEND_NOW,) + cancel
    if on_failure == CANCEL:
        return cancel
    return ()

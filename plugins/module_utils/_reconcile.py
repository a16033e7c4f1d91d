# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Declarative scheduling with a ``key``: compare what the task wants with the ledger and with Messente, then act.

PRIVATE to the messente.omnichannel collection: not a public API, it may change in any release.

Messente cannot list or look up messages by content, so the ledger remembers what this collection scheduled per
(identity, key, recipient). A run reads the ledger, asks Messente for the live state of stored ids, decides one action
per recipient, claims the recipients it will send to (atomically: concurrent runs never both send), cancels what must
go, sends, and records the outcome. Write-ahead: a claim is committed before its POST; a POST that may have been
processed leaves the entry ``uncertain``, and later runs send nothing to that recipient until ``retry_pending``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from ansible_collections.messente.omnichannel.plugins.module_utils._client import HOW_TO_CHECK, MessenteClient, MessenteError
from ansible_collections.messente.omnichannel.plugins.module_utils._delivery import overall_state
from ansible_collections.messente.omnichannel.plugins.module_utils._omnimessage import InputError
from ansible_collections.messente.omnichannel.plugins.module_utils._ledger import (
    Claim,
    Entry,
    Identity,
    Ledger,
    wait_for_claims,
)
from ansible_collections.messente.omnichannel.plugins.module_utils._operations import (
    AlreadySentError,
    CancelOptions,
    cancel_one,
    run_parallel,
    schedule,
)
from ansible_collections.messente.omnichannel.plugins.module_utils._time import TimeValueError, format_utc, parse_utc

ACTIONS = ("scheduled", "unchanged", "rescheduled", "cancelled", "sent", "failed")
CHANGING_ACTIONS = ("scheduled", "rescheduled", "cancelled")
# What a step still has to do: nothing, read the status, send, cancel then send, cancel, or wait for another run.
DONE, VERIFY, POST, REPLACE, CANCEL, WAIT = "done", "verify", "post", "replace", "cancel", "wait"


def canonical(body: dict) -> str:
    """The one spelling of a body, so that equal messages compare equal whatever the key order."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass
class KeyedRun:
    """Everything a keyed run needs besides the desired messages: where to send, where to remember, how to behave."""

    client: MessenteClient
    ledger: Ledger
    identity: Identity
    key: str
    owner: str
    check_mode: bool = False
    verify: bool = True
    retry_pending: bool = False
    concurrency: int = 8
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    @property
    def lease_seconds(self) -> float:
        """How long a claim may take before others call its run gone: every try of a cancel and of a POST, plus slack."""
        return self.client.timeout * (self.client.retries + 1) * 2 + 30.0


@dataclass
class Step:
    """One recipient's way through a run: what is wanted, what the ledger holds, what was decided and what happened."""

    recipient: str
    desired: dict | None
    entry: Entry | None
    todo: str = DONE
    action: str = "unchanged"
    omnimessage_id: str | None = None
    messages: list = field(default_factory=list)
    error: str | None = None
    errors: list = field(default_factory=list)
    may_have_been_processed: bool = False

    def fail(self, reason: str, may_have_been_processed: bool = False) -> None:
        self.todo, self.action, self.error = DONE, "failed", reason
        self.may_have_been_processed = may_have_been_processed

    def settle(self, action: str, omnimessage_id: str | None = None) -> None:
        self.todo, self.action = DONE, action
        self.omnimessage_id = omnimessage_id if omnimessage_id is not None else self.omnimessage_id


def present(run: KeyedRun, desired: dict[str, dict], keep_stored_time: bool, now: datetime) -> list[Step]:
    """Make the ledger and Messente match ``desired`` (recipient -> omnimessage body); one step per recipient.

    ``now`` is the clock the send times are judged by (the module's); claims and leases use the ledger's wall clock.
    """
    entries = run.ledger.entries(run.identity, run.key)
    steps = [Step(recipient, _desired_body(body, entries.get(recipient), keep_stored_time), entries.get(recipient))
             for recipient, body in desired.items()]
    steps += [Step(recipient, None, entry) for recipient, entry in sorted(entries.items()) if recipient not in desired]
    for step in steps:
        classify(step, run)
    _refuse_past_times(steps, now)
    _read_statuses(run, steps)
    _refuse_past_times(steps, now)
    if run.check_mode:
        return steps
    _claim(run, steps)
    _wait_for_other_runs(run, steps)
    _cancel(run, [step for step in steps if step.todo in (REPLACE, CANCEL)])
    _send(run, [step for step in steps if step.todo == POST])
    return steps


def absent(run: KeyedRun) -> list[Step]:
    """Cancel every message of the key that is still scheduled, and forget it; a second run finds nothing to do."""
    steps = [Step(recipient, None, entry) for recipient, entry in sorted(run.ledger.entries(run.identity, run.key).items())]
    for step in steps:
        classify(step, run)
    _read_statuses(run, steps)
    if not run.check_mode:
        _cancel(run, [step for step in steps if step.todo == CANCEL])
    return steps


def _desired_body(body: dict, entry: Entry | None, keep_stored_time: bool) -> dict:
    """A relative time is resolved once, when the entry is first scheduled: later runs keep the stored instant."""
    if not keep_stored_time or entry is None:
        return body
    return dict(body, time_to_send=json.loads(entry.body).get("time_to_send", body.get("time_to_send")))


def classify(step: Step, run: KeyedRun) -> None:
    """Decide from the ledger alone what a recipient needs; statuses and claims may still change the decision."""
    entry = step.entry
    if entry is None:
        step.todo, step.action = (POST, "scheduled") if step.desired is not None else (DONE, "unchanged")
    elif entry.state != "scheduled":
        _classify_unfinished(step, entry, run)
    else:
        step.omnimessage_id = entry.omnimessage_id
        if step.desired is None:
            step.todo, step.action = CANCEL, "cancelled"
        elif canonical(step.desired) == entry.body:
            step.todo, step.action = (VERIFY, "unchanged") if run.verify else (DONE, "unchanged")
        else:
            step.todo, step.action = REPLACE, "rescheduled"


def _classify_unfinished(step: Step, entry: Entry, run: KeyedRun) -> None:
    """A pending or uncertain entry: another task is sending now (wait), or a run that is gone may have sent it."""
    if entry.claim_alive(run.clock()):
        step.todo = WAIT
    elif run.retry_pending and step.desired is not None:
        step.todo, step.action = POST, "scheduled"
    else:
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(entry.updated_at))
        step.fail(f"a previous run claimed {step.recipient} for key {run.key!r} at {since} and may have scheduled it, "
                  f"but did not record the outcome. {HOW_TO_CHECK}; then set retry_pending: true to send it "
                  "(or, for state=absent, cancel it in the dashboard)", may_have_been_processed=True)


def _refuse_past_times(steps: list[Step], now: datetime) -> None:
    """A new recipient with a past time is bad input (nothing sent yet); a stored one whose instant passed is too late."""
    for step in steps:
        moment = (step.desired or {}).get("time_to_send")
        if step.todo not in (POST, REPLACE) or moment is None or parse_utc(moment) > now:
            continue
        if step.entry is None:
            raise TimeValueError(f"time_to_send {moment} is not in the future (now is {format_utc(now)} UTC); "
                                 "a scheduled message needs a time after now")
        step.fail(f"the send time {moment} of {step.recipient} has passed, so the message can no longer be scheduled or changed")


def _read_statuses(run: KeyedRun, steps: list[Step]) -> None:
    """One status GET per stored id that must be checked; check mode also predicts cancels with it."""
    wanted = [step for step in steps if step.todo == VERIFY or (run.check_mode and step.todo in (REPLACE, CANCEL))]
    if not wanted:
        return
    reports = run_parallel(lambda step: run.client.delivery_status(step.omnimessage_id), wanted, run.concurrency)
    for step, report in zip(wanted, reports):
        _decide_from_status(step, overall_state(report) if report is not None else None)


def _decide_from_status(step: Step, state: str | None) -> None:
    if step.desired is None:  # a removal, predicted in check mode: an unknown or cancelled id is simply forgotten
        step.settle("cancelled" if state in (None, "cancelled", "scheduled") else "sent")
    elif state is None:
        step.fail(f"Messente no longer knows omnimessage {step.omnimessage_id} stored for {step.recipient}, so whether it "
                  "was sent cannot be told; use a new key to send it again")
    elif state == "cancelled":
        step.todo, step.action = (POST, "scheduled") if step.desired is not None else (DONE, "cancelled")
    elif state != "scheduled":
        _already_sent(step)
    elif step.todo == VERIFY:
        step.settle("unchanged")


def _already_sent(step: Step) -> None:
    if step.todo in (REPLACE, POST):
        step.fail(f"omnimessage {step.omnimessage_id} for {step.recipient} was already sent and cannot be changed")
    else:
        step.settle("sent")


def _claim(run: KeyedRun, steps: list[Step]) -> None:
    """Take every recipient this run will change before touching Messente; a lost claim means another run is at it."""
    claiming = [step for step in steps if step.todo in (POST, REPLACE)]
    claims = [Claim(step.recipient, canonical(step.desired or {}), step.entry.version if step.entry else None) for step in claiming]
    won = run.ledger.claim(run.identity, run.key, claims, run.owner, run.lease_seconds) if claims else []
    for step, has_won in zip(claiming, won):
        if not has_won:
            step.todo = WAIT


def _wait_for_other_runs(run: KeyedRun, steps: list[Step]) -> None:
    """Wait (bounded by the lease) for other tasks holding these recipients, then judge them again, once."""
    waiting = [step for step in steps if step.todo == WAIT]
    if not waiting:
        return
    entries = wait_for_claims(run.ledger, run.identity, run.key, [step.recipient for step in waiting],
                              run.lease_seconds, clock=run.clock, sleep=run.sleep)
    for step in waiting:
        step.entry = entries.get(step.recipient)
        classify(step, run)
        if step.todo == WAIT:
            step.fail(f"another task still holds {step.recipient} for key {run.key!r} after {run.lease_seconds:.0f}s")
        elif step.todo in (POST, REPLACE):
            step.fail(f"another task changed {step.recipient} for key {run.key!r} at the same time; run the task again")
        elif step.todo == VERIFY:
            step.settle("unchanged")  # the other task has just scheduled exactly this body


def _cancel(run: KeyedRun, steps: list[Step]) -> None:
    """DELETE the old message of every replaced or removed recipient; only an accepted cancel lets a replacement go."""
    options = CancelOptions(concurrency=run.concurrency, missing_ok=True)
    outcomes = run_parallel(lambda step: _cancel_one(run, step, options), steps, run.concurrency)
    restore = [step.recipient for step, outcome in zip(steps, outcomes) if step.todo == REPLACE and outcome != "gone"]
    if restore:
        run.ledger.release(run.identity, run.key, restore, run.owner, restore=True)
    for step, outcome in zip(steps, outcomes):
        if step.todo == REPLACE and outcome == "gone":
            step.todo = POST
        elif step.todo == REPLACE:
            step.fail(outcome)
    forget = [(step.recipient, step.entry.version) for step in steps if step.todo == CANCEL and step.entry]
    if forget:
        run.ledger.forget(run.identity, run.key, forget)
    for step in steps:
        if step.todo == CANCEL:
            step.settle(step.action)


def _cancel_one(run: KeyedRun, step: Step, options: CancelOptions) -> str:
    """'gone' when the old message can no longer go out; else why not (a removed recipient's sent message is 'sent')."""
    try:
        cancel_one(run.client, step.omnimessage_id or "", options)
    except AlreadySentError:
        if step.todo == CANCEL:
            step.action = "sent"
            return "gone"
        return f"omnimessage {step.omnimessage_id} for {step.recipient} was already sent and cannot be changed"
    except MessenteError as error:
        if step.todo == CANCEL:
            step.fail(error.message)
        return f"could not cancel omnimessage {step.omnimessage_id} for {step.recipient}: {error.message}"
    return "gone"


def _send(run: KeyedRun, steps: list[Step]) -> None:
    """POST the claimed bodies (bulk for several) and record each outcome; a doubtful one stays 'uncertain'."""
    if not steps:
        return
    try:
        outcomes = _schedule_bodies(run.client, [step.desired or {} for step in steps], run.concurrency)
    except BaseException:
        run.ledger.mark_uncertain(run.identity, run.key, [step.recipient for step in steps], run.owner)
        raise
    for step, outcome in zip(steps, outcomes):
        step.messages, step.errors = outcome.get("messages", []), outcome.get("errors", [])
        if outcome.get("omnimessage_id"):
            step.settle(step.action, outcome["omnimessage_id"])
        else:
            step.fail(outcome.get("error") or "not scheduled", outcome.get("may_have_been_processed", False))
    _record(run, steps)


def _schedule_bodies(client: MessenteClient, bodies: list[dict], concurrency: int) -> list[dict]:
    """The schedule workflow's entries; a single body's error becomes its entry instead of ending the run."""
    try:
        return schedule(client, bodies, concurrency)
    except MessenteError as error:
        return [{"omnimessage_id": None, "error": error.message, "errors": error.errors,
                 "may_have_been_processed": error.may_have_been_processed}]


def _record(run: KeyedRun, steps: list[Step]) -> None:
    scheduled = [(step.recipient, step.omnimessage_id or "") for step in steps if step.action != "failed"]
    doubtful = [step.recipient for step in steps if step.action == "failed" and step.may_have_been_processed]
    refused = [step.recipient for step in steps if step.action == "failed" and not step.may_have_been_processed]
    if scheduled:
        run.ledger.record_scheduled(run.identity, run.key, scheduled, run.owner)
    if doubtful:
        run.ledger.mark_uncertain(run.identity, run.key, doubtful, run.owner)
    if refused:
        run.ledger.release(run.identity, run.key, refused, run.owner, restore=False)


def count_actions(steps: list[Step]) -> dict[str, int]:
    """How many recipients ended in each action; every action is present, zero or not."""
    return {action: sum(1 for step in steps if step.action == action) for action in ACTIONS}


def describe(step: Step) -> dict[str, Any]:
    """One entry of the task's ``results``."""
    return {
        "to": step.recipient, "action": step.action, "omnimessage_id": step.omnimessage_id,
        "time_to_send": _body_of(step).get("time_to_send"), "messages": step.messages,
        "error": step.error, "errors": step.errors, "may_have_been_processed": step.may_have_been_processed,
    }


def diff(steps: list[Step], shown: int) -> dict[str, dict]:
    """Old and new body of every recipient that changes (the first ``shown`` of them), for --diff."""
    changing = [step for step in steps if step.action in CHANGING_ACTIONS]
    before = {step.recipient: json.loads(step.entry.body) for step in changing[:shown] if step.entry is not None}
    after = {step.recipient: step.desired for step in changing[:shown] if step.desired is not None and step.action != "cancelled"}
    if len(changing) > shown:
        note = f"{len(changing) - shown} more recipients change; not shown"
        before["..."], after["..."] = note, note
    return {"before": before, "after": after}


def _body_of(step: Step) -> dict:
    if step.desired is not None:
        return step.desired
    return json.loads(step.entry.body) if step.entry is not None else {}


def check_keys(keys: Any) -> list[str]:
    """The keys the info module reads; each a non-empty name, as the scheduling module requires."""
    if keys is None:
        return []
    if not keys:
        raise InputError("key", "must name at least one key")
    for index, key in enumerate(keys):
        if not isinstance(key, str) or not key.strip():
            raise InputError(f"key[{index}]", f"must be a non-empty key name, got {key!r}")
    return list(dict.fromkeys(keys))


def key_entries(ledger: Ledger, identity: Identity, keys: list[str]) -> list[dict]:
    """Every ledger entry of these keys, as the info module reports them before their live status is added."""
    found = []
    for key in keys:
        for recipient, entry in sorted(ledger.entries(identity, key).items()):
            found.append({"key": key, "to": recipient, "omnimessage_id": entry.omnimessage_id, "ledger_state": entry.state,
                          "time_to_send": json.loads(entry.body).get("time_to_send")})
    return found


def ids_to_read(ids: list[str], entries: list[dict]) -> list[str]:
    """The ids asked for, then the ids of the key entries, each once."""
    return list(dict.fromkeys(ids + [entry["omnimessage_id"] for entry in entries if entry["omnimessage_id"]]))


def split_by_source(ids: list[str], entries: list[dict], read: list[dict]) -> dict[str, list[dict]]:
    """Put each delivery report read back where it was asked for: the ids in ``omnimessages``, the keys in ``entries``."""
    by_id = {report["omnimessage_id"]: report for report in read}
    live = [dict(entry, **_live_state(by_id.get(entry["omnimessage_id"]))) for entry in entries]
    return {"omnimessages": [by_id[omnimessage_id] for omnimessage_id in ids if omnimessage_id in by_id], "entries": live}


def _live_state(report: dict | None) -> dict:
    if report is None:
        return {"state": "unknown", "statuses": []}
    return {"state": report["state"], "statuses": report["statuses"]}

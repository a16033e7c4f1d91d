# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Schedule and cancel workflows on top of the client: what a 404 really means, bulk chunks, parallel cancels.

PRIVATE to the messente.omnichannel collection: not a public API, it may change in any release.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from ansible_collections.messente.omnichannel.plugins.module_utils._client import (
    HOW_TO_CHECK,
    MessenteClient,
    MessenteError,
    RequestWithdrawn,
)
from ansible_collections.messente.omnichannel.plugins.module_utils._delivery import describe_statuses, overall_state

BULK_CHUNK_SIZE = 1000
# Statuses that do not mean "it went out": not processed yet (None) or removed by a cancel.
NOT_SENT_STATUSES = (None, "DELETED")
# What became of one recipient of a schedule; every entry of ``results`` is exactly one of them.
OUTCOMES = ("scheduled", "refused", "may_have_been_processed", "not_attempted")
NOT_ATTEMPTED = "not sent: an earlier batch failed, so this one was not attempted"


@dataclass
class ScheduleOutcome:
    """Every recipient's outcome in input order: counts and scheduled ids always, entries of all or only of the rest.

    With ``keep_all`` false a 100,000-recipient task keeps 100,000 ids, not 100,000 entries with their channel results.
    """

    keep_all: bool = True
    entries: list[dict] = field(default_factory=list)
    omnimessage_ids: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    def add(self, entries: Iterable[dict]) -> None:
        for entry in entries:
            outcome = outcome_of(entry)
            self.counts[outcome] += 1
            if outcome == "scheduled":
                self.omnimessage_ids.append(entry["omnimessage_id"])
            if self.keep_all or outcome != "scheduled":
                self.entries.append(entry)

    @property
    def failures(self) -> list[dict]:
        return [entry for entry in self.entries if entry.get("error")]


def outcome_of(entry: dict) -> str:
    """Scheduled; refused (certainly not scheduled); may have been scheduled; or never sent (certainly not scheduled)."""
    if entry["omnimessage_id"]:
        return "scheduled"
    if not entry["attempted"]:
        return "not_attempted"
    return "may_have_been_processed" if entry["may_have_been_processed"] else "refused"


def schedule(client: MessenteClient, omnimessages: Sequence[dict], concurrency: int = 1) -> list[dict]:
    """One entry per recipient, in input order (see schedule_outcome)."""
    return schedule_outcome(client, omnimessages, concurrency).entries


def schedule_outcome(client: MessenteClient, omnimessages: Sequence[dict], concurrency: int = 1, keep_all: bool = True) -> ScheduleOutcome:
    """One recipient uses the plain endpoint, so its errors fail the task as they are; several use bulk chunks."""
    outcome = ScheduleOutcome(keep_all)
    if len(omnimessages) == 1:
        outcome.add([schedule_one(client, omnimessages[0])])
        return outcome
    return schedule_many(client, omnimessages, outcome, concurrency)


class AlreadySentError(MessenteError):
    """Messente's 404 to a cancel meant "already sent": the message went out and cannot be cancelled or changed."""


@dataclass(frozen=True)
class CancelOptions:
    """How a cancel runs: for real or as a check-mode prediction, how many at once, and whether an unknown id is fine."""

    check_mode: bool = False
    concurrency: int = 8
    missing_ok: bool = False


def cancel(client: MessenteClient, omnimessage_ids: list[str], options: CancelOptions) -> list[dict]:
    """One id is cancelled directly, so its error fails the task as it is; several run in parallel."""
    if len(omnimessage_ids) == 1:
        return [cancel_one(client, omnimessage_ids[0], options)]
    return cancel_many(client, omnimessage_ids, options)


def schedule_one(client: MessenteClient, omnimessage: dict) -> dict:
    """POST one omnimessage and keep only what a playbook needs from the 201 body."""
    answer = client.schedule(omnimessage)
    if not isinstance(answer, dict) or not answer.get("omnimessage_id"):
        raise MessenteError(
            "Messente answered POST /omnimessage with 201 but without an omnimessage_id, so the message MAY have been "
            f"scheduled and cannot be cancelled by this collection. {HOW_TO_CHECK}.",
            "POST", "/omnimessage", 201, may_have_been_processed=True,
        )
    return _scheduled_entry(omnimessage, answer)


def schedule_many(client: MessenteClient, omnimessages: Sequence[dict], outcome: ScheduleOutcome | None = None,
                  concurrency: int = 1, chunk_size: int = BULK_CHUNK_SIZE) -> ScheduleOutcome:
    """Schedule through the bulk endpoint, up to ``concurrency`` chunks at once; outcomes in input order.

    A chunk's bodies are built (``omnimessages`` may build them on demand) and serialized only when it is sent.
    Once a chunk fails as a whole, no further chunk is sent: chunks already on the wire finish, chunks still waiting
    for their turn are withdrawn, and their recipients are reported as not attempted. So a later chunk never goes out
    while the state of an earlier one is unclear, whatever the concurrency.
    """
    outcome = outcome if outcome is not None else ScheduleOutcome()
    _BulkRun(client, omnimessages, chunk_size).dispatch(concurrency, outcome.add)
    return outcome


class _BulkRun:
    """The chunks of one bulk schedule and the flag the first chunk that fails as a whole raises."""

    def __init__(self, client: MessenteClient, omnimessages: Sequence[dict], chunk_size: int) -> None:
        self.client = client
        self.omnimessages = omnimessages
        self.chunk_size = chunk_size
        self.stopped = threading.Event()

    def dispatch(self, concurrency: int, sink: Callable[[list[dict]], None]) -> None:
        """Keep up to ``concurrency`` chunks in flight, one thread each; a chunk starts only after a free thread is found."""
        starts = list(range(0, len(self.omnimessages), self.chunk_size))
        in_order = _InOrder(starts, sink)
        workers = max(1, min(concurrency, len(starts)))
        running: dict[Future, int] = {}
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for start in starts:
                if len(running) >= workers:
                    _finish_one(running, in_order)
                if self.stopped.is_set():
                    in_order.put(start, [_not_attempted_entry(item) for item in self._chunk(start)])
                else:
                    running[pool.submit(self.send, start)] = start
            while running:
                _finish_one(running, in_order)

    def send(self, start: int) -> list[dict]:
        """One chunk's entries. A failure of the whole chunk sets ``stopped`` (the client does so before another
        request can take its place in flight), and so does anything unforeseen."""
        chunk = self._chunk(start)
        try:
            answer = self.client.schedule_bulk(chunk, stop=self.stopped)
        except RequestWithdrawn:
            return [_not_attempted_entry(item) for item in chunk]
        except MessenteError as error:
            self.stopped.set()
            return [_failed_entry(item, error.message, error) for item in chunk]
        except BaseException:
            self.stopped.set()
            raise
        return [_bulk_entry(item, result) for item, result in zip(chunk, answer["messages"])]

    def _chunk(self, start: int) -> list[dict]:
        return list(self.omnimessages[start:start + self.chunk_size])


class _InOrder:
    """Hands each chunk's entries on in input order, whatever order the threads finish the chunks in."""

    def __init__(self, starts: list[int], sink: Callable[[list[dict]], None]) -> None:
        self._waiting = deque(starts)
        self._ready: dict[int, list[dict]] = {}
        self._sink = sink

    def put(self, start: int, entries: list[dict]) -> None:
        self._ready[start] = entries
        while self._waiting and self._waiting[0] in self._ready:
            self._sink(self._ready.pop(self._waiting.popleft()))


def _finish_one(running: dict[Future, int], in_order: _InOrder) -> None:
    finished, _pending = wait(running, return_when=FIRST_COMPLETED)
    for future in finished:
        in_order.put(running.pop(future), future.result())


def _bulk_entry(omnimessage: dict, result: Any) -> dict:
    if isinstance(result, dict) and result.get("omnimessage_id"):
        return _scheduled_entry(omnimessage, result)
    raw_errors = result.get("errors") if isinstance(result, dict) else None
    errors = [item for item in raw_errors if isinstance(item, dict)] if isinstance(raw_errors, list) else []
    details = "; ".join(f"{item.get('title')} (code {item.get('code')}): {item.get('detail')}" for item in errors)
    entry = _failed_entry(omnimessage, f"Messente refused this recipient: {details or 'no reason given'}")
    entry["errors"] = errors
    return entry


def _scheduled_entry(omnimessage: dict, answer: dict) -> dict:
    return {
        "to": answer.get("to", omnimessage["to"]),
        "omnimessage_id": answer.get("omnimessage_id"),
        "time_to_send": omnimessage.get("time_to_send"),
        "messages": answer.get("messages", []),
        "error": None,
        "errors": [],
        "may_have_been_processed": False,
        "attempted": True,
    }


def _failed_entry(omnimessage: dict, reason: str, error: MessenteError | None = None,
                  may_have_been_processed: bool = False) -> dict:
    return {
        "to": omnimessage["to"],
        "omnimessage_id": None,
        "time_to_send": omnimessage.get("time_to_send"),
        "messages": [],
        "error": reason,
        "errors": error.errors if error else [],
        "may_have_been_processed": error.may_have_been_processed if error else may_have_been_processed,
        "attempted": True,
    }


def _not_attempted_entry(omnimessage: dict) -> dict:
    """A recipient whose chunk was never sent (or withdrawn after a 429): certainly not scheduled, safe to send again."""
    entry = _failed_entry(omnimessage, NOT_ATTEMPTED)
    entry["attempted"] = False
    return entry


def cancel_one(client: MessenteClient, omnimessage_id: str, options: CancelOptions) -> dict:
    """Cancel, or in check mode predict a cancel with a GET only; Messente's 404 is resolved through the status call."""
    if options.check_mode:
        return _predict_cancel(client, omnimessage_id, client.delivery_status(omnimessage_id), options.missing_ok)
    if client.cancel(omnimessage_id):
        return _cancel_entry(omnimessage_id, True, f"Cancelled scheduled omnimessage {omnimessage_id}")
    return _explain_not_found(client, omnimessage_id, client.delivery_status(omnimessage_id), options.missing_ok)


def cancel_many(client: MessenteClient, omnimessage_ids: list[str], options: CancelOptions) -> list[dict]:
    """Cancel ids in parallel over the client's one session; every id gets its own entry, failures included."""
    def cancel_or_report(omnimessage_id: str) -> dict:
        try:
            return cancel_one(client, omnimessage_id, options)
        except MessenteError as error:
            entry = _cancel_entry(omnimessage_id, False, error.message)
            entry["failed"] = True
            return entry

    return run_parallel(cancel_or_report, omnimessage_ids, options.concurrency)


def run_parallel(task: Callable[[str], dict], items: list[str], concurrency: int) -> list[dict]:
    """Run ``task`` over ``items`` with at most ``concurrency`` threads, keeping input order in the results."""
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(items)))) as pool:
        return list(pool.map(task, items))


def _explain_not_found(client: MessenteClient, omnimessage_id: str, report: dict | None, missing_ok: bool) -> dict:
    if report is None:
        return _unknown_entry(client, omnimessage_id, missing_ok)
    _refuse_if_sent(omnimessage_id, report)
    return _cancel_entry(omnimessage_id, False, f"Omnimessage {omnimessage_id} is no longer scheduled (already cancelled); nothing to cancel", report)


def _unknown_entry(client: MessenteClient, omnimessage_id: str, missing_ok: bool) -> dict:
    """An id Messente does not know cancelled nothing, while the real message may still go out: fail unless told it is fine."""
    if missing_ok:
        return _cancel_entry(omnimessage_id, False, f"Messente has no omnimessage {omnimessage_id} that these credentials can see; "
                                                    "nothing to cancel (missing_ok)")
    raise MessenteError(
        f"Messente has no omnimessage {omnimessage_id} that these credentials can see, so nothing was cancelled "
        f"and the message, if it exists, will still be sent. Likely causes: {client.unknown_id_causes()}. "
        "If the message may really not exist, set missing_ok: true",
        "DELETE", f"/omnimessage/{omnimessage_id}", 404,
    )


def _predict_cancel(client: MessenteClient, omnimessage_id: str, report: dict | None, missing_ok: bool) -> dict:
    if report is None:
        return _unknown_entry(client, omnimessage_id, missing_ok)
    _refuse_if_sent(omnimessage_id, report)
    if any(item.get("status") == "DELETED" for item in describe_statuses(report)):
        return _cancel_entry(omnimessage_id, False, f"Omnimessage {omnimessage_id} is already cancelled; nothing to cancel", report)
    entry = _cancel_entry(omnimessage_id, True, f"Check mode: omnimessage {omnimessage_id} is not sent yet and would be cancelled", report)
    entry["cancelled"] = False
    return entry


def _refuse_if_sent(omnimessage_id: str, report: dict) -> None:
    """Messente's 404 also means "already sent"; a cancel that came too late must fail, never pass as a no-op."""
    sent = [f"{item.get('channel')}: {item.get('status')}" for item in describe_statuses(report) if item.get("status") not in NOT_SENT_STATUSES]
    if sent:
        path = f"/omnimessage/{omnimessage_id}"
        raise AlreadySentError(
            f"Omnimessage {omnimessage_id} was already sent ({', '.join(sent)}) and can no longer be cancelled",
            "DELETE", path, 404,
        )


def look_up(client: MessenteClient, omnimessage_ids: list[str], concurrency: int) -> list[dict]:
    """Read the delivery report of each id in parallel; an unknown id is reported, not an error."""
    def look_up_one(omnimessage_id: str) -> dict:
        report = client.delivery_status(omnimessage_id)
        return {
            "omnimessage_id": omnimessage_id,
            "found": report is not None,
            "to": report.get("to") if isinstance(report, dict) else None,
            "state": overall_state(report),
            "statuses": describe_statuses(report),
        }

    return run_parallel(look_up_one, omnimessage_ids, concurrency)


# Overall states (see _delivery.overall_state) that will not change any more.
FINAL_STATES = frozenset(("delivered", "failed", "cancelled"))
# What each wait_for value of the info module accepts. "sent": Messente has processed the message, whatever came of it.
WAIT_FOR_STATES = {
    "sent": frozenset(("sent", "delivered", "failed")),
    "delivered": frozenset(("delivered",)),
    "final": FINAL_STATES,
}
POLL_FIRST_SECONDS = 1.0
POLL_MAX_SECONDS = 10.0


def wait_for_state(client: MessenteClient, omnimessage_ids: list[str], wait_for: str, timeout: float, concurrency: int,
                   clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> tuple[list[dict], str | None]:
    """Poll the delivery reports until every id is in a state ``wait_for`` accepts.

    Returns the last entry seen per id, in input order, and a failure message or None. It stops early when an id
    reaches a final state that ``wait_for`` does not accept, or is unknown, since waiting longer cannot help.
    The wait between polls grows from POLL_FIRST_SECONDS to POLL_MAX_SECONDS and never runs past the deadline.
    """
    deadline = clock() + timeout
    latest: dict[str, dict] = {}
    waiting_ids, interval = list(omnimessage_ids), POLL_FIRST_SECONDS
    while True:
        latest.update((entry["omnimessage_id"], entry) for entry in look_up(client, waiting_ids, concurrency))
        waiting = [latest[omnimessage_id] for omnimessage_id in waiting_ids if latest[omnimessage_id]["state"] not in WAIT_FOR_STATES[wait_for]]
        entries = [latest[omnimessage_id] for omnimessage_id in omnimessage_ids]
        hopeless = [entry for entry in waiting if not entry["found"] or entry["state"] in FINAL_STATES]
        if hopeless:
            return entries, f"wait_for={wait_for} cannot be reached: {_last_states(hopeless)}, which will not change any more"
        if not waiting:
            return entries, None
        remaining = deadline - clock()
        if remaining <= 0:
            return entries, f"wait_for={wait_for} was not reached within wait_timeout={timeout:g}s; last state seen: {_last_states(waiting)}"
        sleep(min(interval, remaining))
        waiting_ids, interval = [entry["omnimessage_id"] for entry in waiting], min(interval * 2, POLL_MAX_SECONDS)


def _last_states(entries: list[dict]) -> str:
    return ", ".join(f"{entry['omnimessage_id']} is {entry['state'] if entry['found'] else 'unknown to Messente'}" for entry in entries)


def _cancel_entry(omnimessage_id: str, changed: bool, msg: str, report: dict | None = None) -> dict:
    return {
        "omnimessage_id": omnimessage_id,
        "changed": changed,
        "cancelled": changed,
        "failed": False,
        "msg": msg,
        "statuses": describe_statuses(report) if report else None,
    }

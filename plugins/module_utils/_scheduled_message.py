# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Turn the options of messente_scheduled_message into a checked plan, and outcomes into the task result.

PRIVATE to the messente.omnichannel collection: not a public API, it may change in any release.
"""

from __future__ import annotations

from collections.abc import Sequence as SequenceBase
from datetime import datetime
from typing import Any, Sequence

from ansible_collections.messente.omnichannel.plugins.module_utils._omnimessage import (
    InputError,
    build_channel_messages,
    build_omnimessage,
    check_http_url,
    normalize_omnimessage_ids,
    normalize_recipients,
    require_value,
)
from ansible_collections.messente.omnichannel.plugins.module_utils import _module, _reconcile, _time
from ansible_collections.messente.omnichannel.plugins.module_utils._ledger import new_owner_token
from ansible_collections.messente.omnichannel.plugins.module_utils._operations import ScheduleOutcome
from ansible_collections.messente.omnichannel.plugins.module_utils._time import (
    TimeValueError,
    is_relative,
    means_now,
    normalize_time_to_send,
    resolve_timezone,
)

# How a null id arrives once templated: ansible-core before 2.19 renders "{{ none }}" as the string "None".
NULL_SPELLINGS = (None, "", "None", "null")
DIFF_BODIES_SHOWN = 3
FAILURES_LISTED = 10
KEY_MAX_LENGTH = 200
# return_results: every entry (today's shape), only the entries that did not succeed, or counts only.
RETURN_ALL, RETURN_FAILED, RETURN_NONE = "all", "failed", "none"
RETURN_RESULTS = (RETURN_ALL, RETURN_FAILED, RETURN_NONE)
SEVERAL_IDS_HINT = (
    "after a task that scheduled several recipients, omnimessage_id is null: "
    "pass the list instead, omnimessage_id: \"{{ result.omnimessage_ids }}\""
)


def empty_result() -> dict[str, Any]:
    """Every documented return key, so that a playbook reading one never crashes, in check mode or on failure."""
    return {
        "omnimessage_id": None, "omnimessage_ids": [], "to": None, "time_to_send": None, "messages": [],
        "payload": None, "results": [], "cancelled": None, "statuses": None, "key": None, "actions": {}, "counts": {},
    }


class OmnimessageBodies(SequenceBase):
    """The body of each recipient, built when read: 100,000 recipients never hold 100,000 bodies at once.

    Every body shares the one checked fallback chain; only ``to`` differs.
    """

    def __init__(self, recipients: list[str], channel_messages: list[dict], time_to_send: str | None, extras: dict) -> None:
        self._recipients = recipients
        self._channel_messages = channel_messages
        self._time_to_send = time_to_send
        self._extras = extras

    def __len__(self) -> int:
        return len(self._recipients)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._body(number) for number in self._recipients[index]]
        return self._body(self._recipients[index])

    def _body(self, number: str) -> dict:
        return build_omnimessage(number, self._channel_messages, self._time_to_send, self._extras)


class SchedulePlan:
    """Everything a schedule needs, fully checked, before any request is made."""

    def __init__(self, recipients: list[str], omnimessages: Sequence[dict], time_to_send: str | None) -> None:
        self.recipients = recipients
        self.omnimessages = omnimessages
        self.time_to_send = time_to_send

    @property
    def single(self) -> bool:
        return len(self.omnimessages) == 1

    @property
    def payload(self) -> dict:
        """The exact JSON body: one omnimessage, or the bulk envelope for several recipients (every body, built now)."""
        return self.omnimessages[0] if self.single else {"messages": list(self.omnimessages)}


def plan_request(params: dict, now: datetime) -> tuple[SchedulePlan | None, list[str]]:
    """Check every option before any request: the schedule plan (state=present), or the ids to cancel (state=absent).

    With a key, a past time is judged later, per recipient: an unchanged message whose time passed was simply sent.
    """
    keyed = check_key(params.get("key")) is not None
    if params["state"] == "present":
        return plan_present(params, now, require_future=not keyed), []
    return None, [] if keyed else plan_absent(params)


def check_key(key: Any) -> str | None:
    """A key names one message for good, so it must be real text; it is stored as given."""
    if key is not None and (not isinstance(key, str) or not key.strip() or len(key) > KEY_MAX_LENGTH):
        raise InputError("key", f"must be a non-empty name of at most {KEY_MAX_LENGTH} characters, such as maintenance-2030-06-22, got {key!r}")
    return key


def plan_present(params: dict, now: datetime, require_future: bool = True) -> SchedulePlan:
    """Check every option of a schedule; raises InputError or TimeValueError naming the option."""
    for option in ("to", "time_to_send"):
        require_value(params.get(option), option, "state=present")
    if params.get("text") is None and not params.get("messages"):
        raise InputError("text", "is required with state=present unless messages gives every channel its own text; got null")
    recipients = normalize_recipients(params["to"])
    time_to_send = _send_time(params, now, require_future)
    channel_messages = build_channel_messages(params.get("messages"), params.get("text"), params.get("sender"))
    extras = {
        "dlr_url": check_http_url(params.get("dlr_url"), "dlr_url"),
        "text_store": params.get("text_store"),
        "priority": params.get("priority"),
    }
    return SchedulePlan(recipients, OmnimessageBodies(recipients, channel_messages, time_to_send, extras), time_to_send)


def _send_time(params: dict, now: datetime, require_future: bool) -> str | None:
    """The UTC send time, or None for ``now``: Messente sends a body without time_to_send at once."""
    if means_now(params["time_to_send"]):
        resolve_timezone(params.get("timezone"))  # a bad timezone is refused even when it has nothing to read
        return None
    return normalize_time_to_send(params["time_to_send"], now, params.get("timezone"), require_future=require_future)


def when(time_to_send: str | None) -> str:
    """How a result message says when: the UTC time, or at once."""
    return "now" if time_to_send is None else f"for {time_to_send}"


def plan_absent(params: dict) -> list[str]:
    """The ids to cancel; a null id is almost always a multi-recipient result's omnimessage_id, so say what to use."""
    value = params.get("omnimessage_id")
    if value is None or value in ([], [""]) or any(item in NULL_SPELLINGS for item in value):
        raise InputError("omnimessage_id", f"is required with state=absent and must not be null or empty, got {value!r}; {SEVERAL_IDS_HINT}")
    return normalize_omnimessage_ids(value)


def schedule_result(plan: SchedulePlan, outcome: ScheduleOutcome | None, diff: bool, allow_partial: bool,
                    return_results: str = RETURN_ALL) -> dict:
    """Shape the result of a schedule; ``outcome`` is None in check mode, where nothing was sent.

    ``return_results`` decides what lists every recipient: all (results, payload, to), or only the recipients that were
    not scheduled (failed), or nothing but counts (none); see the module's RETURN for each key.
    """
    check_mode = outcome is None
    if outcome is None:
        outcome = ScheduleOutcome(keep_all=return_results == RETURN_ALL)
        outcome.entries = [{"to": number, "omnimessage_id": None, "error": None} for number in plan.recipients] if outcome.keep_all else []
    ids, failures = outcome.omnimessage_ids, outcome.failures
    result = empty_result()
    result.update(changed=bool(ids) or check_mode, time_to_send=plan.time_to_send, counts=dict(outcome.counts),
                  failed=bool(failures) and not allow_partial, msg=_schedule_message(plan, ids, failures, check_mode))
    if return_results == RETURN_ALL:
        result.update(payload=plan.payload, results=outcome.entries, to=plan.recipients[0] if plan.single else plan.recipients)
    elif return_results == RETURN_FAILED:
        result["results"] = failures
    if return_results != RETURN_NONE:
        result["omnimessage_ids"] = ids
        result["omnimessage_id"] = ids[0] if plan.single and ids else None
    if plan.single and ids and return_results == RETURN_ALL:
        result["messages"] = outcome.entries[0]["messages"]
    if diff:
        result["diff"] = {"before": {}, "after": schedule_diff(plan)}
    return result


def schedule_diff(plan: SchedulePlan) -> dict:
    """The body for one recipient; for many, a summary and the first bodies, since --diff prints every line of it."""
    if plan.single:
        return plan.payload
    shown = list(plan.omnimessages[:DIFF_BODIES_SHOWN])
    return {
        "summary": f"{len(plan.omnimessages)} omnimessages {when(plan.time_to_send)}, one per recipient, the same but for 'to'",
        "first_bodies": shown,
        "bodies_not_shown": len(plan.omnimessages) - len(shown),
    }


def _schedule_message(plan: SchedulePlan, ids: list[str], failures: list[dict], check_mode: bool) -> str:
    count = len(plan.recipients)
    if check_mode:
        verb = "send" if plan.time_to_send is None else "schedule"
        return f"Check mode: would {verb} {count} omnimessage(s) {when(plan.time_to_send)}; nothing was sent"
    verb = "Sent" if plan.time_to_send is None else "Scheduled"
    message = f"{verb} {len(ids)} of {count} omnimessage(s) {when(plan.time_to_send)}"
    if failures:
        message += f". {len(failures)} recipient(s) failed: {list_failures(failures)}"
    return message


def list_failures(failures: list[dict]) -> str:
    """The first failed recipients with their reasons; the rest are counted, since results hold them all."""
    listed = "; ".join(f"{entry['to']}: {entry['error']}" for entry in failures[:FAILURES_LISTED])
    more = f" (and {len(failures) - FAILURES_LISTED} more, see results)" if len(failures) > FAILURES_LISTED else ""
    return listed + more


def cancel_result(ids: list[str], entries: list[dict], diff: bool, allow_partial: bool, check_mode: bool = False,
                  return_results: str = RETURN_ALL) -> dict:
    """Shape the result of a cancel; a single id keeps the flat keys playbooks expect."""
    failures = [entry for entry in entries if entry.get("failed")]
    done = sum(1 for entry in entries if entry["changed"])
    result = empty_result()
    result.update(changed=done > 0, cancelled=any(entry["cancelled"] for entry in entries), failed=bool(failures) and not allow_partial,
                  counts={"cancelled": done, "unchanged": len(entries) - done - len(failures), "failed": len(failures)},
                  msg=entries[0]["msg"] if len(entries) == 1 else _cancel_message(ids, done, failures, check_mode))
    if return_results != RETURN_NONE:
        result.update(omnimessage_ids=ids, results=entries if return_results == RETURN_ALL else failures)
        result["omnimessage_id"] = ids[0] if len(entries) == 1 else None
    if len(entries) == 1 and return_results == RETURN_ALL:
        result["statuses"] = entries[0]["statuses"]
    if diff:
        going = [entry["omnimessage_id"] for entry in entries if entry["changed"]]
        result["diff"] = {"before": {"scheduled": going}, "after": {"scheduled": []}}
    return result


def _cancel_message(ids: list[str], done: int, failures: list[dict], check_mode: bool) -> str:
    idle = len(ids) - done - len(failures)
    parts = [f"{'Check mode: would cancel' if check_mode else 'Cancelled'} {done} of {len(ids)} omnimessage(s)"]
    parts += [f"{idle} needed no cancel"] if idle else []
    parts += [f"{len(failures)} failed"] if failures else []
    message = ", ".join(parts)
    if failures:
        message += ": " + "; ".join(entry["msg"] for entry in failures[:10])
    return message


def run_keyed(module: Any, plan: SchedulePlan | None) -> dict:
    """Reconcile the key's messages with the task (state=present) or cancel them all (state=absent)."""
    params = module.params
    with _module.open_module_ledger(module, empty_result(), read_only=module.check_mode) as ledger, \
            _module.open_client(module, empty_result()) as client:
        run = _reconcile.KeyedRun(client, ledger, _module.identity_of(params), params["key"], new_owner_token(),
                                  module.check_mode, params["verify"], params["retry_pending"], params["concurrency"])
        try:
            if plan is None:
                steps = _reconcile.absent(run)
            else:
                desired = {body["to"]: body for body in plan.omnimessages}
                steps = _reconcile.present(run, desired, is_relative(params["time_to_send"]), _time.utc_now())
        except TimeValueError as error:
            module.fail_json(msg=str(error), **empty_result())
    return keyed_result(steps, plan, params, module._diff, module.check_mode)


def keyed_result(steps: list, plan: SchedulePlan | None, params: dict, diff: bool, check_mode: bool) -> dict:
    """Shape a keyed run: one entry per recipient with its action, counts per action, the ids that stand now.

    With return_results=failed only the failed recipients' entries are returned, with none only the counts.
    """
    return_results = params.get("return_results") or RETURN_ALL
    results = [_reconcile.describe(step) for step in steps]
    actions = _reconcile.count_actions(steps)
    failures = [entry for entry in results if entry["action"] == "failed"]
    ids = _keyed_ids(results, plan is None)
    result = empty_result()
    result.update(changed=any(actions[action] for action in _reconcile.CHANGING_ACTIONS), actions=actions, key=params["key"],
                  failed=bool(failures) and not params["allow_partial"], msg=_keyed_message(params["key"], actions, failures, check_mode))
    if plan is None:
        result["cancelled"] = actions["cancelled"] > 0
    else:
        result["time_to_send"] = results[0]["time_to_send"]
    if return_results != RETURN_NONE:
        result.update(results=results if return_results == RETURN_ALL else failures, omnimessage_ids=ids)
    if plan is not None and plan.single and return_results != RETURN_NONE:
        result["omnimessage_id"] = results[0]["omnimessage_id"]
    if plan is not None and return_results == RETURN_ALL:
        result.update(to=plan.recipients[0] if plan.single else plan.recipients, payload=_sent_payload(steps),
                      messages=results[0]["messages"] if plan.single else [])
    elif return_results == RETURN_ALL:
        result["payload"] = _sent_payload(steps)
    if diff:
        result["diff"] = _reconcile.diff(steps, DIFF_BODIES_SHOWN)
    return result


def _keyed_ids(results: list[dict], absent: bool) -> list[str]:
    """Like the unkeyed module: the ids handled with state=absent, the ids that now stand with state=present."""
    gone = () if absent else ("cancelled", "failed")
    return [entry["omnimessage_id"] for entry in results if entry["omnimessage_id"] and entry["action"] not in gone]


def _sent_payload(steps: list) -> dict | None:
    """The body (or bulk body) this run sent, or in check mode would send; None when nothing needs sending."""
    bodies = [step.desired for step in steps if step.desired is not None and step.action in ("scheduled", "rescheduled")]
    if not bodies:
        return None
    return bodies[0] if len(bodies) == 1 else {"messages": bodies}


def _keyed_message(key: str, actions: dict, failures: list[dict], check_mode: bool) -> str:
    counts = ", ".join(f"{count} {action}" for action, count in actions.items() if count) or "no recipients"
    message = f"{'Check mode: would leave' if check_mode else 'Key'} {key!r}: {counts}"
    if failures:
        message += f". Failed: {list_failures(failures)}"
    return message

#!/usr/bin/python
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: messente_scheduled_message_info
short_description: Look up the delivery status of Messente omnimessages
version_added: 1.0.0
description:
  - Reads Messente's delivery report for each omnimessage id and returns the status of every channel in the
    fallback chain, with the meaning of each error code, plus one overall RV(omnimessages[].state) per id.
  - With O(key), returns every ledger entry of those keys (what M(messente.omnichannel.messente_scheduled_message)
    scheduled under them) with its live status, in RV(entries).
  - Never changes anything at Messente, nor in the ledger.
author:
  - Messente collection maintainers (@messente)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - messente.omnichannel.connection
  - messente.omnichannel.ledger
  - messente.omnichannel.attributes.actiongroup_messente
  - messente.omnichannel.attributes.info_module
attributes:
  platform:
    platforms: posix
options:
  omnimessage_id:
    description:
      - Ids (UUIDs) of the omnimessages to look up, as returned by M(messente.omnichannel.messente_scheduled_message).
      - At least one of O(omnimessage_id) and O(key) is required.
    type: list
    elements: str
  key:
    description:
      - Keys given to M(messente.omnichannel.messente_scheduled_message); every ledger entry of these keys (for these
        credentials and API host) is returned in RV(entries) with the live status of its message.
      - With O(wait_for), the messages of these entries are waited for too.
    type: list
    elements: str
    version_added: 1.1.0
  concurrency:
    description: How many look-ups run at the same time over one connection pool.
    type: int
    default: 8
  wait_for:
    description:
      - Wait until every omnimessage is in this state, reading its delivery report again and again, and fail when
        that does not happen within O(wait_timeout). The states are those of RV(omnimessages[].state).
      - V(sent) waits until Messente has processed the message, whatever came of it; the state is then V(sent),
        V(delivered) or V(failed).
      - V(delivered) waits until the state is V(delivered).
      - V(final) waits until the state will not change any more; it is then V(delivered), V(failed) or V(cancelled).
      - The task fails at once, without waiting for O(wait_timeout), when an omnimessage reaches one of these final
        states that O(wait_for) does not accept (for example V(cancelled) while waiting for V(delivered)), or when
        Messente does not know its id.
      - The first read is immediate. The pause between reads starts at 1 second and doubles up to 10 seconds, and
        never goes past O(wait_timeout). Ids that reached the state are not read again.
      - If not set, each delivery report is read once.
    type: str
    choices: [sent, delivered, final]
    version_added: 1.1.0
  wait_timeout:
    description:
      - How many seconds O(wait_for) waits at most. Then the task fails, naming the last state seen of each
        omnimessage that did not reach O(wait_for).
      - A read that is under way at that moment still finishes, so the task can take up to O(timeout) longer.
      - Must be 1 or more. Without O(wait_for) it is not used.
    type: int
    default: 300
    version_added: 1.1.0
notes:
  - Messente does not document what the delivery report of a message that is still scheduled, or was cancelled,
    looks like. This module reads channels that have no status yet as V(scheduled), and the C(DELETED) status as
    V(cancelled).
seealso:
  - module: messente.omnichannel.messente_scheduled_message
  - name: Messente delivery reports
    description: The statuses and error codes Messente reports.
    link: https://messente.com/documentation/omnichannel-api/delivery-report
"""

EXAMPLES = r"""
- name: Schedule a notice
  messente.omnichannel.messente_scheduled_message:
    to: "+37251234567"
    text: "Maintenance starts at 10:00 UTC."
    time_to_send: "+1h"
  delegate_to: localhost
  register: notice

- name: See where it stands
  messente.omnichannel.messente_scheduled_message_info:
    omnimessage_id: "{{ notice.omnimessage_id }}"
  delegate_to: localhost
  register: notice_status

- name: Show the overall state
  ansible.builtin.debug:
    msg: "{{ notice_status.omnimessages[0].state }}"

- name: Schedule a reminder one minute from now
  messente.omnichannel.messente_scheduled_message:
    to: "+37251234567"
    text: "The change window opens now."
    time_to_send: "+1m"
  delegate_to: localhost
  register: reminder

- name: Wait until the reminder has been delivered, at most five minutes
  messente.omnichannel.messente_scheduled_message_info:
    omnimessage_id: "{{ reminder.omnimessage_id }}"
    wait_for: delivered
    wait_timeout: 300
  delegate_to: localhost
  register: reminder_status
"""

RETURN = r"""
entries:
  description:
    - With O(key), one entry per recipient of each key, as the ledger holds it, with the live status of its message.
      Empty without O(key).
  returned: always
  type: list
  elements: dict
  version_added: 1.1.0
  contains:
    key:
      description: The key.
      type: str
      sample: maintenance-2030-06-22-payments
    to:
      description: The recipient.
      type: str
      sample: "+37251234567"
    omnimessage_id:
      description: The id of the recipient's message, V(null) while a run has claimed it without recording the outcome.
      type: str
    ledger_state:
      description:
        - V(scheduled) when the message was scheduled and recorded; V(pending) while a run is sending it; V(uncertain)
          when a run may have scheduled it without recording the outcome (see O(messente.omnichannel.messente_scheduled_message#module:retry_pending)).
      type: str
      choices: [scheduled, pending, uncertain]
    time_to_send:
      description: The send time in UTC the ledger holds for the message.
      type: str
    state:
      description: The live overall state of the message, as in RV(omnimessages[].state); V(unknown) without an id.
      type: str
    statuses:
      description: The per-channel delivery status, as in RV(omnimessages[].statuses).
      type: list
      elements: dict
omnimessages:
  description:
    - One entry per requested id, in input order.
    - With O(wait_for), the last delivery report read for each id, also when the wait failed.
  returned: always
  type: list
  elements: dict
  contains:
    omnimessage_id:
      description: The id.
      type: str
      sample: 4f1a4a3e-52a2-4b8a-9e63-0c3c6b0c1f9e
    found:
      description: Whether Messente knows this id (for these credentials).
      type: bool
      sample: true
    to:
      description: The recipient, V(null) when the id is unknown.
      type: str
      sample: "+37251234567"
    state:
      description:
        - Overall state across the fallback chain.
        - V(scheduled) no channel processed yet; V(cancelled) cancelled before sending; V(sent) handed to a channel,
          no final answer yet; V(delivered) a channel reported delivery; V(failed) every channel failed;
          V(unknown) Messente does not know the id, or reports a status this module cannot place.
      type: str
      choices: [scheduled, cancelled, sent, delivered, failed, unknown]
      sample: delivered
    statuses:
      description: Per-channel delivery status, in send order.
      type: list
      elements: dict
      contains:
        channel:
          description: The channel.
          type: str
          sample: sms
        message_id:
          description: Messente's id of the message on this channel.
          type: str
        sender:
          description: The sender used.
          type: str
        status:
          description: Messente's status, such as C(DELIVRD), C(UNDELIV) or C(DELETED); V(null) while not processed.
          type: str
          sample: DELIVRD
        err:
          description: Messente's delivery error code, V(null) while not processed.
          type: int
          sample: 0
        err_meaning:
          description: The meaning of RV(omnimessages[].statuses[].err), such as C(Invalid number).
          type: str
          sample: No error
        error:
          description: Messente's human-readable error, V(null) when there is none.
          type: str
        timestamp:
          description: When Messente received this status.
          type: str
        price_info:
          description: Price of the message (C(part_price), C(parts_count), C(total_price)), V(null) while processing.
          type: dict
status:
  description: On failure, the HTTP status Messente answered with, if any.
  returned: failure
  type: int
  sample: 401
method:
  description: On failure, the HTTP method of the request that failed.
  returned: failure
  type: str
  sample: GET
path:
  description: On failure, the API path of the request that failed, relative to O(api_url).
  returned: failure
  type: str
  sample: /omnimessage/4f1a4a3e-52a2-4b8a-9e63-0c3c6b0c1f9e/status
errors:
  description: On failure, Messente's error items (C(title), C(detail), C(code), C(source)), if it sent any.
  returned: failure
  type: list
  elements: dict
  sample: [{"title": "Unauthorized", "detail": "Invalid credentials", "code": "103", "source": null}]
may_have_been_processed:
  description: On failure, always V(false) for this module, which only reads.
  returned: failure
  type: bool
  sample: false
"""

from time import monotonic, sleep

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.messente.omnichannel.plugins.module_utils import _module, _operations
from ansible_collections.messente.omnichannel.plugins.module_utils._client import MessenteClient
from ansible_collections.messente.omnichannel.plugins.module_utils._omnimessage import InputError, normalize_omnimessage_ids
from ansible_collections.messente.omnichannel.plugins.module_utils._reconcile import check_keys, ids_to_read, key_entries, split_by_source

MODULE_OPTIONS = {
    "omnimessage_id": {"type": "list", "elements": "str"},
    "key": {"type": "list", "elements": "str", "no_log": False},
    "concurrency": {"type": "int", "default": 8},
    "wait_for": {"type": "str", "choices": ["sent", "delivered", "final"]},
    "wait_timeout": {"type": "int", "default": 300},
    **_module.ledger_argument_spec(),
}


def main() -> None:
    module = _module.MessenteModule(argument_spec=_module.messente_argument_spec(**MODULE_OPTIONS),
                                    required_one_of=[("omnimessage_id", "key")], supports_check_mode=True)
    _module.require_libraries(module)
    params = module.params
    empty = {"omnimessages": [], "entries": []}
    try:
        _module.check_connection_options(module)
        ids = normalize_omnimessage_ids(params["omnimessage_id"]) if params["omnimessage_id"] is not None else []
        keys = check_keys(params["key"])
        _check_wait_timeout(params["wait_timeout"])
    except ValueError as error:
        module.fail_json(msg=str(error), **empty)
    entries = _key_entries(module, keys, empty)
    with _module.open_client(module, empty) as client:
        omnimessages, problem = _read(module, client, ids_to_read(ids, entries))
    result = {"changed": False, **split_by_source(ids, entries, omnimessages)}
    if problem:
        module.fail_json(msg=problem, **result)
    module.exit_json(**result)


def _key_entries(module: AnsibleModule, keys: list[str], empty: dict) -> list[dict]:
    """The ledger entries of the keys, read before any request; no ledger is opened without a key."""
    if not keys:
        return []
    with _module.open_module_ledger(module, empty, read_only=True) as ledger:
        return key_entries(ledger, _module.identity_of(module.params), keys)


def _check_wait_timeout(value: int | None) -> None:
    if value is None or value < 1:
        raise InputError("wait_timeout", f"must be a whole number of seconds, 1 or more, got {value!r}")


def _read(module: AnsibleModule, client: MessenteClient, ids: list[str]) -> tuple[list[dict], str | None]:
    """One read of each delivery report, or with wait_for, reads until the state is reached or the time is up."""
    params = module.params
    if params["wait_for"] is None:
        return _operations.look_up(client, ids, params["concurrency"]), None
    return _operations.wait_for_state(client, ids, params["wait_for"], params["wait_timeout"], params["concurrency"],
                                      clock=monotonic, sleep=sleep)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: messente_scheduled_message
short_description: Schedule or cancel SMS, Viber, WhatsApp and RCS messages with Messente
version_added: 1.0.0
description:
  - Schedules an omnimessage for a future time with Messente's Omnichannel API (O(state=present)), or cancels a
    scheduled one by its id (O(state=absent)).
  - An omnimessage is an ordered fallback chain of channels; Messente tries the next channel when the previous one
    fails or its O(messages[].validity) or O(messages[].ttl) runs out.
  - With several recipients in O(to), one task schedules them all through Messente's bulk endpoint; with several ids
    in O(omnimessage_id), one task cancels them all in parallel.
  - Every option is checked before the first request. A bad value fails the task with a message naming the option,
    and nothing is sent.
author:
  - Messente collection maintainers (@messente)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - messente.omnichannel.connection
  - messente.omnichannel.ledger
  - messente.omnichannel.channels
  - messente.omnichannel.attributes.actiongroup_messente
attributes:
  check_mode:
    support: full
    details:
      - With O(state=present) the module checks every option and returns the exact request body it would send
        (RV(payload)) with C(changed=true), without any request to Messente.
      - With O(key) it predicts exactly what a real run would do, per recipient (see RV(results[].action)). It reads the
        ledger and, with O(verify=true), the delivery status of stored ids, and writes and sends nothing.
      - With O(state=absent) it only reads the delivery status (a GET request) to predict whether the cancel would
        change anything, and cancels nothing.
  diff_mode:
    support: full
    details:
      - O(state=present) shows the request body as the new state; O(state=absent) shows the scheduled message going away.
      - With O(key), the old and the new body of every recipient that changes. With many recipients, a summary and the
        first bodies.
  idempotent:
    description: Whether running the task again with the same options changes nothing.
    support: full
    details:
      - With O(key), fully. A second run with the same options changes nothing (C(changed=false), no POST and no
        DELETE), changed options change exactly what differs, and concurrent runs schedule each recipient once.
      - Without O(key), scheduling is not idempotent. Messente has no way to look a message up by its content, so every
        run with O(state=present) schedules a new message. Use O(key), or run such tasks once.
      - Cancelling by O(omnimessage_id) is idempotent. An id that is already cancelled gives C(changed=false). An id
        unknown to Messente fails unless O(missing_ok=true).
  platform:
    platforms: posix
options:
  state:
    description:
      - V(present) schedules a new omnimessage and returns its id in RV(omnimessage_id). With O(key), it makes what
        Messente holds under that key match the task, see O(key).
      - V(absent) cancels the scheduled omnimessages given in O(omnimessage_id), or with O(key) every message still
        scheduled under that key.
    type: str
    choices: [present, absent]
    default: present
  key:
    description:
      - A name you give to one scheduled message, such as V(maintenance-2030-06-22-payments). It makes the task
        declarative, like a cloud resource. The collection remembers in its O(ledger) what it scheduled under the key,
        for each recipient, per Messente API username and API host.
      - With O(state=present), for each recipient in O(to) the module compares the wanted message (the exact body,
        including the UTC send time) with the ledger and, with O(verify=true), with Messente's live status.
        A new recipient is scheduled (action V(scheduled)); the same message still scheduled or already sent is left
        alone (V(unchanged), V(sent)); a message cancelled outside this collection is scheduled again (V(scheduled));
        a changed message (time, text, channels, sender...) is cancelled and, only after Messente accepted the cancel,
        scheduled anew (V(rescheduled)), or fails if it was already sent; a recipient no longer in O(to) is cancelled
        (V(cancelled)).
      - A relative O(time_to_send) such as V(+2h) is resolved once, when the key's message is first scheduled; later
        runs keep that instant, or every run would reschedule.
      - Never sends twice. Before a POST the recipient is claimed in the ledger; a POST that may have been processed
        leaves the entry pending, and later runs send nothing to that recipient (the task fails for it and says how to
        check) until O(retry_pending=true). Tasks running at the same moment (forks, several hosts, several
        controllers sharing a PostgreSQL ledger) schedule each recipient once; the others wait for that claim and
        report V(unchanged).
      - With O(state=absent), cancels every message of the key that is still scheduled and forgets the key; a second
        run changes nothing. O(omnimessage_id) is not needed.
      - Without O(key), every run with O(state=present) schedules a new message.
    type: str
    version_added: 1.1.0
  verify:
    description:
      - With O(key), whether to ask Messente for the live status of each stored id whose message is unchanged (one GET
        per id), so that a message cancelled in the Messente dashboard is noticed and scheduled again.
      - V(false) trusts the ledger, so a re-run of unchanged recipients then makes no request at all.
    type: bool
    default: true
    version_added: 1.1.0
  retry_pending:
    description:
      - With O(key), send to recipients whose entry an earlier run left pending, that is claimed without knowing
        whether Messente scheduled the message (after a timeout, a dropped connection or a crash).
      - Set it only after checking the recipient's message history in the Messente dashboard (or the delivery
        reports), since the message may then exist twice.
    type: bool
    default: false
    version_added: 1.1.0
  to:
    description:
      - Recipient phone numbers in E.164 format, such as V(+37251234567). Spaces, dashes, dots and parentheses are ignored.
      - A single number may be given as a string. Each number may appear only once.
      - With more than one number the messages are scheduled through Messente's bulk endpoint, 1000 per request
        (several requests at once, see O(concurrency)), and RV(results) has one entry per number (see
        O(return_results)).
      - Required with O(state=present).
    type: list
    elements: str
  time_to_send:
    description:
      - When Messente sends the message. It must be in the future, or V(now).
      - V(now) sends the message at once, without a send time in the request, so it cannot be cancelled later. No
        other value means now; a time that is not in the future fails the task, and so does an empty value.
      - An ISO 8601 date-time such as V(2030-06-22T09:05), V(2030-06-22T09:05:07+04:00), V(2030-06-22T09:05:07Z) or
        the form that Jinja's C(now) function prints, V(2030-06-22 09:05:07.123456).
      - A time without an offset is read in O(timezone), which defaults to UTC as it does on Messente's side.
      - A relative time from now is also accepted, such as V(+30m), V(+2h), V(+1d) or V(+1h30m).
      - The task returns the same instant in UTC as RV(time_to_send).
      - With O(key), a message sent with V(now) is sent once; later runs with the same options find it sent and send
        nothing.
      - Required with O(state=present).
    type: str
  timezone:
    description:
      - IANA time zone name, such as V(Europe/Tallinn), used to read an O(time_to_send) that has no offset.
      - A local time that does not exist (skipped when clocks go forward) fails the task, and so does one that
        happens twice (when clocks go back) unless O(time_to_send) carries an explicit offset.
      - If not set, a time without an offset is UTC.
    type: str
  text:
    description:
      - Message text, used for every entry in O(messages) that has no O(messages[].text) of its own and whose content
        allows a text (see O(messages)).
      - Without O(messages), the module sends one SMS with this text.
    type: str
  sender:
    description:
      - Sender name or phone number, used for every entry in O(messages) that has no O(messages[].sender) of its own.
      - If not set, Messente uses the default sender of the API key. Senders must be approved by Messente.
    type: str
  dlr_url:
    description: URL Messente calls with delivery reports for this message. If not set, the API key's default is used.
    type: str
  text_store:
    description: How Messente stores the message text.
    type: str
    choices: [nostore, plaintext, sha256]
  priority:
    description: Messente's processing priority for this message.
    type: str
    choices: [low, regular, high]
  omnimessage_id:
    description:
      - Ids (UUIDs) of the omnimessages to cancel, as returned in RV(omnimessage_id) when they were scheduled.
      - Messente answers a cancel of a message that was already sent, already cancelled or never existed with the same
        "not found". The module then reads the delivery status to tell them apart. A message that was already sent
        fails the task, since it can no longer be cancelled. One that is already cancelled gives C(changed=false).
        An id Messente does not know for these credentials fails the task unless O(missing_ok=true), see there.
      - After a task that scheduled several recipients, RV(omnimessage_id) is V(null); pass RV(omnimessage_ids) here instead.
      - Required with O(state=absent), unless O(key) is given. Mutually exclusive with O(key).
    type: list
    elements: str
  missing_ok:
    description:
      - With O(state=absent), whether an id that Messente does not know for these credentials is fine.
      - By default such a cancel fails, because it cancelled nothing while the real message may still go out. Usual
        causes are an id from another Messente account or API key, an O(api_url) other than the one the message was
        scheduled through, or a per-channel C(message_id) passed instead of the omnimessage id.
      - V(true) reports such an id with C(changed=false) instead, for clean-up tasks that may run twice.
    type: bool
    default: false
    version_added: 1.1.0
  allow_partial:
    description:
      - With several recipients or ids, whether the task succeeds when only some of them could be scheduled or cancelled.
      - Either way RV(results) lists every recipient or id with its outcome, so the ids that were scheduled can be cancelled.
    type: bool
    default: false
  concurrency:
    description:
      - How many requests of this task may be in flight at the same time, over one connection pool.
      - With more than 1000 recipients in O(to), how many bulk requests (of 1000 recipients each) are sent at once.
        If one of them fails as a whole in a way that leaves open whether Messente scheduled its recipients (a
        timeout, a dropped connection, an HTTP 5xx answer), no further bulk request is sent. Those already in
        flight finish, and RV(results) says per recipient whether it was scheduled, refused, may have been
        scheduled (RV(results[].may_have_been_processed)), or was not attempted (RV(results[].attempted)).
        V(1) sends one bulk request after the other.
      - With several ids in O(omnimessage_id), how many cancels run at once. With O(key), how many status reads,
        cancels and bulk requests run at once.
      - An HTTP 429 (too many requests) answer lowers this for the rest of the task, see O(retries).
    type: int
    default: 8
  rate_limit:
    description:
      - At most this many requests per second, spaced evenly, for example V(150) to stay below Messente's documented
        limit of 150 requests per second from one IP address.
      - If not set, the task sends as fast as O(concurrency) allows and slows down only when Messente answers
        HTTP 429 (see O(retries)).
      - Useful for cancelling thousands of ids in O(omnimessage_id), or when several tasks share one limit.
    type: float
    version_added: 1.1.0
  return_results:
    description:
      - How much the task returns per recipient or id; a task with 100,000 recipients need not return 100,000 entries.
      - V(all) returns every key as documented, with one entry per recipient or id in RV(results).
      - V(failed) returns in RV(results) only the recipients that were not scheduled (or the ids whose cancel
        failed; with O(key), the recipients whose action is V(failed)), plus RV(omnimessage_ids), RV(omnimessage_id)
        and RV(counts) (with O(key), RV(actions)). RV(payload), RV(to) and RV(messages) stay empty.
      - V(none) returns only RV(counts) (with O(key), RV(actions)), RV(time_to_send), and the C(changed) and C(msg)
        every task returns; RV(results) and RV(omnimessage_ids) stay empty.
      - Whether the task fails, and its message, do not depend on this option.
    type: str
    choices: [all, failed, none]
    default: all
    version_added: 1.1.0
notes:
  - Scheduling creates a new message at Messente every time, so the task always reports C(changed=true) when it succeeds.
seealso:
  - name: Messente scheduled messages
    description: How Messente schedules and cancels omnimessages.
    link: https://messente.com/documentation/omnichannel-api/scheduled-messages
"""

EXAMPLES = r"""
- name: Announce a maintenance window by SMS at 09:00 UTC (credentials from MESSENTE_API_USERNAME/PASSWORD)
  messente.omnichannel.messente_scheduled_message:
    to: "+37251234567"
    text: "Maintenance of the payment API starts at 10:00 UTC."
    time_to_send: "2030-06-22T09:00:00Z"
  delegate_to: localhost
  register: notice

- name: Cancel it again when the maintenance is called off
  messente.omnichannel.messente_scheduled_message:
    state: absent
    omnimessage_id: "{{ notice.omnimessage_id }}"
  delegate_to: localhost

- name: Remind the on-call rota in 2 hours, Viber first and SMS if Viber fails within 10 minutes
  messente.omnichannel.messente_scheduled_message:
    api_username: "{{ messente_user }}"
    api_password: "{{ messente_password }}"
    to:
      - "+372 5123 4567"
      - "+44 20 7946 0958"
    time_to_send: "+2h"
    text: "You are on call from 18:00. Runbook: https://wiki.example.com/oncall"
    sender: OpsTeam
    messages:
      - channel: viber
        validity: 10
      - channel: sms
  delegate_to: localhost
  register: reminders

- name: Schedule a deploy notice in local time, Tallinn
  messente.omnichannel.messente_scheduled_message:
    to: "+37251234567"
    text: "Release 4.2 goes live at 22:00."
    time_to_send: "2030-06-22 21:30"
    timezone: Europe/Tallinn
  delegate_to: localhost

- name: Set credentials once for every module of the collection
  module_defaults:
    group/messente.omnichannel.messente:
      api_username: "{{ messente_user }}"
      api_password: "{{ messente_password }}"
  block:
    - name: Schedule the notice, and cancel it if the deploy fails
      block:
        - name: Schedule the deploy notice
          messente.omnichannel.messente_scheduled_message:
            to: "+37251234567"
            text: "Deploy done."
            time_to_send: "+15m"
          delegate_to: localhost
          register: deploy_notice

        - name: Deploy
          ansible.builtin.command: /usr/local/bin/deploy
          changed_when: true
      rescue:
        - name: Cancel the notice, the deploy failed
          messente.omnichannel.messente_scheduled_message:
            state: absent
            omnimessage_id: "{{ deploy_notice.omnimessage_id }}"
          delegate_to: localhost
          when: deploy_notice.omnimessage_id | default(none) is not none

- name: Cancel every reminder scheduled above
  messente.omnichannel.messente_scheduled_message:
    state: absent
    omnimessage_id: "{{ reminders.omnimessage_ids }}"
  delegate_to: localhost
"""

RETURN = r"""
omnimessage_id:
  description:
    - Id of the scheduled omnimessage, needed to cancel it later. With O(state=absent), the id that was cancelled.
    - V(null) in check mode, when there is more than one recipient or id (see RV(omnimessage_ids)), and with
      O(return_results=none).
  returned: always
  type: str
  sample: 4f1a4a3e-52a2-4b8a-9e63-0c3c6b0c1f9e
omnimessage_ids:
  description:
    - The ids of all omnimessages scheduled (O(state=present)), or all ids handled (O(state=absent)), in input order.
    - Empty in check mode with O(state=present), and with O(return_results=none).
  returned: always
  type: list
  elements: str
  sample: [4f1a4a3e-52a2-4b8a-9e63-0c3c6b0c1f9e]
to:
  description:
    - The recipient in E.164 form, or the list of recipients when there is more than one.
    - V(null) with O(state=absent), and unless O(return_results=all).
  returned: always
  type: raw
  sample: "+37251234567"
time_to_send:
  description:
    - When the message is sent, in UTC, as C(YYYY-MM-DDTHH:MM:SS+00:00).
    - V(null) with O(state=absent), and with O(time_to_send=now), since Messente then sends at once.
  returned: always
  type: str
  sample: "2030-06-22T09:00:00+00:00"
messages:
  description:
    - One entry per channel of the scheduled omnimessage, as Messente returned them. Empty in check mode, with
      O(state=absent), with more than one recipient (see RV(results)), and unless O(return_results=all).
  returned: always
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
      sample: 9e2d3b6a-3c1e-4f4f-8a0b-7d6c5b4a3f21
    sender:
      description: The sender Messente used.
      type: str
      sample: OpsTeam
payload:
  description:
    - The JSON body sent to Messente, or in check mode the body that would be sent. With several recipients, the bulk
      body with one omnimessage per recipient under C(messages). V(null) with O(state=absent), and unless
      O(return_results=all).
  returned: always
  type: dict
  sample: {"to": "+37251234567", "time_to_send": "2030-06-22T09:00:00+00:00", "messages": [{"channel": "sms", "text": "Maintenance at 10:00"}]}
results:
  description:
    - One entry per recipient (O(state=present)) or per id (O(state=absent)), in input order.
    - With O(return_results=failed), only the entries of recipients that were not scheduled (of ids whose cancel
      failed; with O(key), of recipients whose action is V(failed)). Empty with O(return_results=none).
    - Without O(key), each recipient's entry is exactly one of these. Scheduled, with an RV(results[].omnimessage_id).
      Refused by Messente, certainly not scheduled (an RV(results[].error), RV(results[].attempted=true),
      RV(results[].may_have_been_processed=false)). May have been scheduled (RV(results[].may_have_been_processed=true));
      check before sending again. Not attempted (RV(results[].attempted=false)), because an earlier bulk request failed
      as a whole; certainly not scheduled, safe to send again. RV(counts) counts each kind.
  returned: always
  type: list
  elements: dict
  contains:
    to:
      description: O(state=present), or with O(key). The recipient.
      type: str
    action:
      description:
        - With O(key) only. What the task did for this recipient (in check mode, would do), see O(key).
      type: str
      choices: [scheduled, unchanged, rescheduled, cancelled, sent, failed]
      version_added: 1.1.0
    omnimessage_id:
      description: The id of the omnimessage; V(null) if it could not be scheduled, and in check mode.
      type: str
    time_to_send:
      description: O(state=present) only. The send time in UTC.
      type: str
    messages:
      description: O(state=present) only. Messente's per-channel results for this recipient, as in RV(messages).
      type: list
      elements: dict
    error:
      description: O(state=present) only. Why this recipient could not be scheduled, or V(null).
      type: str
    errors:
      description: O(state=present) only. Messente's error items for this recipient, if it sent any.
      type: list
      elements: dict
    may_have_been_processed:
      description:
        - O(state=present) only. V(true) when scheduling this recipient failed in a way that leaves open whether
          Messente scheduled it all the same, for example after a read timeout.
      type: bool
    attempted:
      description:
        - O(state=present) without O(key) only. V(false) when this recipient's bulk request was never sent (or,
          after an HTTP 429, not sent again) because an earlier bulk request failed as a whole; the recipient is
          certainly not scheduled. V(true) otherwise.
      type: bool
      version_added: 1.1.0
    changed:
      description: O(state=absent) only. Whether this id was (or in check mode would be) cancelled.
      type: bool
    cancelled:
      description: O(state=absent) only. Whether this task cancelled this id.
      type: bool
    failed:
      description: O(state=absent) only. Whether cancelling this id failed.
      type: bool
    msg:
      description: O(state=absent) only. What happened to this id.
      type: str
    statuses:
      description: O(state=absent) only. The delivery status per channel, when the module had to look it up.
      type: list
      elements: dict
  sample: [{"to": "+37251234567", "omnimessage_id": "4f1a4a3e-52a2-4b8a-9e63-0c3c6b0c1f9e", "error": null}]
key:
  description: The O(key) the task worked on, V(null) without one.
  returned: always
  type: str
  sample: maintenance-2030-06-22-payments
  version_added: 1.1.0
actions:
  description:
    - With O(key), how many recipients ended in each action (V(scheduled), V(unchanged), V(rescheduled),
      V(cancelled), V(sent), V(failed)); every action is listed. Empty without O(key).
  returned: always
  type: dict
  sample: {"scheduled": 1, "unchanged": 2, "rescheduled": 0, "cancelled": 0, "sent": 0, "failed": 0}
  version_added: 1.1.0
counts:
  description:
    - Without O(key), how many recipients or ids ended which way; with O(key) see RV(actions) instead (empty here).
    - O(state=present). C(scheduled), C(refused) (certainly not scheduled), C(may_have_been_processed) (check before
      sending again) and C(not_attempted) (certainly not scheduled), see RV(results); they add up to the number of
      recipients. All zero in check mode.
    - O(state=absent). C(cancelled) (in check mode, would be cancelled), C(unchanged) (needed no cancel) and
      C(failed).
  returned: always
  type: dict
  sample: {"scheduled": 99998, "refused": 1, "may_have_been_processed": 0, "not_attempted": 1}
  version_added: 1.1.0
cancelled:
  description: With O(state=absent), whether this task cancelled a message; V(null) with O(state=present).
  returned: always
  type: bool
  sample: true
statuses:
  description:
    - With O(state=absent) and one id, the per-channel delivery status Messente reported when the module had to look
      it up (after a "not found", or in check mode), else V(null).
  returned: always
  type: list
  elements: dict
  sample: [{"channel": "sms", "status": "DELETED", "err": null, "error": null}]
status:
  description: On failure, the HTTP status Messente answered with, if any.
  returned: failure
  type: int
  sample: 400
method:
  description: On failure, the HTTP method of the request that failed.
  returned: failure
  type: str
  sample: POST
path:
  description: On failure, the API path of the request that failed, relative to O(api_url).
  returned: failure
  type: str
  sample: /omnimessage
errors:
  description: On failure, Messente's error items (C(title), C(detail), C(code), C(source)), if it sent any.
  returned: failure
  type: list
  elements: dict
  sample: [{"title": "Invalid data", "detail": "Invalid phone number", "code": "105", "source": "to"}]
may_have_been_processed:
  description:
    - On failure, V(true) when the request reached Messente and the message may have been scheduled all the same,
      for example after a read timeout. Check before scheduling again.
  returned: failure
  type: bool
  sample: false
"""

from ansible_collections.messente.omnichannel.plugins.module_utils import _module, _operations
from ansible_collections.messente.omnichannel.plugins.module_utils._channels import message_argument_spec
from ansible_collections.messente.omnichannel.plugins.module_utils._omnimessage import PRIORITY_CHOICES, TEXT_STORE_CHOICES
from ansible_collections.messente.omnichannel.plugins.module_utils._operations import CancelOptions
from ansible_collections.messente.omnichannel.plugins.module_utils._scheduled_message import (
    RETURN_ALL,
    RETURN_RESULTS,
    cancel_result,
    empty_result,
    plan_request,
    run_keyed,
    schedule_result,
)
from ansible_collections.messente.omnichannel.plugins.module_utils._time import utc_now

# Every field of every channel, from the one channel table (module_utils/_channels.py) that also renders the docs.
MESSAGE_OPTIONS = message_argument_spec()

MODULE_OPTIONS = {
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "key": {"type": "str", "no_log": False},
    "verify": {"type": "bool", "default": True},
    "retry_pending": {"type": "bool", "default": False},
    "to": {"type": "list", "elements": "str"},
    "time_to_send": {"type": "str"},
    "timezone": {"type": "str"},
    "text": {"type": "str"},
    "sender": {"type": "str"},
    "messages": {"type": "list", "elements": "dict", "options": MESSAGE_OPTIONS},
    "dlr_url": {"type": "str"},
    "text_store": {"type": "str", "choices": list(TEXT_STORE_CHOICES)},
    "priority": {"type": "str", "choices": list(PRIORITY_CHOICES)},
    "omnimessage_id": {"type": "list", "elements": "str"},
    "allow_partial": {"type": "bool", "default": False},
    "missing_ok": {"type": "bool", "default": False},
    "concurrency": {"type": "int", "default": 8},
    "rate_limit": {"type": "float"},
    "return_results": {"type": "str", "choices": list(RETURN_RESULTS), "default": RETURN_ALL},
    **_module.ledger_argument_spec(),
}


def main() -> None:
    module = _module.MessenteModule(
        argument_spec=_module.messente_argument_spec(**MODULE_OPTIONS),
        required_if=[
            ("state", "present", ("to", "time_to_send")),
            ("state", "present", ("text", "messages"), True),
            ("state", "absent", ("omnimessage_id", "key"), True),
        ],
        mutually_exclusive=[("key", "omnimessage_id")],
        supports_check_mode=True,
    )
    _module.require_libraries(module)
    params = module.params
    try:
        _module.check_connection_options(module)
        plan, ids = plan_request(params, utc_now())
    except ValueError as error:
        module.fail_json(msg=str(error), **empty_result())
    if params["key"] is not None:
        _module.exit_with(module, run_keyed(module, plan))
    level = params["return_results"]
    if plan is not None and module.check_mode:
        _module.exit_with(module, schedule_result(plan, None, module._diff, params["allow_partial"], level))
    with _module.open_client(module, empty_result()) as client:
        if plan is not None:
            outcome = _operations.schedule_outcome(client, plan.omnimessages, params["concurrency"], keep_all=level == RETURN_ALL)
            result = schedule_result(plan, outcome, module._diff, params["allow_partial"], level)
        else:
            options = CancelOptions(module.check_mode, params["concurrency"], params["missing_ok"])
            entries = _operations.cancel(client, ids, options)
            result = cancel_result(ids, entries, module._diff, params["allow_partial"], module.check_mode, level)
    _module.exit_with(module, result)


if __name__ == "__main__":
    main()

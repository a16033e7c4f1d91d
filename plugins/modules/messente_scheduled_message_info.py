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
  - Never changes anything at Messente.
author:
  - Messente collection maintainers (@messente)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - messente.omnichannel.connection
  - messente.omnichannel.attributes.actiongroup_messente
  - messente.omnichannel.attributes.info_module
attributes:
  platform:
    platforms: posix
options:
  omnimessage_id:
    description:
      - Ids (UUIDs) of the omnimessages to look up, as returned by M(messente.omnichannel.messente_scheduled_message).
    type: list
    elements: str
    required: true
  concurrency:
    description: How many look-ups run at the same time over one connection pool.
    type: int
    default: 8
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
"""

RETURN = r"""
omnimessages:
  description: One entry per requested id, in input order.
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

from ansible_collections.messente.omnichannel.plugins.module_utils import _module, _operations
from ansible_collections.messente.omnichannel.plugins.module_utils._omnimessage import normalize_omnimessage_ids

MODULE_OPTIONS = {
    "omnimessage_id": {"type": "list", "elements": "str", "required": True},
    "concurrency": {"type": "int", "default": 8},
}


def main() -> None:
    module = _module.MessenteModule(argument_spec=_module.messente_argument_spec(**MODULE_OPTIONS), supports_check_mode=True)
    _module.require_libraries(module)
    try:
        _module.check_connection_options(module)
        ids = normalize_omnimessage_ids(module.params["omnimessage_id"])
    except ValueError as error:
        module.fail_json(msg=str(error), omnimessages=[])
    with _module.open_client(module, {"omnimessages": []}) as client:
        omnimessages = _operations.look_up(client, ids, module.params["concurrency"])
    module.exit_json(changed=False, omnimessages=omnimessages)


if __name__ == "__main__":
    main()

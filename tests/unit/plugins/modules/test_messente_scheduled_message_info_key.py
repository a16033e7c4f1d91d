# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""messente_scheduled_message_info with key: the ledger's entries of the keys, each with its live status."""

from __future__ import annotations

from pathlib import Path

from ansible_collections.messente.omnichannel.plugins.module_utils._ledger import Claim, open_ledger
from ansible_collections.messente.omnichannel.plugins.module_utils._reconcile import canonical
from ansible_collections.messente.omnichannel.plugins.modules import messente_scheduled_message_info
from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import Call, ModuleRunner, ScriptedHTTP, module_args
from ansible_collections.messente.omnichannel.tests.unit.plugins.modules.test_messente_scheduled_message_info import OID, OID2, report, status_url
from ansible_collections.messente.omnichannel.tests.unit.plugins.modules.test_messente_scheduled_message_key import IDENTITY, KEY, seed
from ansible_collections.messente.omnichannel.tests.unit.plugins.modules.test_messente_scheduled_message import TO, TO2, TO3, WHEN, sms_payload


def info(run_module: ModuleRunner, **options: object):
    return run_module(module_args(**options), module=messente_scheduled_message_info)


def test_key_entries_come_with_their_live_status(http: ScriptedHTTP, run_module: ModuleRunner, tmp_path: Path) -> None:
    ledger = str(tmp_path / "ledger.sqlite3")
    seed(ledger, TO, OID, sms_payload())
    seed(ledger, TO2, OID2, sms_payload(to=TO2))
    with open_ledger(ledger) as opened:
        opened.claim(IDENTITY, KEY, [Claim(TO3, canonical(sms_payload(to=TO3)), None)], "gone-host:1:x", 60)
        opened.mark_uncertain(IDENTITY, KEY, [TO3], "gone-host:1:x")
    http.parallel([Call("GET", status_url(OID), status=200, reply=report(OID, (None, None)))],
                  [Call("GET", status_url(OID2), status=200, reply=report(OID2, ("DELIVRD", 0)))])

    run = info(run_module, key=[KEY], ledger=ledger)

    assert not run.failed, run.msg
    assert run.result["omnimessages"] == []
    assert [(entry["key"], entry["to"], entry["omnimessage_id"], entry["ledger_state"], entry["state"], entry["time_to_send"])
            for entry in run.result["entries"]] == [
        (KEY, TO, OID, "scheduled", "scheduled", WHEN),
        (KEY, TO2, OID2, "scheduled", "delivered", WHEN),
        (KEY, TO3, None, "uncertain", "unknown", WHEN),
    ]
    assert run.result["entries"][1]["statuses"][0]["status"] == "DELIVRD"


def test_ids_and_keys_together_read_each_message_once(http: ScriptedHTTP, run_module: ModuleRunner, tmp_path: Path) -> None:
    ledger = str(tmp_path / "ledger.sqlite3")
    seed(ledger, TO, OID, sms_payload())
    http.script(Call("GET", status_url(OID), status=200, reply=report(OID, (None, None))))

    run = info(run_module, omnimessage_id=[OID], key=[KEY, "no-such-key"], ledger=ledger)

    assert not run.failed, run.msg
    assert [entry["omnimessage_id"] for entry in run.result["omnimessages"]] == [OID]
    assert [(entry["to"], entry["state"]) for entry in run.result["entries"]] == [(TO, "scheduled")]
    assert len(http.seen) == 1


def test_without_id_or_key_the_task_fails_naming_both(http: ScriptedHTTP, run_module: ModuleRunner) -> None:
    run = info(run_module)

    assert run.failed
    assert "one of the following is required: omnimessage_id, key" in run.msg
    assert http.seen == []


def test_an_empty_key_is_refused_before_the_ledger_is_opened(http: ScriptedHTTP, run_module: ModuleRunner, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"

    run = info(run_module, key=[KEY, " "], ledger=str(ledger))

    assert run.failed
    assert run.msg == "key[1]: must be a non-empty key name, got ' '"
    assert http.seen == [] and not ledger.exists()

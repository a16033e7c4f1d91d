# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A key makes scheduling declarative, through real ansible-playbook runs; the sandbox counts every request.

Re-runs send nothing, changes cancel and reschedule exactly what changed, eight hosts with eight forks schedule each
recipient once, a POST that may have been processed blocks further sends until retry_pending, and a ledger that cannot
be written stops the task before any request.
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path
from typing import Any

from messente_e2e import E2E_PASSWORD, RECIPIENT, SEND_PATH, AnsibleRun, AnsibleRunner, assert_no_duplicate_schedules, playbook
from messente_sandbox import SandboxServer
from test_e2e_scheduling import future

KEY = "maintenance-e2e"
RECIPIENTS = [RECIPIENT, "+442079460958", "+4915112345678"]
TASK = "Schedule the keyed notice"


def keyed_vars(ledger: Path, text: str = "Maintenance at 10:00", recipients: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"e2e_key": KEY, "e2e_ledger": str(ledger), "e2e_recipients": recipients or RECIPIENTS, "e2e_text": text,
            "e2e_time": future(days=2).replace(minute=0, second=0).isoformat(), **extra}


def methods(sandbox: SandboxServer) -> collections.Counter:
    return collections.Counter(entry["method"] for entry in sandbox.requests)


def run_keyed(ansible: AnsibleRunner, sandbox: SandboxServer, variables: dict[str, Any], options: list[str] | None = None) -> AnsibleRun:
    return ansible.playbook(playbook("keyed.yml"), sandbox.base_url, variables, options=options or [])


def test_rerun_change_and_removal_send_exactly_what_differs(ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    variables = keyed_vars(ledger)

    first = run_keyed(ansible, sandbox, variables)
    first_ids = first.result(TASK)["omnimessage_ids"]
    rerun = run_keyed(ansible, sandbox, variables)
    after_rerun = methods(sandbox)
    changed = run_keyed(ansible, sandbox, dict(variables, e2e_text="Maintenance moved to 11:00"))
    after_change = methods(sandbox)
    removed = run_keyed(ansible, sandbox, dict(variables, e2e_text="Maintenance moved to 11:00", e2e_recipients=RECIPIENTS[:2]))

    assert first.rc == rerun.rc == changed.rc == removed.rc == 0, removed.describe()
    assert first.result(TASK)["actions"]["scheduled"] == 3 and len(first_ids) == 3
    assert (rerun.result(TASK)["changed"], rerun.result(TASK)["actions"]["unchanged"]) == (False, 3)
    assert after_rerun == {"POST": 1, "GET": 3}
    assert changed.result(TASK)["actions"]["rescheduled"] == 3
    assert after_change - after_rerun == {"DELETE": 3, "POST": 1}
    assert removed.result(TASK)["actions"] == {"scheduled": 0, "unchanged": 2, "rescheduled": 0, "cancelled": 1, "sent": 0, "failed": 0}
    assert methods(sandbox) - after_change == {"GET": 2, "DELETE": 1}
    states = collections.Counter(message["state"] for message in sandbox.messages)
    assert states == {"cancelled": 4, "scheduled": 2}
    assert_no_duplicate_schedules(sandbox.messages)


def test_eight_hosts_with_eight_forks_schedule_each_recipient_once(ansible: AnsibleRunner, sandbox: SandboxServer,
                                                                   tmp_path: Path) -> None:
    hosts = [f"host{index}" for index in range(8)]
    inventory = tmp_path / "hosts.ini"
    local = f"ansible_connection=local ansible_python_interpreter={sys.executable}"
    inventory.write_text("\n".join(["[fleet]", *(f"{host} {local}" for host in hosts), f"[all:vars]\n{local}"]) + "\n", encoding="utf-8")

    run = run_keyed(ansible, sandbox, keyed_vars(tmp_path / "ledger.sqlite3", e2e_hosts="fleet"),
                    ["-i", str(inventory), "--forks", "8", "-e", f"ansible_python_interpreter={sys.executable}"])

    assert run.rc == 0, run.describe()
    results = [entry for entry in run.tasks if entry["task"] == TASK]
    assert sorted(entry["host"] for entry in results) == hosts
    assert all(entry["status"] == "ok" for entry in results), [entry["result"].get("msg") for entry in results]
    assert sorted(message["to"] for message in sandbox.messages) == sorted(RECIPIENTS)
    assert sum(1 for entry in results if entry["result"]["changed"]) == 1
    ids = {tuple(entry["result"]["omnimessage_ids"]) for entry in results}
    assert len(ids) == 1 and sorted(next(iter(ids))) == sorted(message["omnimessage_id"] for message in sandbox.messages)


def test_a_timed_out_post_blocks_the_recipient_until_retry_pending(ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    sandbox.inject_fault("POST", SEND_PATH, delay=3.0, process=True)
    variables = keyed_vars(ledger, recipients=[RECIPIENT], e2e_timeout=1)

    timed_out = run_keyed(ansible, sandbox, variables)
    blocked = run_keyed(ansible, sandbox, dict(variables, e2e_timeout=30))
    posts_before_retry = methods(sandbox)["POST"]
    retried = run_keyed(ansible, sandbox, dict(variables, e2e_timeout=30, e2e_retry_pending=True))

    assert timed_out.rc != 0 and "MAY have been scheduled" in timed_out.result(TASK)["msg"]
    assert blocked.rc != 0
    assert f"a previous run claimed {RECIPIENT} for key '{KEY}'" in blocked.result(TASK)["msg"]
    assert "retry_pending: true" in blocked.result(TASK)["msg"]
    assert posts_before_retry == 1
    assert retried.rc == 0, retried.describe()
    assert retried.result(TASK)["actions"]["scheduled"] == 1
    assert methods(sandbox)["POST"] == 2


def test_a_ledger_that_cannot_be_written_fails_with_zero_requests(ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")

    run = run_keyed(ansible, sandbox, keyed_vars(blocker / "ledger.sqlite3"))

    assert run.rc != 0
    assert run.result(TASK)["msg"].startswith(f"Cannot open the ledger {blocker / 'ledger.sqlite3'}")
    assert sandbox.requests == []


def test_the_ledger_holds_no_password(ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger" / "ledger.sqlite3"

    run = run_keyed(ansible, sandbox, keyed_vars(ledger))

    assert run.rc == 0, run.describe()
    files = [path for path in ledger.parent.iterdir() if path.is_file()]
    assert files and all(E2E_PASSWORD.encode() not in path.read_bytes() for path in files)
    assert oct(ledger.stat().st_mode & 0o777) == "0o600" and oct(ledger.parent.stat().st_mode & 0o777) == "0o700"

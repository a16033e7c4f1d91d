# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""wait_for of messente_scheduled_message_info through ansible-playbook: it returns once the sandbox delivers, and fails
with the last state when it does not; the module's EXAMPLES run as they are written."""

from __future__ import annotations

import ast
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import yaml

from messente_e2e import E2E_PASSWORD, RECIPIENT, REPO_ROOT, SEND_PATH, AnsibleRunner, playbook
from messente_sandbox import SandboxServer

UTC = timezone.utc
WAIT_TASK = "Wait for the message"
INFO_MODULE = REPO_ROOT / "plugins" / "modules" / "messente_scheduled_message_info.py"


class ClockMover:
    """Moves the sandbox clock once, from a thread, as soon as the sandbox's request log shows ``ready``.

    The module under test polls; moving the clock only after it has seen the message still scheduled proves that
    it read again and picked up the change, rather than finding the message delivered at the first look.
    """

    def __init__(self, sandbox: SandboxServer, ready: Callable[[list[dict[str, Any]]], bool], seconds: float) -> None:
        self.sandbox = sandbox
        self.ready = ready
        self.seconds = seconds
        self.moved = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> ClockMover:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            if self.ready(self.sandbox.requests):
                self.sandbox.advance_clock(self.seconds)
                self.moved.set()
                return


def status_reads(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for entry in log if entry["method"] == "GET" and entry["path"].endswith("/status")]


def first_status(entry: dict[str, Any]) -> Any:
    return entry["response"]["statuses"][0]["status"]


def test_wait_for_delivered_returns_once_the_sandbox_delivers(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    send_at = datetime.now(UTC) + timedelta(minutes=10)
    with ClockMover(sandbox, lambda log: len(status_reads(log)) >= 1, 20 * 60) as mover:
        run = ansible.playbook(playbook("wait_for.yml"), sandbox.base_url, {
            "e2e_recipient": RECIPIENT, "e2e_text": "wait_for e2e", "e2e_time": send_at.isoformat(),
            "e2e_wait_for": "delivered", "e2e_wait_timeout": 120,
        }, options=["-vvv"])

    assert run.rc == 0, run.describe()
    assert mover.moved.is_set()
    result = run.result(WAIT_TASK)
    omnimessage_id = run.result("Schedule one SMS")["omnimessage_id"]
    assert [(entry["omnimessage_id"], entry["state"]) for entry in result["omnimessages"]] == [(omnimessage_id, "delivered")]
    assert result["omnimessages"][0]["statuses"][0]["status"] == "DELIVRD"
    reads = status_reads(sandbox.requests)
    assert len(reads) >= 2
    assert first_status(reads[0]) is None and first_status(reads[-1]) == "DELIVRD"
    assert all(first_status(entry) is None for entry in reads[:-1])
    assert {entry["path"] for entry in reads} == {f"{SEND_PATH}/{omnimessage_id}/status"}
    assert E2E_PASSWORD not in run.output


def test_wait_for_times_out_naming_the_last_state(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    send_at = datetime.now(UTC) + timedelta(hours=2)

    run = ansible.playbook(playbook("wait_for.yml"), sandbox.base_url, {
        "e2e_recipient": RECIPIENT, "e2e_text": "wait_for timeout e2e", "e2e_time": send_at.isoformat(),
        "e2e_wait_for": "delivered", "e2e_wait_timeout": 2,
    })

    assert run.rc != 0, run.describe()
    assert run.failed(WAIT_TASK)
    omnimessage_id = run.result("Schedule one SMS")["omnimessage_id"]
    result = run.result(WAIT_TASK)
    assert result["msg"] == f"wait_for=delivered was not reached within wait_timeout=2s; last state seen: {omnimessage_id} is scheduled"
    assert [entry["state"] for entry in result["omnimessages"]] == ["scheduled"]
    reads = status_reads(sandbox.requests)
    assert len(reads) >= 2 and all(first_status(entry) is None for entry in reads)
    assert [message["state"] for message in sandbox.messages] == ["scheduled"]


def module_examples() -> list[dict[str, Any]]:
    """The EXAMPLES block of the info module, exactly as ansible-doc shows it."""
    tree = ast.parse(INFO_MODULE.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "EXAMPLES" for target in node.targets):
            return yaml.safe_load(ast.literal_eval(node.value))
    raise AssertionError(f"no EXAMPLES in {INFO_MODULE}")


def test_the_module_examples_run_against_the_sandbox(ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Any) -> None:
    tasks = module_examples()
    waited = [task for task in tasks if task.get("messente.omnichannel.messente_scheduled_message_info", {}).get("wait_for")]
    assert len(waited) == 1, "the EXAMPLES should show wait_for once"
    example = tmp_path / "info_examples.yml"
    example.write_text(yaml.safe_dump([{"name": "Info module examples", "hosts": "localhost", "gather_facts": False, "tasks": tasks}],
                                      sort_keys=False), encoding="utf-8")

    # The example waits for a message due in one minute; moving the clock once its wait has read the message
    # keeps the test short without changing the example.
    with ClockMover(sandbox, lambda log: len([entry for entry in log if entry["method"] == "POST"]) == 2 and len(status_reads(log)) >= 2,
                    2 * 60) as mover:
        run = ansible.playbook(str(example), sandbox.base_url)

    assert run.rc == 0, run.describe()
    assert mover.moved.is_set()
    assert run.result(waited[0]["name"])["omnimessages"][0]["state"] == "delivered"

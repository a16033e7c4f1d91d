# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Many recipients through real ansible-playbook runs: a 429 storm, a failed chunk among concurrent ones, a rate limit.

The sandbox's request log is the witness of what went over the wire; the task result must say exactly the same.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import pytest

from messente_e2e import RECIPIENT, SEND_PATH, AnsibleRun, AnsibleRunner, assert_no_duplicate_schedules
from messente_sandbox import SandboxServer

MODULE = "messente.omnichannel.messente_scheduled_message"
BULK_PATH = "/v1/omnimessages"
TASK = "Messente task"
TEXT = "Scale e2e"


def numbers(count: int) -> list[str]:
    return [f"+3725{index:07d}" for index in range(count)]


def send_time() -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=2)).replace(microsecond=0).isoformat()


def run_task(ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Path, **options: Any) -> AnsibleRun:
    """One task of the module with these options, written into the playbook (a long list would not fit in argv)."""
    play = [{"name": "Scale", "hosts": "localhost", "gather_facts": False,
             "tasks": [{"name": TASK, MODULE: options, "ignore_errors": True}]}]
    playbook = tmp_path / "scale.yml"
    playbook.write_text(json.dumps(play), encoding="utf-8")  # JSON is YAML
    return ansible.playbook(str(playbook), sandbox.base_url)


def schedule_options(recipients: list[str], **more: Any) -> dict[str, Any]:
    return {"to": recipients, "text": TEXT, "time_to_send": send_time(), **more}


def bulk_recipients(entry: dict) -> list[str]:
    return [body["to"] for body in entry["body"]["messages"]]


# --- a 429 storm ------------------------------------------------------------------------------------------------


def test_a_429_storm_on_the_first_requests_still_schedules_every_recipient_exactly_once(
        ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Path) -> None:
    recipients = numbers(3500)
    sandbox.inject_fault("POST", BULK_PATH, count=7, status=429, retry_after=1)

    run = run_task(ansible, sandbox, tmp_path, **schedule_options(recipients, retries=1, return_results="failed"))

    result = run.result(TASK)
    assert not run.failed(TASK), result["msg"]
    assert result["counts"] == {"scheduled": 3500, "refused": 0, "may_have_been_processed": 0, "not_attempted": 0}
    assert (result["results"], len(result["omnimessage_ids"])) == ([], 3500)
    log = sandbox.requests
    assert [entry["status"] for entry in log].count(429) == 7  # more 429s than retries=1: they do not count against it
    stored = sandbox.messages
    assert sorted(message["to"] for message in stored) == recipients  # every recipient once, none twice
    assert_no_duplicate_schedules(stored)
    assert {message["omnimessage_id"] for message in stored} == set(result["omnimessage_ids"])
    # Ansible shows a warning once however often it was raised, so equal warnings of requests paused together merge.
    assert all(warning.startswith("Messente POST /omnimessages: HTTP 429 (too many requests); every request pauses 1.0s")
               for warning in result["warnings"]), result["warnings"]


def test_a_429_storm_on_a_single_recipient_is_waited_out(ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Path) -> None:
    sandbox.inject_fault("POST", SEND_PATH, count=4, status=429, retry_after=1)

    run = run_task(ansible, sandbox, tmp_path, **schedule_options([RECIPIENT], retries=2))

    result = run.result(TASK)
    assert not run.failed(TASK), result["msg"]
    assert [(entry["path"], entry["status"]) for entry in sandbox.requests] == [(SEND_PATH, 429)] * 4 + [(SEND_PATH, 201)]
    assert [message["omnimessage_id"] for message in sandbox.messages] == [result["omnimessage_id"]]


# --- a failed chunk among concurrent ones -------------------------------------------------------------------------


def test_a_500_on_one_of_several_concurrent_chunks_names_exactly_who_may_have_been_scheduled(
        ansible: AnsibleRunner, start_sandbox: Callable[..., SandboxServer], tmp_path: Path) -> None:
    sandbox = start_sandbox(latency=0.5)  # the first chunks are in flight together, long before a fourth could finish
    recipients = numbers(6000)
    sandbox.inject_fault("POST", BULK_PATH, process=True)  # the 1st bulk POST gets its real answer
    sandbox.inject_fault("POST", BULK_PATH, status=500, process=True)  # the 2nd is stored, then answered with a 500

    run = run_task(ansible, sandbox, tmp_path, **schedule_options(recipients, concurrency=3))

    assert run.failed(TASK)
    result = run.result(TASK)
    log = sandbox.requests
    failed_chunk = [entry for entry in log if entry["status"] == 500]
    assert len(failed_chunk) == 1
    answered = [entry for entry in log if entry["status"] == 201]
    by_outcome = {outcome: [entry["to"] for entry in result["results"] if _outcome(entry) == outcome]
                  for outcome in ("scheduled", "may_have_been_processed", "not_attempted", "refused")}
    assert by_outcome["may_have_been_processed"] == bulk_recipients(failed_chunk[0])
    assert sorted(by_outcome["scheduled"]) == sorted(number for entry in answered for number in bulk_recipients(entry))
    sent = {number for entry in log for number in bulk_recipients(entry)}
    assert by_outcome["not_attempted"] and not sent & set(by_outcome["not_attempted"])  # never on the wire
    assert by_outcome["refused"] == []
    assert [entry["to"] for entry in result["results"]] == recipients  # every recipient once, in input order
    assert result["counts"] == {outcome: len(found) for outcome, found in by_outcome.items()}
    stored = sandbox.messages
    assert_no_duplicate_schedules(stored)
    assert sorted(message["to"] for message in stored) == sorted(sent)  # nothing but what the log shows, each once
    assert "MAY have been scheduled" in result["msg"]


def _outcome(entry: dict) -> str:
    if entry["omnimessage_id"]:
        return "scheduled"
    if not entry["attempted"]:
        return "not_attempted"
    return "may_have_been_processed" if entry["may_have_been_processed"] else "refused"


# --- a rate limit -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate_limit", [None, 40], ids=["answered-429", "paced"])
def test_cancels_against_a_rate_limit_all_succeed(ansible: AnsibleRunner, start_sandbox: Callable[..., SandboxServer],
                                                  tmp_path: Path, rate_limit: int | None) -> None:
    sandbox = start_sandbox()
    scheduled = run_task(ansible, sandbox, tmp_path, **schedule_options(numbers(150)))
    ids = scheduled.result(TASK)["omnimessage_ids"]
    sandbox.configure(rate_limit=40)
    options = {"state": "absent", "omnimessage_id": ids, "return_results": "failed"}

    run = run_task(ansible, sandbox, tmp_path, **(dict(options, rate_limit=rate_limit) if rate_limit else options))

    result = run.result(TASK)
    assert not run.failed(TASK), result["msg"]
    assert result["counts"] == {"cancelled": 150, "unchanged": 0, "failed": 0}
    assert result["results"] == []
    assert [message["state"] for message in sandbox.messages] == ["cancelled"] * 150
    throttled = [entry for entry in sandbox.requests if entry["status"] == 429]
    if rate_limit:
        assert throttled == []  # paced below the limit from the start
    assert len(result.get("warnings", [])) <= 21  # one per retry, at most 20, then one summary

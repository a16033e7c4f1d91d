# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A shared PostgreSQL ledger, through real ansible-playbook runs against a real PostgreSQL server the tests start.

Two controllers (two ansible-playbook processes, each with its own ANSIBLE_HOME and nothing shared but the database)
schedule the same key at the same moment and the sandbox sees each recipient once; a stopped server fails the task
before any request; the database password never shows, not even with -vvv.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from messente_e2e import AnsibleRun, AnsibleRunner
from messente_sandbox import SandboxServer
from postgres_server import PostgresServer
from test_e2e_key import KEY, TASK, keyed_vars, methods, run_keyed

RECIPIENTS = [f"+3725{index:07d}" for index in range(20)]
HOSTS = ("host1", "host2", "host3", "host4")


def fleet_inventory(directory: Path) -> Path:
    local = f"ansible_connection=local ansible_python_interpreter={sys.executable}"
    inventory = directory / "hosts.ini"
    inventory.write_text("\n".join(["[fleet]", *(f"{host} {local}" for host in HOSTS), f"[all:vars]\n{local}"]) + "\n", encoding="utf-8")
    return inventory


def controller(ansible: AnsibleRunner, home: Path) -> AnsibleRunner:
    """Another controller: the same ansible and collection, but its own working directory and ANSIBLE_HOME."""
    home.mkdir()
    return AnsibleRunner(ansible.bin_dir, ansible.collections_path, home)


def run_fleet(runner: AnsibleRunner, sandbox: SandboxServer, ledger_url: str, inventory: Path) -> AnsibleRun:
    variables: dict[str, Any] = keyed_vars(Path("unused"), recipients=RECIPIENTS, e2e_hosts="fleet")
    variables["e2e_ledger"] = ledger_url
    return run_keyed(runner, sandbox, variables, ["-i", str(inventory), "--forks", "4"])


def test_two_controllers_at_the_same_moment_schedule_each_recipient_once(ansible: AnsibleRunner, sandbox: SandboxServer,
                                                                         postgres_ledger_url: str, tmp_path: Path) -> None:
    inventory = fleet_inventory(tmp_path)
    controllers = [controller(ansible, tmp_path / name) for name in ("laptop", "ci-runner")]
    runs: dict[int, AnsibleRun] = {}
    start = threading.Barrier(len(controllers))

    def run(index: int) -> None:
        start.wait()
        runs[index] = run_fleet(controllers[index], sandbox, postgres_ledger_url, inventory)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(controllers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    posts_before_rerun = methods(sandbox)["POST"]
    rerun = run_fleet(controllers[1], sandbox, postgres_ledger_url, inventory)

    for index in runs:
        assert runs[index].rc == 0, runs[index].describe()
    assert sorted(message["to"] for message in sandbox.messages) == sorted(RECIPIENTS)
    results = [entry for index in runs for entry in runs[index].tasks if entry["task"] == TASK]
    assert len(results) == 8 and all(entry["status"] == "ok" for entry in results)
    assert len({tuple(entry["result"]["omnimessage_ids"]) for entry in results}) == 1
    assert sorted(results[0]["result"]["omnimessage_ids"]) == sorted(message["omnimessage_id"] for message in sandbox.messages)
    assert rerun.rc == 0, rerun.describe()
    assert all(entry["result"]["changed"] is False for entry in rerun.tasks if entry["task"] == TASK)
    assert methods(sandbox)["POST"] == posts_before_rerun


def test_a_stopped_server_fails_the_task_before_any_request(ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Path) -> None:
    with PostgresServer() as server:
        url = server.url(database="postgres")
    parts = urlsplit(url)

    run = run_keyed(ansible, sandbox, dict(keyed_vars(tmp_path / "unused"), e2e_ledger=url))

    assert run.rc != 0
    message = run.result(TASK)["msg"]
    assert message.startswith(f"Cannot open the ledger postgresql://admin@127.0.0.1:{parts.port}/postgres"), message
    assert server.password not in run.output
    assert sandbox.requests == []


def test_the_database_password_never_shows_even_with_vvv(ansible: AnsibleRunner, sandbox: SandboxServer, postgres_ledger_url: str,
                                                         postgres_server: PostgresServer, tmp_path: Path) -> None:
    variables = dict(keyed_vars(tmp_path / "unused", recipients=RECIPIENTS[:2]), e2e_ledger=postgres_ledger_url)

    run = run_keyed(ansible, sandbox, variables, ["-vvv", "--diff"])

    assert run.rc == 0, run.describe()
    assert postgres_server.password in postgres_ledger_url
    assert postgres_server.password not in run.output
    assert postgres_server.password not in str(run.tasks)
    assert f"'{KEY}': 2 scheduled" in run.output

# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The watchdog callback through real ansible-playbook runs against the sandbox, enabled by environment variables only.

The sandbox's request log and message store are the witnesses: what was scheduled, for when, what was cancelled and
what was sent at once. The examples of the watchdog guide run here exactly as written.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
import textwrap
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from messente_e2e import E2E_PASSWORD, RECIPIENT, REPO_ROOT, SEND_PATH, AnsibleRun, AnsibleRunner, calls, playbook
from messente_sandbox import SandboxServer

UTC = timezone.utc
WATCHDOG = "messente.omnichannel.watchdog"
CALLBACKS = f"e2e_results,{WATCHDOG}"
TEXT_TIME = "%Y-%m-%d %H:%M:%S UTC"
GUIDE = REPO_ROOT / "docs" / "docsite" / "rst" / "watchdog.rst"
INFO = "messente.omnichannel.messente_scheduled_message_info"
KILL_WAIT_SECONDS = 60


def watchdog_env(**settings: str | None) -> dict[str, str | None]:
    """Enable the callback next to the tests' result recorder, with the test recipient, plus ``settings``."""
    return {"ANSIBLE_CALLBACKS_ENABLED": CALLBACKS, "MESSENTE_WATCHDOG_TO": RECIPIENT, **settings}


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_wire(value: str) -> datetime:
    return datetime.fromisoformat(value)


def watchdog_warnings(run: AnsibleRun) -> list[str]:
    return [f"[WARNING]: {warning}" for warning in run.warnings if WATCHDOG in warning]


def assert_scheduled_within(body: dict[str, Any], before: datetime, after: datetime, deadline: timedelta) -> datetime:
    """The alert is due at the run's start plus the deadline: between the test's clock readings around the run."""
    due = parse_wire(body["time_to_send"])
    assert before.replace(microsecond=0) + deadline <= due <= after + deadline, (before, due, after)
    assert body["time_to_send"] == due.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return due


def default_text(playbook_name: str, due: datetime, deadline: timedelta) -> str:
    started = (due - deadline).strftime(TEXT_TIME)
    return (f"ALERT: Ansible playbook {playbook_name} started on {socket.gethostname()} at {started} "
            f"has not finished by {due.strftime(TEXT_TIME)}.")


# --- the outcomes -----------------------------------------------------------------------------------------------------


def test_a_good_run_schedules_start_plus_deadline_and_cancels_it(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    deadline = timedelta(minutes=45)
    before = utc_now()
    run = ansible.playbook(playbook("watchdog_ok.yml"), sandbox.base_url, env=watchdog_env(MESSENTE_WATCHDOG_DEADLINE="+45m"), options=["-v"])
    after = utc_now()

    assert run.rc == 0, run.describe()
    log = sandbox.requests
    alert_id = log[0]["response"]["omnimessage_id"]
    assert calls(log) == [("POST", SEND_PATH, 201), ("DELETE", f"{SEND_PATH}/{alert_id}", 202)]
    due = assert_scheduled_within(log[0]["body"], before, after, deadline)
    assert log[0]["body"] == {"to": RECIPIENT, "time_to_send": log[0]["body"]["time_to_send"],
                              "messages": [{"channel": "sms", "text": default_text("watchdog_ok.yml", due, deadline)}]}
    assert [(message["omnimessage_id"], message["state"]) for message in sandbox.messages] == [(alert_id, "cancelled")]
    assert f"{WATCHDOG}: alert {alert_id} scheduled for {due.strftime(TEXT_TIME)} unless the run ends well before" in run.stdout
    assert f"{WATCHDOG}: the run ended without failures; the scheduled alert was cancelled" in run.stdout
    assert watchdog_warnings(run) == []
    assert run.result("Say hello")["msg"] == "The watched run is working."
    assert E2E_PASSWORD not in run.output


def test_a_failed_run_cancels_the_alert_and_sends_one_naming_the_task(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    run = ansible.playbook(playbook("watchdog_fail.yml"), sandbox.base_url, env=watchdog_env(), options=["-vvv"])

    assert run.rc == 2, run.describe()
    assert run.failed("Break the deployment on purpose")
    log = sandbox.requests
    alert_id, immediate_id = (entry["response"]["omnimessage_id"] for entry in log[:2])
    # The immediate alert goes first, so that a refused one would leave the scheduled alert in place.
    assert calls(log) == [("POST", SEND_PATH, 201), ("POST", SEND_PATH, 201), ("DELETE", f"{SEND_PATH}/{alert_id}", 202)]
    assert "time_to_send" in log[0]["body"]
    immediate = log[1]["body"]
    assert set(immediate) == {"to", "messages"}, "the immediate alert must not be scheduled"
    assert immediate["to"] == RECIPIENT and len(immediate["messages"]) == 1
    text = immediate["messages"][0]["text"]
    assert re.fullmatch(rf"FAILED: Ansible playbook watchdog_fail\.yml on {re.escape(socket.gethostname())} \(started [^)]+ UTC\): "
                        r"localhost failed at task 'Break the deployment on purpose'\.", text), text
    assert "Probe something" not in text, "a failure with ignore_errors must not be reported"
    states = {message["omnimessage_id"]: message["state"] for message in sandbox.messages}
    assert states == {alert_id: "cancelled", immediate_id: "sent"}
    assert (f"{WATCHDOG}: 1 host(s) failed or were unreachable; an alert naming the failures was sent now; "
            "the scheduled alert was cancelled") in run.stdout
    assert watchdog_warnings(run) == []
    assert E2E_PASSWORD not in run.output


def test_a_killed_run_leaves_the_alert_scheduled_and_it_goes_out_at_the_deadline(
        ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Path) -> None:
    marker = f"messente-e2e-killed-run-{uuid.uuid4().hex}"
    environment = ansible.environment(sandbox.base_url, tmp_path / "results.jsonl", watchdog_env(E2E_RUN_MARKER=marker))
    with (tmp_path / "output.txt").open("w", encoding="utf-8") as output:
        process = subprocess.Popen(  # pylint: disable=consider-using-with  # killed below, never left running
            [str(ansible.bin_dir / "ansible-playbook"), playbook("watchdog_hang.yml")], cwd=ansible.workdir, env=environment,
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until_hanging(sandbox, process, tmp_path / "output.txt")
        finally:
            kill_process_group(process, marker)

    assert process.returncode == -signal.SIGKILL
    (scheduled,) = sandbox.messages
    assert scheduled["state"] == "scheduled"
    assert calls(sandbox.requests) == [("POST", SEND_PATH, 201)]
    sandbox.advance_clock(timedelta(hours=1, minutes=1).total_seconds())

    look = ansible.adhoc(INFO, f"omnimessage_id={scheduled['omnimessage_id']}", sandbox.base_url)

    assert look.rc == 0, look.describe()
    (report,) = look.result(INFO)["omnimessages"]
    assert report["state"] == "delivered"
    assert report["statuses"][0]["status"] == "DELIVRD"
    assert [message["state"] for message in sandbox.messages] == ["sent"]


def wait_until_hanging(sandbox: SandboxServer, process: subprocess.Popen, output: Path) -> None:
    """Wait (bounded) until the sandbox holds the alert and the run has printed its hanging task's header."""
    give_up = time.monotonic() + KILL_WAIT_SECONDS
    while not (sandbox.messages and "TASK [Hang until killed]" in output.read_text(encoding="utf-8")):
        assert process.poll() is None, f"ansible-playbook ended before it hung:\n{output.read_text(encoding='utf-8')}"
        assert time.monotonic() < give_up, f"the run did not reach its hanging task in time:\n{output.read_text(encoding='utf-8')}"
        time.sleep(0.1)


def kill_process_group(process: subprocess.Popen, marker: str) -> None:
    """SIGKILL to ansible-playbook and its workers at once, as when the controller dies.

    ansible-core's workers start sessions of their own, so the process group misses them: every process whose
    environment carries this run's marker is killed too, or a worker would sleep on forever after the test.
    A SIGKILL takes effect a moment after it is sent, and a worker may have forked just before, so the marked
    processes are killed again until none is left, within a bound.
    """
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    give_up = time.monotonic() + KILL_WAIT_SECONDS
    while (alive := processes_marked(marker)) and time.monotonic() < give_up:
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
    assert processes_marked(marker) == [], "a process of the killed run is still alive"


def processes_marked(marker: str) -> list[int]:
    """Live processes (not zombies) whose environment holds ``marker``."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        with contextlib.suppress(OSError):
            if marker.encode() in environ.read_bytes() and "Z" not in (environ.parent / "stat").read_text().split(") ")[-1][:1]:
                found.append(int(environ.parent.name))
    return found


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_messente_is_one_warning_and_the_play_succeeds(ansible: AnsibleRunner) -> None:
    run = ansible.playbook(playbook("watchdog_ok.yml"), f"http://127.0.0.1:{closed_port()}/v1", env=watchdog_env(), options=["-vvv"])

    assert run.rc == 0, run.describe()
    assert run.result("Say hello")["msg"] == "The watched run is working."
    (warning,) = watchdog_warnings(run)
    assert warning.startswith(f"[WARNING]: {WATCHDOG}: could not schedule the alert, so this run is not watched: "
                              "Could not reach Messente for POST /omnimessage"), warning
    assert run.output.count(WATCHDOG + ":") == 2, "one warning and one end-of-run line"
    assert f"{WATCHDOG}: the run ended without failures; no alert was scheduled" in run.stdout
    assert E2E_PASSWORD not in run.output


def test_check_mode_schedules_nothing_and_says_so_once(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    run = ansible.playbook(playbook("watchdog_fail.yml"), sandbox.base_url, env=watchdog_env(), options=["--check"])

    assert run.rc == 2, run.describe()
    assert sandbox.requests == []
    assert run.stdout.count(f"{WATCHDOG}: check mode, so no alert is scheduled") == 1
    assert watchdog_warnings(run) == []


def test_a_bad_recipient_is_one_warning_naming_the_option_and_nothing_is_sent(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    run = ansible.playbook(playbook("watchdog_fail.yml"), sandbox.base_url, env=watchdog_env(MESSENTE_WATCHDOG_TO="+37251234567,12345"))

    assert run.rc == 2, run.describe()
    assert sandbox.requests == []
    assert watchdog_warnings(run) == [f"[WARNING]: {WATCHDOG} is off for this run and sends nothing: recipients[1]: '12345' is not an "
                                      "E.164 phone number: it must be '+' followed by 7 to 15 digits, the first not 0 (spaces, "
                                      "dashes, dots and parentheses are ignored)"]


# --- the guide's examples, as written -----------------------------------------------------------------------------------


def guide_blocks(language: str) -> list[str]:
    """The code blocks of one language in the watchdog guide, dedented."""
    text = GUIDE.read_text(encoding="utf-8")
    pattern = rf"^\.\. code-block:: {re.escape(language)}\n\n((?:(?:   .*)?\n)+)"
    return [textwrap.dedent(block).strip() + "\n" for block in re.findall(pattern, text, flags=re.MULTILINE)]


def guide_console() -> tuple[dict[str, str], list[str]]:
    """The environment the console example exports (leaving out the placeholder credentials) and its command."""
    (console,) = guide_blocks("console")
    exported: dict[str, str] = {}
    command: list[str] = []
    for line in console.splitlines():
        words = shlex.split(line.removeprefix("$ "))
        if words[0] == "export":
            exported.update(word.split("=", 1) for word in words[1:] if not word.endswith("=..."))
        else:
            command = words
    return exported, command


def test_the_guide_ini_example_schedules_for_both_recipients_and_cancels(
        ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Path) -> None:
    (ini,) = guide_blocks("ini")
    config = tmp_path / "ansible.cfg"
    config.write_text(ini, encoding="utf-8")
    before = utc_now()

    # Only the guide's ansible.cfg enables and configures the callback; the credentials come from the environment.
    run = ansible.playbook(playbook("watchdog_ok.yml"), sandbox.base_url,
                           env={"ANSIBLE_CONFIG": str(config), "ANSIBLE_CALLBACKS_ENABLED": None})

    assert run.rc == 0, run.describe()
    log = sandbox.requests
    assert calls(log)[0] == ("POST", "/v1/omnimessages", 201)
    scheduled = log[0]["body"]["messages"]
    assert [message["to"] for message in scheduled] == ["+37251234567", "+37251234568"]
    for message in scheduled:
        assert_scheduled_within(message, before, utc_now(), timedelta(hours=2))
    ids = [item["omnimessage_id"] for item in log[0]["response"]["messages"]]
    assert sorted(calls(log[1:])) == sorted(("DELETE", f"{SEND_PATH}/{alert_id}", 202) for alert_id in ids)
    assert {message["state"] for message in sandbox.messages} == {"cancelled"}


def test_the_guide_console_example_with_its_site_yml(ansible: AnsibleRunner, sandbox: SandboxServer, tmp_path: Path) -> None:
    exported, command = guide_console()
    (site,) = guide_blocks("yaml+jinja")
    (tmp_path / "site.yml").write_text(site, encoding="utf-8")
    assert command[:2] == ["ansible-playbook", "site.yml"]
    assert exported["ANSIBLE_CALLBACKS_ENABLED"] == WATCHDOG
    env = {**exported, "ANSIBLE_CALLBACKS_ENABLED": CALLBACKS}

    good = ansible.playbook(str(tmp_path / "site.yml"), sandbox.base_url, env=env, options=command[2:])
    failed = ansible.playbook(str(tmp_path / "site.yml"), sandbox.base_url, env=env)

    assert good.rc == 0, good.describe()
    assert failed.rc == 2, failed.describe()
    log = sandbox.requests
    good_id, failed_id, immediate_id = (entry["response"]["omnimessage_id"] for entry in log if entry["method"] == "POST")
    assert calls(log) == [("POST", SEND_PATH, 201), ("DELETE", f"{SEND_PATH}/{good_id}", 202),
                          ("POST", SEND_PATH, 201), ("POST", SEND_PATH, 201), ("DELETE", f"{SEND_PATH}/{failed_id}", 202)]
    due = parse_wire(log[0]["body"]["time_to_send"])
    started = (due - timedelta(minutes=45)).strftime(TEXT_TIME)
    assert log[0]["body"]["messages"][0]["text"] == (f"Deploy site.yml from {socket.gethostname()} (started {started}) is not done by "
                                                     f"{due.strftime(TEXT_TIME)}")
    assert log[3]["body"]["messages"][0]["text"].endswith("localhost failed at task 'Check that the release is ready'.")
    assert {message["omnimessage_id"]: message["state"] for message in sandbox.messages} == {
        good_id: "cancelled", failed_id: "cancelled", immediate_id: "sent"}

# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every example in README, the guides and the modules' EXAMPLES runs green against the sandbox, and passes ansible-lint.

The examples run exactly as written. What they leave to the reader is supplied here: the variables below, an
inventory with ``localhost`` and a ``web`` group of three hosts, and the credentials in the environment. Tasks that
stand for the reader's own work (``/usr/local/bin/deploy``, ``deploy.yml``) do not exist here and fail, which runs the
examples' ``rescue`` paths: exactly the code a broken ``when:`` once stopped.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from doc_examples import DEDICATED, DOC_FILES, REPO_ROOT, Example, all_examples, is_yaml, runnable_command
from messente_e2e import E2E_PASSWORD, E2E_USERNAME, RECIPIENT, AnsibleRun, AnsibleRunner
from messente_sandbox import SandboxServer

EXAMPLES = all_examples()
# AWX / Automation Platform credential type configuration (input fields, injectors) is YAML too, but not Ansible
# content: it is checked against the environment variables the modules read instead of being run.
CREDENTIAL_EXAMPLES = [example for example in EXAMPLES if is_yaml(example) and isinstance(yaml.safe_load(example.text), dict)]
YAML_EXAMPLES = [example for example in EXAMPLES if is_yaml(example) and example not in CREDENTIAL_EXAMPLES]
CONSOLE_EXAMPLES = [example for example in EXAMPLES if example.lang == "console"]
EXAMPLE_VARS = {
    "messente_user": E2E_USERNAME, "messente_password": E2E_PASSWORD,
    "vault_messente_user": E2E_USERNAME, "vault_messente_password": E2E_PASSWORD,
    "oncall_phone": RECIPIENT, "shift_start": "2030-06-22 18:00",
    "stakeholders": [RECIPIENT, "+442079460958"], "release": "4.2",
}
WEB_HOSTS = ("web1", "web2", "web3")
CLOCK_JUMP_AFTER_SECONDS = 3.0
CLOCK_JUMP_SECONDS = 2 * 3600


def write_inventory(directory: Path) -> Path:
    """localhost and a three-host ``web`` group, all local, all on this venv's Python (no interpreter discovery)."""
    local = f"ansible_connection=local ansible_python_interpreter={sys.executable}"
    lines = [f"localhost {local}", "[web]", *(f"{host} {local}" for host in WEB_HOSTS)]
    inventory = directory / "inventory.ini"
    inventory.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return inventory


def run_yaml_example(ansible: AnsibleRunner, sandbox: SandboxServer, example: Example, directory: Path, extra_vars: dict) -> AnsibleRun:
    play = directory / "example.yml"
    play.write_text(yaml.safe_dump(example.plays(), sort_keys=False), encoding="utf-8")
    variables = directory / "vars.json"
    variables.write_text(json.dumps(dict(EXAMPLE_VARS, **extra_vars)), encoding="utf-8")
    options = ["-i", str(write_inventory(directory)), "-e", f"@{variables}"]
    return ansible.playbook(str(play), sandbox.base_url, options=options)


def assert_example_effects(example: Example, run: AnsibleRun, sandbox: SandboxServer) -> None:
    """What each kind of example promises, checked on the sandbox."""
    bodies = [entry["body"] for entry in sandbox.requests if entry["method"] == "POST"]
    if "run_once: true" in example.text:
        assert len(bodies) == 1, f"run_once must schedule once for the whole play, got {len(bodies)} POSTs"
    if "rescue:" in example.text:
        assert any(entry["status"] == "failed" for entry in run.tasks), "nothing failed, so the rescue never ran"
        assert not [entry["task"] for entry in run.tasks if entry["status"] == "skipped"], "a task of the rescue path was skipped"
        cancelled = {oid for entry in run.tasks if entry["result"].get("cancelled") for oid in entry["result"]["omnimessage_ids"]}
        states = {message["omnimessage_id"]: message["state"] for message in sandbox.messages}
        assert cancelled and all(states[oid] == "cancelled" for oid in cancelled), (cancelled, states)


def test_every_guide_is_run_here_or_by_its_dedicated_test() -> None:
    guides = {str(path.relative_to(REPO_ROOT)) for path in (REPO_ROOT / "docs" / "docsite" / "rst").glob("*.rst")}
    assert guides == (set(DOC_FILES) - {"README.md"}) | set(DEDICATED)
    for guide, test_module in DEDICATED.items():
        assert Path(guide).name in (Path(__file__).parent / test_module).read_text(encoding="utf-8")


def test_there_are_examples_of_every_kind() -> None:
    sources = {example.source.split(" ")[0] for example in YAML_EXAMPLES}
    assert {"README.md", "docs/docsite/rst/guide.rst", "plugins/modules/messente_scheduled_message.py",
            "plugins/modules/messente_scheduled_message_info.py"} <= sources
    assert all(is_yaml(example) or example.lang == "console" for example in EXAMPLES), \
        [f"{example.name}: {example.lang}" for example in EXAMPLES if not is_yaml(example) and example.lang != "console"]


@pytest.mark.parametrize("example", YAML_EXAMPLES, ids=[example.name for example in YAML_EXAMPLES])
def test_yaml_example_runs_green(ansible: AnsibleRunner, sandbox: SandboxServer, example: Example, tmp_path: Path,
                                 request: pytest.FixtureRequest) -> None:
    needs_postgres = "messente_ledger_url" in example.text  # a shared ledger: the example gets a real PostgreSQL one
    extra_vars = {"messente_ledger_url": request.getfixturevalue("postgres_ledger_url")} if needs_postgres else {}

    # An example that waits for delivery would wait for the real clock; move the sandbox's clock instead, as time would.
    # A message scheduled after the jump is then due at once, as it would be at that later time.
    clock = threading.Timer(CLOCK_JUMP_AFTER_SECONDS, sandbox.advance_clock, (CLOCK_JUMP_SECONDS,))
    if "wait_for:" in example.text:
        sandbox.configure(past_time="send-now")
        clock.start()
    try:
        run = run_yaml_example(ansible, sandbox, example, tmp_path, extra_vars)
    finally:
        clock.cancel()

    assert run.rc == 0, f"{example.name}\n{example.text}\n{run.describe()}"
    assert "[WARNING]" not in run.output, run.output
    assert sandbox.requests, f"{example.name} made no request to Messente"
    assert_example_effects(example, run, sandbox)


def test_credential_type_examples_inject_exactly_the_documented_environment() -> None:
    inputs = [yaml.safe_load(example.text) for example in CREDENTIAL_EXAMPLES if "fields" in example.text]
    injectors = [yaml.safe_load(example.text) for example in CREDENTIAL_EXAMPLES if "env" in yaml.safe_load(example.text)]
    fragment = (REPO_ROOT / "plugins" / "doc_fragments" / "connection.py").read_text(encoding="utf-8")

    assert len(inputs) == len(injectors) == 1, [example.name for example in CREDENTIAL_EXAMPLES]
    field_ids = {field["id"] for field in inputs[0]["fields"]}
    assert set(inputs[0]["required"]) <= field_ids
    assert all(field.get("secret") for field in inputs[0]["fields"] if "password" in field["id"])
    for variable, template in injectors[0]["env"].items():
        assert f"E({variable})" in fragment, f"{variable} is not an environment variable the modules read"
        assert set(re.findall(r"{{\s*(\w+)\s*}}", template)) <= field_ids, template


COMMANDS = [(example, command) for example in CONSOLE_EXAMPLES for command in example.commands()]


@pytest.mark.parametrize(("example", "command"), COMMANDS, ids=[f"{example.name}:{command[:40]}" for example, command in COMMANDS])
def test_console_example_runs_green_or_is_a_known_setup_command(ansible: AnsibleRunner, sandbox: SandboxServer,
                                                                example: Example, command: str) -> None:
    argv = runnable_command(command)
    if argv is None:
        return  # installing or developing: covered by the build, install and demo steps of the test command
    run = ansible.command(argv, sandbox.base_url)

    assert run.rc == 0, f"{example.name}: {command}\n{run.describe()}"
    assert [entry["method"] for entry in sandbox.requests] == ["POST"]


def test_examples_pass_ansible_lint(ansible: AnsibleRunner, tmp_path: Path) -> None:
    lint = shutil.which("ansible-lint", path=str(ansible.bin_dir))
    if lint is None:
        pytest.skip("ansible-lint is installed only in the newest line's venv")
    tasks = tmp_path / "tasks"
    tasks.mkdir(parents=True)
    (tasks / "deploy.yml").write_text("---\n- name: Stands for the reader's deploy tasks\n  ansible.builtin.meta: noop\n", encoding="utf-8")
    for index, example in enumerate(YAML_EXAMPLES):
        is_play = example.plays() == yaml.safe_load(example.text)
        (tmp_path if is_play else tasks).joinpath(f"example_{index:02d}.yml").write_text(f"---\n{example.text.lstrip()}", encoding="utf-8")
    (tmp_path / ".ansible-lint").write_text("---\nprofile: production\n", encoding="utf-8")
    env = ansible.environment(None, tmp_path / "unused.jsonl", {})

    completed = subprocess.run([lint, "--nocolor", "."], cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=300)

    names = "\n".join(f"example_{index:02d}.yml = {example.name}" for index, example in enumerate(YAML_EXAMPLES))
    assert completed.returncode == 0, f"{completed.stdout}\n{completed.stderr}\n{names}"

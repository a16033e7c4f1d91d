# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the end-to-end tests: run real ``ansible-playbook`` / ``ansible`` against the sandbox, read back results.

Why a results callback (``callback_plugins/e2e_results.py``) instead of a JSON stdout callback: ansible-core ships
none, and keeping the default stdout callback lets the tests also check what a user sees printed.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent.parent
SANDBOX_DIR = REPO_ROOT / "tests" / "sandbox"
PLAYBOOK_DIR = E2E_DIR / "playbooks"
CALLBACK_DIR = E2E_DIR / "callback_plugins"

# Long and distinctive on purpose: Ansible masks every occurrence of a no_log value in its output,
# so a short password would mask unrelated text and hide real leaks.
E2E_USERNAME = "e2e-user-5b0c3a"
E2E_PASSWORD = "E2e-secret-Pw-9d1f7b2c-do-not-leak"
RECIPIENT = "+37251234567"
SEND_PATH = "/v1/omnimessage"
RUN_TIMEOUT_SECONDS = 120

# Settings of the calling shell that would change how Ansible or requests behave (config, CA bundles, proxies).
_INHERITED_PREFIXES_DROPPED = ("ANSIBLE_", "MESSENTE_")
_INHERITED_NAMES_DROPPED = frozenset((
    "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
))


def playbook(name: str) -> str:
    """Path of one of the e2e playbooks."""
    return str(PLAYBOOK_DIR / name)


def basic_token(username: str, password: str) -> str:
    """The token of an HTTP Basic ``Authorization`` header, the way the client sends it."""
    return base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def calls(entries: Iterable[Mapping[str, Any]]) -> list[tuple[str, str, int | None]]:
    """The request log as (method, path, status), compact enough to compare whole sequences."""
    return [(entry["method"], entry["path"], entry["status"]) for entry in entries]


def assert_no_duplicate_schedules(messages: list[dict]) -> None:
    """A task must never store the same omnimessage twice, whatever went wrong on the wire."""
    bodies = collections.Counter(json.dumps(message["payload"], sort_keys=True) for message in messages)
    duplicates = [body for body, count in bodies.items() if count > 1]
    assert not duplicates, f"scheduled more than once: {duplicates}"


def find_rejections(entries: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Requests the sandbox itself refused (validation 400, 401, 405, ...), as opposed to injected faults.

    404 is not a rejection: the module gets it by design when it cancels a message that is no longer scheduled.
    A fault with ``process`` still ran the sandbox's own checks, so its real answer counts.
    """
    rejected = []
    for entry in entries:
        fault = entry.get("fault")
        status = entry["status"] if fault is None else (fault.get("processed") or {}).get("status")
        if status is not None and 400 <= status < 500 and status != 404:
            rejected.append(entry)
    return rejected


@dataclasses.dataclass
class AnsibleRun:
    """One finished ansible(-playbook) process: exit status, printed output and every task result."""

    command: list[str]
    rc: int
    stdout: str
    stderr: str
    tasks: list[dict]

    @property
    def output(self) -> str:
        return f"{self.stdout}\n{self.stderr}"

    @property
    def warnings(self) -> list[str]:
        """Every ``[WARNING]:`` text, whole: ansible-core before 2.19 wraps warnings at 80 columns, ending each with a blank line."""
        found = re.findall(r"^\[WARNING\]: (.*?)(?:\n[ \t]*\n|\n(?=\[)|\Z)", self.output, flags=re.MULTILINE | re.DOTALL)
        return [re.sub(r"(?<=-)\n", "", text).replace("\n", " ").strip() for text in found]

    def shows_warning(self, text: str) -> bool:
        """Whether the run printed ``[WARNING]: text``; ansible-core before 2.19 wraps warnings at 80 columns."""
        return " ".join(f"[WARNING]: {text}".split()) in " ".join(self.output.split())

    def entry(self, task: str) -> dict:
        matching = [entry for entry in self.tasks if entry["task"] == task]
        assert len(matching) == 1, f"expected one result for task {task!r}, got {len(matching)}:\n{self.describe()}"
        return matching[0]

    def result(self, task: str) -> dict:
        """The registered result of the task with this name (ad-hoc runs: the module's FQCN)."""
        return self.entry(task)["result"]

    def failed(self, task: str) -> bool:
        return self.entry(task)["status"] == "failed"

    def describe(self) -> str:
        """Everything needed to understand a failed assertion."""
        return f"$ {' '.join(self.command)}\nrc={self.rc}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


class AnsibleRunner:
    """Runs the real Ansible CLIs of one venv against the installed collection, isolated from the caller's config."""

    def __init__(self, bin_dir: Path, collections_path: Path, workdir: Path) -> None:
        self.bin_dir = bin_dir
        self.collections_path = collections_path
        self.workdir = workdir
        self.config = workdir / "ansible.cfg"
        self.config.write_text("# empty on purpose: the e2e runs use Ansible's defaults\n", encoding="utf-8")

    def playbook(self, target: str, api_url: str | None, extra_vars: Mapping[str, Any] | None = None,
                 env: Mapping[str, str | None] | None = None, options: Iterable[str] = ()) -> AnsibleRun:
        """``ansible-playbook TARGET`` (a path or a collection playbook FQCN) with ``-e`` as JSON."""
        args = [*options, target]
        if extra_vars:
            args += ["-e", json.dumps(dict(extra_vars))]
        return self._run("ansible-playbook", args, api_url, env)

    def adhoc(self, module: str, module_args: str, api_url: str | None, env: Mapping[str, str | None] | None = None,
              options: Iterable[str] = ()) -> AnsibleRun:
        """``ansible localhost -m MODULE -a ARGS`` on the implicit localhost."""
        return self._run("ansible", [*options, "localhost", "-m", module, "-a", module_args], api_url, env)

    def command(self, argv: list[str], api_url: str | None, env: Mapping[str, str | None] | None = None) -> AnsibleRun:
        """Run an ``ansible`` / ``ansible-playbook`` command line as a user would type it, with this venv's tool."""
        return self._run(argv[0], argv[1:], api_url, env)

    def environment(self, api_url: str | None, results_file: Path, overrides: Mapping[str, str | None]) -> dict[str, str]:
        """Credentials and endpoint come from the environment, as documented; ``None`` in overrides removes a variable."""
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(_INHERITED_PREFIXES_DROPPED) and name.upper() not in _INHERITED_NAMES_DROPPED}
        env.update({
            "PATH": f"{self.bin_dir}{os.pathsep}{env.get('PATH', '')}",
            "ANSIBLE_CONFIG": str(self.config),
            "ANSIBLE_HOME": str(self.workdir / "ansible-home"),
            "ANSIBLE_COLLECTIONS_PATH": str(self.collections_path),
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACK_DIR),
            "ANSIBLE_CALLBACKS_ENABLED": "e2e_results",
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
            "E2E_RESULTS_FILE": str(results_file),
            "NO_PROXY": "127.0.0.1,localhost",
            "MESSENTE_LEDGER": str(self.workdir / "ledger" / "ledger.sqlite3"),  # never the user's own ledger
            "MESSENTE_API_USERNAME": E2E_USERNAME,
            "MESSENTE_API_PASSWORD": E2E_PASSWORD,
        })
        if api_url is not None:
            env["MESSENTE_API_URL"] = api_url
        for name, value in overrides.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def _run(self, tool: str, args: list[str], api_url: str | None, env: Mapping[str, str | None] | None) -> AnsibleRun:
        executable = self.bin_dir / tool
        assert executable.exists(), f"{tool} not found next to the test interpreter in {self.bin_dir}"
        with tempfile.NamedTemporaryFile(dir=self.workdir, prefix="results-", suffix=".jsonl", delete=False) as handle:
            results_file = Path(handle.name)
        command = [str(executable), *args]
        completed = subprocess.run(command, cwd=self.workdir, env=self.environment(api_url, results_file, env or {}),
                                   capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, check=False)
        lines = results_file.read_text(encoding="utf-8").splitlines()
        return AnsibleRun(command, completed.returncode, completed.stdout, completed.stderr, [json.loads(line) for line in lines])

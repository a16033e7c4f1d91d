# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test-only callback: append every task result of a run, as one JSON line, to the file named by E2E_RESULTS_FILE.

Why: ansible-core has no JSON stdout callback, and the e2e tests want both the structured results and
the normal screen output. Enabled only by the e2e tests (ANSIBLE_CALLBACKS_ENABLED=e2e_results).
"""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase


def _attribute(result, name: str):
    """ansible-core 2.19 made a task result's task, host and result public; older lines only have _task, _host, _result."""
    return getattr(result, name) if hasattr(result, name) else getattr(result, f"_{name}")


class CallbackModule(CallbackBase):
    """Write ``{"task", "host", "status", "result"}`` per finished task; ``result`` is what ``register`` would hold."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "e2e_results"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, result, status: str) -> None:
        task, host = _attribute(result, "task"), _attribute(result, "host")
        entry = {"task": task.get_name(), "host": host.get_name(), "status": status, "result": _attribute(result, "result")}
        with open(os.environ["E2E_RESULTS_FILE"], "a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry, default=str) + "\n")

    def v2_runner_on_ok(self, result) -> None:
        self._write(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors: bool = False) -> None:
        self._write(result, "failed")

    def v2_runner_on_skipped(self, result) -> None:
        self._write(result, "skipped")

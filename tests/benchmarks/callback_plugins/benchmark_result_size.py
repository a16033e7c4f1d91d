# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark-only callback: append the size of every task result, as JSON, to the file named by BENCHMARK_RESULT_SIZE_FILE.

Why: the size of a registered result is what the controller parses and keeps. Enabled only for the benchmark's
untimed size runs (ANSIBLE_CALLBACKS_ENABLED=benchmark_result_size), since dumping a large result takes time.
"""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    """Write ``{"task", "bytes"}`` per finished task: the length of the JSON of what ``register`` would hold."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "benchmark_result_size"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, result) -> None:
        size = len(json.dumps(result.result, default=str))
        with open(os.environ["BENCHMARK_RESULT_SIZE_FILE"], "a", encoding="utf-8") as stream:
            stream.write(json.dumps({"task": result.task.get_name(), "bytes": size}) + "\n")

    def v2_runner_on_ok(self, result) -> None:
        self._write(result)

    def v2_runner_on_failed(self, result, ignore_errors: bool = False) -> None:
        self._write(result)

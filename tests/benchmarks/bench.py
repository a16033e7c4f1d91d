# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every benchmark case is made of: a Row of the table with its samples, and the Bench the cases run on.

Why a file of its own: run_benchmark.py (the original groups) and scale_cases.py (the scale group) both build rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from measure import PASSWORD, USERNAME, Sample, Sandbox, own_peak_kb, reset_own_peak, run_child, schedule_via_api

MODULE = "messente.omnichannel.messente_scheduled_message"
TEXT = "Maintenance of the payment API starts at 10:00 UTC."
KIB_PER_MB = 1024.0
# The sandbox as the original groups measure it: no latency, no rate limit.
PLAIN_SANDBOX = {"latency": 0.0, "rate_limit": None}


@dataclasses.dataclass
class Row:
    """One line of the table: a measured case, or a loop extrapolated run by run from two measured ones.

    ``sandbox`` options are set before each run; ``result_size`` asks for one more, untimed run that records the size
    of the registered result; ``count_only`` checks the sandbox by its counts (100,000 message bodies take seconds).
    """

    key: str
    group: str
    label: str
    size: int
    measure: Callable[[], Sample] | None = None
    expect: tuple[str, int] = ("scheduled", 0)
    argv: list[str] | None = None
    samples: list[Sample] = dataclasses.field(default_factory=list)
    extrapolated: bool = False
    note: str = ""
    sandbox: dict[str, Any] = dataclasses.field(default_factory=lambda: dict(PLAIN_SANDBOX))
    result_size: bool = False
    count_only: bool = False
    result_bytes: int | None = None

    def median(self, field: str) -> float:
        return statistics.median(getattr(sample, field) for sample in self.samples)

    @property
    def wall(self) -> float:
        return self.median("wall")

    @property
    def best_wall(self) -> float:
        """The fastest run: noise from other jobs on the machine only ever adds time."""
        return min(sample.wall for sample in self.samples)

    def peak_mb(self, field: str) -> float | None:
        values = [getattr(sample, field) for sample in self.samples if getattr(sample, field)]
        return statistics.median(values) / KIB_PER_MB if values else None

    def summary(self) -> dict[str, Any]:
        return {
            "key": self.key, "group": self.group, "label": self.label, "size": self.size, "runs": len(self.samples),
            "extrapolated": self.extrapolated, "note": self.note, "sandbox": self.sandbox, "wall_median_s": self.wall,
            "wall_best_s": self.best_wall, "wall_max_s": max(sample.wall for sample in self.samples), "cpu_median_s": self.median("cpu"),
            "sandbox_cpu_median_s": self.median("sandbox_cpu"), "peak_rss_mb": self.peak_mb("peak_rss_kb"),
            "module_rss_mb": self.peak_mb("module_rss_kb"), "controller_rss_mb": self.peak_mb("controller_rss_kb"),
            "tree_rss_mb": self.peak_mb("tree_rss_kb"), "tree_pss_mb": self.peak_mb("tree_pss_kb"),
            "result_bytes": self.result_bytes, "samples": [dataclasses.asdict(sample) for sample in self.samples],
        }


@dataclasses.dataclass
class Bench:
    """What every case needs: the work directory, the Ansible environment, the installed collection and the sandbox."""

    workdir: Path
    bin_dir: Path
    env: dict[str, str]
    sandbox: Sandbox
    time_to_send: str
    collections: Path
    extra_env: dict[str, str] = dataclasses.field(default_factory=dict)

    def omnimessage(self, number: str) -> dict:
        """Exactly the body the module builds from the options the benchmark gives it (checked after every run)."""
        return {"to": number, "messages": [{"channel": "sms", "text": TEXT}], "time_to_send": self.time_to_send}

    def tool(self, name: str) -> str:
        return str(self.bin_dir / name)

    def write_json(self, name: str, data: Any) -> Path:
        path = self.workdir / name
        path.write_text(json.dumps(data, indent=1))
        return path

    def write_lines(self, name: str, lines: list[str]) -> Path:
        path = self.workdir / name
        path.write_text("".join(f"{line}\n" for line in lines))
        return path

    def run_measured(self, argv: list[str]) -> Sample:
        before = self.sandbox.cpu_seconds()
        wall, usage, peaks = run_child(argv, self.workdir, {**self.env, **self.extra_env}, self.workdir / "last-run.log")
        return Sample(wall, usage.ru_utime + usage.ru_stime, self.sandbox.cpu_seconds() - before, usage.ru_maxrss,
                      peaks.module_kb or None, os.getloadavg()[0], peaks.controller_kb or None, peaks.tree_rss_kb or None,
                      peaks.tree_pss_kb or None)

    def run_raw_client(self, size: int) -> Sample:
        """The floor: the same bodies posted from this process, no Ansible at all."""
        bodies = [self.omnimessage(number) for number in recipients(size)]
        return self._in_process(lambda: schedule_via_api(self.sandbox.api_url, bodies))

    def run_collection_chunks(self, size: int, concurrency: int) -> Sample:
        """Only the bulk phase of a task: the installed collection's own schedule code and client, in this process."""
        client_module, operations, plan_module = self._collection_modules()
        params = {"state": "present", "to": recipients(size), "text": TEXT, "time_to_send": self.time_to_send}
        plan = plan_module.plan_present(params, dt.datetime.now(dt.timezone.utc))

        def send() -> None:
            client = client_module.MessenteClient(self.sandbox.api_url, USERNAME, PASSWORD, pool_size=concurrency)
            try:
                outcome = operations.schedule_outcome(client, plan.omnimessages, concurrency, keep_all=False)
            finally:
                client.close()
            if outcome.counts["scheduled"] != size:
                raise RuntimeError(f"the collection scheduled {outcome.counts} of {size}")
        return self._in_process(send)

    def _collection_modules(self) -> tuple[Any, Any, Any]:
        if str(self.collections) not in sys.path:
            sys.path.insert(0, str(self.collections))
        prefix = "ansible_collections.messente.omnichannel.plugins.module_utils"
        client = __import__(f"{prefix}._client", fromlist=["MessenteClient"])
        operations = __import__(f"{prefix}._operations", fromlist=["schedule_outcome"])
        plan = __import__(f"{prefix}._scheduled_message", fromlist=["plan_present"])
        return client, operations, plan

    def _in_process(self, work: Callable[[], Any]) -> Sample:
        peak_known = reset_own_peak()
        sandbox_before, cpu_before = self.sandbox.cpu_seconds(), time.process_time()
        start = time.perf_counter()
        work()
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu_before
        return Sample(wall, cpu, self.sandbox.cpu_seconds() - sandbox_before, own_peak_kb() if peak_known else None,
                      load_average=os.getloadavg()[0])


def recipients(size: int) -> list[str]:
    return [f"+3725{index:07d}" for index in range(size)]


def play(name: str, task: dict, *more: dict) -> list[dict]:
    return [{"name": name, "hosts": "localhost", "gather_facts": False, "tasks": [task, *more]}]

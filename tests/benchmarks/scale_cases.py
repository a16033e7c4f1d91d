# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The scale groups of the benchmark: 10,000 and 100,000 recipients in one task, bulk chunks one at a time or
concurrently under 50 ms of latency, and 1,000 cancels against a sandbox that allows 150 requests per second.

Why these cases: they are the targets of the issue "Scale" (see tests/benchmarks/README.md), each measured the way a
user would run it, with the figures that explain a verdict (the floor of Ansible's own cost, memory per process and
for the whole tree, the size of the registered result) next to it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import MODULE, PLAIN_SANDBOX, TEXT, Bench, Row, play, recipients
from measure import Sample, schedule_via_api

GROUP_SCALE = "4 scale: N recipients or ids in one task (`ansible-playbook`)"
GROUP_LATENCY = "5 bulk chunks one at a time or concurrently, 50 ms latency"
GROUP_RATE = "6 cancels against a sandbox allowing 150 requests/s"
LATENCY = {"latency": 0.05, "rate_limit": None}
RATE = 150
RATE_LIMITED = {"latency": 0.0, "rate_limit": RATE}
BIG_TASK = 100_000
CHUNKED = 10_000
CANCELS = 1000
MANY_CANCELS = 5000
SCALE_LIMIT = 6.0
TREE_LIMIT_MB = 200.0
CANCEL_LIMIT = 1.5
CHUNK_LIMIT = 3.0
RECIPIENTS_FROM_FILE = "{{ lookup('ansible.builtin.file', recipients_file).splitlines() }}"


def write_scale_playbooks(bench: Bench) -> dict[str, Path]:
    """The list comes from a file of numbers, one a line, as a real play might read it (see the README for -e @file)."""
    schedule = {"to": RECIPIENTS_FROM_FILE, "text": TEXT, "time_to_send": bench.time_to_send,
                "return_results": "{{ level }}", "concurrency": "{{ concurrency }}"}
    extra_vars = {"to": "{{ recipients }}", "text": TEXT, "time_to_send": bench.time_to_send, "return_results": "failed"}
    floor = {"msg": "{{ " + RECIPIENTS_FROM_FILE[3:-3] + " | length }}"}
    cancel = {"state": "absent", "omnimessage_id": "{{ ids }}", "rate_limit": "{{ rate | default(omit) }}"}
    playbooks = {
        "scale_schedule": play("one task, list from a file", {"name": "schedule", MODULE: schedule}),
        "scale_extra_vars": play("one task, list from -e @file", {"name": "schedule", MODULE: extra_vars}),
        "scale_floor": play("floor: read the list only", {"name": "read the list", "ansible.builtin.debug": floor}),
        "scale_cancel": play("one task, ids from -e @file", {"name": "cancel", MODULE: cancel}),
    }
    return {name: bench.write_json(f"{name}.yml", content) for name, content in playbooks.items()}  # JSON is YAML


def _task_row(bench: Bench, playbook: Path, key: str, group: str, label: str, size: int, options: list[str],
              sandbox: dict[str, Any], expect: int) -> Row:
    argv = [bench.tool("ansible-playbook"), str(playbook), *options]
    return Row(key, group, label, size, lambda: bench.run_measured(argv), ("scheduled", expect), argv, sandbox=dict(sandbox),
               result_size=expect > 0, count_only=size > CHUNKED)


def schedule_row(bench: Bench, playbooks: dict[str, Path], size: int, level: str, concurrency: int = 8,
                 group: str = GROUP_SCALE, sandbox: dict[str, Any] | None = None) -> Row:
    path = bench.write_lines(f"recipients-{size}.txt", recipients(size))
    options = ["-e", f"recipients_file={path}", "-e", f"level={level}", "-e", f"concurrency={concurrency}"]
    label = f"one task, `return_results: {level}`, `concurrency: {concurrency}`"
    key = f"{'lat' if group == GROUP_LATENCY else 'scale'}-{size}-{level}-c{concurrency}"
    return _task_row(bench, playbooks["scale_schedule"], key, group, label, size, options, sandbox or PLAIN_SANDBOX, size)


def scale_rows(bench: Bench, playbooks: dict[str, Path]) -> list[Row]:
    floor_path = bench.write_lines(f"recipients-{BIG_TASK}.txt", recipients(BIG_TASK))
    extra_vars = bench.write_json(f"recipients-{BIG_TASK}.json", {"recipients": recipients(BIG_TASK)})
    return [
        schedule_row(bench, playbooks, 1, "failed"),
        schedule_row(bench, playbooks, CHUNKED, "all"),
        schedule_row(bench, playbooks, CHUNKED, "failed"),
        schedule_row(bench, playbooks, BIG_TASK, "failed"),
        _task_row(bench, playbooks["scale_floor"], f"floor-{BIG_TASK}", GROUP_SCALE,
                  "floor: `ansible.builtin.debug` of the list's length, no module", BIG_TASK,
                  ["-e", f"recipients_file={floor_path}"], PLAIN_SANDBOX, 0),
        _task_row(bench, playbooks["scale_extra_vars"], f"extra-vars-{BIG_TASK}", GROUP_SCALE,
                  "one task, `return_results: failed`, list passed with `-e @file`", BIG_TASK,
                  ["-e", f"@{extra_vars}"], PLAIN_SANDBOX, BIG_TASK),
        cancel_row(bench, playbooks, MANY_CANCELS, None, GROUP_SCALE, PLAIN_SANDBOX),
    ]


def latency_rows(bench: Bench, playbooks: dict[str, Path]) -> list[Row]:
    rows = [schedule_row(bench, playbooks, 1, "failed", 8, GROUP_LATENCY, LATENCY),
            schedule_row(bench, playbooks, CHUNKED, "failed", 1, GROUP_LATENCY, LATENCY),
            schedule_row(bench, playbooks, CHUNKED, "failed", 8, GROUP_LATENCY, LATENCY)]
    for concurrency in (1, 8):
        rows.append(Row(f"chunks-{CHUNKED}-c{concurrency}", GROUP_LATENCY,
                        f"bulk phase only: the collection's schedule code in-process, `concurrency: {concurrency}`", CHUNKED,
                        lambda concurrency=concurrency: bench.run_collection_chunks(CHUNKED, concurrency),
                        ("scheduled", CHUNKED), sandbox=dict(LATENCY)))
    return rows


def rate_rows(bench: Bench, playbooks: dict[str, Path]) -> list[Row]:
    return [cancel_row(bench, playbooks, 1, None), cancel_row(bench, playbooks, CANCELS, None), cancel_row(bench, playbooks, CANCELS, RATE)]


def cancel_row(bench: Bench, playbooks: dict[str, Path], size: int, rate: int | None, group: str = GROUP_RATE,
               sandbox: dict[str, Any] | None = None) -> Row:
    """Scheduling the messages to cancel is set-up, before the clock starts; the sandbox's rate limit allows it."""
    def measure() -> Sample:
        ids = schedule_via_api(bench.sandbox.api_url, [bench.omnimessage(number) for number in recipients(size)])
        variables = bench.write_json(f"rate-ids-{size}.json", {"ids": ids})
        options = ["-e", f"@{variables}"] + (["-e", f"rate={rate}"] if rate else [])
        return bench.run_measured([bench.tool("ansible-playbook"), str(playbooks["scale_cancel"]), *options])
    label = f"one task, list in `omnimessage_id`, {f'`rate_limit: {rate}`' if rate else 'no `rate_limit`'}"
    key = f"{'rate' if group == GROUP_RATE else 'scale'}-cancel-{size}-{rate or 'none'}"
    return Row(key, group, label, size, measure, ("cancelled", size), sandbox=dict(sandbox or RATE_LIMITED), result_size=True)


# -- targets ---------------------------------------------------------------------------------------------------
def _target(name: str, measured: str, limit: str, passed: bool | None, value: float, **more: str) -> dict[str, Any]:
    """passed None: reported beside a target to explain it, not judged."""
    return {"target": name, "measured": measured, "without_sandbox_cpu": more.get("without", ""),
            "fastest_runs": more.get("fastest", ""), "limit": limit, "value": value, "passed": passed}


def scale_targets(rows: dict[str, Row], ratio: Callable[..., dict[str, Any]]) -> list[dict[str, Any]]:
    big, one = rows[f"scale-{BIG_TASK}-failed-c8"], rows["scale-1-failed-c8"]
    pss, rss = big.peak_mb("tree_pss_kb") or 0.0, big.peak_mb("tree_rss_kb") or 0.0
    controller, module = big.peak_mb("controller_rss_kb") or 0.0, big.peak_mb("module_rss_kb") or 0.0
    return [
        ratio(f"{BIG_TASK:,} recipients in one task (`return_results: failed`) / 1 recipient, same playbook", big, one,
              SCALE_LIMIT, True),
        _target(f"peak memory of the whole process tree, {BIG_TASK:,} recipients (sum of PSS)", f"{pss:.1f} MB",
                f"< {TREE_LIMIT_MB:g} MB", 0 < pss < TREE_LIMIT_MB, pss),
        _target("the same as a sum of RSS (pages a fork shares counted twice); controller / module process alone",
                f"{rss:.1f} MB", "reported", None, rss, without=f"{controller:.1f} / {module:.1f} MB"),
    ]


def latency_targets(rows: dict[str, Row], ratio: Callable[..., dict[str, Any]]) -> list[dict[str, Any]]:
    sequential, concurrent = rows[f"chunks-{CHUNKED}-c1"], rows[f"chunks-{CHUNKED}-c8"]
    task_seq, task_conc, one = rows[f"lat-{CHUNKED}-failed-c1"], rows[f"lat-{CHUNKED}-failed-c8"], rows["lat-1-failed-c8"]
    whole = ratio(f"whole task, {CHUNKED:,} recipients: one chunk at a time / concurrent", task_seq, task_conc, CHUNK_LIMIT, False)
    work_seq, work_conc = task_seq.wall - one.wall, task_conc.wall - one.wall
    return [
        ratio(f"bulk phase, {CHUNKED:,} recipients, 50 ms latency: one chunk at a time / concurrent", sequential, concurrent,
              CHUNK_LIMIT, False),
        dict(whole, limit="reported", passed=None),
        _target(f"task minus 1-recipient task, {CHUNKED:,} recipients: one chunk at a time / concurrent",
                f"{work_seq / work_conc:.2f}x", "reported", None, work_seq / work_conc,
                without=f"{work_seq:.2f} s / {work_conc:.2f} s"),
    ]


def rate_targets(rows: dict[str, Row]) -> list[dict[str, Any]]:
    one, allowed = rows["rate-cancel-1-none"], CANCELS / RATE
    targets = []
    for rate, how in ((None, "no `rate_limit`: 429s slow it down"), (RATE, f"`rate_limit: {RATE}`")):
        row = rows[f"rate-cancel-{CANCELS}-{rate or 'none'}"]
        work, best = row.wall - one.wall, row.best_wall - one.best_wall
        targets.append(_target(f"{CANCELS:,} cancels at {RATE} requests/s, all cancelled and none failed ({how}): task minus "
                               f"1-id task, against the {allowed:.2f} s the rate allows", f"{work:.2f} s ({work / allowed:.2f}x)",
                               f"<= {CANCEL_LIMIT:g}x", work / allowed <= CANCEL_LIMIT, work / allowed, fastest=f"{best:.2f} s"))
    return targets

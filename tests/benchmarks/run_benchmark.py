# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Performance benchmark of messente.omnichannel.messente_scheduled_message against the local sandbox.

Why: one task with many recipients or ids has to be far cheaper than a loop, and a single message must cost
no more than a plain ansible.builtin.uri call. This script measures both side by side on the machine it runs
on and checks the figures against the targets set for the collection (exit status 1 when one fails).

    python tests/benchmarks/run_benchmark.py [--quick] [--profile] [--measure-1000-loops] [--only GROUP] [--output FILE]

Run it from a venv with ansible-core, requests, python-dateutil, messente-api and cryptography. It is not
part of the default test run; tests/benchmarks/README.md explains the method and the results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import scale_cases
from bench import MODULE, TEXT, Bench, Row, play, recipients
from measure import PASSWORD, USERNAME, BenchmarkError, Sample, Sandbox, proc_field, schedule_via_api
from module_profile import PayloadProfile, profile_payloads, render_profile

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEDULE_SIZES = (1, 10, 100, 1000)
CANCEL_SIZES = (10, 100, 1000)
LOOP_SIZES = (10, 100)
BIG = 1000
GROUP_ADHOC = "1 one recipient (`ansible`)"
GROUP_SCHEDULE = "2 schedule N (`ansible-playbook`)"
GROUP_CANCEL = "3 cancel N (`ansible-playbook`)"
GROUPS = {"adhoc": GROUP_ADHOC, "schedule": GROUP_SCHEDULE, "cancel": GROUP_CANCEL, "scale": scale_cases.GROUP_SCALE,
          "latency": scale_cases.GROUP_LATENCY, "rate": scale_cases.GROUP_RATE}
RESULT_SIZE_CALLBACK = Path(__file__).resolve().parent / "callback_plugins"
ADHOC_RUN_FACTOR = 3  # single tasks are short and noisy, and cheap to repeat
URI_LOOP_LABEL = "`loop:` over ansible.builtin.uri"
CANCEL_LOOP_LABEL = "`loop:` over the module, one id each"
LOOPS = (("uri-loop", GROUP_SCHEDULE, URI_LOOP_LABEL), ("cancel-loop", GROUP_CANCEL, CANCEL_LOOP_LABEL))


# -- cases -----------------------------------------------------------------------------------------------------
def uri_args(bench: Bench, body: dict) -> dict:
    """The same POST through ansible.builtin.uri; the module gets the same credentials from MESSENTE_API_*."""
    return {"url": f"{bench.sandbox.api_url}/omnimessage", "method": "POST", "body_format": "json", "body": body,
            "url_username": USERNAME, "url_password": PASSWORD, "force_basic_auth": True, "status_code": 201}


def play(name: str, task: dict) -> list[dict]:
    return [{"name": name, "hosts": "localhost", "gather_facts": False, "tasks": [task]}]


def write_playbooks(bench: Bench) -> dict[str, Path]:
    """Every playbook takes its list from a variable, as a real play would (e.g. from a registered result)."""
    schedule = {"to": "{{ recipients }}", "text": TEXT, "time_to_send": bench.time_to_send}
    cancel_one = {"state": "absent", "omnimessage_id": "{{ item }}"}
    playbooks = {
        "schedule_list": play("one task, list", {"name": "schedule", MODULE: schedule}),
        "uri_loop": play("uri loop", {"name": "post", "ansible.builtin.uri": uri_args(bench, bench.omnimessage("{{ item }}")),
                                      "loop": "{{ recipients }}"}),
        "cancel_list": play("one task, list", {"name": "cancel", MODULE: {"state": "absent", "omnimessage_id": "{{ ids }}"}}),
        "cancel_loop": play("module loop", {"name": "cancel", MODULE: cancel_one, "loop": "{{ ids }}"}),
    }
    return {name: bench.write_json(f"{name}.yml", content) for name, content in playbooks.items()}  # JSON is YAML


def playbook_schedule(bench: Bench, playbook: Path, size: int) -> Callable[[], Sample]:
    variables = bench.write_json(f"recipients-{size}.json", {"recipients": recipients(size)})
    argv = [bench.tool("ansible-playbook"), str(playbook), "-e", f"@{variables}"]
    return lambda: bench.run_measured(argv)


def playbook_cancel(bench: Bench, playbook: Path, size: int) -> Callable[[], Sample]:
    """Scheduling the messages to cancel is set-up: it happens before the clock starts."""
    def measure() -> Sample:
        ids = schedule_via_api(bench.sandbox.api_url, [bench.omnimessage(number) for number in recipients(size)])
        variables = bench.write_json(f"ids-{size}.json", {"ids": ids})
        return bench.run_measured([bench.tool("ansible-playbook"), str(playbook), "-e", f"@{variables}"])
    return measure


def adhoc_rows(bench: Bench) -> list[Row]:
    number = recipients(1)[0]
    module_args = {"to": number, "text": TEXT, "time_to_send": bench.time_to_send}
    commands = {
        "adhoc-module": (f"`ansible -m {MODULE}`", ["-m", MODULE, "-a", json.dumps(module_args)], 1),
        "adhoc-uri": ("`ansible -m ansible.builtin.uri`, same POST",
                      ["-m", "ansible.builtin.uri", "-a", json.dumps(uri_args(bench, bench.omnimessage(number)))], 1),
        "adhoc-ping": ("`ansible -m ansible.builtin.ping` (floor, sends nothing)", ["-m", "ansible.builtin.ping"], 0),
    }
    rows = []
    for key, (label, args, size) in commands.items():
        argv = [bench.tool("ansible"), "localhost", *args]
        rows.append(Row(key, GROUP_ADHOC, label, size, lambda argv=argv: bench.run_measured(argv), ("scheduled", size), argv))
    return rows


def list_row(bench: Bench, playbooks: dict[str, Path], size: int) -> Row:
    return Row(f"list-{size}", GROUP_SCHEDULE, "one task, list in `to`", size,
               playbook_schedule(bench, playbooks["schedule_list"], size), ("scheduled", size))


def uri_loop_row(bench: Bench, playbooks: dict[str, Path], size: int) -> Row:
    return Row(f"uri-loop-{size}", GROUP_SCHEDULE, URI_LOOP_LABEL, size,
               playbook_schedule(bench, playbooks["uri_loop"], size), ("scheduled", size))


def raw_row(bench: Bench, size: int) -> Row:
    return Row(f"raw-{size}", GROUP_SCHEDULE, "raw `requests.Session`, same bodies, in-process (floor)", size,
               lambda: bench.run_raw_client(size), ("scheduled", size))


def cancel_list_row(bench: Bench, playbooks: dict[str, Path], size: int) -> Row:
    return Row(f"cancel-list-{size}", GROUP_CANCEL, "one task, list in `omnimessage_id`", size,
               playbook_cancel(bench, playbooks["cancel_list"], size), ("cancelled", size))


def cancel_loop_row(bench: Bench, playbooks: dict[str, Path], size: int) -> Row:
    return Row(f"cancel-loop-{size}", GROUP_CANCEL, CANCEL_LOOP_LABEL, size,
               playbook_cancel(bench, playbooks["cancel_loop"], size), ("cancelled", size))


def schedule_rows(bench: Bench, playbooks: dict[str, Path]) -> list[Row]:
    rows = []
    for size in SCHEDULE_SIZES:
        rows.append(list_row(bench, playbooks, size))
        if size in LOOP_SIZES:
            rows.append(uri_loop_row(bench, playbooks, size))
        rows.append(raw_row(bench, size))
    return rows


def cancel_rows(bench: Bench, playbooks: dict[str, Path]) -> list[Row]:
    rows = []
    for size in CANCEL_SIZES:
        rows.append(cancel_list_row(bench, playbooks, size))
        if size in LOOP_SIZES:
            rows.append(cancel_loop_row(bench, playbooks, size))
    return rows


def big_loop_rows(bench: Bench, playbooks: dict[str, Path]) -> list[Row]:
    """The 1000-item loops for real, once each: minutes of run time, so only on request."""
    rows = [uri_loop_row(bench, playbooks, BIG), cancel_loop_row(bench, playbooks, BIG)]
    for row in rows:
        row.key += "-measured"
        row.label += " (measured once)"
    return rows


# -- running ---------------------------------------------------------------------------------------------------
def run_once(bench: Bench, row: Row) -> Sample:
    """One run on an empty sandbox with the row's options; afterwards the sandbox must hold exactly the expected
    messages and bodies (for 100,000 messages: the expected counts)."""
    if row.measure is None:
        raise BenchmarkError(f"{row.key} has nothing to measure")
    bench.sandbox.configure(**row.sandbox)
    bench.sandbox.reset()
    sample = row.measure()
    if row.count_only:
        bench.sandbox.check_count(*row.expect)
    else:
        messages = bench.sandbox.check_messages(*row.expect)
        if any(message["payload"] != bench.omnimessage(message["to"]) for message in messages):
            raise BenchmarkError(f"{row.key} sent other bodies than the floor posts; the comparison would be unfair")
    bench.sandbox.reset()
    return sample


def measure_result_sizes(bench: Bench, rows: list[Row]) -> None:
    """One more run of each row that asks for it, untimed, with a callback that writes the size of each task result."""
    sizes = bench.workdir / "result-sizes.jsonl"
    bench.extra_env = {"ANSIBLE_CALLBACK_PLUGINS": str(RESULT_SIZE_CALLBACK), "ANSIBLE_CALLBACKS_ENABLED": "benchmark_result_size",
                       "BENCHMARK_RESULT_SIZE_FILE": str(sizes)}
    try:
        for row in rows:
            if row.result_size:
                sizes.write_text("")
                run_once(bench, row)
                row.result_bytes = max(json.loads(line)["bytes"] for line in sizes.read_text().splitlines())
    finally:
        bench.extra_env = {}


def measure_interleaved(bench: Bench, rows: list[Row], runs: int, warm_up: bool = True) -> None:
    """One warm-up each, then rounds in which every case runs once, the order rotating to spread machine noise."""
    if warm_up:
        for row in rows:
            run_once(bench, row)
    for round_index in range(runs):
        shift = round_index % len(rows)
        for row in rows[shift:] + rows[:shift]:
            sample = run_once(bench, row)
            row.samples.append(sample)
            print(f"  [{round_index + 1}/{runs}] {row.key:<24} {sample.wall:8.3f} s", file=sys.stderr, flush=True)


def extrapolate(rows: dict[str, Row], prefix: str, group: str, label: str) -> Row:
    """A loop costs a fixed part plus a part per item. Round by round, the N=10 and N=100 runs of the same
    round give one straight line each, continued to N=1000."""
    small, large = rows[f"{prefix}-{LOOP_SIZES[0]}"], rows[f"{prefix}-{LOOP_SIZES[1]}"]
    scale = (BIG - large.size) / (large.size - small.size)
    samples = [Sample(**{field: getattr(big, field) + (getattr(big, field) - getattr(little, field)) * scale
                         for field in ("wall", "cpu", "sandbox_cpu")}, peak_rss_kb=None)
               for little, big in zip(small.samples, large.samples)]
    note = f"extrapolated linearly, round by round, from the measured N={small.size} and N={large.size} runs"
    return Row(f"{prefix}-{BIG}", group, f"{label} (EXTRAPOLATED)", BIG, samples=samples, extrapolated=True, note=note)


def run_all(bench: Bench, args: argparse.Namespace) -> list[Row]:
    playbooks = {**write_playbooks(bench), **scale_cases.write_scale_playbooks(bench)}
    builders = {"adhoc": lambda: adhoc_rows(bench), "schedule": lambda: schedule_rows(bench, playbooks),
                "cancel": lambda: cancel_rows(bench, playbooks), "scale": lambda: scale_cases.scale_rows(bench, playbooks),
                "latency": lambda: scale_cases.latency_rows(bench, playbooks), "rate": lambda: scale_cases.rate_rows(bench, playbooks)}
    measured: list[Row] = []
    for name in args.only:
        rows = builders[name]()
        print(f"Measuring {rows[0].group} ...", file=sys.stderr, flush=True)
        measure_interleaved(bench, rows, args.runs * ADHOC_RUN_FACTOR if name == "adhoc" else args.runs)
        measure_result_sizes(bench, rows)
        measured += rows
    groups = {GROUPS[name] for name in args.only}
    extra = [row for row in big_loop_rows(bench, playbooks) if row.group in groups] if args.measure_1000_loops else []
    if extra:
        print("Measuring the 1000-item loops once each ...", file=sys.stderr, flush=True)
        measure_interleaved(bench, extra, 1, warm_up=False)
    by_key = {row.key: row for row in measured}
    estimates = [extrapolate(by_key, prefix, group, label) for prefix, group, label in LOOPS if group in groups]
    return _insert_estimates(measured, estimates) + extra


def _insert_estimates(rows: list[Row], estimates: list[Row]) -> list[Row]:
    """Put each extrapolated loop right after the measured one-task row of the same size and group."""
    ordered = []
    for row in rows:
        ordered.append(row)
        if row.key.startswith(("list-", "cancel-list-")):
            ordered += [estimate for estimate in estimates if estimate.group == row.group and estimate.size == row.size]
    return ordered


# -- targets and report ----------------------------------------------------------------------------------------
def _ratio_target(name: str, upper: Row, lower: Row, limit: float, at_most: bool) -> dict[str, Any]:
    """Decided on the ratio of wall-time medians; beside it the same ratio without the sandbox's CPU time,
    and the ratio of the fastest runs, which shows how much of a verdict is noise from other jobs."""
    value = upper.wall / lower.wall
    adjusted = (upper.wall - upper.median("sandbox_cpu")) / (lower.wall - lower.median("sandbox_cpu"))
    passed = value <= limit if at_most else value >= limit
    return {"target": name, "measured": f"{value:.2f}x", "without_sandbox_cpu": f"{adjusted:.2f}x",
            "fastest_runs": f"{upper.best_wall / lower.best_wall:.2f}x", "limit": f"{'<=' if at_most else '>='} {limit:g}x",
            "value": value, "passed": passed}


def adhoc_targets(rows: dict[str, Row]) -> list[dict[str, Any]]:
    module, ping = rows["adhoc-module"], rows["adhoc-ping"]
    overhead = module.wall - ping.wall
    adjusted = overhead - module.median("sandbox_cpu") + ping.median("sandbox_cpu")
    return [
        _ratio_target("one recipient: module task / uri task", module, rows["adhoc-uri"], 1.05, True),
        {"target": "one recipient: module task - ping task", "measured": f"{overhead * 1000:+.0f} ms",
         "without_sandbox_cpu": f"{adjusted * 1000:+.0f} ms", "fastest_runs": f"{(module.best_wall - ping.best_wall) * 1000:+.0f} ms",
         "limit": "<= +150 ms", "value": overhead, "passed": overhead <= 0.150},
    ]


def schedule_targets(rows: dict[str, Row]) -> list[dict[str, Any]]:
    one_task = rows[f"list-{BIG}"]
    peak = one_task.peak_mb("peak_rss_kb") or 0.0
    return [
        _ratio_target(f"{BIG} recipients in one task / 1 recipient in one task", one_task, rows["list-1"], 3, True),
        _ratio_target(f"uri loop / one task, {BIG} recipients", _big_loop(rows, "uri-loop"), one_task, 100, False),
        {"target": f"peak RSS of the {BIG}-recipient task (largest process)", "measured": f"{peak:.1f} MB",
         "without_sandbox_cpu": "", "fastest_runs": "", "limit": "< 100 MB", "value": peak, "passed": 0 < peak < 100},
    ]


def cancel_targets(rows: dict[str, Row]) -> list[dict[str, Any]]:
    return [_ratio_target(f"module loop / one task, {BIG} cancels", _big_loop(rows, "cancel-loop"), rows[f"cancel-list-{BIG}"], 30, False)]


def _big_loop(rows: dict[str, Row], prefix: str) -> Row:
    """A 1000-item loop measured with --measure-1000-loops beats the extrapolated one."""
    return rows.get(f"{prefix}-{BIG}-measured") or rows[f"{prefix}-{BIG}"]


def evaluate_targets(rows: list[Row], groups: list[str]) -> list[dict[str, Any]]:
    by_key = {row.key: row for row in rows}
    checks: dict[str, Callable[[dict[str, Row]], list[dict[str, Any]]]] = {
        "adhoc": adhoc_targets, "schedule": schedule_targets, "cancel": cancel_targets,
        "scale": lambda found: scale_cases.scale_targets(found, _ratio_target),
        "latency": lambda found: scale_cases.latency_targets(found, _ratio_target), "rate": scale_cases.rate_targets,
    }
    return [target for name in groups for target in checks[name](by_key)]


def _mb(value: float | None) -> str:
    return f"{value:.1f}" if value else "-"


def _tree_mb(row: Row) -> str:
    rss, pss = row.peak_mb("tree_rss_kb"), row.peak_mb("tree_pss_kb")
    return f"{_mb(rss)} / {_mb(pss)}" if rss or pss else "-"


def render_rows(rows: list[Row]) -> str:
    lines = ["| group | case | N | runs | wall median (s) | wall min-max (s) | CPU, whole tree (s) | sandbox CPU (s) "
             "| peak RSS, largest process (MB) | module process peak RSS (MB) | whole tree peak, RSS / PSS sum (MB) "
             "| registered result (MB) |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        runs = f"est. ({len(row.samples)})" if row.extrapolated else str(len(row.samples))
        spread = f"{row.best_wall:.3f}-{max(sample.wall for sample in row.samples):.3f}"
        result = f"{row.result_bytes / 1e6:.3f}" if row.result_bytes else "-"
        lines.append(f"| {row.group} | {row.label} | {row.size} | {runs} | {row.wall:.3f} | {spread} "
                     f"| {row.median('cpu'):.3f} | {row.median('sandbox_cpu'):.3f} | {_mb(row.peak_mb('peak_rss_kb'))} "
                     f"| {_mb(row.peak_mb('module_rss_kb'))} | {_tree_mb(row)} | {result} |")
    return "\n".join(lines)


def render_targets(targets: list[dict[str, Any]]) -> str:
    lines = ["| target | measured (medians) | without sandbox CPU | fastest runs | limit | result |", "|---|---:|---:|---:|---:|---|"]
    for target in targets:
        result = {True: "PASS", False: "FAIL", None: "(reported)"}[target["passed"]]
        lines.append(f"| {target['target']} | {target['measured']} | {target['without_sandbox_cpu']} | {target['fastest_runs']} "
                     f"| {target['limit']} | {result} |")
    return "\n".join(lines)


def machine_info(bin_dir: Path) -> dict[str, Any]:
    version = subprocess.run([str(bin_dir / "ansible"), "--version"], capture_output=True, text=True, check=True).stdout
    return {
        "nproc": len(os.sched_getaffinity(0)), "cpu_count": os.cpu_count(), "cpu_model": proc_field("cpuinfo", "model name"),
        "memory_total": proc_field("meminfo", "MemTotal"), "python": platform.python_version(),
        "ansible_core": version.splitlines()[0], "platform": platform.platform(), "load_average_start": os.getloadavg(),
        "packages": {name: _version_of(name) for name in ("ansible-core", "requests", "python-dateutil", "messente-api")},
    }


def _version_of(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def report(rows: list[Row], machine: dict[str, Any], profiles: list[PayloadProfile], args: argparse.Namespace) -> dict[str, Any]:
    targets = evaluate_targets(rows, args.only)
    print(f"\nmachine: {machine['nproc']} CPU(s) ({machine['cpu_model']}), Python {machine['python']}, {machine['ansible_core']}")
    print(f"load average at start {machine['load_average_start']}, at end {machine['load_average_end']}\n")
    print(render_rows(rows))
    print()
    print(render_targets(targets))
    if profiles:
        print(f"\nwhere the time of one ad hoc task goes (--profile):\n\n{render_profile(profiles)}")
    config = {"runs": args.runs, "adhoc_runs": args.runs * ADHOC_RUN_FACTOR, "groups": args.only,
              "argv": sys.argv[1:]}
    return {"machine": machine, "config": config, "rows": [row.summary() for row in rows], "targets": targets,
            "profile": [profile.summary() for profile in profiles]}


# -- set-up ----------------------------------------------------------------------------------------------------
def collections_path(workdir: Path, bin_dir: Path) -> Path:
    """Build and install the working tree, unless MESSENTE_TEST_COLLECTIONS_PATH names an installed copy."""
    given = os.environ.get("MESSENTE_TEST_COLLECTIONS_PATH")
    if given:
        return Path(given)
    build, destination = workdir / "build", workdir / "collections"
    galaxy = str(bin_dir / "ansible-galaxy")
    subprocess.run([galaxy, "collection", "build", str(REPO_ROOT), "--output-path", str(build)], check=True, capture_output=True, cwd=workdir)
    tarball = next(build.glob("*.tar.gz"))
    subprocess.run([galaxy, "collection", "install", str(tarball), "-p", str(destination)], check=True, capture_output=True, cwd=workdir)
    return destination


def ansible_env(workdir: Path, collections: Path, api_url: str) -> dict[str, str]:
    """A hermetic environment: no inherited ANSIBLE_* or user config, implicit localhost, quiet warnings."""
    config = workdir / "ansible.cfg"
    config.write_text("[defaults]\n")
    env = {name: value for name, value in os.environ.items() if not name.startswith(("ANSIBLE_", "MESSENTE_"))}
    env.update({
        "ANSIBLE_CONFIG": str(config), "ANSIBLE_COLLECTIONS_PATH": str(collections), "ANSIBLE_HOME": str(workdir / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(workdir / "ansible-local"), "ANSIBLE_REMOTE_TMP": str(workdir / "ansible-remote"),
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false", "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_NOCOLOR": "1",
        "MESSENTE_API_USERNAME": USERNAME, "MESSENTE_API_PASSWORD": PASSWORD, "MESSENTE_API_URL": api_url,
    })
    return env


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="2 runs per case instead of 5 (ad hoc cases: 3 times as many)")
    parser.add_argument("--runs", type=int, help=f"runs per case (ad hoc cases: {ADHOC_RUN_FACTOR} times as many)")
    parser.add_argument("--only", action="append", choices=list(GROUPS), help="measure only this group (repeatable); default all")
    parser.add_argument("--profile", action="store_true",
                        help="also break one ad hoc task down: AnsiballZ size, module process time, import times")
    parser.add_argument("--measure-1000-loops", action="store_true",
                        help="also run the 1000-item loops once each instead of only extrapolating them (several minutes)")
    parser.add_argument("--output", type=Path, help="raw results as JSON (default: a new file in the system temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (playbooks, logs, installed collection)")
    args = parser.parse_args(argv)
    args.runs = args.runs or (2 if args.quick else 5)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    args.only = [name for name in GROUPS if name in (args.only or GROUPS)]
    if args.profile and "adhoc" not in args.only:
        parser.error("--profile needs the adhoc group")
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    args.output = args.output or Path(tempfile.gettempdir()) / f"messente-benchmark-{stamp}.json"
    return args


def benchmark(workdir: Path, bin_dir: Path, args: argparse.Namespace) -> int:
    collections = collections_path(workdir, bin_dir)
    sandbox = Sandbox(workdir)
    try:
        time_to_send = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        bench = Bench(workdir, bin_dir, ansible_env(workdir, collections, sandbox.api_url), sandbox, time_to_send, collections)
        machine = machine_info(bin_dir)
        rows = run_all(bench, args)
        profiles: list[PayloadProfile] = []
        if args.profile:
            print("Profiling one ad hoc task of each kind ...", file=sys.stderr, flush=True)
            commands = {row.key: (row.label, row.argv or [], row.wall) for row in rows if row.group == GROUP_ADHOC}
            profiles = profile_payloads(workdir, bench.env, commands, args.runs * ADHOC_RUN_FACTOR)
        machine["load_average_end"] = os.getloadavg()
    finally:
        sandbox.stop()
    results = report(rows, machine, profiles, args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2))
    print(f"\nraw results: {args.output}")
    return 0 if all(target["passed"] is not False for target in results["targets"]) else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "ansible-playbook").exists():
        raise SystemExit(f"no ansible-playbook next to {sys.executable}: run this with the python of the venv that has ansible-core")
    workdir = Path(tempfile.mkdtemp(prefix="messente-benchmark-"))
    try:
        return benchmark(workdir, bin_dir, args)
    finally:
        if args.keep:
            print(f"work directory kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

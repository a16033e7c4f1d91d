# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How run_benchmark.py measures: child processes, their peak memory, and the sandbox in a process of its own.

Why a separate file: these helpers know Linux (/proc, wait4) and nothing about Ansible, so the benchmark
itself stays a readable list of cases and targets.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

USERNAME = "sandbox-user"
PASSWORD = "sandbox-password-not-secret"
SANDBOX_SCRIPT = Path(__file__).resolve().parents[1] / "sandbox" / "messente_sandbox.py"
SANDBOX_LIFETIME = 3 * 3600
SANDBOX_START_TIMEOUT = 60.0
COMMAND_TIMEOUT = 900.0
SAMPLE_SECONDS = 0.02
PSS_EVERY = 5  # smaps_rollup walks every page table, so PSS is read every 5th sample (100 ms)
BULK_CHUNK = 1000


class BenchmarkError(RuntimeError):
    """A run that did not do what it should; its figures would be meaningless."""


@dataclasses.dataclass
class Sample:
    """One measured run. Memory in KiB; cpu is the user+system time of the whole measured process tree;
    load_average is the machine's 1-minute load right after the run, to judge noise from other jobs.
    tree_rss_kb and tree_pss_kb are the largest sums over every process of the tree at one moment (see TreeSampler)."""

    wall: float
    cpu: float
    sandbox_cpu: float
    peak_rss_kb: int | None
    module_rss_kb: int | None = None
    load_average: float | None = None
    controller_rss_kb: int | None = None
    tree_rss_kb: int | None = None
    tree_pss_kb: int | None = None


@dataclasses.dataclass
class TreePeaks:
    """What TreeSampler saw, in KiB: peaks of the module process, the root process and the whole tree."""

    module_kb: int = 0
    controller_kb: int = 0
    tree_rss_kb: int = 0
    tree_pss_kb: int = 0


# -- /proc -----------------------------------------------------------------------------------------------------
def read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def proc_field(name: str, field: str) -> str | None:
    """One ``field: value`` line of /proc/cpuinfo, /proc/meminfo and the like."""
    text = (read_bytes(f"/proc/{name}") or b"").decode(errors="replace")
    return next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith(field)), None)


def _stat_fields(pid: int) -> list[bytes] | None:
    """/proc/PID/stat after the command name, which may itself hold spaces and parentheses."""
    stat = read_bytes(f"/proc/{pid}/stat")
    return stat.rsplit(b")", 1)[1].split() if stat else None


def _pss_kb(pid: int) -> int:
    """Proportional set size: private pages plus each shared page divided by its sharers (0 when the process is gone)."""
    rollup = read_bytes(f"/proc/{pid}/smaps_rollup") or b""
    return next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith(b"Pss:")), 0)


def _memory_kb(pid: int | str) -> dict[str, int] | None:
    """VmRSS and VmHWM (the peak RSS the kernel recorded) of one process."""
    status = read_bytes(f"/proc/{pid}/status")
    if status is None:
        return None
    fields = dict(line.split(b":", 1) for line in status.splitlines() if line.startswith((b"VmRSS", b"VmHWM")))
    return {key.decode(): int(value.split()[0]) for key, value in fields.items()}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, its finished threads included."""
    fields = _stat_fields(pid)
    if fields is None:
        raise BenchmarkError(f"process {pid} is gone")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_own_peak() -> bool:
    """Linux lets a process reset its own VmHWM, which makes in-process peaks comparable run by run."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def own_peak_kb() -> int | None:
    memory = _memory_kb("self")
    return memory.get("VmHWM") if memory else None


class TreeSampler:
    """Follows the processes under one pid and records memory peaks: of the Ansible module processes, of the root
    process (the controller), and of the whole tree.

    Why sampling: wait4 reports only the largest process of a finished tree, and that is the controller.
    /proc/PID/task/*/children is not built into every kernel, so new processes are adopted by parent pid.
    The whole tree is summed at each sample: RSS (counts a page shared by a forked worker and the controller twice)
    and PSS (counts every page once, shared pages split between their sharers), which is the memory the tree uses.
    A peak reached between two samples can be missed; per-process peaks come from the kernel's VmHWM and are exact.
    """

    def __init__(self, root: int) -> None:
        self._root = root
        self._tree = {root}
        self._known: set[int] = set()
        self.peaks = TreePeaks()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tree-sampler", daemon=True)

    def start(self) -> TreeSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        tick = 0
        while not self._stop.wait(SAMPLE_SECONDS):
            self._adopt_new_processes()
            rss = sum(self._sample(pid) for pid in list(self._tree))
            self.peaks.tree_rss_kb = max(self.peaks.tree_rss_kb, rss)
            tick += 1
            if tick % PSS_EVERY == 0:
                self.peaks.tree_pss_kb = max(self.peaks.tree_pss_kb, sum(_pss_kb(pid) for pid in list(self._tree)))

    def _adopt_new_processes(self) -> None:
        fresh: dict[int, int | None] = {}
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) not in self._known:
                self._known.add(int(name))
                fields = _stat_fields(int(name))
                fresh[int(name)] = int(fields[1]) if fields else None
        while True:
            adopted = {pid for pid, parent in fresh.items() if parent in self._tree and pid not in self._tree}
            if not adopted:
                return
            self._tree |= adopted

    def _sample(self, pid: int) -> int:
        """Record one process's peaks; returns its RSS now (0 when it is gone)."""
        memory = _memory_kb(pid)
        if memory is None:
            self._tree.discard(pid)  # gone; a reused pid is already known and is never adopted again
            return 0
        if pid == self._root:
            self.peaks.controller_kb = max(self.peaks.controller_kb, memory.get("VmHWM", 0))
        elif b"AnsiballZ_" in (read_bytes(f"/proc/{pid}/cmdline") or b""):
            self.peaks.module_kb = max(self.peaks.module_kb, memory.get("VmHWM", 0))
        return memory.get("VmRSS", 0)


def _kill_group(pgid: int) -> None:
    """Only the process group this benchmark started, and only after COMMAND_TIMEOUT."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_child(argv: list[str], cwd: Path, env: dict[str, str], log: Path, sample_tree: bool = True) -> tuple[float, resource.struct_rusage, TreePeaks]:
    """Run a command in a fresh child of its own process group; returns wall time, wait4's rusage and the memory peaks.

    wait4 on a fresh child reports the largest RSS and the total CPU time of its whole finished tree.
    """
    with log.open("wb") as output:
        start = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        sampler = TreeSampler(process.pid).start() if sample_tree else None
        watchdog = threading.Timer(COMMAND_TIMEOUT, _kill_group, (process.pid,))
        watchdog.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        watchdog.cancel()
        if sampler:
            sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        tail = log.read_text(errors="replace")[-3000:]
        raise BenchmarkError(f"{' '.join(argv[:4])} ... exited with {process.returncode}:\n{tail}")
    return wall, usage, sampler.peaks if sampler else TreePeaks()


# -- the sandbox -----------------------------------------------------------------------------------------------
class Sandbox:
    """tests/sandbox/messente_sandbox.py in its own process, so its validation work never shares our GIL
    and its CPU time can be read from /proc and reported on its own."""

    def __init__(self, workdir: Path) -> None:
        port_file = workdir / "sandbox.port"
        self._log = (workdir / "sandbox.log").open("wb")
        argv = [sys.executable, str(SANDBOX_SCRIPT), "--port", "0", "--port-file", str(port_file),
                "--username", USERNAME, "--password", PASSWORD, "--max-lifetime", str(SANDBOX_LIFETIME)]
        self.process = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT)
        self.root_url = f"http://127.0.0.1:{self._wait_for_port(port_file)}"
        self.api_url = f"{self.root_url}/v1"
        self._control = requests.Session()

    def _wait_for_port(self, port_file: Path) -> int:
        deadline = time.monotonic() + SANDBOX_START_TIMEOUT
        while time.monotonic() < deadline:
            if port_file.exists():
                return int(port_file.read_text())
            if self.process.poll() is not None:
                raise BenchmarkError(f"the sandbox exited with status {self.process.returncode}")
            time.sleep(0.05)
        raise BenchmarkError(f"the sandbox did not start within {SANDBOX_START_TIMEOUT:.0f} s")

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def reset(self) -> None:
        self._control.post(f"{self.root_url}/_sandbox/reset", timeout=30).raise_for_status()

    def configure(self, **options: object) -> None:
        """Sandbox options such as latency or rate_limit (see tests/sandbox/README.md); they stay until changed."""
        self._control.post(f"{self.root_url}/_sandbox/config", json=options, timeout=30).raise_for_status()

    def stats(self) -> dict:
        """Counts only: cheap with 100,000 messages, where /_sandbox/messages takes seconds."""
        answer = self._control.get(f"{self.root_url}/_sandbox/stats", timeout=30)
        answer.raise_for_status()
        return answer.json()

    def check_count(self, state: str, count: int) -> None:
        """Like check_messages, from the counts alone (for 100,000 messages)."""
        stats = self.stats()
        if stats["messages"] != count or stats["states"].get(state, 0) != count:
            raise BenchmarkError(f"expected {count} {state} message(s) in the sandbox, found {stats}")

    def check_messages(self, state: str, count: int) -> list[dict]:
        """The run must have left exactly ``count`` messages, all in ``state``; else its timing is not comparable."""
        answer = self._control.get(f"{self.root_url}/_sandbox/messages", timeout=60)
        answer.raise_for_status()
        messages = answer.json()
        states = [message["state"] for message in messages]
        if len(states) != count or any(found != state for found in states):
            raise BenchmarkError(f"expected {count} {state} message(s) in the sandbox, found {len(states)}: {sorted(set(states))}")
        return messages

    def stop(self) -> None:
        self._control.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        self._log.close()


def schedule_via_api(api_url: str, omnimessages: list[dict]) -> list[str]:
    """POST the bodies the module would send (one plain call, or bulk chunks) over one session; returns the ids."""
    with requests.Session() as session:
        session.auth = (USERNAME, PASSWORD)
        if len(omnimessages) == 1:
            answers = [_post(session, f"{api_url}/omnimessage", omnimessages[0])]
        else:
            answers = []
            for start in range(0, len(omnimessages), BULK_CHUNK):
                answers += _post(session, f"{api_url}/omnimessages", {"messages": omnimessages[start:start + BULK_CHUNK]})["messages"]
    ids = [answer.get("omnimessage_id") for answer in answers]
    if not all(ids):
        raise BenchmarkError("the sandbox refused some of the benchmark's own messages")
    return ids


def _post(session: requests.Session, url: str, body: dict) -> dict:
    answer = session.post(url, json=body, timeout=120)
    if answer.status_code != 201:
        raise BenchmarkError(f"POST {url} answered {answer.status_code}: {answer.text[:300]}")
    return answer.json()

# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the time of one single-recipient task goes (run_benchmark.py --profile).

Why: a target on a single task (against ansible.builtin.uri or ping) can only be acted on once it is clear
whether the cost is the payload Ansible ships, the imports of the module process, or the controller. So the
exact AnsiballZ files of one ad hoc run each are kept and re-run directly, interleaved, with and without
``python -X importtime``.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
import sys
from pathlib import Path

from measure import BenchmarkError, run_child

UTILS = "ansible_collections.messente.omnichannel.plugins.module_utils"
WATCHED_IMPORTS = (
    "ansible.module_utils.basic", "ansible.module_utils.urls", "requests", "urllib3", "charset_normalizer", "idna",
    "http.cookiejar", "dateutil.parser", "dateutil.tz", "concurrent.futures", "email.utils",
    f"{UTILS}._module", f"{UTILS}._client", f"{UTILS}._time", f"{UTILS}._omnimessage", f"{UTILS}._scheduled_message",
    f"{UTILS}._operations", f"{UTILS}._delivery",
)
IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \| *(\S+)$", re.MULTILINE)


@dataclasses.dataclass
class PayloadProfile:
    """One module's AnsiballZ file, its direct runs (wall, CPU) and its cumulative import times (min over runs)."""

    key: str
    label: str
    adhoc_wall: float
    payload: Path
    runs: list[tuple[float, float]] = dataclasses.field(default_factory=list)
    imports_us: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def wall(self) -> float:
        return statistics.median(run[0] for run in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(run[1] for run in self.runs)

    def summary(self) -> dict:
        return {"key": self.key, "payload_bytes": self.payload.stat().st_size, "module_process_wall_median_s": self.wall,
                "module_process_cpu_median_s": self.cpu, "adhoc_wall_median_s": self.adhoc_wall,
                "rest_of_run_s": self.adhoc_wall - self.wall, "runs": self.runs, "import_cumulative_us_min": self.imports_us}


def keep_payload(workdir: Path, env: dict[str, str], key: str, argv: list[str]) -> Path:
    """Run the ad hoc command once with ANSIBLE_KEEP_REMOTE_FILES and return the AnsiballZ file it ran."""
    remote = workdir / "profile" / key
    keep_env = {**env, "ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_REMOTE_TMP": str(remote)}
    run_child(argv, workdir, keep_env, workdir / "profile.log", sample_tree=False)
    found = sorted(remote.glob("*/AnsiballZ_*.py"))
    if not found:
        raise BenchmarkError(f"no AnsiballZ file was kept for {key}")
    return found[0]


def _run_payload(workdir: Path, env: dict[str, str], profile: PayloadProfile, importtime: bool) -> None:
    argv = [sys.executable, *(["-X", "importtime"] if importtime else []), str(profile.payload)]
    log = workdir / "profile.log"
    wall, usage, _peak = run_child(argv, workdir, env, log, sample_tree=False)
    if not importtime:
        profile.runs.append((wall, usage.ru_utime + usage.ru_stime))
        return
    for cumulative, name in IMPORT_LINE.findall(log.read_text(errors="replace")):
        if name in WATCHED_IMPORTS:
            profile.imports_us[name] = min(profile.imports_us.get(name, int(cumulative)), int(cumulative))


def profile_payloads(workdir: Path, env: dict[str, str], commands: dict[str, tuple[str, list[str], float]],
                     runs: int) -> list[PayloadProfile]:
    """Keep each payload, then run them all directly, interleaved: plain runs for time, importtime runs for imports."""
    profiles = [PayloadProfile(key, label, wall, keep_payload(workdir, env, key, argv)) for key, (label, argv, wall) in commands.items()]
    for index in range(runs):
        shift = index % len(profiles)
        for profile in profiles[shift:] + profiles[:shift]:
            _run_payload(workdir, env, profile, importtime=False)
            _run_payload(workdir, env, profile, importtime=True)
    return profiles


def render_profile(profiles: list[PayloadProfile]) -> str:
    lines = ["| case | AnsiballZ file (KB) | module process wall (ms) | module process CPU (ms) | whole `ansible` run (ms) "
             "| rest: controller, worker fork, connection (ms) |", "|---|---:|---:|---:|---:|---:|"]
    for profile in profiles:
        lines.append(f"| {profile.label} | {profile.payload.stat().st_size / 1024:.0f} | {profile.wall * 1000:.0f} | {profile.cpu * 1000:.0f} "
                     f"| {profile.adhoc_wall * 1000:.0f} | {(profile.adhoc_wall - profile.wall) * 1000:.0f} |")
    lines += ["", "| import (cumulative, min over runs, ms) | " + " | ".join(profile.key for profile in profiles) + " |",
              "|---|" + "---:|" * len(profiles)]
    for name in WATCHED_IMPORTS:
        cells = [f"{profile.imports_us[name] / 1000:.1f}" if name in profile.imports_us else "-" for profile in profiles]
        if any(cell != "-" for cell in cells):
            lines.append(f"| {name.replace(UTILS, 'module_utils')} | " + " | ".join(cells) + " |")
    return "\n".join(lines)

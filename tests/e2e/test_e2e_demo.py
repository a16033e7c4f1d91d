# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make demo`, the README's first command, must show the id, the UTC send time and the cancel, and leave nothing running."""

from __future__ import annotations

import os
import re
import subprocess

from messente_e2e import REPO_ROOT

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def sandbox_processes() -> set[str]:
    listing = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in listing.splitlines() if "tests/sandbox/messente_sandbox.py" in line and "--port-file" in line}


def test_demo_schedules_inspects_cancels_and_cleans_up() -> None:
    before = sandbox_processes()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MESSENTE_", "ANSIBLE_"))}

    demo = subprocess.run(["bash", "tests/utils/demo.sh"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False, timeout=300)

    output = demo.stdout + demo.stderr
    assert demo.returncode == 0, output
    omnimessage_id = re.search(rf"omnimessage_id: +({UUID})", output)
    assert omnimessage_id, output
    assert re.search(r"send time \(UTC\): +\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00", output), output
    assert "schedule result:     Key 'demo-maintenance-notice': 1 scheduled" in output
    assert "cancel result:       Key 'demo-maintenance-notice': 1 cancelled (changed=True)" in output
    assert "state before cancel: scheduled" in output
    assert re.search(rf"POST +/v1/omnimessage +-> 201\n +GET +/v1/omnimessage/{omnimessage_id.group(1)}/status +-> 200\n"
                     rf" +DELETE +/v1/omnimessage/{omnimessage_id.group(1)} +-> 202", output), output
    assert sandbox_processes() <= before, "the demo left its sandbox running"

# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection tarball the packaging tests inspect: the one the test driver built, or one built here.

``make test`` builds the tarball once and names it in MESSENTE_TEST_COLLECTION_TARBALL; a plain
``python -m pytest tests/packaging`` builds it with the ansible-galaxy of the venv pytest runs in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(sys.executable).parent


def run_tool(tool: str, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a CLI of this venv; fail the test with its output when it fails."""
    completed = subprocess.run([str(BIN_DIR / tool), *args], cwd=cwd, env=env, capture_output=True, text=True,
                               check=False, timeout=300)
    assert completed.returncode == 0, f"{tool} {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout


@pytest.fixture(scope="session")
def collection_tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built collection: given by the test driver, or built from the checkout here once."""
    given = os.environ.get("MESSENTE_TEST_COLLECTION_TARBALL")
    if given:
        return Path(given)
    build = tmp_path_factory.mktemp("build")
    run_tool("ansible-galaxy", "collection", "build", "--output-path", str(build), str(REPO_ROOT))
    tarballs = sorted(build.glob("messente-omnichannel-*.tar.gz"))
    assert len(tarballs) == 1, f"expected one collection tarball, found {tarballs}"
    return tarballs[0]

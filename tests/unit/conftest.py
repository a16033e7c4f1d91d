# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make ``ansible_collections.messente.omnichannel`` importable for plain pytest, and share the unit fixtures.

``ansible-test units`` runs from a copy of the tree under ``.../ansible_collections/messente/omnichannel`` with its
own collection loader; there nothing is linked. A bare checkout (repo root == collection root) is linked into a
temporary ``ansible_collections/messente/omnichannel`` that is put on ``sys.path``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from typing import Iterator

import pytest

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENVIRONMENT_OPTIONS = ("MESSENTE_API_USERNAME", "MESSENTE_API_PASSWORD", "MESSENTE_API_URL")


def _collections_base() -> str:
    parts = COLLECTION_ROOT.split(os.sep)
    if len(parts) >= 4 and parts[-3] == "ansible_collections":
        return os.sep.join(parts[:-3])
    base = tempfile.mkdtemp(prefix="messente-unit-collections-")
    os.makedirs(os.path.join(base, "ansible_collections", "messente"))
    os.symlink(COLLECTION_ROOT, os.path.join(base, "ansible_collections", "messente", "omnichannel"))
    atexit.register(shutil.rmtree, base, True)
    return base


def _private_hypothesis_directory() -> None:
    """Hypothesis caches in ./.hypothesis by default; keep that out of the checkout and the test tree."""
    if "HYPOTHESIS_STORAGE_DIRECTORY" not in os.environ:
        directory = tempfile.mkdtemp(prefix="messente-unit-hypothesis-")
        atexit.register(shutil.rmtree, directory, True)
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = directory


COLLECTIONS_BASE = _collections_base()
if COLLECTIONS_BASE not in sys.path:
    sys.path.insert(0, COLLECTIONS_BASE)
_private_hypothesis_directory()

# pylint: disable-next=wrong-import-position
from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import ModuleRunner, ScriptedHTTP  # noqa: E402


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials or an API URL in the developer's environment must not change what a test sees."""
    for name in ENVIRONMENT_OPTIONS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedHTTP]:
    """The only network a test has; at the end every scripted call must have been made, and nothing else."""
    scripted = ScriptedHTTP()
    scripted.install(monkeypatch)
    yield scripted
    scripted.verify()


@pytest.fixture
def run_module(http: ScriptedHTTP, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> ModuleRunner:
    """Run the module's main() against ``http`` with the fixed clock NOW."""
    del http  # requested only so that a module run can never reach a real network
    return ModuleRunner(monkeypatch, capsys)

# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
"""pytest wiring for the sandbox's own tests.

Why: the sandbox is a plain script, not a package, so its directory goes on sys.path here;
that works whatever import mode pytest runs with.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SANDBOX_DIR = str(Path(__file__).resolve().parent)
if SANDBOX_DIR not in sys.path:
    sys.path.insert(0, SANDBOX_DIR)

from messente_sandbox import SandboxServer  # noqa: E402


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """A fresh sandbox per test, so no state leaks between tests."""
    with SandboxServer() as server:
        yield server

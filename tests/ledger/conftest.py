# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""pytest wiring for the ledger backend suite: one test, two backends (SQLite file, real PostgreSQL server).

The collection is made importable as ``ansible_collections.messente.omnichannel`` the way tests/unit/conftest.py
does it. The PostgreSQL server is started once per session by tests/utils/postgres_server.py, only when a
PostgreSQL test runs, and stopped at the end even when tests fail; every test gets a database of its own.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import sys
import tempfile
from typing import Any, Callable, Iterator

import pytest

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BACKENDS = ("sqlite", "postgresql")


def _collections_base() -> str:
    parts = COLLECTION_ROOT.split(os.sep)
    if len(parts) >= 4 and parts[-3] == "ansible_collections":
        return os.sep.join(parts[:-3])
    base = tempfile.mkdtemp(prefix="messente-ledger-collections-")
    os.makedirs(os.path.join(base, "ansible_collections", "messente"))
    os.symlink(COLLECTION_ROOT, os.path.join(base, "ansible_collections", "messente", "omnichannel"))
    atexit.register(shutil.rmtree, base, True)
    return base


COLLECTIONS_BASE = _collections_base()
if COLLECTIONS_BASE not in sys.path:
    sys.path.insert(0, COLLECTIONS_BASE)

# pylint: disable-next=wrong-import-position
from ansible_collections.messente.omnichannel.plugins.module_utils._ledger import Ledger, open_ledger  # noqa: E402
# pylint: disable-next=wrong-import-position
from ansible_collections.messente.omnichannel.tests.ledger.ledger_sql import RawDatabase, create_database  # noqa: E402
# pylint: disable-next=wrong-import-position
from ansible_collections.messente.omnichannel.tests.utils.postgres_server import PostgresServer  # noqa: E402


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """libpq settings in the developer's environment (PGPASSWORD, PGHOST, ...) must not change what a test sees."""
    for name in [name for name in os.environ if name.startswith("PG")]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the session, stopped at its end whatever the tests did."""
    with PostgresServer() as server:
        yield server


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend under test; every test that uses it runs once per backend."""
    return str(request.param)


@pytest.fixture
def new_location(backend: str, request: pytest.FixtureRequest, tmp_path: Any) -> Callable[[], str]:
    """Makes ledger locations nobody has used yet: new file paths, or URLs of new databases."""
    numbers = itertools.count(1)

    def make() -> str:
        if backend == "sqlite":
            return str(tmp_path / f"ledger-{next(numbers)}" / "ledger.sqlite3")
        server: PostgresServer = request.getfixturevalue("postgres_server")
        return server.url(database=create_database(server))
    return make


@pytest.fixture
def location(new_location: Callable[[], str]) -> str:
    """A ledger location nobody has used yet."""
    return new_location()


@pytest.fixture
def ledger(location: str) -> Iterator[Ledger]:
    """An open ledger at ``location``, closed after the test."""
    with open_ledger(location) as opened:
        yield opened


@pytest.fixture
def raw(backend: str, location: str, ledger: Ledger) -> RawDatabase:
    """Direct SQL on the database of ``ledger`` (opened first, so the schema exists)."""
    del ledger
    return RawDatabase(backend, location)

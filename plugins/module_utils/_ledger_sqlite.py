# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The ledger in a SQLite file (Python's standard library), for one controller.

PRIVATE to the messente.omnichannel collection: not a public API, it may change in any release.

The file is created with mode 0600 in directories created with mode 0700, before SQLite opens it (SQLite then gives
its -wal and -shm files the same mode). WAL mode lets readers work while one writer writes; ``BEGIN IMMEDIATE``
takes the write lock at the start of every write transaction, so concurrent forks queue (for up to
``BUSY_TIMEOUT_SECONDS``) instead of failing half-way. The default (FULL) synchronous mode is kept: a claim must be
on disk before the POST it protects.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from ansible_collections.messente.omnichannel.plugins.module_utils._ledger import Ledger, LedgerError

BUSY_TIMEOUT_SECONDS = 30.0
WAL_RETRY_SECONDS = 0.05
DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
# INSERT ... ON CONFLICT DO NOTHING, shared with PostgreSQL, needs SQLite 3.24 (2018).
MINIMUM_SQLITE = (3, 24, 0)


def make_private_directories(directory: str) -> None:
    """Create the missing directories of ``directory`` with mode 0700; existing ones are left as they are."""
    missing = []
    while directory and not os.path.isdir(directory):
        missing.append(directory)
        directory = os.path.dirname(directory)
    for path in reversed(missing):
        try:
            os.mkdir(path, DIRECTORY_MODE)
        except FileExistsError:
            if not os.path.isdir(path):  # another process may have created it first; a file in the way fails
                raise


def create_private_file(path: str) -> None:
    """Make sure the ledger file exists, created 0600 by us rather than with SQLite's umask-based mode."""
    make_private_directories(os.path.dirname(path))
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    os.close(descriptor)


def enable_wal(connection: sqlite3.Connection) -> None:
    """Switch the file to WAL mode (it stays so). Openers of a new file that race here may get "database is locked"
    at once, without SQLite's busy handler, so try again until the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(WAL_RETRY_SECONDS)


class SQLiteLedger(Ledger):
    """The ledger in one SQLite file; safe for the forks and threads of one or several processes on one host."""

    _driver_errors = (sqlite3.Error, OSError)

    def __init__(self, location: str, read_only: bool = False) -> None:
        super().__init__(location, read_only)
        self.path = self.description
        self._connection: sqlite3.Connection | None = None
        if sqlite3.sqlite_version_info < MINIMUM_SQLITE:
            raise LedgerError(f"The ledger {self.path} needs SQLite {'.'.join(map(str, MINIMUM_SQLITE))} or newer; "
                              f"this Python has SQLite {sqlite3.sqlite_version}")
        if read_only and not os.path.exists(self.path):
            self._empty = True  # nothing was ever stored, and reading must not create the file
            return
        with self._failures("open"):
            if not read_only:
                create_private_file(self.path)
            self._connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                               check_same_thread=False)
            enable_wal(self._connection)
        try:
            self._prepare()
        except LedgerError:
            self.close()
            raise

    def close(self) -> None:
        """Close the file; the last connection also checkpoints and removes the -wal and -shm files."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[sqlite3.Cursor]:
        if self._connection is None:
            raise sqlite3.ProgrammingError("the ledger is closed")
        cursor = self._connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield cursor
            cursor.execute("COMMIT")
        except BaseException:
            if self._connection.in_transaction:
                self._connection.execute("ROLLBACK")
            raise
        finally:
            cursor.close()

    def _each(self, cursor: Any, statement: str, rows: Sequence[tuple]) -> list[bool]:
        # In-process: one execute per row inside the transaction costs no round trip, and gives each row's count.
        return [cursor.execute(statement, row).rowcount > 0 for row in rows]

    def _table_exists(self, cursor: Any, name: str) -> bool:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return cursor.fetchone() is not None

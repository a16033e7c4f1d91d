# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The ledger in a shared PostgreSQL database (psycopg 3), for teams, several controllers and AWX jobs.

PRIVATE to the messente.omnichannel collection: not a public API, it may change in any release.

The URL is handed to libpq unchanged, so every libpq URL form works (several hosts, ``?sslmode=``, ...) and the
password comes from the URL, ``PGPASSWORD`` or ``~/.pgpass`` as libpq decides. The tables live in their own schema
(``messente`` by default), always named with it, so the ledger neither depends on nor changes ``search_path``.
Migrations run under a transaction-scoped advisory lock, so controllers that open a new database at the same moment
create the schema once. Batches go through psycopg's pipelined ``executemany``: no round trip per row.

Permissions the database user needs (CONNECT on the database is assumed, PUBLIC has it by default):

* simplest: CREATE on the database; the first run creates the schema ``messente`` and its tables, later runs (and
  later collection releases) migrate them;
* or a schema created beforehand, e.g. ``CREATE SCHEMA messente AUTHORIZATION ansible``: then no database-level
  privilege is needed, the owner creates and migrates the tables;
* or fully locked down, once the tables exist (created by a first run as the schema owner):
  ``GRANT USAGE ON SCHEMA messente TO ansible; GRANT SELECT, INSERT, UPDATE, DELETE ON messente.entries TO ansible;
  GRANT SELECT, UPDATE ON messente.meta TO ansible`` (a collection release with a newer schema then fails clearly
  until the owner opens the ledger once).
"""

from __future__ import annotations

import hashlib
import re
import traceback
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from ansible_collections.messente.omnichannel.plugins.module_utils._ledger import (
    LEDGER_OPTION, Ledger, LedgerError, LedgerLibraryMissing, url_scheme, url_secrets)

try:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict
except ImportError:
    HAS_PSYCOPG = False
    PSYCOPG_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_PSYCOPG = True
    PSYCOPG_IMPORT_ERROR = None

CONNECT_TIMEOUT_SECONDS = 5
LOCK_TIMEOUT = "30s"
SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# SQLSTATEs of a transaction that PostgreSQL rolled back and that may succeed when tried again.
RETRYABLE_STATES = frozenset(("40001", "40P01"))  # serialization_failure, deadlock_detected
INSUFFICIENT_PRIVILEGE = "42501"
PRIVILEGE_HINT = (
    "the database user needs CREATE on the database for the first run (or a schema {schema} it owns), "
    "or USAGE on schema {schema} plus SELECT, INSERT, UPDATE, DELETE on {schema}.entries and SELECT, UPDATE on "
    "{schema}.meta"
)


def advisory_lock_key(schema: str) -> int:
    """A stable 64-bit lock id per ledger schema, the same on every controller."""
    digest = hashlib.sha256(f"messente.omnichannel ledger {schema}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLedger(Ledger):
    """The ledger in the schema ``schema`` of a PostgreSQL database; safe across processes and machines."""

    _placeholder = "%s"

    def __init__(self, location: str, schema: str = "messente", read_only: bool = False) -> None:
        super().__init__(location, read_only)
        if not HAS_PSYCOPG:
            raise LedgerLibraryMissing("psycopg", PSYCOPG_IMPORT_ERROR, location)
        if not isinstance(schema, str) or not SCHEMA_NAME.match(schema):
            raise LedgerError(f"The PostgreSQL schema of the ledger {self.description} must be a lower-case "
                              f"identifier (letters, digits, _), got {schema!r}")
        self.schema = schema
        self._schema_prefix = f'"{schema}".'
        self._driver_errors = (psycopg.Error,)
        self._secrets = url_secrets(location)
        self._connection: Any = None
        conninfo = f"{url_scheme(location)}://{location.partition('://')[2]}"  # libpq wants the scheme in lower case
        with self._failures("open"):
            self._connection = psycopg.connect(conninfo, autocommit=True, **self._connect_defaults(conninfo))
        try:
            self._prepare()
        except LedgerError:
            self.close()
            raise

    @staticmethod
    def _connect_defaults(location: str) -> dict[str, Any]:
        """A short connect timeout unless the URL sets one, so an unreachable server fails in seconds."""
        given = conninfo_to_dict(location)
        return {} if given.get("connect_timeout") else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}

    def close(self) -> None:
        """Close the connection (an open transaction is rolled back by the server)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _reason(self, error: BaseException) -> str:
        reason = super()._reason(error)
        if getattr(error, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
            reason += f" ({PRIVILEGE_HINT.format(schema=self.schema)}; see the option {LEDGER_OPTION} in the guide)"
        return reason

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Any]:
        if self._connection is None:
            raise psycopg.InterfaceError("the ledger is closed")
        with self._connection.transaction(), self._connection.cursor() as cursor:
            if write:  # a lock held by a vanished client must not stall a run for ever
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            yield cursor

    def _each(self, cursor: Any, statement: str, rows: Sequence[tuple]) -> list[bool]:
        if not rows:
            return []
        cursor.executemany(statement, rows, returning=True)
        changed = [cursor.rowcount > 0]
        while cursor.nextset():
            changed.append(cursor.rowcount > 0)
        return changed

    def _table_exists(self, cursor: Any, name: str) -> bool:
        cursor.execute("SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = %s AND tablename = %s",
                       (self.schema, name))
        return cursor.fetchone() is not None

    def _prepare_schema(self, cursor: Any) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_lock_key(self.schema),))
        cursor.execute("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", (self.schema,))
        if cursor.fetchone() is None:  # CREATE SCHEMA IF NOT EXISTS would need CREATE even when it exists
            cursor.execute(f'CREATE SCHEMA "{self.schema}"')

    def _retryable(self, error: BaseException) -> bool:
        return getattr(error, "sqlstate", None) in RETRYABLE_STATES

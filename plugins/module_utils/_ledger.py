# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The ledger: what this collection scheduled per (API username, API host, key, recipient), because Messente cannot
list messages.

PRIVATE to the messente.omnichannel collection: not a public API, it may change in any release.

One interface (``Ledger``), two backends: a SQLite file (``_ledger_sqlite``) and a shared PostgreSQL database
(``_ledger_postgres``), chosen by ``open_ledger(location)``. Both run the same SQL, so they keep the same schema
version and the same guarantees. Every write is one transaction, and a claim wins only through the table's unique key
(INSERT) or a compare-and-swap on the row's version (UPDATE): never read-then-write, so two runs on two machines can
never both win the same recipient. The API password is never stored, nor anything derived from it; every error
message names the ledger through ``describe_location`` and carries no database password.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence, TypeVar
from urllib.parse import parse_qsl, unquote, urlencode

SCHEMA_VERSION = 1
LEDGER_OPTION = "ledger"
POSTGRES_SCHEMES = ("postgresql", "postgres")
SECRET_URL_PARAMETERS = ("password", "sslpassword")
REDACTED = "********"
TRANSACTION_ATTEMPTS = 3
DEFAULT_POLL_SECONDS = 0.2

# Every statement is written once for both backends: "?" placeholders and a {schema} prefix for the table names
# (empty for SQLite, the quoted schema name plus a dot for PostgreSQL).
ENTRY_COLUMNS = ("recipient", "body", "omnimessage_id", "state", "owner", "lease_until", "version", "updated_at",
                 "prev_body", "prev_omnimessage_id", "prev_state")
SCOPE = "api_user = ? AND api_host = ? AND entry_key = ?"
MIGRATIONS = (
    (1, (
        "CREATE TABLE {schema}meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        "INSERT INTO {schema}meta (name, value) VALUES ('schema_version', 0)",
        "CREATE TABLE {schema}entries ("
        " api_user TEXT NOT NULL, api_host TEXT NOT NULL, entry_key TEXT NOT NULL, recipient TEXT NOT NULL,"
        " body TEXT NOT NULL, omnimessage_id TEXT,"
        " state TEXT NOT NULL CHECK (state IN ('pending', 'scheduled', 'uncertain')),"
        " owner TEXT, lease_until DOUBLE PRECISION, version BIGINT NOT NULL, updated_at DOUBLE PRECISION NOT NULL,"
        " prev_body TEXT, prev_omnimessage_id TEXT,"
        " prev_state TEXT CHECK (prev_state IN ('scheduled', 'uncertain')),"
        " PRIMARY KEY (api_user, api_host, entry_key, recipient))",
    )),
)
READ_SCHEMA_VERSION = "SELECT value FROM {schema}meta WHERE name = 'schema_version'"
WRITE_SCHEMA_VERSION = "UPDATE {schema}meta SET value = ? WHERE name = 'schema_version'"
# Opening proves the ledger writable and every privilege the operations need, before any request to Messente.
WRITE_PROBES = (
    "UPDATE {schema}meta SET value = value WHERE name = 'schema_version'",
    "INSERT INTO {schema}entries SELECT * FROM {schema}entries WHERE 1 = 0",
    "UPDATE {schema}entries SET version = version WHERE 1 = 0",
    "DELETE FROM {schema}entries WHERE 1 = 0",
)
SELECT_ENTRIES = f"SELECT {', '.join(ENTRY_COLUMNS)} FROM {{schema}}entries WHERE {SCOPE}"
CLAIM_NEW = (
    "INSERT INTO {schema}entries (api_user, api_host, entry_key, recipient, body, state, owner, lease_until,"
    " version, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, 1, ?)"
    " ON CONFLICT (api_user, api_host, entry_key, recipient) DO NOTHING"
)
# A pending row can only be claimed again once its claim is dead, so its content is kept as 'uncertain'.
CLAIM_EXISTING = (
    "UPDATE {schema}entries SET prev_body = body, prev_omnimessage_id = omnimessage_id,"
    " prev_state = CASE WHEN state = 'pending' THEN 'uncertain' ELSE state END,"
    " body = ?, omnimessage_id = NULL, state = 'pending', owner = ?, lease_until = ?, version = version + 1,"
    f" updated_at = ? WHERE {SCOPE} AND recipient = ? AND version = ?"
)
OWNED_PENDING = f"{SCOPE} AND recipient = ? AND owner = ? AND state = 'pending'"
RECORD_SCHEDULED = (
    "UPDATE {schema}entries SET state = 'scheduled', omnimessage_id = ?, owner = NULL, lease_until = NULL,"
    " prev_body = NULL, prev_omnimessage_id = NULL, prev_state = NULL, version = version + 1, updated_at = ?"
    f" WHERE {OWNED_PENDING}"
)
RESTORE_PREVIOUS = (
    "UPDATE {schema}entries SET body = prev_body, omnimessage_id = prev_omnimessage_id, state = prev_state,"
    " owner = NULL, lease_until = NULL, prev_body = NULL, prev_omnimessage_id = NULL, prev_state = NULL,"
    f" version = version + 1, updated_at = ? WHERE {OWNED_PENDING} AND prev_state IS NOT NULL"
)
DELETE_CLAIMED = f"DELETE FROM {{schema}}entries WHERE {OWNED_PENDING}"
MARK_UNCERTAIN = (
    "UPDATE {schema}entries SET state = 'uncertain', lease_until = NULL, version = version + 1, updated_at = ?"
    f" WHERE {OWNED_PENDING}"
)
FORGET = f"DELETE FROM {{schema}}entries WHERE {SCOPE} AND recipient = ? AND version = ?"

Result = TypeVar("Result")


class LedgerError(Exception):
    """The ledger could not be opened, read or written; the message names it and carries no password."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LedgerLibraryMissing(LedgerError):
    """A PostgreSQL ledger needs psycopg; the module turns this into ``missing_required_lib(library)``."""

    def __init__(self, library: str, import_traceback: str | None, location: str) -> None:
        super().__init__(f"The ledger {describe_location(location)} needs the Python library {library} "
                         f"(pip install 'psycopg[binary]') on the host that runs the module")
        self.library = library
        self.traceback = import_traceback


@dataclass(frozen=True)
class Identity:
    """Whose messages an entry belongs to: the Messente API username and host, never the password."""

    api_user: str
    api_host: str


@dataclass(frozen=True)
class Claim:
    """One recipient to claim: ``expected_version`` None means "no row may exist", an int "the row is still at it"."""

    recipient: str
    body: str
    expected_version: int | None


@dataclass
class Entry:
    """One recipient's ledger row; ``prev_*`` keep the content a pending claim replaced, for ``release``."""

    recipient: str
    body: str
    omnimessage_id: str | None
    state: str
    owner: str | None
    lease_until: float | None
    version: int
    updated_at: float
    prev_body: str | None = None
    prev_omnimessage_id: str | None = None
    prev_state: str | None = None

    def claim_alive(self, now: float, hostname: str | None = None) -> bool:
        """Whether a running task still holds this entry; a dead pending claim means a gone run may have sent it."""
        if self.state != "pending" or self.lease_until is None or self.lease_until <= now:
            return False
        owner = parse_owner(self.owner)
        if owner is None or owner[0] != (hostname or socket.gethostname()):
            return True  # another host (or an unreadable token): only the lease can tell
        return pid_alive(owner[1])


def new_owner_token() -> str:
    """A claim token unique to this run that still tells which host and process hold the claim."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(8)}"


def parse_owner(owner: str | None) -> tuple[str, int] | None:
    """(hostname, pid) of a token made by ``new_owner_token``, or None when it is not one."""
    parts = (owner or "").rsplit(":", 2)
    if len(parts) != 3 or not parts[0] or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1])


def pid_alive(pid: int) -> bool:
    """Whether a process of this host exists; one we may not signal (PermissionError) exists too."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_postgres_url(location: str) -> bool:
    """Whether ``location`` names a PostgreSQL ledger rather than a SQLite file."""
    return url_scheme(location) in POSTGRES_SCHEMES


def url_scheme(location: str) -> str | None:
    """The scheme of a URL-shaped location (``mysql`` of ``mysql://...``), None for a file path."""
    scheme, separator, _rest = location.partition("://")
    if separator and scheme and scheme[0].isalpha() and all(c.isalnum() or c in "+.-" for c in scheme):
        return scheme.lower()
    return None


def split_url(location: str) -> tuple[str, str, str, str, str]:
    """(scheme, userinfo, hosts, database, query) of a URL, tolerant of every libpq form (several hosts, [::1])."""
    scheme, rest = location.partition("://")[0], location.partition("://")[2].partition("#")[0]
    rest, query = rest.partition("?")[0], rest.partition("?")[2]
    authority, database = rest.partition("/")[0], rest.partition("/")[2]
    userinfo, hosts = authority.rpartition("@")[0], authority.rpartition("@")[2]
    return scheme.lower(), userinfo, hosts, database, query


def describe_location(location: Any) -> str:
    """The ledger as messages show it: the absolute path, or the URL without any password."""
    if not isinstance(location, str) or not location:
        return repr(location)
    scheme = url_scheme(location)
    if scheme is None:
        return os.path.abspath(os.path.expanduser(location))
    if scheme not in POSTGRES_SCHEMES:
        return f"{scheme}://..."
    scheme, userinfo, hosts, database, query = split_url(location)
    user = unquote(userinfo.partition(":")[0])
    kept = [(name, value) for name, value in parse_qsl(query, keep_blank_values=True)
            if name not in SECRET_URL_PARAMETERS]
    suffix = f"?{urlencode(kept)}" if kept else ""
    return f"{scheme}://{user + '@' if user else ''}{hosts}/{database}{suffix}"


def url_secrets(location: str) -> list[str]:
    """Every password a PostgreSQL URL or PGPASSWORD carries, in each spelling an error message might echo."""
    _scheme, userinfo, _hosts, _database, query = split_url(location)
    found = [userinfo.partition(":")[2]]
    found += [value for name, value in parse_qsl(query, keep_blank_values=True) if name in SECRET_URL_PARAMETERS]
    found += [os.environ.get("PGPASSWORD", "")]
    spellings = {spelling for secret in found for spelling in (secret, unquote(secret)) if spelling}
    return sorted(spellings, key=len, reverse=True)


def scrub(text: str, secret_values: Sequence[str]) -> str:
    """``text`` with every secret replaced, longest first so that no fragment of one survives."""
    for secret in secret_values:
        text = text.replace(secret, REDACTED)
    return text


class Ledger:
    """What the collection remembers per (identity, key, recipient). All writes are single transactions.

    A backend supplies the connection (``_transaction``, ``_each``, ``_table_exists``, ``_prepare_schema``,
    ``close``) and ``_schema_prefix``/``_placeholder``/``_driver_errors``; the operations themselves live here, once.
    """

    _schema_prefix = ""
    _placeholder = "?"
    _driver_errors: tuple = ()

    def __init__(self, location: str, read_only: bool = False) -> None:
        self.location = location
        self.description = describe_location(location)
        self.read_only = read_only
        self._empty = False  # a read-only ledger that does not exist yet: it holds nothing
        self._secrets: list[str] = []
        self._lock = threading.Lock()

    # -- the interface ---------------------------------------------------------------------------------------

    def entries(self, identity: Identity, key: str) -> dict[str, Entry]:
        """Every recipient's row of one key, read in one statement so the picture is consistent."""
        if self._empty:
            return {}

        def read(cursor: Any) -> dict[str, Entry]:
            cursor.execute(self._sql(SELECT_ENTRIES), (identity.api_user, identity.api_host, key))
            return {row[0]: Entry(*row) for row in cursor.fetchall()}
        return self._run("read", read, write=False)

    def claim(self, identity: Identity, key: str, claims: Sequence[Claim], owner: str,
              lease_seconds: float) -> list[bool]:
        """Take recipients before POSTing to them, atomically: True where this run won and may send."""
        now = time.time()
        scope = (identity.api_user, identity.api_host, key)
        new = [index for index, claim in enumerate(claims) if claim.expected_version is None]
        existing = [index for index, claim in enumerate(claims) if claim.expected_version is not None]
        new_rows = [(*scope, claims[i].recipient, claims[i].body, owner, now + lease_seconds, now) for i in new]
        existing_rows = [(claims[i].body, owner, now + lease_seconds, now, *scope, claims[i].recipient,
                          claims[i].expected_version) for i in existing]

        def write(cursor: Any) -> list[bool]:
            won = [False] * len(claims)
            outcomes = self._each_in_order(cursor, CLAIM_NEW, new_rows, [claims[i].recipient for i in new])
            outcomes += self._each_in_order(cursor, CLAIM_EXISTING, existing_rows,
                                            [claims[i].recipient for i in existing])
            for index, outcome in zip(new + existing, outcomes):
                won[index] = outcome
            return won
        return self._run("claim entries in", write)

    def record_scheduled(self, identity: Identity, key: str, items: Sequence[tuple[str, str]],
                         owner: str) -> list[bool]:
        """Messente accepted the POST: keep its id. False where the claim was no longer this owner's."""
        now = time.time()
        rows = [(omnimessage_id, now, identity.api_user, identity.api_host, key, recipient, owner)
                for recipient, omnimessage_id in items]
        return self._run("record scheduled messages in", lambda cursor: self._each_in_order(
            cursor, RECORD_SCHEDULED, rows, [recipient for recipient, _id in items]))

    def release(self, identity: Identity, key: str, recipients: Sequence[str], owner: str,
                restore: bool) -> list[bool]:
        """Undo claims whose POST provably never happened: back to the previous content, or gone."""
        now = time.time()
        scope = (identity.api_user, identity.api_host, key)

        def write(cursor: Any) -> list[bool]:
            restored = [False] * len(recipients)
            if restore:
                restored = self._each_in_order(cursor, RESTORE_PREVIOUS,
                                               [(now, *scope, recipient, owner) for recipient in recipients],
                                               recipients)
            deleted = self._each_in_order(cursor, DELETE_CLAIMED,
                                          [(*scope, recipient, owner) for recipient in recipients], recipients)
            return [was_restored or was_deleted for was_restored, was_deleted in zip(restored, deleted)]
        return self._run("release claims in", write)

    def mark_uncertain(self, identity: Identity, key: str, recipients: Sequence[str], owner: str) -> list[bool]:
        """The run ends without knowing whether Messente processed the POST: later runs must not resend blindly."""
        now = time.time()
        rows = [(now, identity.api_user, identity.api_host, key, recipient, owner) for recipient in recipients]
        return self._run("mark entries uncertain in", lambda cursor: self._each_in_order(
            cursor, MARK_UNCERTAIN, rows, recipients))

    def forget(self, identity: Identity, key: str, recipients_with_versions: Sequence[tuple[str, int]]) -> list[bool]:
        """Drop rows whose message was cancelled, only if nobody changed them since they were read."""
        rows = [(identity.api_user, identity.api_host, key, recipient, version)
                for recipient, version in recipients_with_versions]
        return self._run("forget entries in", lambda cursor: self._each_in_order(
            cursor, FORGET, rows, [recipient for recipient, _version in recipients_with_versions]))

    def close(self) -> None:
        """Release the connection; the backend closes it."""
        raise NotImplementedError

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- shared machinery ------------------------------------------------------------------------------------

    def _sql(self, statement: str) -> str:
        return statement.format(schema=self._schema_prefix).replace("?", self._placeholder)

    def _each_in_order(self, cursor: Any, statement: str, rows: Sequence[tuple],
                       recipients: Sequence[str]) -> list[bool]:
        """``_each`` in recipient order, so concurrent transactions lock rows in one order; results in the caller's."""
        order = sorted(range(len(rows)), key=recipients.__getitem__)
        outcomes = self._each(cursor, self._sql(statement), [rows[index] for index in order])
        results = [False] * len(rows)
        for index, outcome in zip(order, outcomes):
            results[index] = outcome
        return results

    @contextmanager
    def _failures(self, action: str) -> Iterator[None]:
        """Turn driver and OS errors into a LedgerError that names the ledger and never a password."""
        try:
            yield
        except self._driver_errors as error:  # pylint: disable=catching-non-exception
            raise LedgerError(f"Cannot {action} the ledger {self.description}: {self._reason(error)}") from None

    def _reason(self, error: BaseException) -> str:
        """The error in words, scrubbed of secrets."""
        if isinstance(error, OSError) and error.strerror:
            text = f"{error.strerror} ({error.filename})" if error.filename else error.strerror
        else:
            text = " ".join(str(error).split()) or type(error).__name__
        return scrub(text, self._secrets)

    def _run(self, action: str, work: Callable[[Any], Result], write: bool = True) -> Result:
        """One transaction around ``work``; a backend may ask to run it again after a deadlock (rolled back)."""
        if write and self.read_only:
            raise LedgerError(f"Cannot {action} the ledger {self.description}: it was opened read-only (check mode or a read)")
        attempt = 1
        with self._lock, self._failures(action):
            while True:
                try:
                    with self._transaction(write) as cursor:
                        return work(cursor)
                except self._driver_errors as error:  # pylint: disable=catching-non-exception
                    if attempt >= TRANSACTION_ATTEMPTS or not self._retryable(error):
                        raise
                    attempt += 1

    def _prepare(self) -> None:
        """Make the ledger usable: migrate it (and prove it writable), or, read-only, only check what it holds."""
        if self.read_only:
            self._empty = self._run("read", self._readable_version, write=False) == 0
        else:
            self._migrate()

    def _readable_version(self, cursor: Any) -> int:
        """The schema version, refusing one newer than this code knows: its rows could mean something else."""
        current = self._schema_version(cursor)
        if current > SCHEMA_VERSION:
            raise LedgerError(
                f"The ledger {self.description} has schema version {current}, newer than version {SCHEMA_VERSION} that "
                f"this release of messente.omnichannel knows: upgrade the collection, or point the option {LEDGER_OPTION} "
                "at another ledger")
        return current

    def _migrate(self) -> None:
        """Create or upgrade the schema and prove the ledger writable, in one write transaction."""
        def migrate(cursor: Any) -> None:
            self._prepare_schema(cursor)
            current = self._readable_version(cursor)
            for version, statements in MIGRATIONS:
                if version > current:
                    for statement in statements:
                        cursor.execute(self._sql(statement))
                    cursor.execute(self._sql(WRITE_SCHEMA_VERSION), (version,))
            for probe in WRITE_PROBES:
                cursor.execute(self._sql(probe))
        self._run("open", migrate)

    def _schema_version(self, cursor: Any) -> int:
        if not self._table_exists(cursor, "meta"):
            return 0
        cursor.execute(self._sql(READ_SCHEMA_VERSION))
        row = cursor.fetchone()
        return int(row[0]) if row else 0

    # -- backend hooks ---------------------------------------------------------------------------------------

    def _transaction(self, write: bool) -> Any:
        """A context manager: one transaction (a write one when ``write``) yielding a cursor."""
        raise NotImplementedError

    def _each(self, cursor: Any, statement: str, rows: Sequence[tuple]) -> list[bool]:
        """Run ``statement`` once per row, batched where the backend can; True where it changed a row."""
        raise NotImplementedError

    def _table_exists(self, cursor: Any, name: str) -> bool:
        """Whether a ledger table exists, checked without needing any privilege on it."""
        raise NotImplementedError

    def _prepare_schema(self, cursor: Any) -> None:
        """Serialize migrations and create the backend's namespace; nothing to do where the file is the namespace."""

    def _retryable(self, error: BaseException) -> bool:
        """Whether a failed transaction was rolled back for a reason that trying again can cure."""
        del error
        return False


def check_location(location: Any) -> str:
    """The location as a str, or a LedgerError naming the option and the rule."""
    if not isinstance(location, str) or not location.strip():
        raise LedgerError(f"The option {LEDGER_OPTION} must be a file path (SQLite) or a postgresql:// URL, "
                          f"got {type(location).__name__} {describe_location(location)}")
    scheme = url_scheme(location)
    if scheme is not None and scheme not in POSTGRES_SCHEMES:
        raise LedgerError(f"The option {LEDGER_OPTION} must be a file path (SQLite) or a postgresql:// "
                          f"(or postgres://) URL; the scheme {scheme}:// is not supported")
    return location


def open_ledger(location: Any, postgres_schema: str = "messente", read_only: bool = False) -> Ledger:
    """Open (creating or migrating) the ledger at a file path or a PostgreSQL URL; fails before any API request.

    ``read_only`` (check mode, the info module) creates and migrates nothing: a ledger that does not exist yet reads
    as empty, and every write fails.
    """
    location = check_location(location)
    if is_postgres_url(location):
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.messente.omnichannel.plugins.module_utils._ledger_postgres import PostgresLedger
        return PostgresLedger(location, postgres_schema, read_only)
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.messente.omnichannel.plugins.module_utils._ledger_sqlite import SQLiteLedger
    return SQLiteLedger(location, read_only)


def wait_for_claims(ledger: Ledger, identity: Identity, key: str, recipients: Sequence[str], timeout: float,
                    poll: float = DEFAULT_POLL_SECONDS, clock: Callable[[], float] = time.time,
                    sleep: Callable[[float], None] = time.sleep, hostname: str | None = None) -> dict[str, Entry]:
    """Wait (at most ``timeout`` seconds) until no live claim of another task holds these recipients.

    Returns the last read of the key; the caller decides what a still-held or dead claim means.
    """
    hostname = hostname or socket.gethostname()
    deadline = clock() + timeout
    while True:
        current = ledger.entries(identity, key)
        now = clock()
        held = any(recipient in current and current[recipient].claim_alive(now, hostname)
                   for recipient in recipients)
        if not held or now >= deadline:
            return current
        sleep(max(0.0, min(poll, deadline - now)))

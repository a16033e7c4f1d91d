# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ledger's contract, run against both backends: a SQLite file and a real PostgreSQL server.

Tests that take the ``ledger``/``location``/``raw`` fixtures run once per backend; the few that only make sense
for one backend (file modes, connection failures) say so in their name.
"""

from __future__ import annotations

import multiprocessing
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import psycopg
import pytest

from ansible_collections.messente.omnichannel.plugins.module_utils import _ledger, _ledger_postgres
from ansible_collections.messente.omnichannel.plugins.module_utils._ledger import (
    SCHEMA_VERSION, Claim, Entry, Identity, Ledger, LedgerError, LedgerLibraryMissing, describe_location,
    new_owner_token, open_ledger, wait_for_claims)
from ansible_collections.messente.omnichannel.tests.ledger.ledger_sql import RawDatabase, create_database
from ansible_collections.messente.omnichannel.tests.utils.postgres_server import PostgresServer, free_loopback_port, pid_running

ALICE = Identity("alice", "api.messente.com")
KEY = "maintenance-2030-06-22-payments"
LEASE = 600.0
HOST = socket.gethostname()
PROCESSES = 8
DB_PASSWORD = "Pg-Secret-7f3a9c1e-do-not-print"
API_PASSWORD = "Api-Secret-0b4d2e8f-never-stored"


def live_owner(tag: str = "") -> str:
    """A claim token of this very test process: alive while the lease runs."""
    return f"{HOST}:{os.getpid()}:{tag or os.urandom(4).hex()}"


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def scheduled(ledger: Ledger, recipient: str, omnimessage_id: str, body: str = "body-1", key: str = KEY) -> Entry:
    """Put one recipient in the scheduled state through the API, as a successful run would."""
    owner = new_owner_token()
    assert ledger.claim(ALICE, key, [Claim(recipient, body, None)], owner, LEASE) == [True]
    assert ledger.record_scheduled(ALICE, key, [(recipient, omnimessage_id)], owner) == [True]
    return ledger.entries(ALICE, key)[recipient]


# -- opening, schema, migrations ---------------------------------------------------------------------------------

def test_open_creates_schema_at_current_version(raw: RawDatabase) -> None:
    assert raw.execute("SELECT name, value FROM {schema}meta") == [("schema_version", SCHEMA_VERSION)]
    assert raw.execute("SELECT COUNT(*) FROM {schema}entries") == [(0,)]


def test_reopen_keeps_entries_and_schema(location: str, raw: RawDatabase, ledger: Ledger) -> None:
    entry = scheduled(ledger, "+3725550001", "om-1")
    ledger.close()
    with open_ledger(location) as again:
        assert again.entries(ALICE, KEY) == {"+3725550001": entry}
    assert raw.execute("SELECT value FROM {schema}meta") == [(SCHEMA_VERSION,)]


def test_newer_schema_is_refused(location: str, raw: RawDatabase, ledger: Ledger) -> None:
    ledger.close()
    raw.execute("UPDATE {schema}meta SET value = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(LedgerError) as failure:
        open_ledger(location)
    message = failure.value.message
    assert f"schema version {SCHEMA_VERSION + 1}, newer than version {SCHEMA_VERSION}" in message
    assert describe_location(location) in message
    assert "option ledger" in message


def test_migration_from_existing_empty_postgres_schema(postgres_server: PostgresServer) -> None:
    url = postgres_server.url(database=create_database(postgres_server))
    RawDatabase("postgresql", url).execute("CREATE SCHEMA messente")
    with open_ledger(url) as ledger:
        assert ledger.claim(ALICE, KEY, [Claim("+1", "b", None)], new_owner_token(), LEASE) == [True]
    assert RawDatabase("postgresql", url).execute("SELECT value FROM {schema}meta") == [(SCHEMA_VERSION,)]


def test_postgres_schema_name_is_configurable(postgres_server: PostgresServer) -> None:
    url = postgres_server.url(database=create_database(postgres_server))
    with open_ledger(url, postgres_schema="team_ledger") as ledger:
        scheduled(ledger, "+1", "om-1")
    rows = RawDatabase("postgresql", url).execute("SELECT recipient, omnimessage_id FROM team_ledger.entries")
    assert rows == [("+1", "om-1")]
    with pytest.raises(LedgerError, match="must be a lower-case identifier"):
        open_ledger(url, postgres_schema='x"; DROP TABLE y; --')


# -- claims ------------------------------------------------------------------------------------------------------

def test_claim_inserts_a_pending_entry(ledger: Ledger) -> None:
    owner = new_owner_token()
    assert ledger.claim(ALICE, KEY, [Claim("+1", '{"to": "+1"}', None)], owner, LEASE) == [True]
    entry = ledger.entries(ALICE, KEY)["+1"]
    assert (entry.body, entry.state, entry.owner, entry.omnimessage_id, entry.version) == (
        '{"to": "+1"}', "pending", owner, None, 1)
    assert entry.lease_until == pytest.approx(entry.updated_at + LEASE)
    assert (entry.prev_body, entry.prev_omnimessage_id, entry.prev_state) == (None, None, None)
    assert entry.claim_alive(entry.updated_at, HOST)


def test_claim_of_a_new_row_loses_when_the_row_exists(ledger: Ledger) -> None:
    first, second = new_owner_token(), new_owner_token()
    assert ledger.claim(ALICE, KEY, [Claim("+1", "mine", None)], first, LEASE) == [True]
    assert ledger.claim(ALICE, KEY, [Claim("+1", "theirs", None)], second, LEASE) == [False]
    entry = ledger.entries(ALICE, KEY)["+1"]
    assert (entry.body, entry.owner, entry.version) == ("mine", first, 1)


def test_claim_compare_and_swap_on_version(ledger: Ledger) -> None:
    before = scheduled(ledger, "+1", "om-1", body="old")
    owner = new_owner_token()
    assert ledger.claim(ALICE, KEY, [Claim("+1", "stale", before.version - 1)], owner, LEASE) == [False]
    assert ledger.entries(ALICE, KEY)["+1"] == before
    assert ledger.claim(ALICE, KEY, [Claim("+1", "new", before.version)], owner, LEASE) == [True]
    after = ledger.entries(ALICE, KEY)["+1"]
    assert (after.body, after.state, after.owner, after.omnimessage_id, after.version) == (
        "new", "pending", owner, None, before.version + 1)
    assert (after.prev_body, after.prev_omnimessage_id, after.prev_state) == ("old", "om-1", "scheduled")
    assert ledger.claim(ALICE, KEY, [Claim("+1", "again", before.version)], new_owner_token(), LEASE) == [False]


def test_claim_of_an_existing_version_loses_when_the_row_is_gone(ledger: Ledger) -> None:
    assert ledger.claim(ALICE, KEY, [Claim("+1", "b", 1)], new_owner_token(), LEASE) == [False]
    assert ledger.entries(ALICE, KEY) == {}


def test_claim_results_follow_the_order_of_the_claims(ledger: Ledger) -> None:
    entry_b = scheduled(ledger, "+b", "om-b")
    scheduled(ledger, "+d", "om-d")
    claims = [Claim("+e", "e", None), Claim("+d", "d", None), Claim("+b", "b", entry_b.version),
              Claim("+a", "a", None), Claim("+c", "c", 7)]
    assert ledger.claim(ALICE, KEY, claims, new_owner_token(), LEASE) == [True, False, True, True, False]
    assert sorted(ledger.entries(ALICE, KEY)) == ["+a", "+b", "+d", "+e"]


def test_reclaiming_a_dead_pending_or_uncertain_row_keeps_it_as_uncertain(ledger: Ledger) -> None:
    gone = f"{HOST}:{dead_pid()}:gone"
    ledger.claim(ALICE, KEY, [Claim("+1", "maybe-sent", None), Claim("+2", "maybe-too", None)], gone, LEASE)
    ledger.mark_uncertain(ALICE, KEY, ["+2"], gone)
    rows = ledger.entries(ALICE, KEY)
    assert not rows["+1"].claim_alive(time.time(), HOST)
    retry = new_owner_token()
    claims = [Claim("+1", "retry", rows["+1"].version), Claim("+2", "retry", rows["+2"].version)]
    assert ledger.claim(ALICE, KEY, claims, retry, LEASE) == [True, True]
    for recipient, body in (("+1", "maybe-sent"), ("+2", "maybe-too")):
        entry = ledger.entries(ALICE, KEY)[recipient]
        assert (entry.state, entry.owner, entry.prev_body, entry.prev_state) == ("pending", retry, body, "uncertain")


def test_entries_are_scoped_by_identity_and_key(ledger: Ledger) -> None:
    owner = new_owner_token()
    bob, other_host = Identity("bob", "api.messente.com"), Identity("alice", "127.0.0.1:8080")
    for identity, key, body in ((ALICE, KEY, "a"), (ALICE, "other-key", "b"), (bob, KEY, "c"), (other_host, KEY, "d")):
        assert ledger.claim(identity, key, [Claim("+1", body, None)], owner, LEASE) == [True]
    assert ledger.entries(ALICE, KEY)["+1"].body == "a"
    assert ledger.entries(ALICE, "other-key")["+1"].body == "b"
    assert ledger.entries(bob, KEY)["+1"].body == "c"
    assert ledger.entries(other_host, KEY)["+1"].body == "d"
    assert ledger.entries(ALICE, "unknown") == {}


def test_entries_round_trip_every_field(ledger: Ledger) -> None:
    body = '{"channel":"sms","sender":"Ünïcödé ✓","text":"' + "x" * 5000 + '","time_to_send":"2030-06-22T09:00:00Z"}'
    owner = new_owner_token()
    ledger.claim(ALICE, KEY, [Claim("+3725551234", body, None)], owner, 12.5)
    claimed = ledger.entries(ALICE, KEY)["+3725551234"]
    ledger.record_scheduled(ALICE, KEY, [("+3725551234", "ae8ec1ab-75e8-4d1b-b33a-bcb4b3a6c3f1")], owner)
    entry = ledger.entries(ALICE, KEY)["+3725551234"]
    assert entry == Entry(recipient="+3725551234", body=body, omnimessage_id="ae8ec1ab-75e8-4d1b-b33a-bcb4b3a6c3f1",
                          state="scheduled", owner=None, lease_until=None, version=2, updated_at=entry.updated_at)
    assert isinstance(entry.version, int) and isinstance(entry.updated_at, float)
    assert claimed.lease_until == pytest.approx(claimed.updated_at + 12.5)
    assert entry.updated_at >= claimed.updated_at


def test_ten_thousand_claims_in_one_call(ledger: Ledger) -> None:
    recipients = [f"+372{number:07d}" for number in range(10_000)]
    owner = new_owner_token()
    assert ledger.claim(ALICE, KEY, [Claim(r, f'{{"to":"{r}"}}', None) for r in recipients], owner, LEASE) == \
        [True] * 10_000
    assert ledger.claim(ALICE, KEY, [Claim(r, "late", None) for r in recipients], new_owner_token(), LEASE) == \
        [False] * 10_000
    assert ledger.record_scheduled(ALICE, KEY, [(r, f"om-{r}") for r in recipients], owner) == [True] * 10_000
    rows = ledger.entries(ALICE, KEY)
    assert len(rows) == 10_000
    assert {(e.state, e.omnimessage_id, e.version) for e in rows.values()} == {
        ("scheduled", f"om-{r}", 2) for r in recipients}


# -- record, release, uncertain, forget --------------------------------------------------------------------------

def test_record_scheduled_only_where_the_owner_still_holds_the_claim(ledger: Ledger) -> None:
    owner, intruder = new_owner_token(), new_owner_token()
    ledger.claim(ALICE, KEY, [Claim("+1", "b1", None), Claim("+2", "b2", None)], owner, LEASE)
    assert ledger.record_scheduled(ALICE, KEY, [("+1", "om-x")], intruder) == [False]
    assert ledger.entries(ALICE, KEY)["+1"].state == "pending"
    assert ledger.record_scheduled(ALICE, KEY, [("+3", "om-3"), ("+2", "om-2"), ("+1", "om-1")], owner) == \
        [False, True, True]
    assert ledger.record_scheduled(ALICE, KEY, [("+1", "om-again")], owner) == [False]
    rows = ledger.entries(ALICE, KEY)
    assert {r: (e.state, e.omnimessage_id, e.owner, e.version) for r, e in rows.items()} == {
        "+1": ("scheduled", "om-1", None, 2), "+2": ("scheduled", "om-2", None, 2)}


def test_record_scheduled_clears_the_previous_content(ledger: Ledger) -> None:
    before = scheduled(ledger, "+1", "om-old", body="old")
    owner = new_owner_token()
    ledger.claim(ALICE, KEY, [Claim("+1", "new", before.version)], owner, LEASE)
    ledger.record_scheduled(ALICE, KEY, [("+1", "om-new")], owner)
    entry = ledger.entries(ALICE, KEY)["+1"]
    assert (entry.body, entry.omnimessage_id, entry.state, entry.version) == (
        "new", "om-new", "scheduled", before.version + 2)
    assert (entry.prev_body, entry.prev_omnimessage_id, entry.prev_state, entry.lease_until) == (None,) * 4


def test_release_with_restore_brings_back_the_previous_content(ledger: Ledger) -> None:
    before = scheduled(ledger, "+1", "om-1", body="old")
    owner = new_owner_token()
    ledger.claim(ALICE, KEY, [Claim("+1", "new", before.version), Claim("+2", "fresh", None)], owner, LEASE)
    assert ledger.release(ALICE, KEY, ["+1", "+2"], owner, restore=True) == [True, True]
    rows = ledger.entries(ALICE, KEY)
    assert list(rows) == ["+1"]  # +2 had no previous row: released means gone
    restored = rows["+1"]
    assert (restored.body, restored.omnimessage_id, restored.state, restored.owner, restored.version) == (
        "old", "om-1", "scheduled", None, before.version + 2)
    assert (restored.prev_body, restored.prev_state, restored.lease_until) == (None, None, None)


def test_release_without_restore_deletes_the_claimed_rows(ledger: Ledger) -> None:
    before = scheduled(ledger, "+1", "om-1")
    owner = new_owner_token()
    ledger.claim(ALICE, KEY, [Claim("+1", "new", before.version)], owner, LEASE)
    assert ledger.release(ALICE, KEY, ["+1"], owner, restore=False) == [True]
    assert ledger.entries(ALICE, KEY) == {}


def test_release_only_touches_the_owners_pending_rows(ledger: Ledger) -> None:
    owner, intruder = new_owner_token(), new_owner_token()
    kept = scheduled(ledger, "+2", "om-2")
    ledger.claim(ALICE, KEY, [Claim("+1", "b", None)], owner, LEASE)
    claimed = ledger.entries(ALICE, KEY)["+1"]
    assert ledger.release(ALICE, KEY, ["+1", "+2"], intruder, restore=True) == [False, False]
    assert ledger.release(ALICE, KEY, ["+2"], owner, restore=False) == [False]
    assert ledger.entries(ALICE, KEY) == {"+1": claimed, "+2": kept}


def test_mark_uncertain_ends_the_claim_but_keeps_what_is_known(ledger: Ledger) -> None:
    before = scheduled(ledger, "+1", "om-1", body="old")
    owner, intruder = new_owner_token(), new_owner_token()
    ledger.claim(ALICE, KEY, [Claim("+1", "new", before.version)], owner, LEASE)
    assert ledger.mark_uncertain(ALICE, KEY, ["+1"], intruder) == [False]
    assert ledger.mark_uncertain(ALICE, KEY, ["+9", "+1"], owner) == [False, True]
    entry = ledger.entries(ALICE, KEY)["+1"]
    assert (entry.state, entry.body, entry.owner, entry.lease_until, entry.version) == (
        "uncertain", "new", owner, None, before.version + 2)
    assert (entry.prev_body, entry.prev_omnimessage_id, entry.prev_state) == ("old", "om-1", "scheduled")
    assert not entry.claim_alive(time.time(), HOST)
    assert ledger.record_scheduled(ALICE, KEY, [("+1", "om-late")], owner) == [False]


def test_forget_is_a_compare_and_swap_on_version(ledger: Ledger) -> None:
    first, second = scheduled(ledger, "+1", "om-1"), scheduled(ledger, "+2", "om-2")
    assert ledger.forget(ALICE, KEY, [("+3", 1), ("+2", second.version), ("+1", first.version + 1)]) == \
        [False, True, False]
    assert ledger.entries(ALICE, KEY) == {"+1": first}


def test_version_bumps_on_every_write(ledger: Ledger) -> None:
    owner = new_owner_token()
    versions = []

    def version() -> None:
        versions.append(ledger.entries(ALICE, KEY)["+1"].version)
    ledger.claim(ALICE, KEY, [Claim("+1", "a", None)], owner, LEASE)
    version()
    ledger.record_scheduled(ALICE, KEY, [("+1", "om-1")], owner)
    version()
    ledger.claim(ALICE, KEY, [Claim("+1", "b", versions[-1])], owner, LEASE)
    version()
    ledger.release(ALICE, KEY, ["+1"], owner, restore=True)
    version()
    ledger.claim(ALICE, KEY, [Claim("+1", "c", versions[-1])], owner, LEASE)
    version()
    ledger.mark_uncertain(ALICE, KEY, ["+1"], owner)
    version()
    assert versions == [1, 2, 3, 4, 5, 6]


# -- many processes at the same moment ---------------------------------------------------------------------------

def _claim_together(location: str, key: str, claims: list[Claim], barrier: Any, results: Any) -> None:
    """One racer: open the ledger when all are ready, then claim when all have opened; reports what it won."""
    try:
        barrier.wait(timeout=120)
        with open_ledger(location) as ledger:
            barrier.wait(timeout=120)
            owner = new_owner_token()
            won = ledger.claim(ALICE, key, claims, owner, LEASE)
        results.put((owner, [claim.recipient for claim, ok in zip(claims, won) if ok]))
    except BaseException as error:  # pylint: disable=broad-exception-caught
        barrier.abort()
        results.put(("error", f"{type(error).__name__}: {error}"))


def race(location: str, key: str, claims: list[Claim]) -> dict[str, list[str]]:
    """PROCESSES processes claim the same rows at the same moment; owner -> recipients won."""
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    racers = [context.Process(target=_claim_together, args=(location, key, claims, barrier, results))
              for _racer in range(PROCESSES)]
    for racer in racers:
        racer.start()
    try:
        reports = [results.get(timeout=300) for _racer in racers]
        for racer in racers:
            racer.join(timeout=120)
    finally:
        for racer in racers:
            if racer.is_alive():
                racer.kill()
    assert [report for report in reports if report[0] == "error"] == []
    assert [racer.exitcode for racer in racers] == [0] * PROCESSES
    return dict(reports)


@pytest.mark.parametrize("round_number", [1, 2, 3])
def test_processes_claiming_at_once_win_each_row_exactly_once(location: str, round_number: int) -> None:
    recipients = [f"+3725{round_number}{n:04d}" for n in range(40)]
    outcome = race(location, KEY, [Claim(r, "new", None) for r in recipients])
    won = sorted(recipient for recipients_won in outcome.values() for recipient in recipients_won)
    assert won == sorted(recipients)
    with open_ledger(location) as ledger:
        rows = ledger.entries(ALICE, KEY)
    assert {r: rows[r].owner for r in recipients} == {r: owner for owner, rs in outcome.items() for r in rs}


@pytest.mark.parametrize("round_number", [1, 2])
def test_processes_swapping_the_same_version_win_each_row_exactly_once(location: str, round_number: int) -> None:
    recipients = [f"+3726{round_number}{n:04d}" for n in range(40)]
    with open_ledger(location) as ledger:
        owner = new_owner_token()
        ledger.claim(ALICE, KEY, [Claim(r, "old", None) for r in recipients], owner, LEASE)
        ledger.record_scheduled(ALICE, KEY, [(r, f"om-{r}") for r in recipients], owner)
        versions = {r: e.version for r, e in ledger.entries(ALICE, KEY).items()}
    outcome = race(location, KEY, [Claim(r, "changed", versions[r]) for r in reversed(recipients)])
    won = sorted(recipient for recipients_won in outcome.values() for recipient in recipients_won)
    assert won == sorted(recipients)
    with open_ledger(location) as ledger:
        assert {e.version for e in ledger.entries(ALICE, KEY).values()} == {versions[recipients[0]] + 1}


def _open_together(location: str, barrier: Any, results: Any) -> None:
    try:
        barrier.wait(timeout=120)
        with open_ledger(location) as ledger:
            results.put(ledger.description)
    except BaseException as error:  # pylint: disable=broad-exception-caught
        results.put(f"{type(error).__name__}: {error}")


def test_processes_opening_a_new_ledger_at_once_all_succeed(backend: str, new_location: Callable[[], str]) -> None:
    context = multiprocessing.get_context("fork")
    for _round in range(10):
        location = new_location()
        barrier, results = context.Barrier(PROCESSES), context.Queue()
        openers = [context.Process(target=_open_together, args=(location, barrier, results))
                   for _opener in range(PROCESSES)]
        for opener in openers:
            opener.start()
        reports = [results.get(timeout=300) for _opener in openers]
        for opener in openers:
            opener.join(timeout=120)
        assert reports == [describe_location(location)] * PROCESSES
        assert RawDatabase(backend, location).execute("SELECT value FROM {schema}meta") == [(SCHEMA_VERSION,)]


# -- liveness and waiting ----------------------------------------------------------------------------------------

def pending_entry(owner: str | None, lease_until: float | None = 2000.0, state: str = "pending") -> Entry:
    return Entry("+1", "b", None, state, owner, lease_until, 1, 1000.0)


def test_claim_alive_tells_live_claims_from_gone_runs() -> None:
    assert pending_entry(live_owner()).claim_alive(1500.0, HOST)
    assert not pending_entry(f"{HOST}:{dead_pid()}:x").claim_alive(1500.0, HOST), "dead pid on this host"
    assert not pending_entry(live_owner()).claim_alive(2000.0, HOST), "expired lease"
    assert not pending_entry(live_owner(), lease_until=None).claim_alive(1500.0, HOST)
    assert pending_entry(f"elsewhere.example:{dead_pid()}:x").claim_alive(1500.0, HOST), "other host: lease only"
    assert not pending_entry("elsewhere.example:1:x").claim_alive(2500.0, HOST)
    assert not pending_entry(live_owner(), state="uncertain").claim_alive(1500.0, HOST)
    assert not pending_entry(live_owner(), state="scheduled").claim_alive(1500.0, HOST)
    assert pending_entry("not a token").claim_alive(1500.0, HOST), "an unreadable owner counts until the lease ends"


def test_claim_alive_counts_a_process_we_may_not_signal_as_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(pid: int, signal_number: int) -> None:
        raise PermissionError(1, "Operation not permitted")
    monkeypatch.setattr(_ledger.os, "kill", refuse)
    assert pending_entry(f"{HOST}:4242:x").claim_alive(1500.0, HOST)
    assert not pending_entry(f"{HOST}:0:x").claim_alive(1500.0, HOST), "pid 0 is never a run"


def test_owner_tokens_name_host_and_process_and_are_unique() -> None:
    tokens = {new_owner_token() for _token in range(100)}
    assert len(tokens) == 100
    host, pid, nonce = next(iter(tokens)).rsplit(":", 2)
    assert (host, pid) == (HOST, str(os.getpid())) and len(nonce) == 16


class FakeClock:
    """Wall clock for wait_for_claims that only moves when the code under test sleeps."""

    def __init__(self, on_sleep: Callable[[], None] = lambda: None) -> None:
        self.now = time.time()
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.on_sleep()


def test_wait_for_claims_returns_when_the_winner_records(ledger: Ledger) -> None:
    winner = live_owner("winner")
    ledger.claim(ALICE, KEY, [Claim("+1", "b", None), Claim("+2", "b", None)], winner, LEASE)
    clock = FakeClock(on_sleep=lambda: ledger.record_scheduled(ALICE, KEY, [("+1", "om-1"), ("+2", "om-2")], winner))
    rows = wait_for_claims(ledger, ALICE, KEY, ["+1", "+2"], timeout=30, clock=clock, sleep=clock.sleep)
    assert {r: (e.state, e.omnimessage_id) for r, e in rows.items()} == {
        "+1": ("scheduled", "om-1"), "+2": ("scheduled", "om-2")}
    assert clock.sleeps == [0.2]


def test_wait_for_claims_gives_up_after_the_timeout_on_a_live_claim(ledger: Ledger) -> None:
    ledger.claim(ALICE, KEY, [Claim("+1", "b", None)], live_owner(), LEASE)
    clock = FakeClock()
    rows = wait_for_claims(ledger, ALICE, KEY, ["+1"], timeout=5, poll=2, clock=clock, sleep=clock.sleep)
    assert rows["+1"].state == "pending"
    assert clock.sleeps == [2, 2, 1]


def test_wait_for_claims_does_not_wait_for_gone_runs_or_other_recipients(ledger: Ledger) -> None:
    ledger.claim(ALICE, KEY, [Claim("+1", "b", None)], f"{HOST}:{dead_pid()}:gone", LEASE)
    ledger.claim(ALICE, KEY, [Claim("+2", "b", None)], live_owner(), LEASE)
    clock = FakeClock()
    rows = wait_for_claims(ledger, ALICE, KEY, ["+1", "+3"], timeout=60, clock=clock, sleep=clock.sleep)
    assert sorted(rows) == ["+1", "+2"] and clock.sleeps == []


# -- the factory, locations and messages -------------------------------------------------------------------------

@pytest.mark.parametrize("location, scheme", [
    ("mysql://root:Pg-Secret-7f3a9c1e-do-not-print@db/ledger", "mysql"),
    ("http://127.0.0.1/ledger", "http"),
    ("file:///tmp/ledger.sqlite3", "file"),
    ("sqlite:///tmp/ledger.sqlite3", "sqlite"),
], ids=["mysql", "http", "file", "sqlite-url"])
def test_unknown_schemes_are_refused_naming_the_option(location: str, scheme: str) -> None:
    with pytest.raises(LedgerError) as failure:
        open_ledger(location)
    message = failure.value.message
    assert "option ledger" in message and f"the scheme {scheme}:// is not supported" in message
    assert DB_PASSWORD not in message


@pytest.mark.parametrize("location", [None, "", "   ", 5, 1.5, ["/tmp/x"], {"path": "/tmp/x"}, True])
def test_locations_that_are_not_text_are_refused_naming_the_option(location: Any) -> None:
    with pytest.raises(LedgerError) as failure:
        open_ledger(location)
    assert "The option ledger must be a file path (SQLite) or a postgresql:// URL" in failure.value.message


@pytest.mark.parametrize("location, described", [
    ("postgresql://ansible:Pg-Secret-7f3a9c1e-do-not-print@db.example.com:5433/ledger?sslmode=verify-full",
     "postgresql://ansible@db.example.com:5433/ledger?sslmode=verify-full"),
    ("postgres://ansible@db1:5432,db2:5432/ledger", "postgres://ansible@db1:5432,db2:5432/ledger"),
    ("postgresql:///ledger?host=/run/postgresql&password=Pg-Secret-7f3a9c1e-do-not-print",
     "postgresql:///ledger?host=%2Frun%2Fpostgresql"),
    ("postgresql://u:p%40ss-Pg-Secret-7f3a9c1e-do-not-print@[::1]/db", "postgresql://u@[::1]/db"),
    ("relative/ledger.sqlite3", os.path.join(os.getcwd(), "relative", "ledger.sqlite3")),
    ("~/ledger.sqlite3", os.path.join(os.path.expanduser("~"), "ledger.sqlite3")),
], ids=["password-and-sslmode", "several-hosts", "password-in-query", "encoded-password-ipv6", "relative-path",
        "home-path"])
def test_describe_location_names_the_ledger_without_its_password(location: str, described: str) -> None:
    assert describe_location(location) == described


def test_psycopg_missing_is_its_own_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ledger_postgres, "HAS_PSYCOPG", False)
    monkeypatch.setattr(_ledger_postgres, "PSYCOPG_IMPORT_ERROR", "Traceback: No module named 'psycopg'")
    with pytest.raises(LedgerLibraryMissing) as failure:
        open_ledger(f"postgresql://ansible:{DB_PASSWORD}@127.0.0.1:1/ledger")
    assert failure.value.library == "psycopg"
    assert failure.value.traceback == "Traceback: No module named 'psycopg'"
    assert "postgresql://ansible@127.0.0.1:1/ledger" in failure.value.message
    assert DB_PASSWORD not in failure.value.message


# -- SQLite files ------------------------------------------------------------------------------------------------

def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sqlite_creates_private_directories_and_files(tmp_path: Path) -> None:
    path = tmp_path / "home" / ".ansible" / "messente" / "ledger.sqlite3"
    with open_ledger(str(path)) as ledger:
        scheduled(ledger, "+1", "om-1")
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert wal.exists() and shm.exists(), "WAL mode keeps both files while the ledger is open"
        assert (mode_of(path), mode_of(wal), mode_of(shm)) == (0o600, 0o600, 0o600)
    for directory in (path.parent, path.parent.parent, path.parent.parent.parent):
        assert mode_of(directory) == 0o700, directory
    assert RawDatabase("sqlite", str(path)).execute("PRAGMA journal_mode") == [("wal",)]


def test_sqlite_keeps_the_mode_of_an_existing_directory(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    with open_ledger(str(tmp_path / "ledger.sqlite3")):
        pass
    assert mode_of(tmp_path) == 0o755 and mode_of(tmp_path / "ledger.sqlite3") == 0o600


def test_sqlite_file_holds_no_password(tmp_path: Path) -> None:
    assert list(Identity.__dataclass_fields__) == ["api_user", "api_host"]
    path = tmp_path / "ledger.sqlite3"
    ledger = open_ledger(str(path))
    scheduled(ledger, "+3725550001", "om-1")
    files = [path, Path(f"{path}-wal")]
    content = b"".join(file.read_bytes() for file in files)
    ledger.close()
    content += path.read_bytes()
    assert b"alice" in content and b"+3725550001" in content and KEY.encode() in content
    assert API_PASSWORD.encode() not in content and b"password" not in content.lower()


def _open_and_report(location: str) -> str:
    try:
        with open_ledger(location):
            return "opened"
    except LedgerError as error:
        return error.message


def open_unprivileged(location: str) -> str:
    """Open as a user without root's override of file permissions (nobody, in a child, when we are root)."""
    if os.geteuid() != 0:
        return _open_and_report(location)
    context = multiprocessing.get_context("fork")
    results = context.Queue()

    def child() -> None:
        nobody = pwd.getpwnam("nobody")
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)
        results.put(_open_and_report(location))
    process = context.Process(target=child)
    process.start()
    try:
        return str(results.get(timeout=120))
    finally:
        process.join(timeout=60)


@pytest.fixture
def shared_dir() -> Any:
    """A directory every user may enter (tmp_path is private to root), removed afterwards."""
    directory = tempfile.mkdtemp(prefix="messente-ledger-modes-", dir="/tmp")
    os.chmod(directory, 0o755)
    yield Path(directory)
    for path in Path(directory).rglob("*"):
        if path.is_dir():
            path.chmod(0o700)
    shutil.rmtree(directory)


def test_sqlite_read_only_file_fails_naming_the_path(shared_dir: Path) -> None:
    path = shared_dir / "ledger.sqlite3"
    with open_ledger(str(path)):
        pass
    path.chmod(0o444)
    message = open_unprivileged(str(path))
    assert message.startswith(f"Cannot open the ledger {path}: ")
    assert "ermission denied" in message or "readonly" in message


def test_sqlite_unwritable_directory_fails_naming_the_path(shared_dir: Path) -> None:
    locked = shared_dir / "locked"
    locked.mkdir(mode=0o555)
    locked.chmod(0o555)
    message = open_unprivileged(str(locked / "messente" / "ledger.sqlite3"))
    assert message.startswith(f"Cannot open the ledger {locked / 'messente' / 'ledger.sqlite3'}: Permission denied")


def test_sqlite_writable_file_in_unwritable_directory_fails_before_use(shared_dir: Path) -> None:
    locked = shared_dir / "locked"
    locked.mkdir()
    path = locked / "ledger.sqlite3"
    with open_ledger(str(path)):
        pass
    path.chmod(0o666)
    locked.chmod(0o555)
    message = open_unprivileged(str(path))
    assert message.startswith(f"Cannot open the ledger {path}: ")


@pytest.mark.parametrize("make_obstacle", ["directory", "file-as-parent"])
def test_sqlite_path_that_cannot_be_a_file_fails_naming_the_path(tmp_path: Path, make_obstacle: str) -> None:
    if make_obstacle == "directory":
        path = tmp_path / "ledger.sqlite3"
        path.mkdir()
    else:
        (tmp_path / "not-a-dir").write_text("x")
        path = tmp_path / "not-a-dir" / "ledger.sqlite3"
    with pytest.raises(LedgerError) as failure:
        open_ledger(str(path))
    assert failure.value.message.startswith(f"Cannot open the ledger {path}: ")


def test_sqlite_garbage_file_fails_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"this is not a database, " * 100)
    with pytest.raises(LedgerError) as failure:
        open_ledger(str(path))
    assert failure.value.message == f"Cannot open the ledger {path}: file is not a database"


# -- PostgreSQL connections, passwords, permissions --------------------------------------------------------------

def open_failure(location: str) -> LedgerError:
    with pytest.raises(LedgerError) as failure:
        open_ledger(location)
    assert failure.value.__cause__ is None and failure.value.__suppress_context__
    return failure.value


def test_postgres_wrong_port_fails_naming_host_and_database() -> None:
    port = free_loopback_port()
    error = open_failure(f"postgresql://ansible:{DB_PASSWORD}@127.0.0.1:{port}/team_ledger?connect_timeout=3")
    assert error.message.startswith(
        f"Cannot open the ledger postgresql://ansible@127.0.0.1:{port}/team_ledger?connect_timeout=3: ")
    assert "Connection refused" in error.message and DB_PASSWORD not in error.message


def test_postgres_server_stopped_fails_and_its_process_is_gone() -> None:
    with PostgresServer() as server:
        url, pid, directory = server.url(database="postgres"), server.pid, server.base_dir
        with open_ledger(url) as ledger:
            assert ledger.entries(ALICE, KEY) == {}
    assert pid is not None and not pid_running(pid) and not server.is_running()
    assert directory is not None and not os.path.exists(directory)
    error = open_failure(url)
    assert f"postgresql://admin@127.0.0.1:{server.port}/postgres" in error.message
    assert server.password not in error.message


@pytest.mark.parametrize("problem", ["wrong-password", "unknown-database", "bad-parameter", "bad-percent-encoding",
                                     "password-in-query", "pgpassword"])
def test_postgres_passwords_never_reach_messages(postgres_server: PostgresServer, problem: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    secret = DB_PASSWORD
    base = f"postgresql://admin:{secret}@127.0.0.1:{postgres_server.port}"
    location = {
        "wrong-password": f"{base}/postgres",
        "unknown-database": f"postgresql://admin:{postgres_server.password}@127.0.0.1:{postgres_server.port}/nope",
        "bad-parameter": f"{base}/postgres?frobnicate=1",
        "bad-percent-encoding": f"postgresql://admin:%zz{secret}@127.0.0.1:{postgres_server.port}/postgres",
        "password-in-query": f"postgresql://admin@127.0.0.1:{postgres_server.port}/postgres?password={secret}",
        "pgpassword": f"postgresql://admin@127.0.0.1:{postgres_server.port}/postgres",
    }[problem]
    if problem == "unknown-database":
        secret = postgres_server.password
    if problem == "pgpassword":
        monkeypatch.setenv("PGPASSWORD", secret)
    error = open_failure(location)
    assert error.message.startswith(f"Cannot open the ledger postgresql://admin@127.0.0.1:{postgres_server.port}/")
    assert secret not in error.message and secret not in repr(error.args)


def test_postgres_password_from_environment_is_used(postgres_server: PostgresServer,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", postgres_server.password)
    url = postgres_server.url(database=create_database(postgres_server), with_password=False)
    with open_ledger(url) as ledger:
        assert ledger.claim(ALICE, KEY, [Claim("+1", "b", None)], new_owner_token(), LEASE) == [True]


def test_postgres_password_from_a_pgpass_file(postgres_server: PostgresServer, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    database = create_database(postgres_server)
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{postgres_server.port}:{database}:admin:{postgres_server.password}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    with open_ledger(postgres_server.url(database=database, with_password=False)) as ledger:
        assert ledger.claim(ALICE, KEY, [Claim("+1", "b", None)], new_owner_token(), LEASE) == [True]


def test_postgres_scheme_in_any_case_and_short_form(postgres_server: PostgresServer) -> None:
    url = postgres_server.url(database=create_database(postgres_server))
    for spelling in ("POSTGRESQL://", "postgres://", "Postgres://"):
        with open_ledger(spelling + url.partition("://")[2]) as ledger:
            assert ledger.description.startswith(spelling.lower() + "admin@127.0.0.1:")
            assert ledger.entries(ALICE, KEY) == {}


@pytest.fixture
def roles(postgres_server: PostgresServer) -> Callable[[str], str]:
    """Create login roles with DB_PASSWORD on the test server; the function returns the role's name."""
    def create(name: str) -> str:
        RawDatabase("postgresql", postgres_server.url()).execute(
            f"DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN "
            f"CREATE ROLE {name} LOGIN PASSWORD '{DB_PASSWORD}'; END IF; END$$")
        return name
    return create


def test_postgres_without_create_privilege_fails_with_the_permission_hint(
        postgres_server: PostgresServer, roles: Callable[[str], str]) -> None:
    database = create_database(postgres_server)
    RawDatabase("postgresql", postgres_server.url(database=database)).execute("REVOKE CREATE ON DATABASE "
                                                                              f"{database} FROM PUBLIC")
    user = roles("ledger_plain")
    error = open_failure(postgres_server.url(user=user, password=DB_PASSWORD, database=database))
    assert error.message.startswith(f"Cannot open the ledger postgresql://{user}@127.0.0.1:")
    assert "permission denied for database" in error.message
    assert "needs CREATE on the database for the first run" in error.message and DB_PASSWORD not in error.message


def test_postgres_schema_created_by_an_administrator_for_the_ledger_user(
        postgres_server: PostgresServer, roles: Callable[[str], str]) -> None:
    database = create_database(postgres_server)
    user = roles("ledger_schema_owner")
    RawDatabase("postgresql", postgres_server.url(database=database)).execute(
        f"CREATE SCHEMA messente AUTHORIZATION {user}")
    with open_ledger(postgres_server.url(user=user, password=DB_PASSWORD, database=database)) as ledger:
        scheduled(ledger, "+1", "om-1")


def test_postgres_locked_down_user_with_table_privileges(
        postgres_server: PostgresServer, roles: Callable[[str], str]) -> None:
    database = create_database(postgres_server)
    admin = postgres_server.url(database=database)
    open_ledger(admin).close()
    user, reader = roles("ledger_runner"), roles("ledger_reader")
    RawDatabase("postgresql", admin).execute(
        f"GRANT USAGE ON SCHEMA messente TO {user}, {reader}; "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON messente.entries TO {user}; "
        f"GRANT SELECT, UPDATE ON messente.meta TO {user}; "
        f"GRANT SELECT ON messente.entries, messente.meta TO {reader}")
    with open_ledger(postgres_server.url(user=user, password=DB_PASSWORD, database=database)) as ledger:
        entry = scheduled(ledger, "+1", "om-1")
        assert ledger.forget(ALICE, KEY, [("+1", entry.version)]) == [True]
    error = open_failure(postgres_server.url(user=reader, password=DB_PASSWORD, database=database))
    assert "permission denied for table meta" in error.message and "USAGE on schema messente" in error.message


def test_postgres_retries_a_transaction_rolled_back_by_a_deadlock(
        postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = open_ledger(postgres_server.url(database=create_database(postgres_server)))
    statements: list[str] = []
    each = ledger._each  # pylint: disable=protected-access

    def deadlock_once(cursor: Any, statement: str, rows: Any) -> list[bool]:
        statements.append(statement)
        if len(statements) == 1:
            each(cursor, statement, rows)  # written, then rolled back with the deadlock
            raise psycopg.errors.DeadlockDetected("deadlock detected")
        return each(cursor, statement, rows)
    monkeypatch.setattr(ledger, "_each", deadlock_once)
    assert ledger.claim(ALICE, KEY, [Claim("+1", "b", None)], new_owner_token(), LEASE) == [True]
    assert len(statements) == 3  # new rows, then again: new rows and existing rows
    assert ledger.entries(ALICE, KEY)["+1"].version == 1

    def always_unique_violation(cursor: Any, statement: str, rows: Any) -> list[bool]:
        statements.append(statement)
        raise psycopg.errors.UniqueViolation("duplicate key value")
    monkeypatch.setattr(ledger, "_each", always_unique_violation)
    with pytest.raises(LedgerError, match="^Cannot claim entries in the ledger postgresql://admin@"):
        ledger.claim(ALICE, KEY, [Claim("+2", "b", None)], new_owner_token(), LEASE)
    assert len(statements) == 4, "an error that trying again cannot cure is not retried"
    ledger.close()


# -- the test server itself --------------------------------------------------------------------------------------

GUARDED_OWNER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from postgres_server import PostgresServer
server = PostgresServer().start()
print(server.pid, server.base_dir, flush=True)
time.sleep(600)
"""


def test_postgres_server_is_stopped_when_its_owner_is_killed() -> None:
    utils = str(Path(__file__).resolve().parent.parent / "utils")
    owner = subprocess.Popen([sys.executable, "-c", GUARDED_OWNER, utils], stdout=subprocess.PIPE, text=True)
    try:
        pid_text, directory = owner.stdout.readline().split()  # type: ignore[union-attr]
    finally:
        owner.kill()
        owner.wait()
    deadline = time.monotonic() + 120
    while (pid_running(int(pid_text)) or os.path.exists(directory)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not pid_running(int(pid_text)), "the guard must stop the orphaned server"
    assert not os.path.exists(directory), "the guard must remove the orphaned server's directory"


# --- read-only opening (check mode, the info module) ---------------------------------------------------------------


def test_read_only_opening_of_a_ledger_that_does_not_exist_reads_empty_and_creates_nothing(location: str, backend: str) -> None:
    with open_ledger(location, read_only=True) as ledger:
        assert ledger.entries(ALICE, KEY) == {}
        with pytest.raises(LedgerError, match="opened read-only"):
            ledger.claim(ALICE, KEY, [Claim("+37251234567", "body-1", None)], new_owner_token(), 60)

    if backend == "sqlite":
        assert not os.path.exists(location) and not os.path.exists(os.path.dirname(location))
    else:
        assert RawDatabase(backend, location).execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'messente'") == [(0,)]


def test_read_only_opening_reads_what_a_writer_stored(location: str, ledger: Ledger) -> None:
    scheduled(ledger, "+37251234567", "id-1")

    with open_ledger(location, read_only=True) as reader:
        assert reader.entries(ALICE, KEY)["+37251234567"].omnimessage_id == "id-1"
        with pytest.raises(LedgerError, match="opened read-only"):
            reader.forget(ALICE, KEY, [("+37251234567", 2)])

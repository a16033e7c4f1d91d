# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Direct SQL on a ledger's database for the backend suite: set-up and inspection the ledger API does not offer."""

from __future__ import annotations

import itertools
import os
import sqlite3

import psycopg

from ansible_collections.messente.omnichannel.tests.utils.postgres_server import PostgresServer

DATABASE_NUMBERS = itertools.count(1)


class RawDatabase:
    """Direct SQL on a ledger's database, to set up and inspect what the ledger API cannot (e.g. meta)."""

    def __init__(self, backend: str, location: str) -> None:
        self.backend = backend
        self.location = location

    def execute(self, statement: str, params: tuple = ()) -> list[tuple]:
        """Run one statement in its own transaction; ``{schema}`` names the ledger's tables, ``?`` placeholders."""
        if self.backend == "sqlite":
            connection = sqlite3.connect(self.location, isolation_level=None)
            try:
                cursor = connection.execute(statement.format(schema=""), params)
                return cursor.fetchall()
            finally:
                connection.close()
        with psycopg.connect(self.location, autocommit=True) as connection:
            cursor = connection.execute(statement.format(schema="messente.").replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []


def create_database(server: PostgresServer) -> str:
    """A new, empty database on the test server; its name."""
    name = f"ledger_{os.getpid()}_{next(DATABASE_NUMBERS)}"
    with psycopg.connect(server.url(), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return name

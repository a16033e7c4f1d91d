# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """The ledger option shared by the modules that read or write the ledger; the spec is _module.ledger_argument_spec()."""

    DOCUMENTATION = r"""
options:
  ledger:
    description:
      - Where the collection remembers what it scheduled under each O(key), because Messente cannot list messages.
        Used only with O(key).
      - A file path for a SQLite ledger on the host that runs the module (normally the controller, through
        C(delegate_to=localhost)). The file is created with mode 0600 in a directory created with mode 0700.
      - Or a PostgreSQL URL such as V(postgresql://messente@db.example.com:5432/ops?sslmode=require), so that a team,
        CI runners and AWX / Automation Platform jobs share one ledger. The password may be in the URL, in
        E(PGPASSWORD) or in C(~/.pgpass); it never appears in results, warnings, errors or diffs. This needs the
        Python library C(psycopg) (C(pip install psycopg[binary])) on the host that runs the module.
      - Any other URL scheme is refused.
      - If the ledger cannot be opened or written, the task fails before any request to Messente.
      - If not set, the value of the E(MESSENTE_LEDGER) environment variable is used, and then the default.
    type: str
    default: ~/.ansible/messente/ledger.sqlite3
    version_added: 1.1.0
requirements:
  - psycopg (version 3, only for a PostgreSQL O(ledger); the module imports it only then)
"""

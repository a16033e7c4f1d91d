# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An Execution Environment built from meta/execution-environment.yml must hold every library the plugins import."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.messente.omnichannel.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.messente.omnichannel.plugins.doc_fragments.ledger import ModuleDocFragment as LedgerDocFragment

COLLECTION_ROOT = Path(__file__).resolve().parents[3]
# Import names whose PyPI distribution is named differently.
DISTRIBUTION_OF = {"dateutil": "python-dateutil", "urllib3": "requests"}  # urllib3 always comes with requests
FIRST_PARTY = ("ansible", "ansible_collections", "__future__")


def third_party_imports() -> set[str]:
    found = set()
    for path in (COLLECTION_ROOT / "plugins").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            found.update(name.split(".")[0] for name in names)
    return {name for name in found if name not in FIRST_PARTY and name not in sys.stdlib_module_names}


def requirement_names(path: Path) -> set[str]:
    lines = [line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return {re.split(r"[<>=!~;\[ ]", line)[0].lower() for line in lines if line}


def test_ee_definition_points_at_the_requirement_files() -> None:
    definition = yaml.safe_load((COLLECTION_ROOT / "meta" / "execution-environment.yml").read_text(encoding="utf-8"))

    assert definition["version"] == 1
    assert definition["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}
    assert (COLLECTION_ROOT / "bindep.txt").read_text(encoding="utf-8").count("ca-certificates") == 1


@pytest.mark.skipif(sys.version_info < (3, 10), reason="needs sys.stdlib_module_names; the other Pythons cover this file check")
def test_requirements_txt_lists_exactly_what_the_plugins_import() -> None:
    imported = {DISTRIBUTION_OF.get(name, name) for name in third_party_imports()}

    assert imported == {"requests", "python-dateutil", "psycopg"}
    assert requirement_names(COLLECTION_ROOT / "requirements.txt") == imported


def test_doc_fragment_requirements_match_requirements_txt() -> None:
    fragments = (ModuleDocFragment.DOCUMENTATION, LedgerDocFragment.DOCUMENTATION)
    documented = {requirement.split()[0] for fragment in fragments for requirement in yaml.safe_load(fragment).get("requirements", [])}

    assert documented == requirement_names(COLLECTION_ROOT / "requirements.txt")

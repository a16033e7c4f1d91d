# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the docs state a fact about the code, the code agrees; and the doc markup renders as written."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ansible_collections.messente.omnichannel.plugins.module_utils import _client

COLLECTION_ROOT = Path(__file__).resolve().parents[3]
PLUGIN_FILES = sorted(path for path in (COLLECTION_ROOT / "plugins").rglob("*.py") if "module_utils" not in path.parts)
# Ansible's markup macros take everything up to the first ")": a "(" inside one means the text is cut there.
MACRO_WITH_PAREN = re.compile(r"\b(?:[BCEIMOPRUV]|RV|L)\((?P<inner>[^)]*\()")


def _doc_strings(path: Path) -> dict[str, str]:
    strings = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id.isupper():
                    strings[target.id] = node.value.value
    return strings


@pytest.mark.parametrize("path", PLUGIN_FILES, ids=[str(path.relative_to(COLLECTION_ROOT)) for path in PLUGIN_FILES])
def test_no_markup_macro_is_cut_short_by_a_parenthesis(path: Path) -> None:
    for name, text in _doc_strings(path).items():
        found = [match.group(0) for match in MACRO_WITH_PAREN.finditer(text)]
        assert not found, f"{name} of {path.name}: {found} would render cut at the inner ')'"


def test_the_retry_waits_the_docs_state_are_the_clients() -> None:
    first_low, first_high = _client.BACKOFF_BASE_SECONDS * 0.5, _client.BACKOFF_BASE_SECONDS
    cap_low, cap_high = _client.BACKOFF_CAP_SECONDS * 0.5, _client.BACKOFF_CAP_SECONDS
    stated = f"The first retry waits between {first_low:g} and {first_high:g} second, and each further wait doubles, up to {cap_low:g} to {cap_high:g}"
    fragment = " ".join((COLLECTION_ROOT / "plugins" / "doc_fragments" / "connection.py").read_text(encoding="utf-8").split())
    guide = " ".join((COLLECTION_ROOT / "docs" / "docsite" / "rst" / "guide.rst").read_text(encoding="utf-8").split())

    assert stated in fragment
    assert stated in guide
    retry_after = f"honoured up to {_client.MAX_RETRY_AFTER_SECONDS:g} seconds"
    assert retry_after in fragment and retry_after in guide


def test_the_429_budget_and_the_warning_bound_the_docs_state_are_the_clients() -> None:
    fragment, guide = _fragment_text(), _guide_text()
    budget = f"waits for 429 answers add up to at most {_client.RATE_LIMIT_WAIT_BUDGET_SECONDS:g} seconds"
    warnings = f"up to {_client.MAX_RETRY_WARNINGS} warnings per task"

    assert budget in fragment and budget in guide
    assert warnings in fragment and warnings in guide
    assert "A 429 does not count against ``retries``" in guide and "HTTP 429 (too many requests) does not count against O(retries)" in fragment


def _fragment_text() -> str:
    return " ".join((COLLECTION_ROOT / "plugins" / "doc_fragments" / "connection.py").read_text(encoding="utf-8").split())


def _guide_text() -> str:
    return " ".join((COLLECTION_ROOT / "docs" / "docsite" / "rst" / "guide.rst").read_text(encoding="utf-8").split())


def test_the_guide_blames_a_missing_version_path_on_a_404_not_on_code_107() -> None:
    guide = (COLLECTION_ROOT / "docs" / "docsite" / "rst" / "guide.rst").read_text(encoding="utf-8")
    table = re.split(r"\n   \* - ", guide)
    row_101 = next(row for row in table if row.startswith("101"))
    row_107 = next(row for row in table if row.startswith("107"))

    assert "``/v1``" in row_101
    assert "/v1" not in row_107

# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Galaxy tarball holds what users need and nothing else (no Makefile, dotfiles, tests or dev scripts).

Why an allow-list: galaxy.yml's build_ignore is a deny-list, so every new dev file would ship unnoticed.
"""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

import pytest

from conftest import REPO_ROOT

# Every file of the tarball must match one of these ("*" stays within one directory).
ALLOWED = (
    "MANIFEST.json", "FILES.json",
    "README.md", "COPYING", "LICENSES/*.txt", "REUSE.toml",
    "CHANGELOG.rst", "changelogs/changelog.yaml",
    "requirements.txt", "bindep.txt",
    "meta/runtime.yml", "meta/execution-environment.yml",
    "plugins/modules/*.py", "plugins/module_utils/*.py", "plugins/doc_fragments/*.py", "plugins/callback/*.py",
    "playbooks/*.yml",
    "docs/*.md", "docs/execution-environment.yml", "docs/docsite/*.yml", "docs/docsite/rst/*.rst",
)
# Every checkout file matching one of these must be in the tarball, and each must match at least one.
REQUIRED = (
    "README.md", "COPYING", "LICENSES/*.txt",
    "CHANGELOG.rst", "changelogs/changelog.yaml",
    "requirements.txt", "bindep.txt",
    "meta/*.yml",
    "plugins/modules/*.py", "plugins/module_utils/*.py", "plugins/doc_fragments/*.py", "plugins/callback/*.py",
    "playbooks/*.yml",
    "docs/execution-environment.yml", "docs/docsite/*.yml", "docs/docsite/rst/*.rst",
)
GUIDE = "docs/docsite/rst/guide.rst"


def pattern_regex(pattern: str) -> re.Pattern[str]:
    return re.compile("[^/]*".join(re.escape(part) for part in pattern.split("*")))


def tarball_members(tarball: Path) -> tuple[set[str], set[str]]:
    """(files, directories) of the tarball, as relative paths."""
    with tarfile.open(tarball) as archive:
        members = archive.getmembers()
    names = {member.name.removeprefix("./").rstrip("/"): member for member in members}
    files = {name for name, member in names.items() if not member.isdir()}
    directories = {name for name, member in names.items() if member.isdir() and name not in ("", ".")}
    return files, directories


def test_every_file_in_the_tarball_is_allowed(collection_tarball: Path) -> None:
    files, directories = tarball_members(collection_tarball)

    unexpected = sorted(name for name in files if not any(pattern_regex(p).fullmatch(name) for p in ALLOWED))
    empty = sorted(directory for directory in directories if not any(name.startswith(f"{directory}/") for name in files))
    assert unexpected == [], f"{collection_tarball.name} ships files users do not need (extend build_ignore): {unexpected}"
    assert empty == [], f"{collection_tarball.name} ships directories without files: {empty}"


@pytest.mark.parametrize("pattern", REQUIRED)
def test_the_tarball_holds_every_file_users_need(collection_tarball: Path, pattern: str) -> None:
    files = tarball_members(collection_tarball)[0]
    in_checkout = sorted(str(path.relative_to(REPO_ROOT)) for path in REPO_ROOT.glob(pattern) if path.is_file())

    assert in_checkout, f"no file in the checkout matches {pattern}"
    missing = [name for name in in_checkout if name not in files]
    assert missing == [], f"{collection_tarball.name} lacks {missing}"


def test_galaxy_documentation_link_is_the_user_guide(collection_tarball: Path) -> None:
    files = tarball_members(collection_tarball)[0]
    with tarfile.open(collection_tarball) as archive:
        manifest = json.load(archive.extractfile("MANIFEST.json"))

    documentation = manifest["collection_info"]["documentation"]
    assert documentation == f"{manifest['collection_info']['repository']}/blob/main/{GUIDE}"
    assert GUIDE in files

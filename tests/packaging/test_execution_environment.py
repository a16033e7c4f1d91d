# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Execution Environment example in docs/ gives ansible-builder a build context that installs exactly
the collection's requirements.txt and bindep.txt.

Why without a container engine: ``ansible-builder create`` only writes the build context; the collection is
installed and introspected inside the image build. These tests replay those two build steps with the
context's own introspect script against the freshly built tarball.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO_ROOT, run_tool

EXAMPLE = REPO_ROOT / "docs" / "execution-environment.yml"
COLLECTION = "messente.omnichannel"
GALAXY_INSTALL = re.compile(r'^RUN .*ansible-galaxy collection install .*-r requirements\.yml --collections-path "([^"]+)"$', re.M)
INTROSPECT = re.compile(r"^RUN \$PYCMD /output/scripts/introspect\.py introspect (.*)$", re.M)


def create_context(definition: dict[str, Any], workdir: Path) -> Path:
    """``ansible-builder create`` for a definition; the build context directory."""
    definition_file = workdir / "execution-environment.yml"
    definition_file.write_text(yaml.safe_dump(definition), encoding="utf-8")
    context = workdir / "context"
    run_tool("ansible-builder", "create", "--file", str(definition_file), "--context", str(context),
             "--output-filename", "Containerfile")
    return context


def requirement_lines(text: str) -> list[str]:
    """Requirement lines without comments, in file order."""
    lines = (re.sub(r"(^|\s+)#.*$", "", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def test_the_example_is_a_valid_v3_definition_that_installs_the_collection(example: dict[str, Any], tmp_path: Path) -> None:
    context = create_context(example, tmp_path)

    assert example["version"] == 3
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text(encoding="utf-8"))
    assert [entry["name"] for entry in galaxy["collections"]] == [COLLECTION]
    assert GALAXY_INSTALL.search((context / "Containerfile").read_text(encoding="utf-8"))


def test_introspected_requirements_are_exactly_the_collections(
        example: dict[str, Any], collection_tarball: Path, tmp_path: Path) -> None:
    example["dependencies"]["galaxy"] = {"collections": [{"name": f"collections/{collection_tarball.name}", "type": "file"}]}
    example["additional_build_files"] = [{"src": str(collection_tarball), "dest": "collections"}]
    context = create_context(example, tmp_path)
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    install, introspect = GALAXY_INSTALL.search(containerfile), INTROSPECT.search(containerfile)
    assert install and introspect, containerfile

    collections = tmp_path / "collections"
    # As in the image: no Ansible settings of the caller (an ANSIBLE_COLLECTIONS_PATH that already holds the
    # collection would make ansible-galaxy install nothing).
    image_env = {name: value for name, value in os.environ.items() if not name.startswith("ANSIBLE_")}
    image_env["ANSIBLE_GALAXY_DISABLE_GPG_VERIFY"] = "1"
    run_tool("ansible-galaxy", "collection", "install", "--offline", "-r", "requirements.yml",
             "--collections-path", str(collections), cwd=context / "_build", env=image_env)
    assert (collections / "ansible_collections" / "messente" / "omnichannel" / "MANIFEST.json").is_file()
    output = tmp_path / "src"
    introspect_args = shlex.split(introspect.group(1).replace("/tmp/src/", f"{output}/"))
    subprocess.run([sys.executable, str(context / "_build" / "scripts" / "introspect.py"), "introspect", str(collections),
                    *introspect_args], check=True, capture_output=True, timeout=120, env=image_env)

    for name in ("requirements.txt", "bindep.txt"):
        assert (output / name).is_file(), f"the introspection wrote no {name}"
        introspected = (output / name).read_text(encoding="utf-8")
        assert requirement_lines(introspected) == requirement_lines((REPO_ROOT / name).read_text(encoding="utf-8"))
        assert all(line.endswith(f"# from collection {COLLECTION}") for line in introspected.splitlines() if line)

# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The connection doc fragment, the shared argument spec, the client and galaxy.yml must tell the same story."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.messente.omnichannel.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.messente.omnichannel.plugins.module_utils import _client, _module
from ansible_collections.messente.omnichannel.plugins.modules import messente_scheduled_message, messente_scheduled_message_info

COLLECTION_ROOT = Path(__file__).resolve().parents[4]
DOCUMENTED: dict[str, Any] = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
SPEC: dict[str, Any] = _module.connection_argument_spec()
SECRET_WORDS = ("password", "secret", "token", "key")


def test_fragment_and_spec_have_the_same_options() -> None:
    assert sorted(DOCUMENTED) == sorted(SPEC)


@pytest.mark.parametrize("name", sorted(SPEC))
def test_type_default_and_required_agree(name: str) -> None:
    documented, spec = DOCUMENTED[name], SPEC[name]

    assert documented.get("type", "str") == spec.get("type", "str")
    assert documented.get("default") == spec.get("default")
    assert bool(documented.get("required", False)) == bool(spec.get("required", False))


@pytest.mark.parametrize("name", sorted(SPEC))
def test_environment_fallbacks_are_the_documented_ones(name: str) -> None:
    fallback = SPEC[name].get("fallback")
    from_spec = set(fallback[1]) if fallback else set()
    from_docs = set(re.findall(r"the value of the E\((MESSENTE_[A-Z_]+)\) environment variable is used", " ".join(DOCUMENTED[name]["description"])))

    assert from_spec == from_docs


def test_secret_options_are_no_log() -> None:
    secret = {name for name in SPEC if any(word in name for word in SECRET_WORDS)}

    assert secret == {"api_password"}
    assert {name for name, spec in SPEC.items() if spec.get("no_log")} == secret


def test_default_api_url_is_the_clients() -> None:
    assert SPEC["api_url"]["default"] == _client.DEFAULT_API_URL == "https://api.messente.com/v1"


MODULES = {"messente_scheduled_message": messente_scheduled_message, "messente_scheduled_message_info": messente_scheduled_message_info}


@pytest.mark.parametrize("module", list(MODULES.values()), ids=list(MODULES))
def test_modules_use_the_fragment_and_the_shared_spec(module: Any) -> None:
    documentation = yaml.safe_load(module.DOCUMENTATION)

    assert "messente.omnichannel.connection" in documentation["extends_documentation_fragment"]
    assert not set(documentation["options"]) & set(SPEC)
    assert not set(module.MODULE_OPTIONS) & set(SPEC)


def test_collection_version_matches_galaxy_yml() -> None:
    galaxy = yaml.safe_load((COLLECTION_ROOT / "galaxy.yml").read_text(encoding="utf-8"))

    assert (galaxy["namespace"], galaxy["name"]) == ("messente", "omnichannel")
    assert _client.COLLECTION_VERSION == galaxy["version"]
    assert _client.USER_AGENT == f"messente.omnichannel/{galaxy['version']} (Ansible collection)"

# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The scripted-HTTP harness must itself fail loudly, or every other test could pass for the wrong reason."""

from __future__ import annotations

import pytest
import requests

from ansible_collections.messente.omnichannel.plugins.module_utils._client import MessenteClient
from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import (
    API_URL,
    PASSWORD,
    USERNAME,
    Call,
    ScriptedHTTP,
    assert_no_secret,
)

OID = "4f1a4a3e-52a2-4b8a-9e63-0c3c6b0c1f9e"
STATUS_URL = f"{API_URL}/omnimessage/{OID}/status"


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch) -> ScriptedHTTP:
    """A harness whose end-of-test check the test calls itself, to see it fail."""
    scripted = ScriptedHTTP()
    scripted.install(monkeypatch)
    return scripted


def client(password: str = PASSWORD) -> MessenteClient:
    return MessenteClient(api_url=API_URL, username=USERNAME, password=password, retries=0)


def test_unexpected_request_fails(harness: ScriptedHTTP) -> None:
    with pytest.raises(AssertionError, match=f"unexpected request GET {STATUS_URL}; next expected: nothing"):
        client().delivery_status(OID)
    with pytest.raises(AssertionError, match="unexpected request"):
        harness.verify()


def test_request_to_another_url_fails(harness: ScriptedHTTP) -> None:
    harness.script(Call("DELETE", f"{API_URL}/omnimessage/{OID}", status=202, reply={}))

    with pytest.raises(AssertionError, match=f"next expected: DELETE {API_URL}/omnimessage/{OID}"):
        client().delivery_status(OID)


def test_wrong_credentials_fail(harness: ScriptedHTTP) -> None:
    harness.script(Call("GET", STATUS_URL, reply={}))

    with pytest.raises(AssertionError, match="carried Authorization 'Basic "):
        client(password="another-password-entirely").delivery_status(OID)


def test_wrong_body_fails(harness: ScriptedHTTP) -> None:
    harness.script(Call("POST", f"{API_URL}/omnimessage", body={"to": "+37251234567"}, status=201, reply={}))

    with pytest.raises(AssertionError, match="sent body"):
        client().schedule({"to": "+37251234568"})


def test_missing_body_fails(harness: ScriptedHTTP) -> None:
    harness.script(Call("POST", f"{API_URL}/omnimessage", body={"to": "+37251234567"}, status=201, reply={}))

    with pytest.raises(AssertionError, match="sent body None"):
        requests.Session().request("POST", f"{API_URL}/omnimessage", auth=(USERNAME, PASSWORD))


def test_calls_never_made_fail_the_end_check(harness: ScriptedHTTP) -> None:
    harness.script(Call("GET", STATUS_URL, reply={}), Call("GET", STATUS_URL, reply={}))
    client().delivery_status(OID)

    with pytest.raises(AssertionError, match=f"scripted calls never made: GET {STATUS_URL}"):
        harness.verify()


def test_lanes_keep_their_own_order(harness: ScriptedHTTP) -> None:
    harness.script(Call("GET", STATUS_URL, reply={"first": True}), Call("GET", STATUS_URL, reply={"second": True}))

    assert client().delivery_status(OID) == {"first": True}
    assert client().delivery_status(OID) == {"second": True}
    harness.verify()


def test_scripted_exceptions_are_raised(harness: ScriptedHTTP) -> None:
    harness.script(Call("GET", STATUS_URL, raises=requests.exceptions.ReadTimeout("slow")))

    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.Session().request("GET", STATUS_URL, auth=(USERNAME, PASSWORD))


def test_secret_check_catches_every_form() -> None:
    for text in (PASSWORD, f"{USERNAME}:{PASSWORD}", "Basic dW5pdC10ZXN0LWFwaS11c2VyOlpxOC11bml0LXRlc3QtcGFzc3dvcmQtNGY3YTFj"):
        with pytest.raises(AssertionError, match="leaked into the probe"):
            assert_no_secret("the probe", f"before {text} after")

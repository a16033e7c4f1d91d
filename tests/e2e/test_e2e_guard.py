# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The request guard of conftest.py: what counts as a refusal the sandbox made, and that a declared one passes."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from messente_e2e import E2E_PASSWORD, E2E_USERNAME, SEND_PATH, basic_token, calls, find_rejections
from messente_sandbox import SandboxServer


def entry(status: int | None, fault: dict | None = None) -> dict:
    return {"method": "POST", "path": SEND_PATH, "status": status, "fault": fault}


def test_only_the_sandbox_s_own_refusals_count() -> None:
    log = [
        entry(201),
        entry(400),
        entry(401),
        entry(404),
        entry(503, {"status": 503, "processed": None}),
        entry(400, {"status": 400, "processed": None}),
        entry(None, {"drop": True, "processed": {"status": 400, "response": {}}}),
        entry(201, {"delay": 4.0, "processed": {"status": 201, "response": {}}}),
    ]

    assert find_rejections(log) == [log[1], log[2], log[6]]


@pytest.mark.expect_rejected(400)
def test_a_body_the_sandbox_refuses_is_caught(sandbox: SandboxServer) -> None:
    request = urllib.request.Request(
        f"{sandbox.base_url}/omnimessage", method="POST", data=json.dumps({"to": "12345", "messages": [{"channel": "sms", "text": "x"}]}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Basic {basic_token(E2E_USERNAME, E2E_PASSWORD)}"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        with urllib.request.urlopen(request, timeout=10):
            pass
    refused.value.close()

    assert refused.value.code == 400
    assert calls(find_rejections(sandbox.requests)) == [("POST", SEND_PATH, 400)]
    assert sandbox.requests[0]["response"]["errors"][0]["source"] == "to"

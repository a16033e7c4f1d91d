# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a user sees after the usual set-up mistakes, through real ansible runs: a message that says what to fix.

Each case comes from an outside review: a null id after a multi-recipient schedule, an api_url without /v1, https:// to
a plain-HTTP server, missing credentials, a cancel of an id Messente does not know, and --check of the shipped playbook.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from messente_e2e import RECIPIENT, SEND_PATH, AnsibleRunner, calls
from messente_sandbox import SandboxServer
from test_e2e_scheduling import SCHEDULE, future

OTHER_RECIPIENT = "+442079460958"
UNKNOWN_ID = "8f4b1f7e-2c4d-4a8b-9e57-1d2c3b4a5f60"


def schedule_args(when: str) -> str:
    return f"to='{RECIPIENT}' text='Set-up e2e notice' time_to_send={when}"


def test_null_id_after_a_multi_recipient_schedule_names_the_option_and_the_fix(ansible: AnsibleRunner, sandbox: SandboxServer,
                                                                               tmp_path: Path) -> None:
    play = tmp_path / "null_id.yml"
    play.write_text(f"""---
- name: Cancel with the single-id key of a two-recipient schedule
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Schedule two recipients
      {SCHEDULE}:
        to: ["{RECIPIENT}", "{OTHER_RECIPIENT}"]
        text: Two recipients
        time_to_send: "+2h"
      register: notice
    - name: Cancel by the single id
      {SCHEDULE}:
        state: absent
        omnimessage_id: "{{{{ notice.omnimessage_id }}}}"
""", encoding="utf-8")

    run = ansible.playbook(str(play), sandbox.base_url)

    assert run.rc == 2, run.describe()
    assert run.failed("Cancel by the single id")
    message = run.result("Cancel by the single id")["msg"]
    assert message.startswith("omnimessage_id: is required with state=absent and must not be null or empty"), message
    assert 'omnimessage_id: \\"{{ result.omnimessage_ids }}\\"' in message or '"{{ result.omnimessage_ids }}"' in message, message
    assert "NoneType" not in run.output and "MODULE FAILURE" not in run.output
    assert calls(sandbox.requests) == [("POST", "/v1/omnimessages", 201)]


def test_api_url_without_the_version_path_says_so(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    run = ansible.adhoc(SCHEDULE, schedule_args(future(hours=2).isoformat()), sandbox.root_url)

    assert run.rc != 0
    message = run.result(SCHEDULE)["msg"]
    assert "404 Not found, code 101" in message
    assert message.endswith(f"api_url {sandbox.root_url} probably lacks the /v1 version path (Messente's is https://api.messente.com/v1)"), message
    assert calls(sandbox.requests) == [("POST", "/omnimessage", 404)]


def test_https_to_a_plain_http_server_says_it_does_not_speak_tls(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    url = sandbox.base_url.replace("http://", "https://")

    run = ansible.adhoc(SCHEDULE, schedule_args(future(hours=2).isoformat()), url)

    assert run.rc != 0
    message = run.result(SCHEDULE)["msg"]
    assert f"the server at https://127.0.0.1:{sandbox.port} does not speak TLS" in message, message
    assert "use an http:// api_url" in message and "REQUESTS_CA_BUNDLE" not in message
    assert sandbox.messages == []


def test_missing_credentials_name_the_environment_variables_and_module_defaults(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    run = ansible.adhoc(SCHEDULE, schedule_args("+2h"), sandbox.base_url,
                        env={"MESSENTE_API_USERNAME": None, "MESSENTE_API_PASSWORD": None})

    assert run.rc != 0
    assert run.result(SCHEDULE)["msg"] == (
        "api_username and api_password: are required and must not be empty: set them in the task, through the "
        "MESSENTE_API_USERNAME environment variable and the MESSENTE_API_PASSWORD environment variable, or once for "
        "every task with module_defaults (group/messente.omnichannel.messente)"
    )
    assert sandbox.requests == []


@pytest.mark.parametrize("missing_ok", [False, True])
def test_cancel_of_an_id_messente_does_not_know(ansible: AnsibleRunner, sandbox: SandboxServer, missing_ok: bool) -> None:
    run = ansible.adhoc(SCHEDULE, f"state=absent omnimessage_id={UNKNOWN_ID} missing_ok={missing_ok}", sandbox.base_url)

    result = run.result(SCHEDULE)
    assert calls(sandbox.requests) == [("DELETE", f"{SEND_PATH}/{UNKNOWN_ID}", 404), ("GET", f"{SEND_PATH}/{UNKNOWN_ID}/status", 404)]
    assert result["changed"] is False
    if missing_ok:
        assert run.rc == 0, run.describe()
        assert result["msg"].endswith("nothing to cancel (missing_ok)")
    else:
        assert run.rc != 0
        assert "nothing was cancelled and the message, if it exists, will still be sent. Likely causes: (1)" in result["msg"]
        assert result["msg"].endswith("If the message may really not exist, set missing_ok: true")


def test_shipped_playbook_runs_in_check_mode_without_requests(ansible: AnsibleRunner, sandbox: SandboxServer) -> None:
    run = ansible.playbook("messente.omnichannel.schedule_inspect_cancel", sandbox.base_url, options=["--check"])

    assert run.rc == 0, run.describe()
    assert sandbox.requests == []
    assert re.search(r"omnimessage_id:\s+none, check mode schedules nothing", run.stdout), run.stdout
    assert re.search(r"channels:\s+viber -> sms", run.stdout), run.stdout
    assert re.search(r"state before cancel:\s+nothing stored yet", run.stdout), run.stdout

# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every option of every module, fed null, "", [], a dict and a number: a clear failure naming the option, or a run.

No value of any type may surface as a Python exception (in Ansible: "MODULE FAILURE" or "Module failed: 'NoneType'
object is not iterable"). A value the module refuses must be refused before any request; a value it accepts (a number
where a string is expected is converted by Ansible) simply runs. The options are read from each module's real
argument spec, so an option added later is covered without touching this file.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from ansible_collections.messente.omnichannel.plugins.module_utils import _module
from ansible_collections.messente.omnichannel.plugins.modules import messente_scheduled_message, messente_scheduled_message_info
from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import ModuleRunner, module_args

OID = "4f1a4a3e-52a2-4b8a-9e63-0c3c6b0c1f9e"
VALUES = {"null": None, "empty-string": "", "empty-list": [], "dict": {"field": "value"}, "number": 42}
BASES = {
    "present": {"to": ["+37251234567"], "text": "Maintenance at 10:00", "time_to_send": "2030-06-22T09:05"},
    "absent": {"state": "absent", "omnimessage_id": [OID]},
    "info": {"omnimessage_id": [OID]},
}
SCHEDULED_REPORT = {"statuses": [{"channel": "sms", "status": None}], "to": "+37251234567", "omnimessage_id": OID}


def _cases() -> Iterator[Any]:
    modules = {"present": messente_scheduled_message, "absent": messente_scheduled_message, "info": messente_scheduled_message_info}
    for base, module in modules.items():
        spec = _module.messente_argument_spec(**module.MODULE_OPTIONS)
        for option in sorted(spec):
            for label, value in VALUES.items():
                yield pytest.param(module, base, option, None, value, id=f"{base}-{option}-{label}")
        for suboption in sorted(spec.get("messages", {}).get("options", {})):
            for label, value in VALUES.items():
                yield pytest.param(module, base, "messages", suboption, value, id=f"{base}-messages.{suboption}-{label}")


class AnyStatus:
    """A permissive network: every status read finds a scheduled message; every request is recorded."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def answer(self, method: str, url: str) -> requests.Response:
        self.seen.append(f"{method} {url}")
        response = requests.Response()
        response.status_code = 200 if method == "GET" else 500
        response._content = json.dumps(SCHEDULED_REPORT).encode("utf-8")  # pylint: disable=protected-access
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        return response


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> AnyStatus:
    fake = AnyStatus()
    monkeypatch.setattr(requests.Session, "request", lambda _session, method, url, **_kwargs: fake.answer(method, url))
    return fake


@pytest.mark.parametrize(("module", "base", "option", "suboption", "value"), list(_cases()))
def test_a_value_of_any_type_is_refused_by_name_or_accepted(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                            network: AnyStatus, module: Any, base: str, option: str,
                                                            suboption: str | None, value: Any) -> None:
    args = module_args(**BASES[base])
    if suboption is None:
        args[option] = value
    else:
        args["messages"] = [{"channel": "sms", suboption: value} if suboption != "channel" else {"channel": value}]

    run = ModuleRunner(monkeypatch, capsys)(args, check_mode=True, module=module)  # an exception here fails the test

    if run.failed:
        named = suboption or option
        assert named in run.msg, f"the failure does not name {named!r}: {run.msg}"
        assert "Traceback" not in run.stdout and "object is not" not in run.msg, run.msg
        assert network.seen == [], f"a refused value still caused requests: {network.seen}"
    else:
        assert all(seen.startswith("GET ") for seen in network.seen), network.seen

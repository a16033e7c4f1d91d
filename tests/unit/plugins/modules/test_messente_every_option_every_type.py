# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every option of every module, fed null, "", [], a dict and a number: a clear failure naming the option, or a run.

No value of any type may surface as a Python exception (in Ansible: "MODULE FAILURE" or "Module failed: 'NoneType'
object is not iterable"). A value the module refuses must be refused before any request; a value it accepts (a number
where a string is expected is converted by Ansible) simply runs. The options are read from each module's real
argument spec, so an option added later is covered without touching this file.

Suboptions of ``messages`` are fed at every depth of the nested option tree (each table field once): each value
replaces one suboption inside a valid example of a channel that has it (tests/unit/plugins/module_utils/channel_examples.py), so the failure, if
any, is about that suboption and nothing else.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from ansible_collections.messente.omnichannel.plugins.module_utils import _module
from ansible_collections.messente.omnichannel.plugins.module_utils._channels import Variant, channel_variants, merge
from ansible_collections.messente.omnichannel.plugins.modules import messente_scheduled_message, messente_scheduled_message_info
from ansible_collections.messente.omnichannel.tests.unit.plugins.messente_http import ModuleRunner, module_args
from ansible_collections.messente.omnichannel.tests.unit.plugins.module_utils.channel_examples import EXAMPLES, Example

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


def _distinct_paths(parents: list[Variant], trail: tuple[str, ...], seen: set) -> Iterator[tuple[str, ...]]:
    """Every suboption path of the table's option tree, a field shared by several places only at its first place.

    The RCS suggestion under the message and under each card is one table field: the same argument spec shape and
    the same code, so feeding it once keeps the matrix (and the units run on six Pythons) small.
    """
    for name, variants in merge(parents).items():
        key = tuple(id(variant.field) for variant in variants)
        if key in seen:
            continue
        seen.add(key)
        yield trail + (name,)
        yield from _distinct_paths(variants, trail + (name,), seen)


def _reaches(value: Any, path: tuple[str, ...]) -> bool:
    if not path:
        return True
    if isinstance(value, list):
        return any(_reaches(element, path) for element in value)
    return isinstance(value, dict) and value.get(path[0]) is not None and _reaches(value[path[0]], path[1:])


def _replace_first(value: Any, path: tuple[str, ...], new: Any) -> None:
    """Put ``new`` at the first place ``path`` leads to (the first list element that has the rest of the path)."""
    if isinstance(value, list):
        _replace_first(next(element for element in value if _reaches(element, path[:-1])), path, new)
    elif len(path) == 1:
        value[path[0]] = new
    else:
        _replace_first(value[path[0]], path[1:], new)


NESTED_PATHS = [path for path in _distinct_paths(channel_variants(), (), set()) if len(path) > 1]


def _nested_cases() -> Iterator[Any]:
    for path in NESTED_PATHS:
        example = [example for example in EXAMPLES if _reaches(example.message, path[:-1])][0]
        for label, value in VALUES.items():
            yield pytest.param(example, path, value, id=f"present-messages.{'.'.join(path)}-{label}")


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


def test_every_nested_suboption_sits_in_some_example() -> None:
    """Each suboption at every depth is fed, since some example holds the object it belongs to."""
    assert len(NESTED_PATHS) > 80 and max(len(path) for path in NESTED_PATHS) >= 5
    assert all(any(_reaches(example.message, path[:-1]) for example in EXAMPLES) for path in NESTED_PATHS)


@pytest.mark.parametrize(("example", "path", "value"), list(_nested_cases()))
def test_a_value_of_any_type_in_a_nested_suboption_is_refused_by_name_or_accepted(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], network: AnyStatus, example: Example,
        path: tuple[str, ...], value: Any) -> None:
    message = json.loads(json.dumps(example.message))
    _replace_first(message, path, value)

    run = ModuleRunner(monkeypatch, capsys)(module_args(**dict(BASES["present"], messages=[message])), check_mode=True)

    if run.failed:
        assert path[-1] in run.msg, f"the failure does not name {path[-1]!r}: {run.msg}"
        assert "Traceback" not in run.stdout and "object is not" not in run.msg, run.msg
    assert network.seen == [], f"check mode of a schedule made requests: {network.seen}"

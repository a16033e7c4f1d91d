# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scripted HTTP for the unit tests: every request the collection makes must be one the test expected.

``ScriptedHTTP`` replaces ``requests.Session.request``. A test scripts the calls it expects, each with the canned
answer, in one or more ordered lanes (one lane for a sequential flow, one lane per id for parallel cancels). Each
request is prepared exactly as requests would send it, so method, URL, JSON body and the Basic ``Authorization``
header are checked on what would really go over the wire. Unexpected or mismatching requests fail the test, and
so does a scripted call that never came. Sleeps are recorded instead of slept, on a clock that moves only by them.

``ModuleRunner`` runs a module's ``main()`` with patched module args, keeps what it handed to ``exit_json`` or
``fail_json`` and also parses the JSON it really printed, and checks on both that no form of the password leaks.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from types import ModuleType
from typing import Any, Callable, Iterator

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.messente.omnichannel.plugins.module_utils import _client, _time
from ansible_collections.messente.omnichannel.plugins.modules import messente_scheduled_message

try:  # ansible-core 2.19 and later
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core 2.18 and earlier read the args from basic._ANSIBLE_ARGS
    @contextlib.contextmanager
    def patch_module_args(args: dict[str, Any] | None = None) -> Iterator[None]:
        old = basic._ANSIBLE_ARGS  # pylint: disable=protected-access
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}))  # pylint: disable=protected-access
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = old  # pylint: disable=protected-access

USERNAME = "unit-test-api-user"
PASSWORD = "Zq8-unit-test-password-4f7a1c"
BASIC_TOKEN = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode("utf-8")).decode("ascii")
SECRETS = (PASSWORD, BASIC_TOKEN, f"{USERNAME}:{PASSWORD}")
API_URL = "http://127.0.0.1:18999/v1"
# The fixed clock every module run sees.
NOW = datetime(2030, 6, 1, 8, 0, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Call:
    """One expected request and its canned answer.

    ``body`` is the JSON the request must carry (None: no body at all). The answer is ``reply`` (JSON), or ``raw``
    (text sent as is), with ``status`` and ``headers``; or, when ``raises`` is set, that exception instead.
    ``before_answer`` runs in the requesting thread just before the answer, to order what other threads do meanwhile.
    """

    method: str
    url: str
    body: Any = None
    status: int = 200
    reply: Any = None
    raw: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    raises: BaseException | None = None
    before_answer: Callable[[], None] | None = None

    def describe(self) -> str:
        return f"{self.method} {self.url}"


@dataclass(frozen=True)
class Seen:
    """A request as it would have gone over the wire."""

    method: str
    url: str
    body: Any
    headers: CaseInsensitiveDict
    timeout: Any
    verify: Any

    def describe(self) -> str:
        return f"{self.method} {self.url}"


class ScriptedHTTP:
    """Stand-in for the network: answers scripted calls, refuses everything else."""

    def __init__(self, username: str = USERNAME, password: str = PASSWORD) -> None:
        token = base64.b64encode(f"{username}:{password}".encode("utf-8")).decode("ascii")
        self.expected_authorization = f"Basic {token}"
        self.lanes: list[deque[Call]] = []
        self.seen: list[Seen] = []
        self.sleeps: list[float] = []
        self.now = 0.0
        self.problems: list[str] = []
        self._lock = threading.Lock()

    def script(self, *calls: Call) -> ScriptedHTTP:
        """Add one lane: these calls must come in this order (other lanes may interleave)."""
        self.lanes.append(deque(calls))
        return self

    def parallel(self, *lanes: list[Call]) -> ScriptedHTTP:
        """Add several lanes at once, for work done by concurrent threads."""
        for lane in lanes:
            self.script(*lane)
        return self

    @property
    def requests(self) -> list[str]:
        return [seen.describe() for seen in self.seen]

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Route every Session.request here and give every client a recording sleep."""
        scripted = self

        def fake_request(session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
            return scripted.answer(session, method, url, **kwargs)

        original_init = _client.MessenteClient.__init__

        def init_with_recorded_time(client: _client.MessenteClient, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("sleep", self.sleep)
            kwargs.setdefault("clock", self.clock)
            original_init(client, *args, **kwargs)

        monkeypatch.setattr(requests.Session, "request", fake_request)
        monkeypatch.setattr(_client.MessenteClient, "__init__", init_with_recorded_time)

    def clock(self) -> float:
        """The clients' monotonic clock: it only moves when a client sleeps."""
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        """Record the wait instead of waiting, and move the clock on by it."""
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def answer(self, session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
        prepared = session.prepare_request(requests.Request(
            method, url, headers=kwargs.get("headers"), json=kwargs.get("json"), data=kwargs.get("data"),
            params=kwargs.get("params"), auth=kwargs.get("auth"),
        ))
        seen = Seen(method.upper(), prepared.url, _decode_body(prepared.body), prepared.headers,
                    kwargs.get("timeout"), kwargs.get("verify"))
        with self._lock:
            self.seen.append(seen)
            call = self._take(seen)
        self._check(call, seen)
        if call.before_answer is not None:
            call.before_answer()
        if call.raises is not None:
            raise call.raises
        return _build_response(call, prepared)

    def _take(self, seen: Seen) -> Call:
        """The next call of the first lane it fits; lanes waiting for the same URL are told apart by the body."""
        fitting = [lane for lane in self.lanes if lane and lane[0].method == seen.method and lane[0].url == seen.url]
        for lane in fitting:
            if lane[0].body == seen.body:
                return lane.popleft()
        if fitting:
            return fitting[0].popleft()  # the body check then reports the mismatch
        waiting = [lane[0].describe() for lane in self.lanes if lane] or ["nothing"]
        self._fail(f"unexpected request {seen.describe()}; next expected: {', '.join(waiting)}")
        raise AssertionError("unreachable")

    def _check(self, call: Call, seen: Seen) -> None:
        authorization = seen.headers.get("Authorization")
        if authorization != self.expected_authorization:
            self._fail(f"{seen.describe()} carried Authorization {authorization!r}, expected {self.expected_authorization!r}")
        if seen.body != call.body:
            self._fail(f"{seen.describe()} sent body {seen.body!r}, expected {call.body!r}")

    def _fail(self, problem: str) -> None:
        self.problems.append(problem)
        raise AssertionError(problem)

    def verify(self) -> None:
        """Every scripted call happened and nothing else did."""
        missing = [call.describe() for lane in self.lanes for call in lane]
        problems = self.problems + ([f"scripted calls never made: {', '.join(missing)}"] if missing else [])
        if problems:
            raise AssertionError("; ".join(problems))


def _decode_body(body: bytes | str | None) -> Any:
    if body is None:
        return None
    return json.loads(body)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _build_response(call: Call, prepared: requests.PreparedRequest) -> requests.Response:
    response = requests.Response()
    response.status_code = call.status
    response.reason = _reason(call.status)
    response.url = prepared.url or ""
    response.request = prepared
    response.encoding = "utf-8"
    headers: dict[str, str] = {}
    if call.raw is not None:
        headers["Content-Type"] = "text/html; charset=utf-8"
        response._content = call.raw.encode("utf-8")  # pylint: disable=protected-access
    elif call.reply is not None:
        headers["Content-Type"] = "application/json"
        response._content = json.dumps(call.reply).encode("utf-8")  # pylint: disable=protected-access
    else:
        response._content = b""  # pylint: disable=protected-access
    headers.update(call.headers)
    response.headers = CaseInsensitiveDict(headers)
    return response


def assert_no_secret(where: str, text: str) -> None:
    """The password, ``user:password`` and the Base64 Basic token must never appear anywhere."""
    for secret in SECRETS:
        assert secret not in text, f"a form of the API password leaked into {where}: {text[:500]}"


@dataclass
class ModuleRun:
    """What one run of the module returned, as the task sees it and as Ansible would print it."""

    exit_code: int
    result: dict[str, Any]
    printed: dict[str, Any]
    stdout: str
    warnings: list[str]

    @property
    def failed(self) -> bool:
        return self.exit_code != 0

    @property
    def msg(self) -> str:
        return self.result.get("msg", "")


class ModuleRunner:
    """Run a module's ``main()`` (messente_scheduled_message unless told otherwise) the way Ansible would."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], now: datetime = NOW) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        self.now = now

    def __call__(self, args: dict[str, Any], check_mode: bool = False, diff: bool = False,
                 module: ModuleType = messente_scheduled_message) -> ModuleRun:
        returned: list[dict[str, Any]] = []
        warnings: list[str] = []
        self._spy(module, returned, warnings)
        _clear_ansible_warnings()
        self.capsys.readouterr()
        module_args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
        with patch_module_args(module_args), pytest.raises(SystemExit) as exited:
            module.main()
        captured = self.capsys.readouterr()
        assert len(returned) == 1, f"the module must finish exactly once, got {len(returned)} results"
        run = ModuleRun(exit_code=exited.value.code or 0, result=returned[0], printed=json.loads(captured.out),
                        stdout=captured.out, warnings=warnings)
        _check_secrecy(run, captured.err)
        assert run.printed.get("failed", False) is run.failed, f"printed failed flag disagrees with exit code {run.exit_code}"
        return run

    def _spy(self, module: ModuleType, returned: list[dict[str, Any]], warnings: list[str]) -> None:
        """Record what the module hands to Ansible, then let Ansible print and exit as usual."""
        original_exit, original_fail, original_warn = basic.AnsibleModule.exit_json, basic.AnsibleModule.fail_json, basic.AnsibleModule.warn
        now = self.now

        def exit_json(ansible_module: basic.AnsibleModule, **kwargs: Any) -> None:
            returned.append(copy.deepcopy(kwargs))
            original_exit(ansible_module, **kwargs)

        def fail_json(ansible_module: basic.AnsibleModule, msg: str, **kwargs: Any) -> None:
            returned.append(copy.deepcopy(dict(kwargs, msg=msg, failed=True)))
            original_fail(ansible_module, msg, **kwargs)

        def warn(ansible_module: basic.AnsibleModule, warning: str, **kwargs: Any) -> None:
            warnings.append(warning)
            original_warn(ansible_module, warning, **kwargs)

        self.monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
        self.monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
        self.monkeypatch.setattr(basic.AnsibleModule, "warn", warn)
        self.monkeypatch.setattr(module, "utc_now", lambda: now, raising=False)
        self.monkeypatch.setattr(_time, "utc_now", lambda: now)


def _clear_ansible_warnings() -> None:
    """ansible-core keeps warnings in module-global state; a previous test's warnings must not leak into this run."""
    from ansible.module_utils.common import warnings as ansible_warnings  # pylint: disable=import-outside-toplevel

    for name in ("_global_warnings", "_global_deprecations"):
        store = getattr(ansible_warnings, name, None)
        if store is not None:
            store.clear()


def _check_secrecy(run: ModuleRun, stderr: str) -> None:
    assert_no_secret("the task result", json.dumps(run.result, default=str))
    assert_no_secret("the printed module output", run.stdout)
    assert_no_secret("stderr", stderr)
    assert_no_secret("the warnings", json.dumps(run.warnings))


def module_args(**options: Any) -> dict[str, Any]:
    """Module args with the test credentials and the loopback API URL, plus ``options``."""
    return dict({"api_username": USERNAME, "api_password": PASSWORD, "api_url": API_URL}, **options)

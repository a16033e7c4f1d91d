# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
"""The /_sandbox/ control API: what tests and benchmarks use to inspect and steer the sandbox over HTTP.

Why apart from the Messente API: it needs no credentials, is never logged, and never throttled or delayed.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox_faults import Fault, OptionError
from sandbox_http import ApiError, ApiRequest, Response, json_object
from sandbox_state import Route, SandboxState, resolve

CONTROL_PREFIX = "/_sandbox/"


class ControlApi:
    """Routes /_sandbox/ calls to the state they read or change."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state
        self.routes: tuple[Route, ...] = (
            (re.compile(r"/_sandbox/requests"), {"GET": lambda *_: Response(200, state.log())}),
            (re.compile(r"/_sandbox/messages"), {"GET": lambda *_: Response(200, state.messages())}),
            (re.compile(r"/_sandbox/stats"), {"GET": lambda *_: Response(200, state.stats())}),
            (re.compile(r"/_sandbox/reset"), {"POST": self._reset}),
            (re.compile(r"/_sandbox/faults"), {"GET": lambda *_: Response(200, state.faults()), "POST": self._fault}),
            (re.compile(r"/_sandbox/clock"), {"GET": lambda *_: Response(200, state.clock()), "POST": self._clock}),
            (re.compile(r"/_sandbox/config"), {"GET": lambda *_: Response(200, state.options.describe()), "POST": self._config}),
        )

    def handle(self, request: ApiRequest) -> Response:
        try:
            handler, params = resolve(self.routes, request.method, request.path)
            return handler(request, params)
        except ApiError as exc:
            return exc.response()

    def _reset(self, _request: ApiRequest, _params: dict[str, str]) -> Response:
        self._state.reset()
        return Response(200, {})

    def _fault(self, request: ApiRequest, _params: dict[str, str]) -> Response:
        try:
            return Response(200, self._state.add_fault(Fault(**json_object(request))))
        except (TypeError, ValueError) as exc:
            raise ApiError(400, f"Invalid fault: {exc}") from exc

    def _clock(self, request: ApiRequest, _params: dict[str, str]) -> Response:
        try:
            self._state.advance_clock(json_object(request).get("advance_seconds"))
        except ValueError as exc:
            raise ApiError(400, str(exc), "advance_seconds") from exc
        return Response(200, self._state.clock())

    def _config(self, request: ApiRequest, _params: dict[str, str]) -> Response:
        changes: dict[str, Any] = json_object(request)
        try:
            return Response(200, self._state.configure(changes))
        except OptionError as exc:
            raise ApiError(400, str(exc), exc.name) from exc

# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Connection options shared by every module; the argument spec lives in module_utils/_module.py."""

    DOCUMENTATION = r"""
options:
  api_username:
    description:
      - Username of the Messente API key (in the Messente dashboard under API settings).
      - This is not the login name of the Messente dashboard.
      - If not set, the value of the E(MESSENTE_API_USERNAME) environment variable is used.
      - Required, from the task, the environment or C(module_defaults); the task fails before any request without it.
    type: str
  api_password:
    description:
      - Password of the Messente API key, sent with HTTP Basic authentication over HTTPS.
      - If not set, the value of the E(MESSENTE_API_PASSWORD) environment variable is used.
      - The value never appears in task results, warnings or error messages, nor does its Base64 form.
      - Required, from the task, the environment or C(module_defaults); the task fails before any request without it.
    type: str
  api_url:
    description:
      - Base URL of the Messente API, up to and including the version path.
      - Point it at a test server, such as the local sandbox shipped in this collection's tests, to try playbooks without sending messages.
      - If not set, the value of the E(MESSENTE_API_URL) environment variable is used, and then the default.
    type: str
    default: https://api.messente.com/v1
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(api_url).
      - To trust a private CA or a TLS-inspecting proxy, set E(REQUESTS_CA_BUNDLE) to its bundle instead of turning this off.
      - Setting it to V(false) adds a warning to the task result; use it only for testing.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for Messente to accept the connection and, separately, to answer a request.
    type: float
    default: 30
  retries:
    description:
      - How many times a failed request is tried again; V(0) turns retries off, for HTTP 429 too.
      - Reads and cancels (GET, DELETE) are retried on connection errors, timeouts, HTTP 429, 502, 503 and 504.
      - Scheduling (POST) is retried only when Messente provably did not process the request, that is on HTTP 429 and
        when the connection could not be opened at all. A read timeout, a dropped connection or an HTTP 5xx answer
        to a POST is never retried, because the message may already be scheduled; the task fails and says so.
      - The first retry waits between 0.5 and 1 second, and each further wait doubles, up to 15 to 30 seconds (the
        random spread keeps parallel tasks apart), unless Messente sends a C(Retry-After) header, which is honoured up
        to 120 seconds. A longer C(Retry-After) fails the task instead.
      - HTTP 429 (too many requests) does not count against O(retries). A request answered 429 is tried again as long
        as its waits for 429 answers add up to at most 300 seconds, so a sustained rate limit slows the task down
        instead of failing it. Each 429 pauses every request of the task for its wait, and halves how many requests
        may be in flight at once; after as many successes in a row as are then allowed, one more may be in flight
        again, up to the task's concurrency.
      - Each retry adds a warning to the task result, up to 20 warnings per task; further retries are summed up in
        one last warning.
    type: int
    default: 3
notes:
  - Requests go through the Python C(requests) library, so the usual environment variables apply, for example
    E(HTTPS_PROXY), E(NO_PROXY) and E(REQUESTS_CA_BUNDLE).
  - The module runs on the managed node. Most playbooks therefore use C(delegate_to=localhost) or run on C(localhost)
    so that only the controller needs network access to Messente.
requirements:
  - requests
  - python-dateutil
seealso:
  - name: Messente Omnichannel API reference
    description: Endpoints, fields and error codes of the API these modules use.
    link: https://messente.com/documentation/omnichannel-api/api-reference
"""

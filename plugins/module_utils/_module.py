# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""What every messente.omnichannel module shares: connection options, library checks, client set-up, failures.

PRIVATE to the messente.omnichannel collection: not a public API, it may change in any release.
The options here are documented once, in the ``messente.omnichannel.connection`` doc fragment.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, NoReturn
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.messente.omnichannel.plugins.module_utils import _client, _time
from ansible_collections.messente.omnichannel.plugins.module_utils._client import MessenteClient, MessenteError
from ansible_collections.messente.omnichannel.plugins.module_utils._omnimessage import InputError, check_http_url, check_minimum


def connection_argument_spec() -> dict:
    """The shared options, with the environment fallbacks the doc fragment promises."""
    return {
        "api_username": {"type": "str", "required": True, "fallback": (env_fallback, ["MESSENTE_API_USERNAME"])},
        "api_password": {"type": "str", "required": True, "no_log": True, "fallback": (env_fallback, ["MESSENTE_API_PASSWORD"])},
        "api_url": {"type": "str", "default": _client.DEFAULT_API_URL, "fallback": (env_fallback, ["MESSENTE_API_URL"])},
        "validate_certs": {"type": "bool", "default": True},
        "timeout": {"type": "float", "default": 30.0},
        "retries": {"type": "int", "default": 3},
    }


def messente_argument_spec(**module_options: dict) -> dict:
    """Merge a module's own options with the shared ones, so no module can drift from the fragment."""
    spec = connection_argument_spec()
    spec.update(module_options)
    return spec


def require_libraries(module: AnsibleModule) -> None:
    """Fail with Ansible's standard install hint when requests or python-dateutil is missing on the target."""
    if not _client.HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=_client.REQUESTS_IMPORT_ERROR)
    if not _time.HAS_DATEUTIL:
        module.fail_json(msg=missing_required_lib("python-dateutil"), exception=_time.DATEUTIL_IMPORT_ERROR)


def check_connection_options(module: AnsibleModule) -> None:
    """Refuse a bad endpoint or limit before any request, naming the option; ``concurrency`` is shared by several modules."""
    params = module.params
    check_http_url(params["api_url"], "api_url")
    if params["timeout"] <= 0:
        raise InputError("timeout", f"must be a positive number of seconds, got {params['timeout']}")
    check_minimum(params["retries"], 0, "retries")
    if "concurrency" in params:
        check_minimum(params["concurrency"], 1, "concurrency")


@contextmanager
def open_client(module: AnsibleModule, result_on_error: dict) -> Iterator[MessenteClient]:
    """One client per task, always closed; a Messente error fails the task with ``result_on_error`` plus its details."""
    client = _build_client(module)
    try:
        yield client
    except MessenteError as error:
        result_on_error.update(error.as_result())
        module.fail_json(msg=error.message, **result_on_error)
    finally:
        client.close()


def _build_client(module: AnsibleModule) -> MessenteClient:
    """Retries are reported as task warnings so they show up in the play output."""
    params = module.params
    if not params["validate_certs"]:
        module.warn(f"validate_certs is false: the TLS certificate of {_endpoint(params['api_url'])} is not verified. Use this only for testing.")
    return MessenteClient(
        api_url=params["api_url"], username=params["api_username"], password=params["api_password"],
        timeout=params["timeout"], validate_certs=params["validate_certs"], retries=params["retries"],
        on_retry=module.warn, pool_size=params.get("concurrency", 1),
    )


def _endpoint(api_url: str) -> str:
    """Scheme, host and port only: a URL may carry credentials, and warnings are not masked by no_log."""
    parts = urlsplit(api_url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def exit_with(module: AnsibleModule, result: dict) -> NoReturn:
    """Finish the task; a result marked failed (a partial failure) fails it with everything it holds."""
    if result.pop("failed"):
        module.fail_json(**result)
    module.exit_json(**result)

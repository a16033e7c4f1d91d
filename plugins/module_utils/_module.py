# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# BSD 2-Clause License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""What every messente.omnichannel module shares: connection options, library checks, client set-up, failures.

PRIVATE to the messente.omnichannel collection: not a public API, it may change in any release.
The options here are documented once, in the ``messente.omnichannel.connection`` doc fragment.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator, Mapping, NoReturn

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.messente.omnichannel.plugins.module_utils import _client, _time
from ansible_collections.messente.omnichannel.plugins.module_utils._client import MessenteClient, MessenteError, describe_endpoint
from ansible_collections.messente.omnichannel.plugins.module_utils._ledger import (
    Identity,
    Ledger,
    LedgerError,
    LedgerLibraryMissing,
    open_ledger,
    url_secrets,
)
from ansible_collections.messente.omnichannel.plugins.module_utils._omnimessage import (
    InputError,
    check_http_url,
    check_minimum,
    check_positive,
)


DEFAULT_LEDGER = "~/.ansible/messente/ledger.sqlite3"
CREDENTIAL_OPTIONS = {"api_username": "MESSENTE_API_USERNAME", "api_password": "MESSENTE_API_PASSWORD"}


class MessenteModule(AnsibleModule):
    """AnsibleModule that reports every argument finding: ansible-core may put first one that names no option.

    For example ``messages: ""`` yields "dictionary requested, could not parse JSON or key=value" first and only then
    "Elements value for option 'messages' ...": a user must see which option is wrong.
    """

    def __init__(self, *args, **kwargs) -> None:
        self._validating = True
        super().__init__(*args, **kwargs)
        self._validating = False

    def _load_params(self) -> None:
        """Register every secret before the arguments are checked.

        A value that is not an object where nested options belong makes ansible-core (2.16 to 2.19) abandon collecting
        the no_log values, and then print the failure with the raw arguments, password included.
        """
        super()._load_params()
        shield_nested_objects(self.argument_spec, self.params)
        secrets = [self.params.get(name) for name, option in self.argument_spec.items() if option.get("no_log")]
        ledger = self.params.get("ledger") or os.environ.get("MESSENTE_LEDGER")
        secrets += url_secrets(ledger) if isinstance(ledger, str) else []
        self.no_log_values.update(value for value in secrets if isinstance(value, str) and value)

    def fail_json(self, msg, **kwargs) -> NoReturn:
        errors = getattr(getattr(self, "validation_result", None), "errors", None)
        if self._validating and errors:
            msg = "; ".join([msg] + [text for text in dict.fromkeys(map(str, errors)) if text not in msg])
        super().fail_json(msg=msg, **kwargs)


def shield_nested_objects(spec: Mapping[str, Mapping[str, Any]], params: Any) -> None:
    """Turn a number or boolean standing where an object with suboptions belongs into its text, in place.

    ansible-core (2.19 to 2.21) looks fallbacks up in such a value before checking that it is a dict, so ``image: 42``
    would end in a TypeError traceback instead of an error naming the option. As text it gets Ansible's own
    "unable to convert to dict" error, which names it.
    """
    if not isinstance(params, dict):
        return
    for name, option in spec.items():
        suboptions = option.get("options")
        value = params.get(name)
        if suboptions is None or value is None:
            continue
        elements = value if option.get("type") == "list" and isinstance(value, list) else [value]
        for index, element in enumerate(elements):
            if isinstance(element, (bool, int, float)):
                elements[index] = str(element)
            else:
                shield_nested_objects(suboptions, element)
        if elements is not value:
            params[name] = elements[0]


def connection_argument_spec() -> dict:
    """The shared options, with the environment fallbacks the doc fragment promises."""
    return {
        "api_username": {"type": "str", "fallback": (env_fallback, ["MESSENTE_API_USERNAME"])},
        "api_password": {"type": "str", "no_log": True, "fallback": (env_fallback, ["MESSENTE_API_PASSWORD"])},
        "api_url": {"type": "str", "default": _client.DEFAULT_API_URL, "fallback": (env_fallback, ["MESSENTE_API_URL"])},
        "validate_certs": {"type": "bool", "default": True},
        "timeout": {"type": "float", "default": 30.0},
        "retries": {"type": "int", "default": 3},
    }


def ledger_argument_spec() -> dict:
    """The ``ledger`` option both modules share, documented once in the ``messente.omnichannel.ledger`` fragment."""
    return {"ledger": {"type": "str", "default": DEFAULT_LEDGER, "no_log": False, "fallback": (env_fallback, ["MESSENTE_LEDGER"])}}


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
    """Refuse a bad endpoint, credential or limit before any request, naming the option; ``concurrency`` is shared by several modules."""
    params = module.params
    refuse_explicit_nulls(params, module.argument_spec)
    check_credentials(params)
    check_http_url(params["api_url"], "api_url")
    check_positive(params["timeout"], "timeout", "seconds")
    check_minimum(params["retries"], 0, "retries")
    if "concurrency" in params:
        check_minimum(params["concurrency"], 1, "concurrency")
    if params.get("rate_limit") is not None:
        check_positive(params["rate_limit"], "rate_limit", "requests per second")


def refuse_explicit_nulls(params: dict, spec: dict) -> None:
    """A text option with a default is empty only when the task set it to null or "", e.g. from an unset variable."""
    for name, option in spec.items():
        default = option.get("default")
        if isinstance(default, str) and default and params.get(name) in (None, ""):
            raise InputError(name, f"must not be null or empty; leave it out to use the default {default!r}")


def check_credentials(params: dict) -> None:
    """Both credentials must be real strings; say every place they can come from, since a missing one is a set-up mistake."""
    missing = [name for name in CREDENTIAL_OPTIONS if not isinstance(params.get(name), str) or not params[name].strip()]
    if missing:
        sources = " and ".join(f"the {CREDENTIAL_OPTIONS[name]} environment variable" for name in missing)
        raise InputError(
            " and ".join(missing),
            f"{'are' if len(missing) > 1 else 'is'} required and must not be empty: set {'them' if len(missing) > 1 else 'it'} "
            f"in the task, through {sources}, or once for every task with module_defaults "
            "(group/messente.omnichannel.messente)",
        )


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


@contextmanager
def open_module_ledger(module: AnsibleModule, result_on_error: dict, read_only: bool = False) -> Iterator[Ledger]:
    """The ledger named by the ``ledger`` option, opened (and proven writable) before any request; always closed.

    Read-only (check mode, the info module), nothing is created or written, and a ledger that does not exist is empty.
    """
    location = module.params["ledger"]
    if isinstance(location, str):
        module.no_log_values.update(url_secrets(location))  # a password in a postgresql:// URL is masked everywhere
    try:
        ledger = open_ledger(location, read_only=read_only)
    except LedgerLibraryMissing as missing:
        module.fail_json(msg=missing_required_lib(missing.library), exception=missing.traceback, **result_on_error)
    except LedgerError as error:
        module.fail_json(msg=error.message, **result_on_error)
    try:
        yield ledger
    except LedgerError as error:
        module.fail_json(msg=error.message, **result_on_error)
    finally:
        ledger.close()


def identity_of(params: dict) -> Identity:
    """Whose ledger entries these are: the API username and the API's scheme, host and port, never the password."""
    return Identity(params["api_username"], describe_endpoint(params["api_url"], path=False))


def _build_client(module: AnsibleModule) -> MessenteClient:
    """Retries are reported as task warnings so they show up in the play output."""
    params = module.params
    if not params["validate_certs"]:
        module.warn(f"validate_certs is false: the TLS certificate of {describe_endpoint(params['api_url'], path=False)} is not verified. "
                    "Use this only for testing.")
    return MessenteClient(
        api_url=params["api_url"], username=params["api_username"], password=params["api_password"],
        timeout=params["timeout"], validate_certs=params["validate_certs"], retries=params["retries"],
        on_retry=module.warn, pool_size=params.get("concurrency", 1), rate_limit=params.get("rate_limit"),
    )


def exit_with(module: AnsibleModule, result: dict) -> NoReturn:
    """Finish the task; a result marked failed (a partial failure) fails it with everything it holds."""
    if result.pop("failed"):
        module.fail_json(**result)
    module.exit_json(**result)

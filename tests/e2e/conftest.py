# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""pytest wiring for the end-to-end tests: the installed collection, in-process sandboxes and the request guard.

``make e2e`` installs the built collection and names it in MESSENTE_TEST_COLLECTIONS_PATH. A plain
``python -m pytest tests/e2e`` builds and installs it here instead, with the ansible-galaxy of the venv
pytest runs in, so the tests always exercise the collection as users install it.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

E2E_DIR = str(Path(__file__).resolve().parent)
SANDBOX_DIR = str(Path(__file__).resolve().parent.parent / "sandbox")
UTILS_DIR = str(Path(__file__).resolve().parent.parent / "utils")
for _path in (E2E_DIR, SANDBOX_DIR, UTILS_DIR):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from messente_e2e import E2E_PASSWORD, E2E_USERNAME, REPO_ROOT, AnsibleRunner, calls, find_rejections  # noqa: E402
from messente_sandbox import SandboxServer  # noqa: E402
from postgres_server import PostgresServer  # noqa: E402

BIN_DIR = Path(sys.executable).parent
COLLECTION_DIR = ("ansible_collections", "messente", "omnichannel")
GUARD_STATS = pytest.StashKey[collections.Counter]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "expect_rejected(status, count=1): the test deliberately makes the sandbox refuse `count` API requests with "
        "`status` (e.g. 400 or 401); any other refusal fails the test",
    )
    config.stash[GUARD_STATS] = collections.Counter()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    stats = config.stash.get(GUARD_STATS, None)
    if stats:
        terminalreporter.write_line(
            f"messente sandbox guard: {stats['requests']} API requests checked, "
            f"{stats['expected']} expected refusals, {stats['unexpected']} unexpected"
        )


def _galaxy(*args: str) -> None:
    galaxy = BIN_DIR / "ansible-galaxy"
    completed = subprocess.run([str(galaxy), *args], capture_output=True, text=True, check=False, timeout=300)
    assert completed.returncode == 0, f"ansible-galaxy {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}"


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the built collection is installed: given by the test driver, or built and installed here once."""
    given = os.environ.get("MESSENTE_TEST_COLLECTIONS_PATH")
    if given:
        path = Path(given)
    else:
        path = tmp_path_factory.mktemp("collections")
        build = tmp_path_factory.mktemp("build")
        _galaxy("collection", "build", "--force", "--output-path", str(build), str(REPO_ROOT))
        tarballs = sorted(build.glob("messente-omnichannel-*.tar.gz"))
        assert len(tarballs) == 1, f"expected one collection tarball, found {tarballs}"
        _galaxy("collection", "install", "--offline", "--force", "-p", str(path), str(tarballs[0]))
    installed = path.joinpath(*COLLECTION_DIR)
    assert (installed / "MANIFEST.json").is_file(), f"no installed messente.omnichannel under {path}"
    return path


@pytest.fixture(scope="session")
def ansible(collections_path: Path, tmp_path_factory: pytest.TempPathFactory) -> AnsibleRunner:
    """Runs ansible-playbook / ansible of this venv against the installed collection."""
    return AnsibleRunner(BIN_DIR, collections_path, tmp_path_factory.mktemp("ansible"))


def _declared_refusals(node: pytest.Item) -> collections.Counter:
    declared: collections.Counter = collections.Counter()
    for marker in node.iter_markers("expect_rejected"):
        declared[marker.args[0]] += marker.kwargs.get("count", marker.args[1] if len(marker.args) > 1 else 1)
    return declared


@pytest.fixture
def start_sandbox(request: pytest.FixtureRequest) -> Iterator[Callable[..., SandboxServer]]:
    """Start in-process sandboxes for one test; afterwards every request they logged must have been accepted.

    The guard fails the test on any request the sandbox refused (a validation 400, a 401, ...) unless the test
    declared exactly those refusals with ``@pytest.mark.expect_rejected(status, count=N)``: a module that sends a
    body Messente would refuse must not pass an end-to-end test just because the task's own checks were loose.
    """
    servers: list[SandboxServer] = []

    def start(**options: Any) -> SandboxServer:
        options.setdefault("username", E2E_USERNAME)
        options.setdefault("password", E2E_PASSWORD)
        server = SandboxServer(**options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    logged = [entry for server in servers for entry in server.requests]
    rejected = find_rejections(logged)
    found = collections.Counter(entry["status"] if entry["fault"] is None else entry["fault"]["processed"]["status"] for entry in rejected)
    declared = _declared_refusals(request.node)
    stats = request.config.stash[GUARD_STATS]
    stats.update(requests=len(logged), expected=sum((found & declared).values()), unexpected=sum((found - declared).values()))
    details = "\n".join(f"  {call} -> {entry['response']}" for call, entry in zip(calls(rejected), rejected))
    assert found == declared, f"sandbox refusals {dict(found)} differ from the declared {dict(declared)}:\n{details}"


@pytest.fixture
def sandbox(start_sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    """A fresh plain-HTTP sandbox expecting the e2e credentials."""
    return start_sandbox()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the tests that share a ledger; started on first use, always stopped."""
    with PostgresServer() as server:
        yield server


@pytest.fixture
def postgres_ledger_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> str:
    """A ledger URL on a database of its own, so that no two tests share ledger entries."""
    import psycopg  # pylint: disable=import-outside-toplevel  # only the tests that need PostgreSQL import it

    name = f"e2e_{abs(hash(request.node.nodeid)) % 10 ** 12}"
    with psycopg.connect(postgres_server.url(), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return postgres_server.url(database=name)

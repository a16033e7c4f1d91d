# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A throwaway PostgreSQL server for tests: its own temporary directory, a free loopback port, scram auth.

Use it as a context manager (``with PostgresServer() as server: ...``) or from a pytest fixture::

    @pytest.fixture(scope="session")
    def postgres_server():
        with PostgresServer() as server:
            yield server

The server binaries come from ``$MESSENTE_PG_BIN``, ``/usr/lib/postgresql/<newest>/bin`` or PATH; when none is
found and the process runs as root, ``apt-get install -y postgresql`` brings them (with service starts blocked, so
the package's own cluster stays down). As root, ``initdb`` and ``postgres`` run as the ``postgres`` user through
``runuser`` because they refuse root. The server never outlives its owner: ``stop()`` runs on every exit of the
context manager, SIGTERM turns into KeyboardInterrupt so pytest's finalizers run, and a small guard process stops
the server and removes its directory if the owning process dies without cleaning up (even on SIGKILL).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any, Sequence
from urllib.parse import quote

SERVER_USER = "postgres"
ADMIN_USER = "admin"
START_ATTEMPTS = 3
COMMAND_TIMEOUT = 120
GUARD_POLL_SECONDS = 0.5
POLICY_RC_D = "/usr/sbin/policy-rc.d"


class PostgresServerError(RuntimeError):
    """The test server could not be found, installed, started or stopped."""


def _is_root() -> bool:
    return os.geteuid() == 0


def _version_key(bin_dir: str) -> tuple[int, ...]:
    version = Path(bin_dir).parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _find_bin_dir() -> str | None:
    """Where initdb and pg_ctl live: the override, Debian's newest versioned directory, or PATH."""
    override = os.environ.get("MESSENTE_PG_BIN")
    candidates = [override] if override else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(os.path.dirname(on_path))
    for candidate in candidates:
        if all(os.access(os.path.join(candidate, tool), os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return candidate
    return None


def _apt_install_postgresql() -> None:
    """Install Debian's postgresql package; a temporary policy-rc.d keeps its service from starting."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    added_policy = not os.path.exists(POLICY_RC_D)
    if added_policy:
        Path(POLICY_RC_D).write_text("#!/bin/sh\nexit 101\n", encoding="ascii")
        os.chmod(POLICY_RC_D, 0o755)
    try:
        install = ["apt-get", "install", "-y", "-q", "postgresql"]
        if subprocess.run(install, env=env, check=False, timeout=900).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, check=False, timeout=900)
            subprocess.run(install, env=env, check=True, timeout=900)
    finally:
        if added_policy:
            os.unlink(POLICY_RC_D)


def find_or_install_binaries() -> str:
    """The PostgreSQL server binary directory, installing the package first when missing and allowed to."""
    bin_dir = _find_bin_dir()
    if bin_dir is None and _is_root() and shutil.which("apt-get"):
        _apt_install_postgresql()
        bin_dir = _find_bin_dir()
    if bin_dir is None:
        raise PostgresServerError(
            "no PostgreSQL server binaries (initdb, pg_ctl, postgres) found in $MESSENTE_PG_BIN, "
            "/usr/lib/postgresql/*/bin or PATH; install the postgresql package (run as root to let the tests do it)"
        )
    return bin_dir


def free_loopback_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _world_traversable(directory: str) -> bool:
    path = Path(directory).resolve()
    return all(os.stat(part).st_mode & 0o001 for part in (path, *path.parents))


def pid_running(pid: int) -> bool:
    """Whether a process exists and is not a zombie (a zombie is dead, only not yet reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


class PostgresServer:
    """One PostgreSQL server in a temporary directory on 127.0.0.1, reachable with ``url()``."""

    def __init__(self, bin_dir: str | None = None) -> None:
        self.bin_dir = bin_dir
        self.password = secrets.token_urlsafe(24)
        self.user = ADMIN_USER
        self.host = "127.0.0.1"
        self.port = 0
        self.pid: int | None = None
        self.base_dir: str | None = None
        self._guard: subprocess.Popen | None = None
        self._previous_sigterm: Any = None

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def start(self) -> PostgresServer:
        """Create a cluster and start it; on any failure everything created so far is removed again."""
        if self.base_dir is not None:
            raise PostgresServerError("this PostgresServer is already started")
        self.bin_dir = self.bin_dir or find_or_install_binaries()
        try:
            self._create_cluster()
            self._start_on_free_port()
            self._guard = self._spawn_guard()
            self._forward_sigterm()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (pg_ctl immediate, SIGKILL if it is still there) and delete its directory; idempotent."""
        try:
            if self.base_dir is not None and os.path.exists(self._data_dir):
                self._shut_down()
        finally:
            if self.base_dir is not None:
                shutil.rmtree(self.base_dir, ignore_errors=True)
            self._end_guard()
            self._restore_sigterm()
            self.base_dir = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def is_running(self) -> bool:
        """Whether the postmaster started by this object still exists."""
        return self.pid is not None and pid_running(self.pid)

    # -- connecting --------------------------------------------------------------------------------------------

    def url(self, user: str | None = None, password: str | None = None, database: str = "postgres",
            with_password: bool = True, port: int | None = None, query: str = "") -> str:
        """A libpq URL for this server; the admin user and its password unless told otherwise."""
        user = user or self.user
        password = self.password if password is None and user == self.user else password
        secret = f":{quote(password, safe='')}" if with_password and password else ""
        suffix = f"?{query}" if query else ""
        return f"postgresql://{quote(user, safe='')}{secret}@{self.host}:{port or self.port}/{database}{suffix}"

    # -- internals ---------------------------------------------------------------------------------------------

    @property
    def _data_dir(self) -> str:
        return os.path.join(str(self.base_dir), "data")

    def _tool(self, name: str) -> str:
        return os.path.join(str(self.bin_dir), name)

    def _server_env(self) -> dict[str, str]:
        """The environment for server tools: no PG* variables from the developer's shell."""
        return {name: value for name, value in os.environ.items() if not name.startswith("PG")}

    def _run_as_server_user(self, args: Sequence[str], check: bool = True) -> subprocess.CompletedProcess:
        command = ["runuser", "-u", SERVER_USER, "--", *args] if _is_root() else list(args)
        done = subprocess.run(command, env=self._server_env(), capture_output=True, text=True, check=False,
                              timeout=COMMAND_TIMEOUT, cwd=self.base_dir)
        if check and done.returncode != 0:
            raise PostgresServerError(f"{os.path.basename(args[0])} failed ({done.returncode}): "
                                      f"{done.stdout.strip()} {done.stderr.strip()} {self._log_tail()}")
        return done

    def _make_base_dir(self) -> str:
        parent = tempfile.gettempdir()
        if _is_root() and not _world_traversable(parent):
            parent = "/tmp"  # the postgres user must reach its directory
        base = tempfile.mkdtemp(prefix="messente-pg-", dir=parent)
        if _is_root():
            account = pwd.getpwnam(SERVER_USER)
            os.chown(base, account.pw_uid, account.pw_gid)
        return base

    def _create_cluster(self) -> None:
        self.base_dir = self._make_base_dir()
        password_file = os.path.join(self.base_dir, "password")
        descriptor = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(self.password + "\n")
        if _is_root():
            os.chown(password_file, pwd.getpwnam(SERVER_USER).pw_uid, -1)
        self._run_as_server_user([
            self._tool("initdb"), "-D", self._data_dir, "-U", self.user, "-A", "scram-sha-256",
            f"--pwfile={password_file}", "--no-locale", "-E", "UTF8", "--no-sync",
        ])
        os.unlink(password_file)

    def _start_on_free_port(self) -> None:
        """Start on a free port; another process may take the port between probe and start, so try again."""
        for attempt in range(1, START_ATTEMPTS + 1):
            self.port = free_loopback_port()
            options = (f"-p {self.port} -k {self.base_dir} -c listen_addresses=127.0.0.1 "
                       "-c fsync=off -c max_connections=60")
            started = self._run_as_server_user([
                self._tool("pg_ctl"), "-D", self._data_dir, "-o", options,
                "-l", os.path.join(str(self.base_dir), "log"), "-w", "-t", "60", "start",
            ], check=attempt == START_ATTEMPTS)
            if started.returncode == 0:
                self.pid = self._postmaster_pid()
                return

    def _postmaster_pid(self) -> int:
        first_line = Path(self._data_dir, "postmaster.pid").read_text(encoding="ascii").splitlines()[0]
        return int(first_line)

    def _shut_down(self) -> None:
        """Immediate mode: the cluster is thrown away, so the shutdown checkpoint would only cost time."""
        self._run_as_server_user(
            [self._tool("pg_ctl"), "-D", self._data_dir, "-m", "immediate", "-w", "-t", "30", "stop"], check=False)
        if self.is_running():
            os.kill(int(self.pid or 0), signal.SIGKILL)

    def _log_tail(self) -> str:
        try:
            return Path(str(self.base_dir), "log").read_text(encoding="utf-8", errors="replace")[-2000:]
        except OSError:
            return ""

    def _spawn_guard(self) -> subprocess.Popen:
        """A detached watcher that stops the server if this process dies without calling stop()."""
        return subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--guard", str(os.getpid()), str(self.base_dir),
             str(self.bin_dir)],
            start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def _end_guard(self) -> None:
        if self._guard is not None:
            self._guard.terminate()
            self._guard.wait(timeout=COMMAND_TIMEOUT)
            self._guard = None

    def _forward_sigterm(self) -> None:
        """SIGTERM (e.g. from `timeout`) becomes KeyboardInterrupt, so finally blocks and finalizers still run."""
        if _in_main_thread():
            self._previous_sigterm = signal.signal(signal.SIGTERM, _interrupt)

    def _restore_sigterm(self) -> None:
        if self._previous_sigterm is not None and _in_main_thread():
            signal.signal(signal.SIGTERM, self._previous_sigterm)
        self._previous_sigterm = None


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    del signum, frame
    raise KeyboardInterrupt("SIGTERM")


def guard(owner_pid: int, base_dir: str, bin_dir: str) -> None:
    """Wait while the owner lives and the server directory exists; if the owner dies first, clean up after it."""
    while pid_running(owner_pid) and os.path.isdir(base_dir):
        time.sleep(GUARD_POLL_SECONDS)
    if os.path.isdir(base_dir):
        orphan = PostgresServer(bin_dir)
        orphan.base_dir = base_dir
        try:
            orphan.pid = orphan._postmaster_pid()  # pylint: disable=protected-access
        except (OSError, ValueError, IndexError):
            orphan.pid = None
        orphan.stop()


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "--guard":
    guard(int(sys.argv[2]), sys.argv[3], sys.argv[4])

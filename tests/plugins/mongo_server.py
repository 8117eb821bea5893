"""A real MongoDB-wire-protocol server for the tests: SecantusDB in a subprocess.

SecantusDB (GPL) is only ever run as a separate program, never imported. Fixtures:

- ``mongo_server`` (session): the shared server, or the one named by ``MONGO_URI``;
- ``mongo_db`` (function): a fresh database name on it, dropped afterwards;
- ``own_mongo_server`` (function): a private server the test may kill and restart.

If the server cannot start the fixtures raise: CI fails, it does not skip.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pymongo
import pytest

START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def secantusd() -> str:
    local = Path(sys.executable).with_name("secantusd-py")
    found = str(local) if local.exists() else shutil.which("secantusd-py")
    if not found:
        raise RuntimeError("secantusd-py not found: pip install -r requirements-dev.txt")
    return found


def ping(uri: str, timeout_ms: int = 500) -> bool:
    client: pymongo.MongoClient = pymongo.MongoClient(uri, serverSelectionTimeoutMS=timeout_ms)
    try:
        client.admin.command("ping")
        return True
    except pymongo.errors.PyMongoError:
        return False
    finally:
        client.close()


class SecantusServer:
    """One ``secantusd-py`` process on 127.0.0.1:port with its data in ``storage``."""

    external = False

    def __init__(self, storage: Path, port: int | None = None, test_commands: bool = True,
                 auth: bool = False) -> None:
        self.storage = Path(storage)
        self.port = port or free_port()
        self.test_commands = test_commands
        self.auth = auth
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.storage.with_name(self.storage.name + ".log")

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def command(self) -> list[str]:
        cmd = [secantusd(), "--host", "127.0.0.1", "--port", str(self.port),
               "--storage-path", str(self.storage), "--standalone", "--log-level", "WARNING"]
        return (cmd + (["--enable-test-commands"] if self.test_commands else [])
                + (["--auth"] if self.auth else []))

    def start(self, detach: bool = False) -> "SecantusServer":
        self.storage.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=detach)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while not ping(self.uri, 300):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop(kill=True)
                raise RuntimeError(f"SecantusDB did not start on port {self.port}; "
                                   f"last log lines:\n{self.log_tail()}")
            time.sleep(0.05)
        return self

    def stop(self, kill: bool = False) -> None:
        """Stop the server: SIGTERM (clean), or SIGKILL (a crash) when ``kill``."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(20)

    def restart(self, kill: bool = True) -> None:
        """Stop (by default a kill -9) and start again on the same port and data."""
        self.stop(kill=kill)
        self.start()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return "<no log>"


class ExternalServer:
    """The server named by MONGO_URI: used as is, never stopped by the tests."""

    external = True

    def __init__(self, uri: str) -> None:
        self.uri = uri


def _external() -> ExternalServer | None:
    uri = os.environ.get("MONGO_URI")
    if not uri:
        return None
    if not ping(uri, 5000):
        raise RuntimeError("MONGO_URI is set but its server does not answer a ping")
    return ExternalServer(uri)


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecantusServer | ExternalServer]:
    external = _external()
    if external is not None:
        yield external
        return
    server = SecantusServer(tmp_path_factory.mktemp("mongo") / "data").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def mongo_db(mongo_server: SecantusServer | ExternalServer) -> Iterator[str]:
    """A database name of its own for one test, dropped afterwards."""
    name = f"newsbot_test_{uuid.uuid4().hex[:12]}"
    yield name
    client: pymongo.MongoClient = pymongo.MongoClient(mongo_server.uri, serverSelectionTimeoutMS=5000)
    try:
        client.drop_database(name)
    except pymongo.errors.PyMongoError:
        pass  # a test may have left the server down
    finally:
        client.close()


@pytest.fixture()
def own_mongo_server(tmp_path: Path) -> Iterator[SecantusServer]:
    """A private SecantusDB (with test commands) this test may kill, restart or break."""
    if os.environ.get("MONGO_URI"):
        pytest.skip("needs a server the test controls (stop/kill/failpoints); "
                    "MONGO_URI names an external one")
    server = SecantusServer(tmp_path / "mongo-data").start()
    try:
        yield server
    finally:
        server.stop(kill=True)  # its data is thrown away: no clean shutdown needed

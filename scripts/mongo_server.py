#!/usr/bin/env python3
"""Start or stop the test database (SecantusDB, a MongoDB-wire-protocol server) by hand.

    python scripts/mongo_server.py start [--port 27017] [--dir .newsbot/mongo-server]
    python scripts/mongo_server.py status
    python scripts/mongo_server.py stop [--kill]

`start` runs the server in the background on 127.0.0.1 (with test commands such as
configureFailPoint enabled) and prints the MONGO_URI to use. SecantusDB is GPL and is only
run as a separate program; newsbot never imports it.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.plugins.mongo_server import SecantusServer, ping  # noqa: E402


def _files(directory: Path) -> tuple[Path, Path]:
    return directory / "secantusd.pid", directory / "uri"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def start(directory: Path, port: int | None, test_commands: bool) -> int:
    pid_file, uri_file = _files(directory)
    if pid_file.exists() and _alive(int(pid_file.read_text())):
        sys.stdout.write(f"already running: MONGO_URI={uri_file.read_text().strip()}\n")
        return 0
    directory.mkdir(parents=True, exist_ok=True)
    server = SecantusServer(directory / "data", port, test_commands=test_commands).start(detach=True)
    assert server.process is not None
    pid_file.write_text(str(server.process.pid))
    uri_file.write_text(server.uri)
    sys.stdout.write(f"SecantusDB pid {server.process.pid}, data in {directory / 'data'}, "
                     f"log {server.log_path}\nexport MONGO_URI={server.uri}\n")
    return 0


def stop(directory: Path, kill: bool) -> int:
    pid_file, uri_file = _files(directory)
    if not pid_file.exists():
        sys.stdout.write("not running\n")
        return 0
    pid = int(pid_file.read_text())
    if _alive(pid):
        os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
        deadline = time.monotonic() + 20
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    pid_file.unlink(missing_ok=True)
    uri_file.unlink(missing_ok=True)
    sys.stdout.write(f"stopped pid {pid}\n")
    return 0


def status(directory: Path) -> int:
    pid_file, uri_file = _files(directory)
    if pid_file.exists() and _alive(int(pid_file.read_text())):
        uri = uri_file.read_text().strip()
        answer = "answers" if ping(uri, 2000) else "does NOT answer"
        sys.stdout.write(f"running, pid {pid_file.read_text()}, {answer} at MONGO_URI={uri}\n")
        return 0
    sys.stdout.write("not running\n")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--dir", type=Path, default=ROOT / ".newsbot" / "mongo-server",
                        help="data, pid and log directory (default: .newsbot/mongo-server)")
    parser.add_argument("--port", type=int, default=None, help="default: a free port")
    parser.add_argument("--no-test-commands", action="store_true",
                        help="do not enable configureFailPoint and other test commands")
    parser.add_argument("--kill", action="store_true", help="stop with SIGKILL (simulate a crash)")
    args = parser.parse_args(argv)
    if args.action == "start":
        return start(args.dir.resolve(), args.port, not args.no_test_commands)
    if args.action == "stop":
        return stop(args.dir.resolve(), args.kill)
    return status(args.dir.resolve())


if __name__ == "__main__":
    raise SystemExit(main())

"""Serve the bundled sample site (tests/sites/guancha) over loopback HTTP.

One process, one listening port per real host, so relative links on a mirrored page resolve
exactly as they do on the real site. Each ROOT says which real origin each of its folders
mirrors in ``ROOT/_origins.json`` (``{"origins": {"www": "https://www.guancha.cn", …},
"redirect_missing": ["www"]}``); ``--root`` may be given several times to serve several sites. A request for
``/a/b.shtml?x=1&y=2`` on host ``www`` is answered from ``ROOT/www/a/b.shtml@x=1&y=2``;
a path ending in ``/`` from ``index.html`` inside it. ``ROOT/_special.json`` (and any
``--specials FILE``, whose entries win) maps ``"host:/path?query"``, or a glob of it
(``"www:/*/2022_*.shtml"``), to special behaviour: ``status``, ``redirect``, ``delay``,
``content_type``, ``truncate`` (close the connection after N bytes), ``same_as`` (answer
with the file of another path, as the 2026 site answers some unknown paths with its home
page and a 200), ``referer`` (a 403
unless the request's Referer starts with it, as the 风闻 member API does). ``--latency-ms``
adds a fixed delay to every answer (the benchmarks use it to imitate a remote site).

``--shape`` picks how the site answers (guancha-2026.md):
- ``2026`` (default): what is missing on a ``redirect_missing`` host is a 302 to the home
  page, as guancha.cn does; an ``_s.shtml`` exists only where its file does (multi-page articles).
- ``2019``: what is missing is a 404; every article has an ``_s.shtml`` (the plain page's
  file when there is no ``_s`` file of its own); files under ``ROOT-2019/`` (beside ROOT),
  the older markup of some pages, win over ROOT's.

Usage: python scripts/sample_site.py [--root DIR ...] [--ports-file FILE] [--latency-ms N]
       [--shape 2026|2019] [--specials FILE]
It writes ``{"www": "http://127.0.0.1:P1", "user": ..., "app": ..., "img": ..., "mirrors": {...}}``
to the ports file once every port is listening, then serves until killed. ``mirrors`` is the
value for ``NEWSBOT_MIRRORS`` (real origin -> this server's port); without ``--ports-file``
the script prints the ``NEWSBOT_MIRRORS=...`` line to use.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import mimetypes
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

ORIGINS_FILE = "_origins.json"
SHAPES = ("2026", "2019")
DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "tests" / "sites" / "guancha"
TYPES = {
    ".shtml": "text/html; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".htm": "application/json; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def file_for(root: Path, host: str, raw_path: str) -> Path:
    """Map a request path (with query) to the file that answers it."""
    parts = urlsplit(raw_path)
    path = unquote(parts.path)
    if path.endswith("/"):
        path += "index.html"
    name = path.lstrip("/")
    if parts.query:
        name += "@" + unquote(parts.query)
    target = (root / host / name).resolve()
    if not str(target).startswith(str((root / host).resolve())):
        raise PermissionError(raw_path)
    return target


def answer_file(root: Path, host: str, raw_path: str, shape: str) -> Path:
    """The file for a request in ``shape``: the 2019 overlay first, then ROOT; in 2019 an
    article's ``_s.shtml`` falls back to its plain page."""
    if shape == "2019":
        overlay = root.with_name(root.name + "-2019")
        if overlay.is_dir() and (older := file_for(overlay, host, raw_path)).is_file():
            return older
    path = file_for(root, host, raw_path)
    if shape == "2019" and not path.is_file() and path.name.endswith("_s.shtml"):
        return path.with_name(path.name.removesuffix("_s.shtml") + ".shtml")
    return path


def special_for(layers: list[dict], key: str) -> dict:
    """The special behaviour for ``host:/path?query``: in each layer (``--specials`` first,
    then ``_special.json``) an exact key, else the first matching glob."""
    for specials in layers:
        if key in specials:
            return specials[key]
        for pattern, special in specials.items():
            if "*" in pattern and fnmatch.fnmatchcase(key, pattern):
                return special
    return {}


def content_type(path: Path) -> str:
    suffix = path.suffix if "@" not in path.name else Path(path.name.split("@")[0]).suffix
    return TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "text/html; charset=utf-8"


def make_handler(root: Path, host: str, specials: list[dict], latency: float, shape: str = "2026",
                 redirect_missing: bool = False) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            if latency:
                time.sleep(latency)
            special = special_for(specials, f"{host}:{self.path}")
            if "delay" in special:
                time.sleep(float(special["delay"]))
            if "referer" in special and not (self.headers.get("Referer") or "").startswith(special["referer"]):
                self._answer(403, b"forbidden: no Referer from the site")
                return
            if "redirect" in special:
                self._answer(int(special.get("status", 302)), b"", {"Location": special["redirect"]})
                return
            try:
                path = answer_file(root, host, special.get("same_as", self.path), shape)
            except PermissionError:
                self._answer(403, b"forbidden")
                return
            if "status" in special:
                body = path.read_bytes() if path.is_file() else f"error {special['status']}".encode()
                self._answer(int(special["status"]), body)
                return
            if not path.is_file() and shape == "2026" and redirect_missing:
                self._answer(302, b"", {"Location": "/"})
                return
            if not path.is_file():
                self._answer(404, b"<html><body><h1>404 Not Found</h1></body></html>")
                return
            body = path.read_bytes()
            ctype = special.get("content_type", content_type(path))
            if "truncate" in special:
                self._truncated(body, ctype, int(special["truncate"]))
                return
            self._answer(200, body, {"Content-Type": ctype})

        def _answer(self, status: int, body: bytes, headers: dict | None = None) -> None:
            self.send_response(status)
            for key, value in (headers or {"Content-Type": "text/html; charset=utf-8"}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _truncated(self, body: bytes, ctype: str, keep: int) -> None:
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:keep])
            self.wfile.flush()
            self.close_connection = True

    return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that give up (timeouts, killed crawlers) are normal here, not errors."""


def serve(roots: list[Path], ports_file: Path | None, latency_ms: float = 0.0, host_ip: str = "127.0.0.1",
          shape: str = "2026", extra_specials: Path | None = None) -> dict:
    """Serve every folder named in each root's _origins.json; the ports file maps folder names
    (the first root's as given, later ones as ``<root name>/<folder>``) to base URLs, and
    ``mirrors`` to the NEWSBOT_MIRRORS value."""
    bases: dict = {"mirrors": {}}
    for number, root in enumerate(roots):
        declared = json.loads((root / ORIGINS_FILE).read_text("utf-8"))
        specials = [json.loads(source.read_text("utf-8")) for source in (extra_specials, root / "_special.json")
                    if source is not None and source.exists()]
        for folder, origin in declared["origins"].items():
            handler = make_handler(root, folder, specials, latency_ms / 1000, shape,
                                   folder in declared.get("redirect_missing", []))
            server = QuietServer((host_ip, 0), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            base = f"http://{host_ip}:{server.server_address[1]}"
            bases[folder if number == 0 else f"{root.name}/{folder}"] = base
            if origin in bases["mirrors"]:
                raise SystemExit(f"{origin} is served by two roots")
            bases["mirrors"][origin] = base
    if ports_file:
        tmp = ports_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(bases), "utf-8")
        os.replace(tmp, ports_file)
    return bases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, action="append", help=f"a site to serve (default {DEFAULT_ROOT})")
    parser.add_argument("--ports-file", type=Path)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--shape", choices=SHAPES, default="2026")
    parser.add_argument("--specials", type=Path, help="more special answers (JSON), over ROOT/_special.json")
    args = parser.parse_args()
    roots = [root.resolve() for root in args.root or [DEFAULT_ROOT]]
    bases = serve(roots, args.ports_file, args.latency_ms, shape=args.shape, extra_specials=args.specials)
    if not args.ports_file:
        print(f"NEWSBOT_MIRRORS='{json.dumps(bases['mirrors'])}'", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()

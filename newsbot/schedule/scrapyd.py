"""A small client for scrapyd's JSON API (``listjobs.json``, ``schedule.json``) and job logs, stdlib only."""
from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from http.client import HTTPException
from typing import Any, Literal
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urljoin
from urllib.request import Request, urlopen

logger = logging.getLogger(__name__)

JobState = Literal["pending", "running", "finished"]


class ScrapydError(Exception):
    """scrapyd answered, but refused: an error status, a 4xx (e.g. 401 bad credentials)."""


class ScrapydUnavailable(ScrapydError):
    """scrapyd could not be reached or failed (connection refused, timeout, 5xx, not JSON)."""


@dataclass(frozen=True)
class Job:
    """One job as ``listjobs.json`` reports it; times are aware, in this machine's zone.

    ``log_url`` is scrapyd's path of the job's log (``/logs/<project>/<spider>/<job>.log``),
    None when scrapyd sent none (it sends none once the file is gone, or before scrapyd 1.4).
    """

    id: str
    spider: str
    state: JobState
    start_time: datetime | None = None
    end_time: datetime | None = None
    log_url: str | None = None


def parse_time(value: Any) -> datetime | None:
    """scrapyd's ``str(datetime.now())`` (naive, the scrapyd host's local time) as an aware time.

    >>> parse_time("2026-01-02 03:04:05.678901").replace(tzinfo=None)
    datetime.datetime(2026, 1, 2, 3, 4, 5, 678901)
    >>> parse_time(None) is None, parse_time("None") is None
    (True, True)
    """
    if not isinstance(value, str) or value in ("", "None"):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        logger.warning("scrapyd sent a time we cannot read: %r", value)
        return None
    return parsed if parsed.tzinfo else parsed.astimezone()


def parse_jobs(payload: Mapping[str, Any]) -> list[Job]:
    """The jobs of a ``listjobs.json`` answer, pending first."""
    jobs = []
    for state in ("pending", "running", "finished"):
        for entry in payload.get(state) or []:
            jobs.append(
                Job(
                    id=str(entry.get("id", "")),
                    spider=str(entry.get("spider", "")),
                    state=state,
                    start_time=parse_time(entry.get("start_time")),
                    end_time=parse_time(entry.get("end_time")),
                    log_url=entry.get("log_url") or None,
                )
            )
    return jobs


class ScrapydClient:
    """Talks to one scrapyd; sends basic-auth credentials with every request when given."""

    def __init__(
        self, url: str, username: str | None = None, password: str | None = None, timeout: float = 10.0
    ) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self.timeout = timeout
        self._auth: str | None = None
        if username:
            token = base64.b64encode(f"{username}:{password or ''}".encode()).decode("ascii")
            self._auth = f"Basic {token}"

    def list_jobs(self, project: str) -> list[Job]:
        """Pending, running and (recently) finished jobs of ``project``."""
        return parse_jobs(self.call("GET", "listjobs.json", [("project", project)]))

    def schedule(
        self,
        project: str,
        spider: str,
        args: Mapping[str, str] | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> str:
        """Queue a run of ``spider``; return scrapyd's job id."""
        params = [("project", project), ("spider", spider)]
        params += [("setting", f"{name}={value}") for name, value in (settings or {}).items()]
        params += [(name, value) for name, value in (args or {}).items()]
        return str(self.call("POST", "schedule.json", params)["jobid"])

    def cancel(self, project: str, job: str) -> str | None:
        """Cancel ``job``; return the state it was in (``pending``/``running``, None if unknown)."""
        return self.call("POST", "cancel.json", [("project", project), ("job", job)]).get("prevstate")

    def log_tail(self, path: str, limit: int) -> bytes:
        """The last ``limit`` bytes of a file scrapyd serves, e.g. a job's ``/logs/...`` path.

        The size comes first (HEAD), then a range from an offset: scrapyd's file server
        (Twisted 26.10 ``static.File``) answers a suffix range (``bytes=-N``) longer than
        the file with an error 500. A server that ignores ranges sends the whole file.
        """
        url = self.url_of(path)
        headers, _ = self._send(Request(url, method="HEAD"), path)
        size = int(headers.get("Content-Length") or 0)
        request = Request(url, method="GET")
        if size > limit:
            request.add_header("Range", f"bytes={size - limit}-")
        return self._send(request, path)[1][-limit:]

    def url_of(self, path: str) -> str:
        """``path`` under scrapyd's URL; scrapyd's ``/logs/...`` stays below a proxy's prefix."""
        return urljoin(self.url, path.lstrip("/"))

    def call(self, method: str, endpoint: str, params: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """One API call; the decoded JSON answer when its status is ``ok``."""
        url = urljoin(self.url, endpoint)
        query = urlencode(list(params))
        data = None
        if method == "GET":
            url = f"{url}?{query}"
        else:
            data = query.encode()
        _, body = self._send(Request(url, data=data, method=method), endpoint)
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise ScrapydUnavailable(f"{endpoint}: answer is not JSON: {body[:200]!r}") from exc
        if not isinstance(payload, dict) or payload.get("status") != "ok":
            message = payload.get("message", payload) if isinstance(payload, dict) else payload
            raise ScrapydError(f"{endpoint}: {message}")
        return payload

    def _send(self, request: Request, what: str) -> tuple[Message, bytes]:
        """Send ``request`` with the credentials; its headers and body, or the error for ``what``."""
        if self._auth:
            request.add_header("Authorization", self._auth)
        try:
            with urlopen(request, timeout=self.timeout) as response:
                return response.headers, response.read()
        except HTTPError as exc:
            detail = exc.read()[:200].decode("utf-8", "replace").strip()
            if exc.code == 401:
                raise ScrapydError(f"{what}: 401 Unauthorized (check SCRAPYD_USERNAME/SCRAPYD_PASSWORD)") from exc
            if exc.code >= 500:
                raise ScrapydUnavailable(f"{what}: HTTP {exc.code} {detail}") from exc
            raise ScrapydError(f"{what}: HTTP {exc.code} {detail}") from exc
        except (URLError, HTTPException, OSError) as exc:
            reason = exc.reason if isinstance(exc, URLError) else exc
            raise ScrapydUnavailable(f"{what}: cannot reach {self.url}: {reason}") from exc

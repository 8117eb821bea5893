"""The scheduler's TOML config file (see deploy/schedule.toml for a commented example).

::

    [scrapyd]
    url = "http://127.0.0.1:6800/"
    project = "newsbot"
    username = "newsbot"          # SCRAPYD_USERNAME / SCRAPYD_PASSWORD in the environment win
    timeout = 10                  # seconds per HTTP request

    [scheduler]
    tick = 60                     # seconds between two looks at scrapyd

    [spiders.guancha]
    interval = "15m"              # seconds, or "90s", "15m", "2h", "1d", "1h30m"
    args = { channels = "toutiao,yaowen" }          # spider arguments (-a)
    settings = { NEWSBOT_MAX_PAGES = 2 }            # Scrapy settings (-s)
"""
from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ConfigError(ValueError):
    """The config file is missing, not TOML, or has a wrong value (the message says which)."""


@dataclass(frozen=True)
class ScrapydTarget:
    """Where scrapyd listens and how to log in to it."""

    url: str = "http://127.0.0.1:6800/"
    project: str = "newsbot"
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0


@dataclass(frozen=True)
class SpiderSchedule:
    """One spider to run every ``interval``, with the arguments and settings to pass."""

    spider: str
    interval: timedelta
    args: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    enabled: bool = True


@dataclass(frozen=True)
class Config:
    scrapyd: ScrapydTarget
    spiders: tuple[SpiderSchedule, ...]
    tick: float = 60.0


def parse_interval(value: Any) -> timedelta:
    """A positive duration: a number of seconds, or units like ``"15m"`` or ``"1h30m"``.

    >>> [parse_interval(v).total_seconds() for v in (90, "15m", "1h30m", "1.5s", "1d")]
    [90.0, 900.0, 5400.0, 1.5, 86400.0]
    >>> try:
    ...     parse_interval("soon")
    ... except ConfigError as error:
    ...     print(error)
    interval 'soon' is not a number of seconds or like '90s', '15m', '2h', '1d', '1h30m'
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and value.strip() and DURATION.sub("", value.strip().lower()) == "":
        seconds = sum(float(n) * UNIT_SECONDS[unit] for n, unit in DURATION.findall(value.strip().lower()))
    else:
        raise ConfigError(f"interval {value!r} is not a number of seconds or like '90s', '15m', '2h', '1d', '1h30m'")
    if seconds <= 0:
        raise ConfigError(f"interval {value!r} must be positive")
    return timedelta(seconds=seconds)


def format_interval(interval: timedelta) -> str:
    """``interval`` in the config's own notation.

    >>> format_interval(timedelta(seconds=5400)), format_interval(timedelta(seconds=90)), format_interval(timedelta(0))
    ('1h30m', '1m30s', '0s')
    """
    seconds, parts = interval.total_seconds(), []
    for unit in ("d", "h", "m"):
        count, seconds = divmod(seconds, UNIT_SECONDS[unit])
        if count:
            parts.append(f"{count:g}{unit}")
    if seconds or not parts:
        parts.append(f"{seconds:g}s")
    return "".join(parts)


def as_param(value: Any) -> str:
    """A TOML value as the string scrapyd passes on (``-a``/``-s`` take strings).

    Lists become comma lists (what spider arguments and Scrapy list settings split on);
    tables become JSON (what Scrapy dict settings such as FEEDS parse).

    >>> as_param(True), as_param(3), as_param(["toutiao", "yaowen"]), as_param({"a": 1})
    ('True', '3', 'toutiao,yaowen', '{"a": 1}')
    """
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        return ",".join(as_param(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _table(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}{key} must be a table")
    return value


def _params(data: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    return {str(k): as_param(v) for k, v in _table(data, key, where).items()}


def parse_config(data: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Config:
    """Build a Config from parsed TOML; SCRAPYD_USERNAME/SCRAPYD_PASSWORD in ``environ`` win."""
    environ = os.environ if environ is None else environ
    section = _table(data, "scrapyd", "")
    unknown = set(section) - {"url", "project", "username", "password", "timeout"}
    if unknown:
        raise ConfigError(f"unknown key(s) in [scrapyd]: {sorted(unknown)}")
    target = ScrapydTarget(
        url=str(section.get("url", ScrapydTarget.url)),
        project=str(section.get("project", ScrapydTarget.project)),
        username=environ.get("SCRAPYD_USERNAME") or section.get("username") or None,
        password=environ.get("SCRAPYD_PASSWORD") or section.get("password") or None,
        timeout=float(section.get("timeout", ScrapydTarget.timeout)),
    )
    if not target.url.startswith(("http://", "https://")):
        raise ConfigError(f"[scrapyd] url {target.url!r} must start with http:// or https://")
    tick = float(_table(data, "scheduler", "").get("tick", Config.tick))
    if tick <= 0:
        raise ConfigError(f"[scheduler] tick must be positive, not {tick}")
    spiders = []
    for name, entry in _table(data, "spiders", "").items():
        where = f"[spiders.{name}] "
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}must be a table")
        unknown = set(entry) - {"interval", "args", "settings", "enabled"}
        if unknown:
            raise ConfigError(f"{where}unknown key(s): {sorted(unknown)}")
        if "interval" not in entry:
            raise ConfigError(f"{where}needs an interval")
        spiders.append(
            SpiderSchedule(
                spider=name,
                interval=parse_interval(entry["interval"]),
                args=_params(entry, "args", where),
                settings=_params(entry, "settings", where),
                enabled=bool(entry.get("enabled", True)),
            )
        )
    if not spiders:
        raise ConfigError("no [spiders.NAME] table: nothing to schedule")
    return Config(scrapyd=target, spiders=tuple(spiders), tick=tick)


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read and check the TOML config at ``path``."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    return parse_config(data, environ)

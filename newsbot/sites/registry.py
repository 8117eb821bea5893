"""The registry of sites: which site a URL belongs to, and each site by name.

The modules named in ``newsbot.sites.SITES`` are imported on the first question, and
each registers its module-level ``SITE``. Loading late keeps the import graph one-way: a
site's modules may use any generic helper (``newsbot.urls`` included), which asks here.
"""
from __future__ import annotations

import threading
from importlib import import_module
from urllib.parse import urlsplit

from newsbot.sites import SITES
from newsbot.sites.site import Site

_by_name: dict[str, Site] = {}
_by_host: dict[str, Site] = {}
_lock = threading.RLock()
_loaded = False


def register(site: Site) -> Site:
    """Add ``site``; a name or host another site already has is refused (ValueError)."""
    with _lock:
        if site.name in _by_name:
            raise ValueError(f"a site named {site.name!r} is already registered")
        taken = sorted(host for host in site.hosts if host in _by_host)
        if taken:
            raise ValueError(f"{site.name}: hosts {taken} belong to {_by_host[taken[0]].name!r}")
        _by_name[site.name] = site
        _by_host.update(dict.fromkeys(site.hosts, site))
    return site


def unregister(name: str) -> None:
    """Remove the site called ``name`` (tests register made-up sites and clean up after)."""
    with _lock:
        site = _by_name.pop(name)
        for host in site.hosts:
            del _by_host[host]


def _load() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        if not _loaded:
            _loaded = True
            for module in SITES:
                register(import_module(module).SITE)


def get(name: str) -> Site:
    """The site called ``name`` (KeyError when there is none)."""
    _load()
    return _by_name[name]


def all_sites() -> tuple[Site, ...]:
    """Every registered site, in registration order."""
    _load()
    return tuple(_by_name.values())


def site_for_url(url: str) -> Site | None:
    """The site whose hosts include the URL's host or a parent domain of it; None when no
    site claims it or the URL has no host.

    >>> site_for_url("https://m.guancha.cn/a/2022_04_26_1.shtml").name, site_for_url("https://example.org/")
    ('guancha', None)
    """
    _load()
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:  # "http://[broken"
        return None
    labels = host.split(".")
    for start in range(len(labels)):
        site = _by_host.get(".".join(labels[start:]))
        if site is not None:
            return site
    return None

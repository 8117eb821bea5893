"""A configured site as a registered :class:`Site`.

Its canonical rule is w3lib's (``newsbot.urls.generic_canonical_url``); the page's own
``link rel=canonical``/``og:url`` wins when it is on the same site (newsbot.sites.configured
.extract). An article is any page on its hosts that matches its ``article_pattern`` (when it
has one) and is not the home page.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable
from urllib.parse import urlsplit

from newsbot.sites import registry
from newsbot.sites.configured.config import SiteConfig, SitesFileError
from newsbot.sites.site import Site
from newsbot.urls import generic_canonical_url

_lock = threading.Lock()
_configured: dict[str, tuple[SiteConfig, Site]] = {}


def on_hosts(url: str, hosts: Iterable[str]) -> bool:
    """Whether ``url``'s host is one of ``hosts`` or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in hosts)


def channel(site: str, section: str) -> str:
    """The channel of a site's section: ``<site>/<section>``, or ``<site>`` without one."""
    return f"{site}/{section}" if section else site


def build_site(config: SiteConfig) -> Site:
    hosts = frozenset(config.allowed_domains)
    pattern = config.article_pattern

    def is_article(url: str) -> bool:
        canonical = generic_canonical_url(url)
        if not on_hosts(canonical, hosts) or urlsplit(canonical).path in ("", "/"):
            return False
        return pattern is None or pattern.search(canonical) is not None

    return Site(
        name=config.name,
        source_name=config.source_name,
        language=config.language,
        timezone=config.timezone,
        hosts=hosts,
        article_hosts=hosts,
        canonical_url=generic_canonical_url,
        is_article=is_article,
        extractors={},  # read from the page's bytes by the news spider (newsbot.generic)
        channels={name: name for name in (channel(config.name, section) for section in config.sections)},
    )


def register_sites(configs: Iterable[SiteConfig]) -> None:
    """Register every configured site once; a site whose name or hosts another site has
    is a SitesFileError. Registering the same declaration again does nothing."""
    registry.all_sites()  # the code-declared sites first: a configured one may not take their hosts
    with _lock:
        for config in configs:
            known = _configured.get(config.name)
            if known is not None:
                if known[0] == config:
                    continue
                registry.unregister(config.name)
                del _configured[config.name]
            site = build_site(config)
            try:
                registry.register(site)
            except ValueError as error:
                raise SitesFileError(f"site {config.name!r}: allowed_domains: expected hosts and a name no other "
                                     f"site has ({error})") from None
            _configured[config.name] = (config, site)


def configured(name: str) -> SiteConfig:
    """The declaration of the registered configured site ``name`` (KeyError when none)."""
    return _configured[name][0]


def configured_names() -> list[str]:
    return list(_configured)

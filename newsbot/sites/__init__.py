"""Site modules: pure extraction from a downloaded page (no requests).

Each module named in ``SITES`` declares one site as its module-level ``SITE``
(:class:`newsbot.sites.site.Site`); :mod:`newsbot.sites.registry` imports them on first
use. Adding a site is one package under ``sites/`` and one line here.
"""
SITES: tuple[str, ...] = (
    "newsbot.sites.guancha.site",
)

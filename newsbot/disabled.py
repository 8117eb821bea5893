"""Components switched off by their settings say so at INFO.

Scrapy logs a ``NotConfigured`` that carries a message as a WARNING ("Disabled X: ..."),
so a healthy crawl without MongoDB or an images store would warn about choices, not
problems. A component raises ``disabled(cls, reason)`` instead: one INFO line from its
own module's logger, then a ``NotConfigured`` without a message, which Scrapy skips
silently.
"""
from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured


def disabled(component: type, reason: str) -> NotConfigured:
    """Log ``Disabled <component>: <reason>`` at INFO and return the exception to raise.

    >>> disabled(NotConfigured, "an example").args
    ()
    """
    logging.getLogger(component.__module__).info("Disabled %s: %s", component.__qualname__, reason)
    return NotConfigured()

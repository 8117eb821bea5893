"""The single-machine duplicate filter, with its seen fingerprints in compact arrays.

Scrapy's RFPDupeFilter keeps every request fingerprint of a crawl in a set of 20-byte
``bytes``: about 90 bytes a request, for the whole crawl (scrapy#5307). This one keeps the
first 64 bits of each fingerprint in a :class:`~newsbot.compact.HashedMap` (about 10
bytes a request). With ``JOBDIR`` the file of seen fingerprints is Scrapy's, read and
written as RFPDupeFilter does.

Set by :class:`CompactDupeFilterAddon` (``ADDONS``, newsbot/settings.py) at add-on
priority, so that distributed mode's Redis filter, ``-s DUPEFILTER_CLASS`` and project
settings replace it.
"""
from __future__ import annotations

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter
from scrapy.settings import BaseSettings
from scrapy.utils.request import RequestFingerprinterProtocol

from newsbot.compact import HashedMap


def short(fingerprint: bytes) -> int:
    """The first 64 bits of a fingerprint (already a cryptographic hash)."""
    return int.from_bytes(fingerprint[:8], "big")


class CompactDupeFilter(RFPDupeFilter):
    def __init__(self, path: str | None = None, debug: bool = False, *,
                 fingerprinter: RequestFingerprinterProtocol | None = None) -> None:
        super().__init__(path, debug, fingerprinter=fingerprinter)
        self.seen = HashedMap()
        for fingerprint in self._fingerprints:  # read from JOBDIR/requests.seen
            self.seen[short(fingerprint)] = 0
        self._fingerprints = set()

    def request_seen(self, request: Request) -> bool:
        fingerprint = self._fingerprint(request)
        key = short(fingerprint)
        if key in self.seen:
            return True
        self.seen[key] = 0
        if self.file:
            self.file.write(len(fingerprint).to_bytes(2, "big") + fingerprint)
        return False


class CompactDupeFilterAddon:
    """Make :class:`CompactDupeFilter` the default duplicate filter."""

    def update_settings(self, settings: BaseSettings) -> None:
        settings.set("DUPEFILTER_CLASS", f"{__name__}.CompactDupeFilter", "addon")

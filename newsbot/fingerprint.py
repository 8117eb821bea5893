"""Request fingerprints that tell an article's channels apart.

An article request carries the channel it was listed in (``meta["newsbot_channel"]``, set
by the spider on the article request and on the requests for its further pages). Two
requests for one article from two channels are then two requests for the duplicate
filter, the shared seen-set of a distributed crawl included: a listing in a better channel
seen by another worker, or by a later crawl, is not dropped as already seen, and the
article's categories can follow the best channel. A second listing in the same channel is
still a duplicate. Every other request (list pages, images) keeps Scrapy's fingerprint.
"""
from __future__ import annotations

import hashlib

from scrapy import Request
from scrapy.utils.request import RequestFingerprinter

CHANNEL_META = "newsbot_channel"


class ChannelFingerprinter(RequestFingerprinter):
    """Scrapy's fingerprint, with the channel of a request that has one mixed in."""

    def fingerprint(self, request: Request) -> bytes:
        base = super().fingerprint(request)  # cached per request by Scrapy
        channel = request.meta.get(CHANNEL_META)
        if not isinstance(channel, str) or not channel:
            return base
        return hashlib.sha1(base + b"\0" + channel.encode("utf-8")).digest()

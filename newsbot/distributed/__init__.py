"""Distributed mode: several workers share one Redis frontier through scrapy-redis.

Switched on by settings alone: set ``REDIS_URL`` and the add-on in :mod:`.addon` swaps in
the Redis scheduler (:mod:`.scheduler`), the Bloom-filter duplicate filter (:mod:`.bloom`),
the shared rate limit (:mod:`.ratelimit`) and the worker life cycle (:mod:`.worker`,
:mod:`.leases`). ``scrapy seed <spider>`` pushes the spider's first list pages.
Unset ``REDIS_URL`` and nothing here is loaded.
"""

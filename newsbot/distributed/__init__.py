"""Distributed mode: several workers share one Redis frontier through scrapy-redis.

Switched on by settings alone: set ``REDIS_URL`` and the add-on (:mod:`.addon`) swaps in
the scheduler (:mod:`.scheduler`: leased pops, idle close, the frontier of :mod:`.frontier`),
the Bloom-filter seen-set (:mod:`.bloom`), JSON requests (:mod:`.serializer`), lease
accounting (:mod:`.leases`) and the shared rate limit (:mod:`.ratelimit`). ``scrapy seed
<spider>`` pushes the spider's first requests. Unset ``REDIS_URL`` and nothing here is loaded.
"""

"""Names of the Redis keys one spider's shared frontier uses."""
from __future__ import annotations

from dataclasses import dataclass

from scrapy.settings import BaseSettings
from scrapy_redis import defaults

LEASE_META = "newsbot_redis_lease"  # request.meta key holding the lease of a popped request
PARENT_META = "newsbot_redis_parent"  # on a request a callback yielded: the lease of its response


def role(settings: BaseSettings) -> str:
    """This process's part in distributed mode (``NEWSBOT_REDIS_ROLE``), "worker" by default."""
    return settings.get("NEWSBOT_REDIS_ROLE", "worker")


def is_worker(settings: BaseSettings) -> bool:
    """Distributed mode is on (``REDIS_URL``) and this process crawls (not ``scrapy seed``)."""
    return bool(settings.get("REDIS_URL")) and role(settings) == "worker"


@dataclass(frozen=True)
class FrontierKeys:
    """Every key is ``<spider>:<something>`` so that spiders never share state.

    >>> keys = FrontierKeys.for_spider("guancha")
    >>> keys.queue, keys.dupefilter, keys.inflight("w1"), keys.heartbeat("w1")
    ('guancha:requests', 'guancha:dupefilter', 'guancha:inflight:w1', 'guancha:worker:w1')
    """

    spider: str
    queue: str
    dupefilter: str

    @classmethod
    def for_spider(cls, spider: str, settings: BaseSettings | None = None) -> "FrontierKeys":
        get = settings.get if settings is not None else (lambda name, default=None: default)
        queue = get("SCHEDULER_QUEUE_KEY") or defaults.SCHEDULER_QUEUE_KEY
        dupefilter = get("SCHEDULER_DUPEFILTER_KEY") or defaults.SCHEDULER_DUPEFILTER_KEY
        return cls(spider, queue % {"spider": spider}, dupefilter % {"spider": spider})

    @property
    def workers(self) -> str:
        """Set of the ids of workers that have registered (alive or not)."""
        return f"{self.spider}:workers"

    def heartbeat(self, worker: str) -> str:
        """Expiring key: present while the worker is alive."""
        return f"{self.spider}:worker:{worker}"

    def inflight(self, worker: str) -> str:
        """Hash lease -> "<score>:<request>" of the requests a worker has popped."""
        return f"{self.spider}:inflight:{worker}"

    @property
    def inflight_pattern(self) -> str:
        return f"{self.spider}:inflight:*"

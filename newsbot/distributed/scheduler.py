"""scrapy-redis's scheduler (its queue, duplicate filter and request encoding), made safe
for workers that die, pause, resume and wait:

- every pop is a lease (:mod:`.frontier`), acknowledged once the request is handled: its
  callback ran, every request it yielded is queued and every item left the pipelines
  (counted through :mod:`.leases`), or its download failed for good, or a request made
  from it (redirect, retry) is queued. A worker killed with ``kill -9`` loses nothing: once
  its heartbeat has expired any worker puts its leases back on the queue;
- a clean stop that is not the end of the crawl (Ctrl-C, ``closespider_*``) puts back what
  the worker holds, so pause/resume keeps everything;
- a worker stays open while the queue has requests or another live worker holds some (they
  may yield more), and closes once it has all stayed empty ``NEWSBOT_REDIS_IDLE_CLOSE`` s;
- an entry that is not a request this spider can handle is dropped, never run;
- in the seed role (``scrapy seed``) it only pushes requests.
"""
from __future__ import annotations

import itertools
import logging
import os
import socket
import time
import uuid
import warnings
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.core.engine import ExecutionEngine
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, ScrapyDeprecationWarning
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from newsbot.distributed import serializer
from newsbot.distributed.addon import role
from newsbot.distributed.frontier import Frontier

logger = logging.getLogger(__name__)
STATS = "newsbot/redis"
LEASE_META = "newsbot_redis_lease"  # request.meta key holding the lease of a popped request
PARENT_META = "newsbot_redis_parent"  # on a request a callback yielded: the lease of its response


class DistributedScheduler(Scheduler):
    crawler: Crawler
    frontier: Frontier
    _pending: dict[str, int]  # lease -> outputs of its response not yet queued or through the pipelines
    _heartbeat: task.LoopingCall | None = None
    idle_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        scheduler: Self = super().from_crawler(crawler)
        scheduler._setup(crawler)
        return scheduler

    def _setup(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler, self.role = crawler, role(settings)
        if self.role not in ("worker", "seed"):
            raise ValueError(f"NEWSBOT_REDIS_ROLE must be worker or seed, not {self.role!r}")
        if self.serializer is not serializer:
            raise ValueError(f"SCHEDULER_SERIALIZER must be {serializer.__name__}: "
                             "the shared queue holds JSON, never pickles")
        self.ttl = settings.getfloat("NEWSBOT_REDIS_WORKER_TTL")
        self.idle_close = settings.getfloat("NEWSBOT_REDIS_IDLE_CLOSE")
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._leases, self._pending = itertools.count(1), {}
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_done, signal=signal)
        crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self._response, signal=signals.response_received)
        if self.role == "worker":
            set_poll_interval(crawler, settings.getfloat("NEWSBOT_REDIS_POLL_INTERVAL"))

    # --- life cycle -------------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        with warnings.catch_warnings():  # scrapy-redis reports a resumed queue with the deprecated Spider.log()
            warnings.filterwarnings("ignore", message=r"Spider\.log\(\) is deprecated",
                                    category=ScrapyDeprecationWarning)
            super().open(spider)
        if type(self.queue) is not PriorityQueue:
            raise ValueError("SCHEDULER_QUEUE_CLASS must be scrapy_redis.queue.PriorityQueue, "
                             f"not {type(self.queue).__name__}")
        self.frontier = Frontier(self.server, spider.name, self.queue.key)
        if self.role == "seed":
            return
        self._beat()
        self._heartbeat = task.LoopingCall(self._beat)
        self._heartbeat.start(max(self.ttl / 3, 0.1), now=False)
        reclaimed = self._reclaim()
        state = self.frontier.state(exclude=self.worker_id)
        logger.info("worker %s joined frontier %s: %d queued, %d in flight on %d other live worker(s)%s; closes once "
                    "it stays empty %g s (0: never)", self.worker_id, self.queue.key, state.queued, state.inflight,
                    state.live_workers, f", {reclaimed} taken back from dead workers" if reclaimed else "",
                    self.idle_close)

    def _beat(self) -> None:
        try:
            self.frontier.beat(self.worker_id, self.ttl)
        except Exception:  # a Redis hiccup must not stop the heartbeat loop
            logger.exception("could not refresh the heartbeat of worker %s", self.worker_id)

    def _reclaim(self) -> int:
        reclaimed = self.frontier.reclaim_dead(exclude=self.worker_id)
        self._inc("inflight/reclaimed", reclaimed)
        return reclaimed

    def close(self, reason: str) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        self.df.close(reason)
        if self.role != "worker":
            return
        if reason == "finished":
            # The engine was idle: every request handed out has been handled, whatever
            # acknowledgement went missing. Nothing to give back.
            self._inc("inflight/unacked_at_finish", self.frontier.drop_leases(self.worker_id))
        elif requeued := self.frontier.requeue(self.worker_id):
            logger.info("closing (%s): put %d request(s) back on the shared queue", reason, requeued)
            self._inc("inflight/requeued_on_close", requeued)
        self.frontier.leave(self.worker_id)
        if not self.persist:
            if others := self.frontier.state(exclude=self.worker_id).live_workers:
                logger.warning("SCHEDULER_PERSIST is off but %d other worker(s) use the frontier: not flushing it",
                               others)
            else:
                self.flush()

    def _spider_idle(self, spider: Spider) -> None:
        if self.role != "worker":
            return
        reclaimed = self._reclaim()
        state = self.frontier.state(exclude=self.worker_id)
        if reclaimed or not state.empty:
            self.idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
            logger.info("shared frontier is empty (%d other live worker(s)); %s", state.live_workers,
                        f"closing in {self.idle_close:.1f} s unless new requests arrive" if self.idle_close > 0
                        else "waiting for new requests (NEWSBOT_REDIS_IDLE_CLOSE = 0)")
        if self.idle_close <= 0 or now - self.idle_since < self.idle_close:
            raise DontCloseSpider
        logger.info("shared frontier stayed empty for %.1f s: closing", now - self.idle_since)

    def _response(self, response: Any) -> None:
        """When this worker saw its first and last response (benchmarks/scale_out.py)."""
        self.stats.min_value(f"{STATS}/responses/first_at", time.time())
        self.stats.max_value(f"{STATS}/responses/last_at", time.time())

    # --- requests ---------------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        # A request made from a leased one (redirect, retry) carries its lease: once the
        # new request is queued (or filtered), the old lease is done. A request a callback
        # yielded names its parent's lease: one output less to wait for.
        lease, parent = request.meta.pop(LEASE_META, None), request.meta.pop(PARENT_META, None)
        stored = request.dont_filter or not self.df.request_seen(request)
        if stored:
            self.queue.push(request)
        else:
            self.df.log(request, self.spider)
        self._inc(("seed/pushed" if stored else "seed/filtered") if self.role == "seed"
                  else ("scheduler/enqueued" if stored else "scheduler/filtered"))
        if lease:
            self.ack(lease)
        if parent:
            self.release(parent)
        return stored

    def next_request(self) -> Request | None:
        while self.role == "worker":
            lease = f"{self.worker_id}:{next(self._leases)}"
            data = self.frontier.pop(self.worker_id, lease)
            if data is None:
                return None
            try:
                request = serializer.request_from_data(data, self.spider)
            except Exception as error:  # noqa: BLE001 - whatever is in Redis, nothing of it runs here
                self.frontier.release(self.worker_id, lease)
                self._inc("bad_request")
                logger.error("dropped an entry of %s that is no request of spider %s (%s: %.200s): %.100r",
                             self.queue.key, self.spider.name, type(error).__name__, error, data)
                continue
            request.meta[LEASE_META] = lease
            self._inc("scheduler/dequeued")
            return request
        return None

    def has_pending_requests(self) -> bool:
        return self.role == "worker" and len(self) > 0

    def hold(self, lease: str) -> None:
        """One more thing (the callback, an item, a new request) to wait for before ``lease`` is done."""
        self._pending[lease] = self._pending.get(lease, 0) + 1

    def waiting(self, lease: str) -> bool:
        return lease in self._pending

    def release(self, lease: str) -> None:
        """One thing less to wait for; acknowledge ``lease`` when nothing is left."""
        if lease in self._pending:
            self._pending[lease] -= 1
            if not self._pending[lease]:
                self.ack(lease)

    def ack(self, lease: str) -> None:
        """The request held under ``lease`` is handled: it will not be given back."""
        self._pending.pop(lease, None)
        if self.frontier.release(self.worker_id, lease):
            self._inc("inflight/acked")

    def _item_done(self, item: Any, response: Any = None, **kwargs: Any) -> None:
        request = getattr(response, "request", None)
        if isinstance(request, Request) and (lease := request.meta.get(LEASE_META)):
            self.release(lease)

    def _inc(self, key: str, count: int = 1) -> None:
        if count:
            self.stats.inc_value(f"{STATS}/{key}", count)


def set_poll_interval(crawler: Crawler, poll: float) -> None:
    """Have the idle engine ask its scheduler every ``poll`` seconds instead of Scrapy's 5 s,
    so that a worker sees other workers' requests soon. Scrapy has no public knob for it:
    tests/test_scrapy_internals.py fails on the upgrade that renames or ignores this one."""
    if poll <= 0 or crawler.engine is None:
        return
    if not hasattr(ExecutionEngine, "_SLOT_HEARTBEAT_INTERVAL"):
        raise RuntimeError("this Scrapy has no ExecutionEngine._SLOT_HEARTBEAT_INTERVAL: "
                           "set NEWSBOT_REDIS_POLL_INTERVAL = 0")
    crawler.engine._SLOT_HEARTBEAT_INTERVAL = poll

"""scrapy-redis's scheduler, made safe for workers that die, pause and resume.

What it adds to ``scrapy_redis.scheduler.Scheduler`` (whose queue, duplicate filter and
serialisation it keeps):

- every pop is a lease (:mod:`newsbot.distributed.frontier`): a worker killed with
  ``kill -9`` loses nothing, its in-flight requests go back on the queue once its
  heartbeat has expired (seen by any live worker, or by the next one started);
- on a clean stop that is not the end of the crawl (Ctrl-C, ``closespider_*``) the worker
  puts whatever it still holds back on the queue, so pause/resume keeps everything;
- the seed role (``scrapy seed``) only pushes requests and never pops one;
- Scrapy 2.19 stats calls without the deprecated ``spider`` argument.
"""
from __future__ import annotations

import itertools
import logging
import os
import socket
import uuid
import warnings
from collections.abc import Iterator

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from newsbot.distributed.frontier import Frontier
from newsbot.distributed.keys import LEASE_META, PARENT_META, FrontierKeys, role
from newsbot.distributed.queue import LeasedPriorityQueue

logger = logging.getLogger(__name__)
STATS = "newsbot/redis"
ROLES = ("worker", "seed")


def new_worker_id() -> str:
    """host:pid:random, unique across machines and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class DistributedScheduler(Scheduler):
    crawler: Crawler
    role: str = "worker"
    worker_id: str = ""
    ttl: float = 30.0
    keys: FrontierKeys
    frontier: Frontier
    _leases: Iterator[int]
    _pending: dict[str, int]  # lease -> outputs of its response not yet queued or through the pipelines
    _heartbeat: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "DistributedScheduler":
        scheduler: DistributedScheduler = super().from_crawler(crawler)
        settings = crawler.settings
        scheduler.crawler = crawler
        scheduler.role = role(settings)
        if scheduler.role not in ROLES:
            raise ValueError(f"NEWSBOT_REDIS_ROLE must be one of {ROLES}, not {scheduler.role!r}")
        scheduler.ttl = settings.getfloat("NEWSBOT_REDIS_WORKER_TTL", 30.0)
        scheduler.worker_id = new_worker_id()
        scheduler._leases = itertools.count(1)
        scheduler._pending = {}
        return scheduler

    # --- life cycle -------------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        with warnings.catch_warnings():
            # scrapy-redis reports a resumed queue with Spider.log(), deprecated in Scrapy
            # 2.19; we report it ourselves below.
            warnings.filterwarnings("ignore", message=r"Spider\.log\(\) is deprecated", category=ScrapyDeprecationWarning)
            super().open(spider)
        if not isinstance(self.queue, LeasedPriorityQueue):
            raise ValueError(f"SCHEDULER_QUEUE_CLASS must be {LeasedPriorityQueue.__module__}."
                             f"{LeasedPriorityQueue.__name__}, got {type(self.queue).__name__}")
        self.keys = FrontierKeys.for_spider(spider.name, self.crawler.settings)
        self.frontier = Frontier(self.server, self.keys)
        if self.role == "seed":
            return
        self.frontier.register(self.worker_id, self.ttl)
        self._heartbeat = task.LoopingCall(self._beat)
        self._heartbeat.start(max(self.ttl / 3, 0.1), now=False)
        reclaimed = self.frontier.reclaim_dead(exclude=self.worker_id)
        self._inc("inflight/reclaimed", reclaimed)
        state = self.frontier.state(exclude=self.worker_id)
        logger.info(
            "worker %s joined frontier %s: %d queued, %d in flight on %d other live worker(s)%s",
            self.worker_id, self.keys.queue, state.queued, state.inflight, state.live_workers,
            f", {reclaimed} taken back from dead workers" if reclaimed else "",
        )

    def _beat(self) -> None:
        try:
            self.frontier.beat(self.worker_id, self.ttl)
        except Exception:  # a Redis hiccup must not stop the heartbeat loop
            logger.exception("could not refresh the heartbeat of worker %s", self.worker_id)

    def close(self, reason: str) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        report = getattr(self.df, "report", None)
        if report is not None:
            report(f"closed ({reason})")
        if self.role == "worker":
            self._give_back(reason)
            self.frontier.unregister(self.worker_id)
        if not self.persist and self.role == "worker":
            others = self.frontier.state(exclude=self.worker_id).live_workers
            if others:
                logger.warning("SCHEDULER_PERSIST is off but %d other worker(s) still use the frontier: "
                               "not flushing it", others)
            else:
                self.flush()

    def _give_back(self, reason: str) -> None:
        if reason == "finished":
            # The engine was idle: every request handed out has been handled, whatever
            # acknowledgement went missing. Nothing to give back.
            dropped = self.frontier.drop_leases(self.worker_id)
            if dropped:
                logger.debug("dropped %d handled lease(s) never acknowledged", dropped)
                self._inc("inflight/unacked_at_finish", dropped)
            return
        requeued = self.frontier.requeue(self.worker_id)
        if requeued:
            logger.info("closing (%s): put %d request(s) back on the shared queue", reason, requeued)
            self._inc("inflight/requeued_on_close", requeued)

    # --- requests ---------------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        # A request made from a leased one (redirect, retry) carries its lease: once the
        # new request is safely queued (or filtered), the old lease is done. A request a
        # callback yielded names its parent's lease: one output less to wait for.
        lease = request.meta.pop(LEASE_META, None)
        parent = request.meta.pop(PARENT_META, None)
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            self._inc("seed/filtered" if self.role == "seed" else "scheduler/filtered")
            stored = False
        else:
            self.queue.push(request)
            self._inc("seed/pushed" if self.role == "seed" else "scheduler/enqueued")
            stored = True
        if lease:
            self.ack(lease)
        if parent:
            self.release(parent)
        return stored

    def next_request(self) -> Request | None:
        if self.role == "seed":
            return None
        lease = f"{self.worker_id}:{next(self._leases)}"
        try:
            request = self.queue.pop_leased(self.keys.inflight(self.worker_id), lease)
        except Exception:
            # Undecodable (e.g. its callback no longer exists): say so and drop it.
            logger.exception("could not decode a request from %s; dropping it", self.keys.queue)
            self._inc("scheduler/undecodable")
            self.ack(lease)
            return None
        if request is None:
            return None
        request.meta[LEASE_META] = lease
        self._inc("scheduler/dequeued")
        return request

    def has_pending_requests(self) -> bool:
        return self.role != "seed" and len(self) > 0

    def hold(self, lease: str) -> None:
        """One more thing (the callback, an item, a new request) to wait for before ``lease`` is done."""
        self._pending[lease] = self._pending.get(lease, 0) + 1

    def waiting(self, lease: str) -> bool:
        """True while ``lease`` waits for outputs of its response."""
        return lease in self._pending

    def release(self, lease: str) -> None:
        """One thing less to wait for; acknowledge ``lease`` when nothing is left."""
        count = self._pending.get(lease)
        if count is None:
            return
        if count > 1:
            self._pending[lease] = count - 1
            return
        del self._pending[lease]
        self.ack(lease)

    def ack(self, lease: str) -> None:
        """The request held under ``lease`` is handled: it will not be given back."""
        self._pending.pop(lease, None)
        if self.frontier.release(self.worker_id, lease):
            self._inc("inflight/acked")

    def _inc(self, key: str, count: int = 1) -> None:
        if count and self.stats is not None:
            self.stats.inc_value(f"{STATS}/{key}", count)

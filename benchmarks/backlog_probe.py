"""A benchmark-only extension: what waits in the crawling process, and what holds memory.

Enabled by ``benchmarks/memory.py --backlog`` (with ``-s EXTENSIONS=...``); never by
newsbot's settings. Every ``BENCH_BACKLOG_SECONDS`` it samples, and at the item-count
checkpoints (``BENCH_RSS_CHECKPOINTS``) it records into the crawl stats, as
``bench/backlog/<name>/<n>`` (the value then) and ``bench/backlog/<name>/max`` (the
highest sample so far):

- ``responses``: responses in the scraper (queued or being processed: their items are in
  the pipelines), ``response_mb``: their bodies as Scrapy counts them (it stops
  downloading above SCRAPER_SLOT_MAX_ACTIVE_SIZE);
- ``downloading``: requests in the downloader;
- ``mongo_buffer``: documents in the mongo pipeline's buffer, not yet sent;
- ``mongo_waiting``: items waiting for a write (on the flush lock, or for the write under
  way);
- ``tasks``: asyncio tasks alive.

At each checkpoint it also logs ``bench objects``: the Python heap's allocated blocks
(``sys.getallocatedblocks``, written as ``bench/blocks/<n>``), glibc's malloc counts (MB
in use and free but kept, from ``mallinfo2``: where the larger allocations, arrays and C
libraries', go; ``bench/malloc_used_kb/<n>``, ``bench/malloc_free_kb/<n>``) and the types
of garbage-collected objects whose count grew most since the previous checkpoint (a
second or two at 100,000 articles).

With ``BENCH_TRACEMALLOC_FROM`` (an item count, 0: off), tracemalloc runs from the first
checkpoint at or after it (it slows the crawl 3-10x) and at each later one the allocation
sites that grew most since the previous checkpoint are logged (``bench tracemalloc``) and
the KB traced written as ``bench/traced_kb/<n>``.
"""
from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import sys
import tracemalloc
from collections import Counter
from typing import Any

from scrapy.crawler import Crawler

from benchmarks.probe import Checkpointed

logger = logging.getLogger(__name__)
TOP = 12


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                 "fordblks", "keepcost")]


def malloc_kb() -> tuple[int, int] | None:
    """(in use, free but kept) KB of glibc's malloc, mmap'ed blocks counted as in use; None
    without glibc 2.33+."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError, TypeError):
        return None
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return (info.uordblks + info.hblkhd) // 1024, info.fordblks // 1024


class BacklogProbe(Checkpointed):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.period = settings.getfloat("BENCH_BACKLOG_SECONDS", 1.0)
        self.trace_from = settings.getint("BENCH_TRACEMALLOC_FROM", 0)
        self.highest: dict[str, float] = {}
        self._snapshot: tracemalloc.Snapshot | None = None
        self._types: Counter[str] | None = None
        self._sampler: asyncio.Task[None] | None = None

    def spider_opened(self) -> None:
        self._sampler = asyncio.get_running_loop().create_task(self._sample_forever())

    def spider_closed(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
        self._record("close")

    def checkpoint(self, label: str) -> None:
        self._record(label)
        self._objects(label)
        if self.trace_from and self.count >= self.trace_from:
            self._trace(label)

    async def _sample_forever(self) -> None:
        while True:
            await asyncio.sleep(self.period)
            self._sample()

    def _sample(self) -> dict[str, float]:
        now = self._backlog()
        for name, value in now.items():
            self.highest[name] = max(value, self.highest.get(name, value))
        return now

    def _backlog(self) -> dict[str, float]:
        out: dict[str, float] = {}
        engine = self.crawler.engine
        slot = getattr(getattr(engine, "scraper", None), "slot", None)
        if slot is not None:
            out["responses"] = len(slot.queue) + len(slot.active)
            out["response_mb"] = round(slot.active_size / 2**20, 2)
        downloader = getattr(engine, "downloader", None)
        if downloader is not None:
            out["downloading"] = len(downloader.active)
        for pipeline in self._pipelines():
            if type(pipeline).__name__ == "MongoPipeline":
                out["mongo_buffer"] = len(pipeline.buffer)
                lock, written = getattr(pipeline, "_lock", None), getattr(pipeline, "_written", None)
                out["mongo_waiting"] = sum(len(getattr(waited, "_waiters", None) or ()) for waited in (lock, written))
        out["tasks"] = len(asyncio.all_tasks())
        return out

    def _pipelines(self) -> list[Any]:
        scraper = getattr(self.crawler.engine, "scraper", None)
        return list(getattr(getattr(scraper, "itemproc", None), "middlewares", ()))

    def _record(self, key: str) -> None:
        stats = self.crawler.stats
        for name, value in self._sample().items():
            stats.set_value(f"bench/backlog/{name}/{key}", value)
            stats.set_value(f"bench/backlog/{name}/max", self.highest[name])
        logger.info("bench backlog %s: %s (highest: %s)", key, self._backlog(), self.highest)

    def _objects(self, key: str) -> None:
        blocks = sys.getallocatedblocks()
        self.crawler.stats.set_value(f"bench/blocks/{key}", blocks)
        heap = malloc_kb()
        if heap is not None:
            self.crawler.stats.set_value(f"bench/malloc_used_kb/{key}", heap[0])
            self.crawler.stats.set_value(f"bench/malloc_free_kb/{key}", heap[1])
        types = Counter(type(obj).__name__ for obj in gc.get_objects())
        if self._types is not None:
            grown = (types - self._types).most_common(TOP)
            logger.info("bench objects at %s: %d blocks allocated, malloc (in use, free) KB %s; grown "
                        "since the last checkpoint: %s", key, blocks, heap,
                        ", ".join(f"{name} +{count}" for name, count in grown))
        self._types = types

    def _trace(self, key: str) -> None:
        if not tracemalloc.is_tracing():
            tracemalloc.start(8)
            self._snapshot = tracemalloc.take_snapshot()
            return
        snapshot = tracemalloc.take_snapshot()
        traced, _ = tracemalloc.get_traced_memory()
        self.crawler.stats.set_value(f"bench/traced_kb/{key}", traced // 1024)
        if self._snapshot is not None:
            lines = []
            for diff in snapshot.compare_to(self._snapshot, "traceback")[:TOP]:
                where = " <- ".join(f"{frame.filename.rsplit('site-packages/', 1)[-1]}:{frame.lineno}"
                                    for frame in diff.traceback[:4])
                lines.append(f"  {diff.size_diff / 1024:+9.0f} KB {diff.count_diff:+8d} blocks  {where}")
            logger.info("bench tracemalloc at %s (traced %.1f MB), grown since the last checkpoint:\n%s",
                        key, traced / 2**20, "\n".join(lines))
        self._snapshot = snapshot

"""Scrapy settings for newsbot.

Every knob has a default that works against the real sites; deploy-time values can also
come from the environment (same name as the setting) so that scrapyd and cron jobs need
no code change. `-s NAME=value` on the command line always wins.

This module is the one place for newsbot's defaults: components read their settings
without a default of their own (tests/test_settings.py checks it).
"""
from __future__ import annotations

import os


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


BOT_NAME = "newsbot"
SPIDER_MODULES = ["newsbot.spiders"]
NEWSPIDER_MODULE = "newsbot.spiders"
COMMANDS_MODULE = "newsbot.commands"

# --- who we are and how politely we crawl -------------------------------------------
NEWSBOT_CONTACT_URL = _env("NEWSBOT_CONTACT_URL", "https://github.com/newsbot/newsbot")
USER_AGENT = f"newsbot/0.1 (+{NEWSBOT_CONTACT_URL})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Items (and requests) of ONE response processed at once. Scrapy starts that many tasks for
# every response, and an article page gives one item: at its default 100 the task churn
# was 10-12% of a crawl's CPU (benchmarks/profile_crawl.py). At 4, workers sharing a Redis
# rate limit fell behind it (tests/test_distributed.py measured 21 of 25 requests/s).
CONCURRENT_ITEMS = 16
# Scrapy re-reads a generator callback's source (inspect.getsource + ast.parse, 0.3-1.3 ms)
# whenever no live request holds an equal bound method for its weak cache: 0.25 ms a page,
# 3.3% of a crawl's CPU (benchmarks/profile_crawl.py). The check only warns about a
# `return value` in a generator callback, which the spiders' tests would show as lost items.
WARN_ON_GENERATOR_RETURN_VALUE = False
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
# A news page is 20-350 KiB; Scrapy's default cap is 1 GiB. A page over 8 MiB is not an
# article (a hostile or broken server): it is cancelled and counted as a failed fetch.
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
# A <meta http-equiv="refresh"> page reaches the spider instead of being followed blindly:
# the site rules follow it to another article of the site and skip it (counted) when it
# leads elsewhere, as for script-redirect stubs (newsbot/sites/guancha/pages.py).
METAREFRESH_ENABLED = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
HTTPCACHE_ENABLED = False
HTTPCACHE_DIR = "httpcache"
HTTPCACHE_EXPIRATION_SECS = 0

# --- newsbot ------------------------------------------------------------------------
# Mirrors: real origin -> mirror origin (a dict, or JSON text in the environment), e.g.
# {"https://www.guancha.cn": "http://127.0.0.1:8000"}. Downloads are mapped in the download
# handler (newsbot/mirrors.py): spiders, filters, the cache, stats and items see real URLs.
NEWSBOT_MIRRORS = _env("NEWSBOT_MIRRORS", "")
DOWNLOAD_HANDLERS = {
    "http": "newsbot.mirrors.MirrorDownloadHandler",
    "https": "newsbot.mirrors.MirrorDownloadHandler",
}
# The sites `scrapy crawl news` crawls (TOML, README "Adding a site by configuration"); empty = the
# bundled example, newsbot/sites/configured/examples.toml.
NEWSBOT_SITES_FILE = _env("NEWSBOT_SITES_FILE", "")
NEWSBOT_CATEGORY_GROUP = "新媒体"
NEWSBOT_MAX_PAGES = 10
# ISO 8601 instant that relative times ("3小时前") are resolved against; empty = now.
NEWSBOT_NOW = _env("NEWSBOT_NOW", "")
# Where embedded state (seen articles, spool files) lives when no MongoDB is configured.
NEWSBOT_STATE_DIR = _env("NEWSBOT_STATE_DIR", ".newsbot")

DOWNLOADER_MIDDLEWARES = {
    # An article request made redundant by another one for the same article: not downloaded.
    "newsbot.middlewares.superseded.SupersededMiddleware": 70,
    "newsbot.middlewares.incremental.IncrementalMiddleware": 80,
    "newsbot.middlewares.encoding.EncodingFixMiddleware": 575,
    "newsbot.middlewares.redirect_loop.RedirectLoopMiddleware": 610,
    # Before RedirectMiddleware (600) and the loop check: a redirect of an article or list
    # page to another page (guancha's 302 to its home page) is a miss, never followed.
    "newsbot.middlewares.redirect_away.RedirectAwayMiddleware": 620,
}

EXTENSIONS = {
    # The same stats, without a traceback when a store failed to open (see the module).
    "scrapy.extensions.corestats.CoreStats": None,
    "newsbot.extensions.corestats.CoreStats": 0,
    # The seen-article state the dedupe pipeline and the incremental middleware share.
    "newsbot.state.extension.StateStoreExtension": 100,
    # Which outputs could not be written (newsbot/outputs.py): exit 4, one closing ERROR line.
    "newsbot.outputs.OutputGuard": 110,
    "newsbot.extensions.health.HealthCheck": 400,  # before StatsFile: it may set finish_reason
    "newsbot.extensions.stats_file.StatsFile": 500,
    "newsbot.extensions.quick_stop.QuickStop": 600,
}
# On Ctrl-C (SIGINT, SIGTERM, scrapyd's cancel) drop the requests still waiting in the
# downloader instead of downloading them one DOWNLOAD_DELAY apart; downloads in flight
# and their items finish (newsbot/extensions/quick_stop.py). A second Ctrl-C is Scrapy's
# forced stop.
NEWSBOT_QUICK_STOP = True
# The end-of-crawl health check (newsbot/extensions/health.py): a crawl in which fewer than
# MIN_EXTRACTED of a channel's article requests gave an article, or a required field was
# missing on more than MAX_EMPTY of the pages of one kind, or every list of a channel was
# empty, or a page was a JavaScript challenge, ends with finish_reason site_changed, one
# ERROR and a non-zero exit. Fewer than MIN_PAGES requests or pages are too few to judge.
NEWSBOT_HEALTH_ENABLED = True
NEWSBOT_HEALTH_MIN_EXTRACTED = 0.25
NEWSBOT_HEALTH_MAX_EMPTY = 0.5
NEWSBOT_HEALTH_MIN_PAGES = 3
# Article requests per list page (0 = all). `scrapy doctor` uses 3.
NEWSBOT_ARTICLES_PER_LIST = 0
NEWSBOT_STATS_FILE = _env("NEWSBOT_STATS_FILE", "")

# --- storage and export ---------------------------------------------------------------
MONGO_URI = _env("MONGO_URI")
MONGO_DATABASE = _env("MONGO_DATABASE", "newsbot")
MONGO_COLLECTION = _env("MONGO_COLLECTION", "articles")

ITEM_PIPELINES = {
    "newsbot.pipelines.clean.CleanPipeline": 100,
    "newsbot.pipelines.dedupe.DedupePipeline": 200,
    "newsbot.pipelines.mongo.MongoPipeline": 300,  # off (NotConfigured) without MONGO_URI
}
# Dedupe and incremental crawling (state in MongoDB with MONGO_URI, else sqlite3 under
# NEWSBOT_STATE_DIR). Stored articles published less than NEWSBOT_REFETCH_HOURS ago are
# downloaded again; NEWSBOT_FULL_REFRESH (or spider argument refresh=1) downloads all.
NEWSBOT_DEDUPE_ENABLED = True
NEWSBOT_INCREMENTAL = True
NEWSBOT_REFETCH_HOURS = 24
NEWSBOT_FULL_REFRESH = _env("NEWSBOT_FULL_REFRESH", "") in ("1", "true", "True", "yes")
# MongoDB writes: buffered bulk upserts flushed every N items or N seconds and on close;
# transient errors retried N times with exponential backoff (base seconds); what still
# fails is spooled under NEWSBOT_STATE_DIR and replayed on the next run. JOURNAL = ask
# for j=true acknowledgements (a write acknowledged survives a crash of the server).
NEWSBOT_MONGO_BUFFER_SIZE = 100
NEWSBOT_MONGO_FLUSH_SECONDS = 5.0
NEWSBOT_MONGO_RETRY_TIMES = 5
NEWSBOT_MONGO_RETRY_BACKOFF = 0.5
NEWSBOT_MONGO_TIMEOUT_MS = 5000
NEWSBOT_MONGO_JOURNAL = True

FEED_EXPORT_ENCODING = "utf-8"
# JSON lines written a whole line at a time; a line the disk refuses is reported, not
# silently lost, and its article is not marked as seen (newsbot/exporters.py).
FEED_EXPORTERS = {"jsonlines": "newsbot.exporters.JsonLinesExporter", "jsonl": "newsbot.exporters.JsonLinesExporter",
                  "jl": "newsbot.exporters.JsonLinesExporter"}
# Dropped and failed items are logged as one line naming their URL and the reason, not
# as the whole item (newsbot/logformatter.py).
LOG_FORMATTER = "newsbot.logformatter.NewsbotLogFormatter"

# Hexo posts: the posts directory of a Hexo site (e.g. ~/blog/source/_posts); empty = off.
# HexoPipeline (400, after dedupe and MongoDB) writes one post per new or changed article.
NEWSBOT_HEXO_DIR = _env("NEWSBOT_HEXO_DIR", "")

ITEM_PIPELINES["newsbot.pipelines.hexo.HexoPipeline"] = 400

# Atom and RSS feeds (all, per site, per channel) written into this directory; empty = off.
# FeedsPipeline (500, after Hexo) keeps the newest NEWSBOT_FEEDS_MAX_ENTRIES of each and
# writes changed files on close and every NEWSBOT_FEEDS_WRITE_EVERY merged articles (0 =
# on close only). NEWSBOT_FEEDS_BASE_URL: where DIR is served (feed ids and self links).
NEWSBOT_FEEDS_DIR = _env("NEWSBOT_FEEDS_DIR", "")
NEWSBOT_FEEDS_MAX_ENTRIES = 50
NEWSBOT_FEEDS_WRITE_EVERY = 100
NEWSBOT_FEEDS_TITLE = "newsbot"
NEWSBOT_FEEDS_BASE_URL = _env("NEWSBOT_FEEDS_BASE_URL", "")
ITEM_PIPELINES["newsbot.pipelines.feeds.FeedsPipeline"] = 500
# Pictures (README "Pictures"): with a store (a directory, s3://bucket/prefix/, gs://bucket/
# prefix/) every body and lead image is downloaded and kept (newsbot/pipelines/images.py,
# after dedupe, before MongoDB); empty = off, items keep hot links only.
# NEWSBOT_HEXO_IMAGES_URL: the URL the store is published under on the blog; set, Hexo
# posts show the stored copies; empty = hot links.
NEWSBOT_IMAGES_STORE = _env("NEWSBOT_IMAGES_STORE", "")
NEWSBOT_HEXO_IMAGES_URL = _env("NEWSBOT_HEXO_IMAGES_URL", "")
ITEM_PIPELINES["newsbot.pipelines.images.ImagesPipeline"] = 250

# --- several machines: one shared frontier in Redis (scrapy-redis) ---------------------
# Distributed mode is on when REDIS_URL is set (environment or -s): the add-on below then
# switches to the scrapy-redis scheduler with JSON requests (never pickles), a shared
# Bloom-filter duplicate filter, the shared per-site rate limit and the worker life cycle
# (newsbot/distributed). Unset = single-machine mode, unchanged. Seed a crawl with
# `scrapy seed guancha`.
REDIS_URL = _env("REDIS_URL")
# What this process does in distributed mode: "worker" crawls; `scrapy seed` sets "seed".
NEWSBOT_REDIS_ROLE = "worker"
# The single-machine duplicate filter keeps its fingerprints in compact arrays
# (newsbot/dupefilter.py); set by an add-on before distributed mode's, which replaces it.
ADDONS = {
    "newsbot.dupefilter.CompactDupeFilterAddon": 90,
    "newsbot.distributed.addon.DistributedMode": 100,
}
# A worker closes once the shared frontier (queue and other workers' in-flight requests)
# has stayed empty this many seconds; 0 = never close (wait for new seeds).
NEWSBOT_REDIS_IDLE_CLOSE = 60.0
# A worker whose heartbeat is older than this is dead: its in-flight requests go back on
# the queue. How often an idle worker looks at the shared queue.
NEWSBOT_REDIS_WORKER_TTL = 30.0
NEWSBOT_REDIS_POLL_INTERVAL = 0.5
# Shared politeness: requests per second per site for all workers together, and the burst
# allowed after a quiet spell. 0 = no shared limit (DOWNLOAD_DELAY etc. still apply per worker).
NEWSBOT_REDIS_RATE = 2.0
NEWSBOT_REDIS_BURST = 2
# Seen-set of a distributed crawl: a Bloom filter sized for this many request URLs at this
# false positive rate (2M at 1e-5 = 5.7 MiB of Redis, fixed; scrapy-redis's set takes ~88
# bytes per URL). A false positive skips a request in this crawl; articles stay exact.
NEWSBOT_BLOOM_CAPACITY = 2_000_000
NEWSBOT_BLOOM_ERROR_RATE = 1e-5

# Scrapy's fingerprint plus an article request's channel (newsbot/fingerprint.py): one
# article listed in two channels is two requests for the duplicate filters.
REQUEST_FINGERPRINTER_CLASS = "newsbot.fingerprint.ChannelFingerprinter"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = _env("NEWSBOT_LOG_LEVEL", "INFO")

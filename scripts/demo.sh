#!/usr/bin/env bash
# The main job, offline: serve the bundled sample sites on loopback, crawl every channel of
# guancha's, then the three sites of the multi-site sample from their sites file (scrapy
# crawl news), into one set of JSON lines, Hexo posts and Atom/RSS feeds, with one embedded
# (sqlite) state store.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${OUT:-output}
mkdir -p "$OUT"
# A demo starts from a clean slate; a real deployment keeps its state so that the next run
# emits only new and changed articles.
rm -rf "$OUT/state"
ports="$OUT/.sample-site.json"
rm -f "$ports"
"$PY" scripts/sample_site.py --root tests/sites/guancha --root tests/sites/news --ports-file "$ports" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$ports" ] && break; sleep 0.1; done
[ -s "$ports" ] || { echo "sample site did not start" >&2; exit 1; }
mirrors() { "$PY" -c "import json; print(json.dumps(json.load(open('$ports'))['mirrors']))"; }
rm -f "$OUT/crawl.log"  # both crawls append to it
common=(-s NEWSBOT_MIRRORS="$(mirrors)"
  -s NEWSBOT_STATE_DIR="$OUT/state" -s NEWSBOT_HEXO_DIR="$OUT/hexo/source/_posts" -s NEWSBOT_FEEDS_DIR="$OUT/feeds"
  -s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=False -s DOWNLOAD_TIMEOUT=3 -s RETRY_TIMES=1
  -s LOG_LEVEL="${LOG_LEVEL:-INFO}" -s LOG_FILE="$OUT/crawl.log")
"$PY" -m scrapy crawl guancha \
  -a channels=toutiao,review,yaowen,fengwen,redian,gundong,shiping,column,author \
  -a columns=GuoJi·ZhanLue -a authors=ChenSiYuan \
  -O "$OUT/articles.jsonl:jsonlines" "${common[@]}" -s NEWSBOT_STATS_FILE="$OUT/stats.json"
"$PY" -m scrapy crawl news -s NEWSBOT_SITES_FILE=tests/sites/news.toml \
  -o "$OUT/articles.jsonl:jsonlines" "${common[@]}" -s NEWSBOT_STATS_FILE="$OUT/stats-news.json"
echo "articles: $(wc -l < "$OUT/articles.jsonl") in $OUT/articles.jsonl"
echo "posts:    $(ls "$OUT/hexo/source/_posts" 2>/dev/null | wc -l) in $OUT/hexo/source/_posts"
echo "feeds:    $(find "$OUT/feeds" -name '*.atom' 2>/dev/null | wc -l) Atom feeds (and as many RSS) in $OUT/feeds"
echo "log:      $OUT/crawl.log"
echo
# What the two crawls did, dropped and failed, from their stats; the sample sites break some
# pages on purpose, and the summary says so only when both finished healthy (else it exits 1).
"$PY" -m newsbot.summary "$OUT/stats.json" "$OUT/stats-news.json" \
  --expected "the sample sites' deliberately broken pages (tests/sites/guancha/MANIFEST.md, \"Bad input\"; tests/sites/news/MANIFEST.md)"

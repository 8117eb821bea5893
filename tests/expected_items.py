"""The hand-written expected articles of the sample site (tests/expected/guancha/*.json)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EXPECTED_DIR = Path(__file__).resolve().parent / "expected" / "guancha"
# Fields that come from the page itself (the rest come from the list that linked it).
PAGE_FIELDS = ("url", "site", "source_name", "source", "title", "authors", "published_at",
               "updated_at", "paragraphs", "images", "tags", "language")
CRAWL_FIELDS = PAGE_FIELDS + ("fetched_url", "categories", "summary", "lead_image")


def expected_articles() -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted(EXPECTED_DIR.glob("*.json"))]


def all_text(item: dict[str, Any]) -> str:
    """Every string in an item, for "must not leak" checks."""
    return json.dumps(item, ensure_ascii=False)

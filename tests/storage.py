"""Run pipelines in-process against a state backend (sqlite3 or the test MongoDB)."""
from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pymongo

from tests.articles import Flow, build, make_crawler


@dataclass
class Backend:
    name: str
    state_dir: Path
    uri: str | None = None
    database: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def pipelines(self) -> tuple[str, ...]:
        return ("clean", "dedupe", "mongo") if self.uri else ("clean", "dedupe")

    def crawl(self, items: list[Any], **settings: Any) -> Flow:
        """One "crawl": fresh crawler and pipelines, same state as earlier crawls."""
        async def run() -> Flow:
            crawler = make_crawler(**{**self.base_settings(), **self.settings, **settings})
            flow = Flow(crawler, build(crawler, *self.pipelines))
            async with flow:
                await flow.feed(items)
            return flow

        return asyncio.run(run())

    def base_settings(self) -> dict[str, Any]:
        values: dict[str, Any] = {"NEWSBOT_STATE_DIR": str(self.state_dir)}
        if self.uri:
            values.update(MONGO_URI=self.uri, MONGO_DATABASE=self.database,
                          NEWSBOT_MONGO_RETRY_BACKOFF=0.05)
        return values

    def stored(self) -> dict[str, dict[str, Any]]:
        """url -> {content_hash, version, ...} as the state backend holds it."""
        if self.uri:
            with pymongo.MongoClient(self.uri) as client:
                return {d["url"]: d for d in client[self.database].articles.find({}, {"_id": 0})}
        with sqlite3.connect(self.state_dir / "state.sqlite3") as db:
            db.row_factory = sqlite3.Row
            return {r["url"]: dict(r) for r in db.execute("SELECT * FROM articles")}

    def aliases(self) -> dict[str, str]:
        if self.uri:
            with pymongo.MongoClient(self.uri) as client:
                return {d["_id"]: d["url"] for d in client[self.database].articles_aliases.find()}
        with sqlite3.connect(self.state_dir / "state.sqlite3") as db:
            return dict(db.execute("SELECT alias, url FROM aliases").fetchall())

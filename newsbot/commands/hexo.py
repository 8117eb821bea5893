"""``scrapy hexo``: write Hexo posts from a JSON lines feed or from MongoDB."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from newsbot.hexo import PostStore
from newsbot.hexo.sources import export
from newsbot.stored_command import StoredArticlesCommand


class Command(StoredArticlesCommand):
    target_setting = "NEWSBOT_HEXO_DIR"
    target_name = "POSTS_DIR"
    target_help = "posts directory, e.g. site/source/_posts"

    def short_desc(self) -> str:
        return "Write Hexo posts from a JSON lines feed or from MongoDB (incremental)"

    def long_desc(self) -> str:
        return (
            "Write one Hexo post per article into POSTS_DIR (default: the NEWSBOT_HEXO_DIR "
            "setting). --from mongodb reads MONGO_URI, MONGO_DATABASE and MONGO_COLLECTION. "
            "Unchanged posts are left untouched; changed articles are rewritten in place."
        )

    def write(self, articles: Iterable[dict[str, Any] | None], target: str) -> None:
        assert self.settings is not None
        counts = export(articles, PostStore(target, self.settings.get("NEWSBOT_HEXO_IMAGES_URL") or ""))
        report = (f"hexo: {counts['written']} written, {counts['unchanged']} unchanged, "
                  f"{counts['failed']} failed -> {target}")
        print(report)  # noqa: T201 - the command's output
        self.exitcode = 1 if counts["failed"] else 0

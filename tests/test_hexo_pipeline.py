"""HexoPipeline on its own, and inside a real Scrapy crawl."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured

from newsbot.items import Article
from newsbot.pipelines.hexo import HexoPipeline
from tests.project import project_crawler

ROOT = Path(__file__).resolve().parents[1]


def article(number: int, title: str = "标题") -> Article:
    return Article(url=f"https://www.guancha.cn/internation/2022_04_27_{number}.shtml", site="guancha",
                   title=title, published_at="2022-04-27T10:22:31+08:00", source="观察者网",
                   body_html="<p>正文</p>")


def test_off_without_a_directory() -> None:
    with pytest.raises(NotConfigured):
        HexoPipeline.from_crawler(project_crawler(NEWSBOT_HEXO_DIR=""))


def test_writes_posts_and_counts(tmp_path: Path) -> None:
    crawler = project_crawler(NEWSBOT_HEXO_DIR=str(tmp_path))
    pipeline = HexoPipeline.from_crawler(crawler)
    pipeline.open_spider()
    first = article(1)
    assert pipeline.process_item(first) is first
    pipeline.process_item(article(1))  # same text: unchanged
    pipeline.process_item(article(2, title="新标题"))
    broken = Article(url="https://www.guancha.cn/x/2022_04_27_3.shtml", title="无日期")
    assert pipeline.process_item(broken) is broken  # the item still passes on
    pipeline.close_spider()
    stats = crawler.stats.get_stats()
    assert (stats["newsbot/hexo/written"], stats["newsbot/hexo/unchanged"], stats["newsbot/hexo/failed"]) == (2, 1, 1)
    assert sorted(p.name for p in tmp_path.glob("*.md")) == ["2022-04-27-guancha-1.md", "2022-04-27-guancha-2.md"]
    assert "title: '新标题'" in (tmp_path / "2022-04-27-guancha-2.md").read_text(encoding="utf-8")


SPIDER = '''
import scrapy
from newsbot.items import Article, Image

class Items(scrapy.Spider):
    name = "items"

    async def start(self):
        for number in (636953, 636954):
            yield Article(url=f"https://www.guancha.cn/internation/2022_04_27_{number}.shtml", site="guancha",
                          title=f"第{number}号", categories=["新媒体", "观察者网", "头条"], source="观察者网",
                          published_at="2022-04-27T10:22:31+08:00",
                          lead_image=Image(url="https://i.guancha.cn/lead.jpg", width=970, height=374),
                          body_html='<p>正文<script>x()</script></p>')
'''


def test_in_a_real_crawl(tmp_path: Path) -> None:
    spider = tmp_path / "items_spider.py"
    spider.write_text(SPIDER, encoding="utf-8")
    posts = tmp_path / "site" / "source" / "_posts"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "runspider", str(spider), "-s", f"NEWSBOT_HEXO_DIR={posts}",
         "-s", 'ITEM_PIPELINES={"newsbot.pipelines.hexo.HexoPipeline": 400}', "-s", "LOG_LEVEL=INFO"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "'newsbot/hexo/written': 2" in result.stderr
    assert sorted(p.name for p in posts.glob("*.md")) == ["2022-04-27-guancha-636953.md", "2022-04-27-guancha-636954.md"]
    text = (posts / "2022-04-27-guancha-636953.md").read_text(encoding="utf-8")
    assert text.split("\n")[2] == "title: '第636953号'"
    assert '<img src="https://i.guancha.cn/lead.jpg" width="970px" height="374px" referrerpolicy="no-referrer">' in text
    assert "script" not in text

"""The JSON lines exporter's direct path for Articles writes what Scrapy's own path writes."""
from __future__ import annotations

import io
import json

from scrapy.exporters import JsonLinesItemExporter

from newsbot.exporters import JsonLinesExporter
from newsbot.items import Article, Image
from tests.test_hexo_clean_body import sample_articles

URL = "https://www.guancha.cn/internation/2022_04_27_636953.shtml"


def lines(exporter_class: type, items: list, **options: object) -> bytes:
    out = io.BytesIO()
    exporter = exporter_class(out, encoding="utf-8", **options)
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return out.getvalue()


def small_article() -> Article:
    stored = Image(url="https://i.guancha.cn/a.jpg", caption="资料图", width=970, index=1)
    stored.path, stored.checksum = "full/ab.jpg", "0cc175b9c0f1b6a831c399e269772661"
    return Article(url=URL, title="标题", published_at="2022-04-27T10:22:31+08:00", paragraphs=["甲"],
                   lead_image=Image(url="https://i.guancha.cn/lead.jpg"), images=[stored])


def test_an_article_line_has_every_field_in_order_and_images_with_the_keys_they_have() -> None:
    record = json.loads(lines(JsonLinesExporter, [small_article()]))
    assert list(record) == [
        "url", "fetched_url", "site", "source_name", "source", "categories", "title", "summary",
        "authors", "published_at", "updated_at", "lead_image", "paragraphs", "images", "body_html", "tags",
        "language", "content_hash", "crawled_at", "extraction", "channel_rank",
    ]
    assert record["lead_image"] == {"url": "https://i.guancha.cn/lead.jpg", "caption": None, "alt": None,
                                    "width": None, "height": None, "index": 0}
    assert record["images"] == [{
        "url": "https://i.guancha.cn/a.jpg", "caption": "资料图", "alt": None, "width": 970, "height": None,
        "index": 1, "path": "full/ab.jpg", "checksum": "0cc175b9c0f1b6a831c399e269772661",
    }]
    assert (record["title"], record["channel_rank"], record["categories"]) == ("标题", 1000, [])


def test_the_sample_articles_give_the_bytes_scrapys_exporter_gives() -> None:
    articles = [*sample_articles(), small_article()]
    failed = next(a for a in articles if a.images).images[0]
    failed.path = failed.checksum = None  # a download that failed
    ours = lines(JsonLinesExporter, articles)
    assert ours == lines(JsonLinesItemExporter, articles)
    assert ours.count(b"\n") == 28 and "观察者网".encode() in ours


def test_other_items_and_chosen_fields_go_scrapys_way() -> None:
    assert json.loads(lines(JsonLinesExporter, [{"url": URL, "n": 1}])) == {"url": URL, "n": 1}
    chosen = lines(JsonLinesExporter, [small_article()], fields_to_export=["title", "url"])
    assert json.loads(chosen) == {"title": "标题", "url": URL}

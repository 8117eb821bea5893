"""CleanPipeline: normalised text, required fields, content_hash and crawled_at."""
from __future__ import annotations

import hashlib

import pytest
from scrapy.exceptions import DropItem

from newsbot.items import Image
from newsbot.pipelines.clean import CleanPipeline
from tests.articles import URL_A, article, make_crawler


def pipeline(**settings: object) -> CleanPipeline:
    return CleanPipeline.from_crawler(make_crawler(**settings))


def test_whitespace_and_empty_paragraphs() -> None:
    item = article(
        title="\u3000美国会通过\xa0对乌援助法案 \n",
        summary=" \u3000 ",
        paragraphs=["\u3000\u3000【文/观察者网 王世纯】", "  ", "", "据美媒报道，\n美国国会27日通过。"],
        images=[Image(url="/news/2022/04/27/a.jpg", caption="\u3000资料图\xa0 ", alt=" ", index=1)],
        lead_image=Image(url="https://i.guancha.cn/l.jpg", caption="  头图 "),
    )
    out = pipeline().process_item(item)
    assert out.title == "美国会通过 对乌援助法案"
    assert out.summary is None
    assert out.paragraphs == ["【文/观察者网 王世纯】", "据美媒报道， 美国国会27日通过。"]
    assert out.images[0].caption == "资料图" and out.images[0].alt is None
    # relative image URLs resolved against the page that was downloaded
    assert out.images[0].url == "https://www.guancha.cn/news/2022/04/27/a.jpg"
    assert out.lead_image.caption == "头图"


def test_content_hash_and_crawled_at_filled() -> None:
    out = pipeline().process_item(article(title="标题", paragraphs=["第一段", "第二段"]))
    assert out.content_hash == hashlib.sha256("标题\n第一段\n第二段".encode()).hexdigest()
    assert out.crawled_at == "2022-04-27T04:00:00+00:00"  # NEWSBOT_NOW (Beijing noon) in UTC


def test_given_values_are_kept() -> None:
    out = pipeline().process_item(article(content_hash="abc", crawled_at="2022-04-27T12:00:00+08:00"))
    assert out.content_hash == "abc"
    assert out.crawled_at == "2022-04-27T04:00:00+00:00"  # re-expressed in UTC


def test_url_made_canonical() -> None:
    out = pipeline().process_item(article(url="http://m.guancha.cn/internation/2022_04_27_636953_s.shtml?s=x"))
    assert out.url == URL_A


@pytest.mark.parametrize("field, value", [
    ("url", None), ("title", " \u3000 "), ("published_at", ""), ("paragraphs", ["\u3000", ""]),
])
def test_missing_required_field_dropped_and_counted(field: str, value: object) -> None:
    clean = pipeline()
    with pytest.raises(DropItem) as raised:
        clean.process_item(article(**{field: value}))
    where = URL_A if field != "url" else "https://www.guancha.cn/internation/2022_04_27_636953_s.shtml"
    assert str(raised.value) == f"missing field {field!r} in {where}"
    stats = clean.crawler.stats.get_stats()
    assert stats[f"newsbot/clean/dropped/missing_{field}"] == 1
    assert stats["newsbot/clean/dropped"] == 1


def test_published_at_must_be_an_instant() -> None:
    clean = pipeline()
    with pytest.raises(DropItem, match="invalid field 'published_at'"):
        clean.process_item(article(published_at="2022-04-27 10:22"))
    assert clean.crawler.stats.get_value("newsbot/clean/dropped/invalid_published_at") == 1


def test_dict_items_work_too() -> None:
    item = {"url": URL_A, "title": " t ", "published_at": "2022-04-27T10:22:31+08:00",
            "paragraphs": [" p "]}
    out = pipeline().process_item(item)
    assert out["title"] == "t" and out["paragraphs"] == ["p"] and len(out["content_hash"]) == 64


@pytest.mark.parametrize("published", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59+08:00",
                                       "1899-12-31T23:59:59+00:00", "2101-01-01T00:00:00+00:00"])
def test_a_publication_time_outside_1900_to_2100_is_refused(published: str) -> None:
    clean = pipeline()
    with pytest.raises(DropItem, match="invalid field 'published_at'"):
        clean.process_item(article(published_at=published))
    assert clean.crawler.stats.get_value("newsbot/clean/dropped/invalid_published_at") == 1


def test_an_update_time_outside_1900_to_2100_is_cleared_and_the_article_kept() -> None:
    clean = pipeline()
    out = clean.process_item(article(updated_at="9999-01-01T00:00:00+08:00"))
    assert out.updated_at is None and out.title
    assert clean.crawler.stats.get_value("newsbot/clean/cleared/updated_at") == 1
    kept = pipeline().process_item(article(updated_at="2022-04-27T10:30:00+08:00"))
    assert kept.updated_at == "2022-04-27T10:30:00+08:00"


def test_pictures_without_an_http_address_are_removed_counted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    """A javascript: lead image would be stored as is and run from any output that links it;
    an image whose src was emptied would point at the article itself in Hexo."""
    clean = pipeline()
    out = clean.process_item(article(
        images=[Image(url="javascript:alert(1)", caption="坏图", index=1), Image(url="", index=2),
                Image(url="/news/ok.jpg", caption="好图", index=3)],
        lead_image=Image(url=" JaVaScRiPt:alert(document.cookie)"),
    ))
    assert [(image.url, image.caption) for image in out.images] == [("https://www.guancha.cn/news/ok.jpg", "好图")]
    assert out.lead_image is None
    stats = clean.crawler.stats
    assert stats.get_value("newsbot/clean/unsafe_url/image") == 2
    assert stats.get_value("newsbot/clean/unsafe_url/lead_image") == 1
    warnings = [r.getMessage() for r in caplog.records if r.name == "newsbot.pipelines.clean"]
    assert len(warnings) == 3 and "removed the lead image whose URL is no http(s) address" in warnings[2]
    assert URL_A in warnings[0]

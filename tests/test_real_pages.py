"""Extraction on the real guancha.cn pages in ../shared/data/guancha.

Expected values were read off the pages by hand (see data/guancha/README.md and
SELECTORS.md, which list them): not produced by the code under test.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from itemadapter import ItemAdapter
from parsel import Selector
from scrapy.http import HtmlResponse

from newsbot.dom import parse_html, parse_response
from newsbot.sites.guancha.article import extract_article
from newsbot.sites.guancha.lists import home_columns
from newsbot.sites.guancha.pages import Pager, pager, redirect_target
from newsbot.sites.page import PageContext
from tests.shared_data import shared_file

NOW = datetime(2019, 9, 10, tzinfo=timezone.utc)


def load(name: str, url: str) -> dict:
    body = shared_file(f"guancha/gne-2019/{name}").read_bytes()
    response = HtmlResponse(url=url, body=body, encoding="utf-8")
    return ItemAdapter(extract_article(parse_response(response), PageContext(url, url, NOW))).asdict()


@pytest.fixture(scope="module")
def columnist() -> dict:
    return load("guancha.html", "https://www.guancha.cn/WangWen/2019_09_07_516891.shtml")


@pytest.fixture(scope="module")
def repost() -> dict:
    return load("2.html", "https://www.guancha.cn/industry-science/2019_09_07_516923.shtml")


def test_columnist_piece(columnist: dict) -> None:
    assert columnist["title"] == "王文：中美贸易“持久战”，中国人的斗志被激发"
    assert columnist["published_at"] == "2019-09-07T09:25:09+08:00"  # not the JSON-LD pubDate 09:27:48
    assert columnist["updated_at"] == "2019-09-07T09:27:48+08:00"
    assert columnist["source"] == "观察者网"
    assert columnist["authors"] == ["王文"]  # the editor 小婷 is not an author
    assert columnist["tags"] == ["中美贸易", "中美竞争", "中美关系"]
    # 12 <p> in the body: one holds the picture, one its caption.
    assert len(columnist["paragraphs"]) == 10
    assert columnist["paragraphs"][0] == "【文/观察者网专栏作者 王文】"
    assert columnist["paragraphs"][3] == "特朗普“速胜”企图已在穗莞深破产"
    assert columnist["paragraphs"][-1].startswith("在深圳大疆、深圳海能达等企业")
    assert "华坚鞋业生产车间" not in columnist["paragraphs"]


def test_columnist_image_and_caption(columnist: dict) -> None:
    assert columnist["images"] == [{
        "url": "https://i.guancha.cn/news/origin/2019/09/07/20190907092144799.jpg",
        "caption": "华坚鞋业生产车间",
        "alt": None,
        "width": None,
        "height": None,
        "index": 7,  # after the 7th text paragraph (贸易战导致的…), before 在全球最大手机代工企业…
    }]


def test_nothing_outside_the_article_leaks(columnist: dict) -> None:
    text = "".join(columnist["paragraphs"]) + (columnist["body_html"] or "")
    for outside in ("小婷", "责任编辑", "分享到", "请支持独立网站", "中国人民大学重阳金融研究院执行院长"):
        assert outside not in text


def test_repost_credits_the_source(repost: dict) -> None:
    assert repost["title"] == "我国集成电路进口突破3000亿美元！魏少军：产业结构扭曲，没将产品作为中心"
    assert repost["source"] == "EETOP"
    assert repost["authors"] == ["EETOP"]  # GNE reports the editor 刘响 here
    assert repost["published_at"] == "2019-09-07T15:10:53+08:00"
    assert repost["updated_at"] == "2019-09-07T15:14:21+08:00"
    assert repost["tags"] == []  # the page has one empty tag link
    assert len(repost["paragraphs"]) == 9
    assert repost["paragraphs"][1] == "2018年进口继续扩大，突破3000亿美元"
    assert repost["images"] == []


def test_page_one_of_two_shows_its_pager() -> None:
    """guancha.html is page 1 of 2: a link to _2 and 余下全文 (an onclick) to _s."""
    page = parse_html(shared_file("guancha/gne-2019/guancha.html").read_bytes())
    url = "https://www.guancha.cn/WangWen/2019_09_07_516891.shtml"
    assert pager(page, url) == Pager(
        full_text="https://www.guancha.cn/WangWen/2019_09_07_516891_s.shtml",
        pages=["https://www.guancha.cn/WangWen/2019_09_07_516891_2.shtml"])
    assert redirect_target(page, url) is None


def test_a_single_page_article_shows_no_pager() -> None:
    # 2.html names #select_page only in a script
    page = parse_html(shared_file("guancha/gne-2019/2.html").read_bytes())
    assert pager(page, "https://www.guancha.cn/industry-science/2019_09_07_516923.shtml") is None


def test_home_page_columns_survive_the_stray_li() -> None:
    text = shared_file("guancha/qpath-2020/guancha_home_2020-07.html").read_text("utf-8")
    columns = home_columns(Selector(text=text), "https://www.guancha.cn/", ["review", "yaowen", "fengwen"])
    assert len(columns["review"]) == 50
    assert len(columns["yaowen"]) == 55  # only 1 of them is still under ul.img-List after lxml
    assert columns["yaowen"][0].url == "https://www.guancha.cn/politics/2020_07_18_558136.shtml"
    assert columns["yaowen"][0].lead_image.url == "https://i.guancha.cn/news/2020/07/18/20200718192346685.jpg"
    # 70 links in the 风闻 column, two of which are just https://user.guancha.cn
    assert len(columns["fengwen"]) == 68
    assert all("main/content?id=" in e.url or e.url.endswith(".shtml") for e in columns["fengwen"])
    assert columns["review"][0].author == "刘兆佳"
    assert columns["review"][0].summary.endswith("他们可能忘记了自己国家的国安法是什么样子。")

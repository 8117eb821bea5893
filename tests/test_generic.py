"""The generic fallback extractor (newsbot.generic): what it recovers when site rules find nothing.

Expected values were read off the pages by hand: the two real 2019 guancha.cn pages
(../shared/data/guancha/gne-2019, see SELECTORS.md there), three magic-html pages whose
paragraphs are the benchmark's human annotation (base.json), the hand-written expected items
of the sample site (tests/expected/guancha) and the small pages in tests/pages/generic.
GNE's 2019 output for the guancha pages is a third-party cross-check, not ground truth.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from itemadapter import ItemAdapter

from newsbot.generic import extract_article, fill_missing
from newsbot.items import Article
from tests.shared_data import shared_file

TESTS = Path(__file__).resolve().parent
PAGES = TESTS / "pages" / "generic"
SAMPLE_WWW = TESTS / "sites" / "guancha" / "www"
EXPECTED = TESTS / "expected" / "guancha"
COLUMNIST_URL = "https://www.guancha.cn/WangWen/2019_09_07_516891.shtml"
REPOST_URL = "https://www.guancha.cn/industry-science/2019_09_07_516923.shtml"
# Another change keeps this line as the last paragraph on guancha pages; the tests do not
# depend on either way (nor on the columnists' longer version of it).
RIGHTS_NOTICE = "本文系观察者网独家稿件"


def squeeze(text: str) -> str:
    """Text without any whitespace, for comparing with annotations that wrap lines differently."""
    return "".join(text.split())


def without_rights_notice(paragraphs: list[str]) -> list[str]:
    return [p for p in paragraphs if not p.startswith(RIGHTS_NOTICE)]


@pytest.fixture(scope="module")
def columnist() -> Article:
    return extract_article(shared_file("guancha/gne-2019/guancha.html").read_bytes(), COLUMNIST_URL)


@pytest.fixture(scope="module")
def repost() -> Article:
    return extract_article(shared_file("guancha/gne-2019/2.html").read_bytes(), REPOST_URL)


def test_real_guancha_columnist_page(columnist: Article) -> None:
    assert columnist.extraction == "fallback"
    assert columnist.url == columnist.fetched_url == COLUMNIST_URL
    assert columnist.title == "王文：中美贸易“持久战”，中国人的斗志被激发"
    # The first time span; not 最后更新 09:27:48, which the JSON-LD pubDate also holds.
    assert columnist.published_at == "2019-09-07T09:25:09+08:00"
    assert columnist.authors == ["王文"]  # the byline; the page's meta author is a template's e-mail
    assert columnist.language == "zh-CN"
    assert columnist.summary is not None and columnist.summary.startswith("在全球最大手机代工企业之一的华勤通讯")
    assert len(columnist.paragraphs) == 10
    assert columnist.paragraphs[0] == "【文/观察者网专栏作者 王文】"
    assert columnist.paragraphs[3] == "特朗普“速胜”企图已在穗莞深破产"
    assert columnist.paragraphs[-1] == (
        "在深圳大疆、深圳海能达等企业，笔者同样听到了不少企业界人士的坚定信心。在深圳证券交易所，"
        "60%投资者认为贸易战会长期持续。80%被调查者在投资决策时会考虑贸易战因素，但仅有1/3投资者在减仓。"
        "正如《日本经济新闻》近日报道，中国无惧“比拼耐力”。"
    )


def test_real_guancha_picture_and_caption(columnist: Article) -> None:
    assert [ItemAdapter(image).asdict() for image in columnist.images] == [{
        "url": "https://i.guancha.cn/news/origin/2019/09/07/20190907092144799.jpg",
        "caption": "华坚鞋业生产车间",
        "alt": None,
        "width": None,
        "height": None,
        "index": 7,  # before 在全球最大手机代工企业之一的华勤通讯…
    }]
    assert "华坚鞋业生产车间" not in columnist.paragraphs


def test_real_guancha_nothing_around_the_article_leaks(columnist: Article) -> None:
    text = "".join(columnist.paragraphs) + (columnist.body_html or "")
    for outside in ("小婷", "责任编辑", "本文仅代表作者个人观点", "请支持独立网站", "作者最近文章", "分享到"):
        assert outside not in text, outside
    assert "<script" not in (columnist.body_html or "")


def test_real_guancha_repost_page(repost: Article) -> None:
    assert repost.title == "我国集成电路进口突破3000亿美元！魏少军：产业结构扭曲，没将产品作为中心"
    assert repost.published_at == "2019-09-07T15:10:53+08:00"  # not 最后更新 15:14:21
    assert len(repost.paragraphs) == 9
    assert repost.paragraphs[0] == (
        "9月3日，在第二届全球IC企业家大会暨第十七届中国国际半导体博览会开幕式上，中国半导体行业协会副理事长、"
        "清华大学微电子所所长魏少军教授在演讲中分析了2018年中国集成电路市场进出口数据，"
        "同时指出了中国半导体产业结构的不足之处。"
    )
    assert repost.paragraphs[1] == "2018年进口继续扩大，突破3000亿美元"
    assert repost.paragraphs[-1].startswith("魏少军表示，因为中国产业结构和国际上发达国家不一样")
    assert repost.paragraphs[-1].endswith("封测则有30%由外资以及台资在大陆的企业贡献。")
    assert repost.images == []


@pytest.mark.parametrize("page, editor", [("guancha.html", "小婷"), ("2.html", "刘响")])
def test_no_editor_is_an_author(columnist: Article, repost: Article, page: str, editor: str) -> None:
    article = columnist if page == "guancha.html" else repost
    assert editor not in article.authors  # GNE reports 刘响, the 责任编辑, as the author of 2.html
    assert not any("编辑" in name for name in article.authors)


def test_an_editor_credited_like_a_byline_is_not_an_author() -> None:
    page = (PAGES / "editor-byline.html").read_bytes()
    article = extract_article(page, "https://news.example.cn/economy/2022/0426/a.html")
    assert article.authors == []  # 张三 (meta), 李四 (byline box), 王五 (end of body) are all editors
    assert article.title == "一季度经济数据发布"
    assert article.published_at == "2022-04-26T09:00:00+08:00"
    assert article.tags == ["经济数据", "国家统计局"]
    assert article.paragraphs[-1] == "国家统计局新闻发言人表示，当前国际环境复杂严峻，国内疫情散发多发，经济发展面临的困难挑战增多。"
    assert "王五" not in "".join(article.paragraphs) + (article.body_html or "")


@pytest.mark.parametrize("page, url", [("guancha.html", COLUMNIST_URL), ("2.html", REPOST_URL)])
def test_guancha_pages_agree_with_gne(page: str, url: str) -> None:
    gne = json.loads(shared_file("guancha/gne-2019/gne_result_2019-09-10.json").read_text("utf-8"))
    expected = gne[f"tests/guancha/{page}"]
    article = extract_article(shared_file(f"guancha/gne-2019/{page}").read_bytes(), url)
    gne_lines = [squeeze(line) for line in expected["content"].split("\n") if line.strip()]
    ours = [squeeze(p) for p in article.paragraphs]
    # GNE keeps the picture caption as a line of text; the fallback makes it the caption.
    assert [line for line in gne_lines if line != "华坚鞋业生产车间"] == ours
    assert article.title == expected["title"]
    assert article.published_at == expected["publish_time"].replace(" ", "T") + "+08:00"


# magic-html pages: (file, url, title, published time as the page shows it).
MAGIC_HTML = [
    ("2dd9425ba67be652e3e2f1dcc20797998897fe06008a80bf069338e3772494c8",
     "https://news.southcn.com/node_742c1a40f1/ae7e7ec561.shtml",
     "美联储维持联邦基金利率目标区间不变 年内预将再加息", "2023-06-15T08:10:00+08:00"),
    ("39dd62c5ba88ab41c15c92ceab61ed4606fc6e996d2ab0d2e10af0e315be94de",
     "https://news.youth.cn/gj/202405/t20240520_15263156.htm",
     "以战时内阁审查重启停火谈判提案", "2024-05-20T13:15:00+08:00"),
    ("e25d0dd87c529dc7434ef3ecf25af39d56b09547d1a7d72ff31ed70a952d8874",
     "https://www.toutiao.com/article/7367007067191640576/?log_from=194eba7dc9a22_1715309867993",
     "新华全媒+丨积极因素不断增多 “质升量稳”动能增强——前4个月我国外贸向好态势进一步巩固",
     "2024-05-09T22:30:07+08:00"),  # the page shows 22:30; its JSON-LD says 14:30:07Z
]


@pytest.mark.parametrize("name, url, title, published", MAGIC_HTML, ids=["southcn", "youth", "toutiao"])
def test_magic_html_pages_match_the_human_annotation(name: str, url: str, title: str, published: str) -> None:
    annotated = json.loads(shared_file("magic-html-zh/base.json").read_text("utf-8"))[name]["content"]
    article = extract_article(shared_file(f"magic-html-zh/htmls/{name}.html").read_bytes(), url)
    assert article.title == title
    assert article.published_at == published
    assert [squeeze(p) for p in article.paragraphs] == [squeeze(line) for line in annotated.split("\n") if line.strip()]


def changed_markup(text: str) -> str:
    """The sample page after a redesign: no ``div.content.all-txt``, ``li.left-main`` or ``h3``."""
    text = text.replace('class="content all-txt"', 'class="article-body-2026"')
    text = text.replace('class="left left-main"', 'class="col col-first"')
    return re.sub(r"<h3>(.*?)</h3>", r'<div class="headline-2026">\1</div>', text, count=1, flags=re.DOTALL)


def sample_page(article_id: str) -> tuple[dict, str]:
    expected = json.loads((EXPECTED / f"{article_id}.json").read_text("utf-8"))
    path = SAMPLE_WWW / expected["fetched_url"].split("www.guancha.cn/", 1)[1]
    return expected, path.read_text("utf-8")


@pytest.mark.parametrize("article_id", ["636958", "636712", "636949"])
def test_a_redesigned_sample_page_still_yields_the_article(article_id: str) -> None:
    expected, text = sample_page(article_id)
    changed = changed_markup(text)
    for selector in ("content all-txt", "left-main", "<h3>"):
        assert selector not in changed  # what the site rules look for is gone
    article = extract_article(changed.encode("utf-8"), expected["fetched_url"], {"Content-Type": "text/html"})
    assert article.title == expected["title"]
    assert article.published_at == expected["published_at"]  # the first time span, Beijing time
    assert without_rights_notice(article.paragraphs) == without_rights_notice(expected["paragraphs"])
    assert [ItemAdapter(image).asdict() for image in article.images] == expected["images"]
    assert article.extraction == "fallback"
    page_text = "".join(article.paragraphs) + (article.body_html or "")
    for outside in expected.get("_without", []):
        assert outside not in page_text, outside
    for junk in ("<script", "onclick", "javascript:", 'width="1"'):
        assert junk not in (article.body_html or ""), junk


def test_fill_missing_copies_only_what_the_site_rules_left_empty() -> None:
    expected, text = sample_page("636958")
    fallback = extract_article(changed_markup(text).encode("utf-8"), expected["fetched_url"])
    item = Article(url=expected["url"], site="guancha", title="站内规则找到的标题", authors=["观察者网"])
    filled = fill_missing(item, fallback, ("title", "published_at", "paragraphs", "authors", "updated_at"))
    assert filled == ["published_at", "paragraphs"]  # updated_at is empty in both
    assert item.title == "站内规则找到的标题"
    assert item.authors == ["观察者网"]
    assert item.published_at == "2022-04-27T10:48:26+08:00"
    assert item.paragraphs[0].startswith("（观察者网讯）国家统计局4月27日发布数据显示")
    assert item.url == expected["url"] and item.site == "guancha"
    fallback.paragraphs.clear()
    assert item.paragraphs  # a copy, not the fallback's own list


def test_fill_missing_refuses_an_unknown_field() -> None:
    with pytest.raises(ValueError, match="headline"):
        fill_missing(Article(), Article(title="t"), ("headline",))


def test_gbk_bytes_declared_utf8_decode_cleanly() -> None:
    expected, text = sample_page("636958")
    body = changed_markup(text).encode("gbk", errors="xmlcharrefreplace")
    assert '<meta charset="utf-8">' in text
    article = extract_article(body, expected["fetched_url"], {"Content-Type": "text/html; charset=utf-8"})
    assert article.title == expected["title"]
    everything = json.dumps(ItemAdapter(article).asdict(), ensure_ascii=False)
    assert "\ufffd" not in everything
    assert without_rights_notice(article.paragraphs) == without_rights_notice(expected["paragraphs"])


def test_the_sample_gbk_page_decodes_cleanly() -> None:
    """636905 is served as GBK bytes with a <meta charset="utf-8"> and no charset header."""
    expected = json.loads((EXPECTED / "636905.json").read_text("utf-8"))
    body = (SAMPLE_WWW / "ChanJing" / "2022_04_26_636905.shtml").read_bytes()
    article = extract_article(body, expected["fetched_url"], {"Content-Type": "text/html"})
    assert "\ufffd" not in json.dumps(ItemAdapter(article).asdict(), ensure_ascii=False)
    assert article.title == expected["title"]
    assert without_rights_notice(article.paragraphs) == without_rights_notice(expected["paragraphs"])


def test_real_gb2312_bytes_without_any_declaration() -> None:
    page = "zh-news/chardet-cjk-encoding/GB2312/_chromium_gb18030_with_no_encoding_specified.html.xml"
    body = shared_file(page).read_bytes()
    article = extract_article(body, "http://www.sina.com.cn/", {"Content-Type": "text/html; charset=utf-8"})
    assert article.title == "中国制造的领军者3名"
    assert article.paragraphs[0] == "中国制造的领军者3名；"
    assert article.paragraphs[-1] == (
        "韩三平，中国电影集团公司董事长，从《无极》、《投名状》到《赤壁》、《梅兰芳》，"
        "由韩三平领导的中影团队使中国电影开始进入成熟的大片时代；"
    )
    assert len(article.paragraphs) == 7
    assert "\ufffd" not in "".join(article.paragraphs)


def test_images_absolute_captioned_without_trackers_and_naive_times_in_the_zone() -> None:
    url = "https://www.example.org/lokales/2023/hafenfest.html"
    article = extract_article((PAGES / "images-and-zone.html").read_bytes(), url, zone="Europe/Berlin")
    assert article.published_at == "2023-06-11T18:45:00+02:00"  # summer time in Berlin
    assert article.language == "de"
    assert article.summary == "Das Hafenfest zog am Wochenende so viele Besucher an wie nie zuvor."
    assert [ItemAdapter(image).asdict() for image in article.images] == [
        {"url": "https://www.example.org/lokales/bilder/kai.jpg", "caption": "Dicht gedrängt am Kai",
         "alt": "Menschen am Kai", "width": 800, "height": 450, "index": 1},
        {"url": "https://cdn.example.org/bilder/feuerwerk.jpg", "caption": None, "alt": "Feuerwerk",
         "width": None, "height": None, "index": 2},
    ]  # the 1x1 pixel is gone
    assert len(article.paragraphs) == 3
    assert "pixel.gif" not in (article.body_html or "")
    assert 'src="https://www.example.org/lokales/bilder/kai.jpg"' in (article.body_html or "")


def empty(url: str) -> Article:
    return Article(url=url, fetched_url=url, extraction="fallback")


@pytest.mark.parametrize("body", [
    b"",
    b" \r\n\t ",
    b"<!-- nothing here -->",
    b"<html><head></head><body></body></html>",
    b"\x00\x00\x00",
], ids=["empty", "blank", "comment", "bare-html", "nul-bytes"])
def test_a_page_with_nothing_on_it_gives_an_empty_article(body: bytes) -> None:
    url = "https://www.example.com/politics/article.shtml"
    assert extract_article(body, url) == empty(url)


def test_the_date_in_the_url_is_the_last_resort() -> None:
    body = "<html><body><p>一段没有写明时间的正文，只有网址里有日期。</p></body></html>".encode()
    article = extract_article(body, "https://www.guancha.cn/politics/2022_04_26_636888.shtml")
    assert article.published_at == "2022-04-26T00:00:00+08:00"
    assert article.paragraphs == ["一段没有写明时间的正文，只有网址里有日期。"]


def test_the_deleted_article_page_gives_no_article() -> None:
    """636888: a 页面不存在 page with full chrome and no article (the site rules drop it)."""
    body = (SAMPLE_WWW / "politics" / "2022_04_26_636888.shtml").read_bytes()
    article = extract_article(body, "https://www.guancha.cn/politics/2022_04_26_636888.shtml")
    assert article.title is None  # its <title> is empty
    assert article.paragraphs == []  # not the 404 notice, nor the hot list
    assert article.images == [] and article.body_html is None
    assert article.published_at == "2022-04-26T00:00:00+08:00"  # only the URL's date: the item still drops


@pytest.mark.parametrize("body, headers", [
    (b"<html><body><div><p>\xe4\xb8\xad\xe6\x96\x87<span><p><table><tr><td>x</div></span>", None),
    (b"<p>\xff\xfe\xfa broken \xc3 utf-8 \xe4\xb8</p>", {"Content-Type": "text/html; charset=utf-8"}),
    ("<p>观察者网</p>".encode(), {"Content-Type": "text/html; charset=no-such-charset"}),
    ('<?xml version="1.0" encoding="gbk"?><html><body><p>正文。</p></body></html>'.encode(), None),
    (b"<div>" * 3000 + b"deep" + b"</div>" * 3000, None),
    (bytes(range(256)) * 4, None),
], ids=["unclosed", "bad-utf8", "unknown-charset", "xml-declaration", "deep", "binary"])
def test_broken_pages_never_raise(body: bytes, headers: dict[str, str] | None) -> None:
    article = extract_article(body, "https://example.com/a", headers)
    assert article.extraction == "fallback"
    assert article.url == "https://example.com/a"


def test_a_truncated_page_keeps_what_arrived() -> None:
    """636912's _s file ends inside an <img> start tag."""
    expected = json.loads((EXPECTED / "636912.json").read_text("utf-8"))
    body = (SAMPLE_WWW / "internation" / "2022_04_26_636912.shtml").read_bytes()
    article = extract_article(changed_markup(body.decode("utf-8")).encode("utf-8"), expected["fetched_url"])
    assert article.title == expected["title"]
    assert article.published_at == expected["published_at"]
    assert article.paragraphs == expected["paragraphs"]


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=600) | st.text(alphabet="<>/=\"' pdivimgsrc中文。\n", max_size=400).map(str.encode))
def test_arbitrary_bytes_never_raise(body: bytes) -> None:
    assert extract_article(body, "https://example.com/a").url == "https://example.com/a"

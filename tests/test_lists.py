"""List pages: the sample-site list pages in their 2026 and 2019 shapes, and the real 2020 home page.

Every expected value was read off the fixture page (or the real page) by hand.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from parsel import Selector

from newsbot.sites.guancha import lists
from newsbot.sites.listing import ListEntry
from newsbot.times import BEIJING
from tests.shared_data import shared_file

SITES = Path(__file__).resolve().parent / "sites"
NOW_2026 = SITES / "guancha" / "www"
OLD_2019 = SITES / "guancha-2019" / "www"
EXPECTED = Path(__file__).resolve().parent / "expected" / "guancha"
WWW = "https://www.guancha.cn"
COLUMN_1 = f"{WWW}/column/GuoJi·ZhanLue/1"
COLUMN_2 = f"{WWW}/column/GuoJi·ZhanLue/2"
AUTHOR_1 = f"{WWW}/ChenSiYuan/list_1.shtml"
SHAPES = pytest.mark.parametrize("root", [NOW_2026, OLD_2019], ids=["2026", "2019"])


def page(path: Path) -> Selector:
    return Selector(text=path.read_text("utf-8"))


def html(body: str) -> Selector:
    return Selector(text=f"<html><body>{body}</body></html>")


def no_duplicates(entries: list[ListEntry]) -> bool:
    return len({e.url for e in entries}) == len(entries)


# --- 时评 ------------------------------------------------------------------------------------

SHIPING = [
    ListEntry(f"{WWW}/ChenSiYuan/2022_04_26_636921.shtml", "时评", "芯片产业“补短板”，急不得也等不得", author="陈思远"),
    ListEntry(f"{WWW}/internation/2022_04_25_636770.shtml", "时评", "马克龙连任之后，法国的难题才刚刚开始", author="齐远"),
    ListEntry(f"{WWW}/GaoYuanFeng/2022_04_26_636845.shtml", "时评", "中小企业数字化转型，难在哪里",
              summary="破解中小企业数字化转型难题，关键在于降低转型门槛，从“小切口”入手，先易后难、逐步推进。",
              listed_at="2022-04-26T09:10:00+08:00", author="高远峰"),
    ListEntry(f"{WWW}/LinChe/2022_04_26_636802.shtml", "时评", "马克龙连任，欧洲“战略自主”能走多远",
              summary="马克龙若想继续推进“战略自主”，就必须在维护欧洲团结与回应国内民生关切之间找到平衡。",
              listed_at="2022-04-26T07:30:00+08:00", author="林澈"),
    ListEntry(f"{WWW}/society/2022_04_26_636931.shtml", "时评", "城市更新不能“一拆了之”",
              summary="城市更新要尊重城市发展规律，坚持“留改拆”并举，避免大拆大建。",
              listed_at="2022-04-26T16:05:00+08:00", author="于洋"),
]


@SHAPES
def test_commentary_page_in_either_shape(root: Path) -> None:
    assert lists.commentary_list(page(root / "mainnews-sp" / "index.html"), f"{WWW}/mainnews-sp/") == SHIPING


def test_the_two_commentary_shapes_differ() -> None:
    """The pages really are the two shapes, so the test above reads both."""
    now, old = (page(root / "mainnews-sp" / "index.html") for root in (NOW_2026, OLD_2019))
    assert (len(now.css("ul.tsp-list2-list > li")), len(now.css(".tsp-list2-box"))) == (3, 0)
    assert (len(old.css("ul.tsp-list2-list > li")), len(old.css(".tsp-list2-box"))) == (0, 3)


def test_commentary_link_matched_by_both_shapes_is_read_once() -> None:
    sel = html(
        '<div class="tsp-list1"><div class="tsp-list1-box tsp-list1-box-type1">'
        '<a class="tsp-list1-title" href="/A/2026_09_27_902379.shtml">一周军评</a>'
        '<div class="tsp-list1-name">王一</div></div></div>'
        '<ul class="tsp-list2-list"><li><div class="tsp-list2-box">'
        '<a class="tsp-list2-title" href="/B/2023_02_17_680194.shtml">旧文置顶</a>'
        '<div class="tsp-list2-name">李二</div>'
        '<div class="tsp-list2-review"><span>阅读数 206242</span><span>2023-02-17 08:00</span><span>分享</span></div>'
        "</div></li>"
        '<li><a class="tsp-list2-title" href="/C/2026_09_27_902431.shtml">只有标题</a></li></ul>'
    )
    assert lists.commentary_list(sel, f"{WWW}/mainnews-sp/") == [
        ListEntry(f"{WWW}/A/2026_09_27_902379.shtml", "时评", "一周军评", author="王一"),
        ListEntry(f"{WWW}/B/2023_02_17_680194.shtml", "时评", "旧文置顶",
                  listed_at="2023-02-17T08:00:00+08:00", author="李二"),
        ListEntry(f"{WWW}/C/2026_09_27_902431.shtml", "时评", "只有标题"),
    ]


def test_commentary_piece_listed_twice_keeps_its_first_place_and_gains_the_summary() -> None:
    sel = html(
        '<div class="tsp-list1"><a class="tsp-list1-title" href="/A/2026_09_27_902379.shtml">头条</a>'
        '<div class="tsp-list1-name">王一</div></div>'
        '<ul class="tsp-list2-list"><li><a class="tsp-list2-title" href="/B/2026_09_26_902300.shtml">第二篇</a></li>'
        '<li><a class="tsp-list2-title" href="https://www.guancha.cn/A/2026_09_27_902379.shtml">头条</a>'
        '<div class="tsp-list2-content">摘要在这里。</div></li></ul>'
    )
    assert lists.commentary_list(sel, f"{WWW}/mainnews-sp/") == [
        ListEntry(f"{WWW}/A/2026_09_27_902379.shtml", "时评", "头条", summary="摘要在这里。", author="王一"),
        ListEntry(f"{WWW}/B/2026_09_26_902300.shtml", "时评", "第二篇"),
    ]


def test_lead_box_with_two_pieces_names_nobody() -> None:
    """Two titles in one div.tsp-list1 and no per-piece box: whose name is which is unknown."""
    sel = html(
        '<div class="tsp-list1"><a class="tsp-list1-title" href="/A/2026_09_27_1.shtml">一</a>'
        '<a class="tsp-list1-title" href="/A/2026_09_27_2.shtml">二</a>'
        '<div class="tsp-list1-name">王一</div><div class="tsp-list1-name">李二</div></div>'
    )
    assert [(e.title, e.author) for e in lists.commentary_list(sel, f"{WWW}/mainnews-sp/")] == [("一", None), ("二", None)]


# --- home page -------------------------------------------------------------------------------

REVIEW = [(f"{WWW}/HanLiDong/2022_04_27_636935.shtml", "韩立东"), (f"{WWW}/ChenSiYuan/2022_04_26_636921.shtml", "陈思远")]
YAOWEN = [
    (f"{WWW}/politics/2022_04_27_636960.shtml", "https://i.guancha.cn/news/2022/04/27/20220427105501217.jpg"),
    (f"{WWW}/economy/2022_04_27_636958.shtml?s=syyw", "https://i.guancha.cn/news/2022/04/27/20220427103519046.jpg"),
    (f"{WWW}/internation/2022_04_27_636955.shtml", "https://i.guancha.cn/news/2022/04/27/20220427103105862.jpg"),
    (f"{WWW}/military-affairs/2022_04_26_636874.shtml", "https://i.guancha.cn/news/2022/04/26/20220426111932501.jpg"),
]
FENGWEN = [f"{WWW}/FengWen/2022_04_27_636999.shtml", "https://user.guancha.cn/main/content?id=900002"]


@SHAPES
def test_home_columns_list_the_same_articles_in_either_shape(root: Path) -> None:
    columns = lists.home_columns(page(root / "index.html"), f"{WWW}/", ["review", "yaowen", "fengwen"])
    assert [(e.url, e.author) for e in columns["review"]] == REVIEW
    assert [(e.url, e.lead_image.url) for e in columns["yaowen"]] == YAOWEN
    assert [e.url for e in columns["fengwen"]] == FENGWEN
    assert columns["review"][0].summary == ("对外贸企业而言，订单是生存之本，而物流则是把订单变成收入的“生命线”。"
                                            "只要稳住产业链供应链这个“基本盘”，我国外贸就有足够的韧性应对各种风险挑战。")
    assert columns["yaowen"][0].lead_image.alt == "交通运输部：全国高速公路货车通行量逐步恢复"
    assert all(no_duplicates(column) for column in columns.values())


def test_home_teaser_authors_2026_and_2019() -> None:
    now = lists.home_columns(page(NOW_2026 / "index.html"), f"{WWW}/", ["yaowen"])["yaowen"]
    old = lists.home_columns(page(OLD_2019 / "index.html"), f"{WWW}/", ["yaowen"])["yaowen"]
    assert [e.author for e in now] == ["沈嘉禾", None, "陆知秋", None]
    assert [e.author for e in old] == [None, None, None, None]


def test_home_2026_page_keeps_the_stray_li_trap() -> None:
    sel = page(NOW_2026 / "index.html")
    assert sel.css(".img-List h4.module-title a::attr(href)").getall() == ["/politics/2022_04_27_636960.shtml"]


def test_columnist_box_wins_over_interact_creator() -> None:
    sel = html(
        '<ul class="three-coloum"><li><div class="module-news-main"><ul class="Review-item"><li>'
        '<h4 class="module-title"><a href="/HanLiDong/2026_09_27_902001.shtml">评论</a></h4>'
        '<div class="author-intro fix"><p><a href="../HanLiDong">韩立东</a><span>研究员</span></p></div>'
        '<div class="module-interact"><span class="module-interact-creator">编辑甲</span></div>'
        "</li></ul></div></li></ul>"
    )
    assert lists.home_columns(sel, f"{WWW}/", ["review"])["review"][0].author == "韩立东"


def test_lazy_teaser_image_is_data_original_even_with_a_placeholder_src() -> None:
    sel = html(
        '<ul class="three-coloum"><li class="middle"><ul class="img-List"><li>'
        '<h4 class="module-title"><a href="/politics/2026_09_27_902427.shtml">要闻</a></h4>'
        '<div class="fastRead-img"><a><img src="/images/loading.gif" data-original="https://i.guancha.cn/news/a.jpg"></a></div>'
        '<div class="module-interact"><span class="module-interact-creator">周一</span><a data-sensor="阅读数">阅读 30892</a></div>'
        "</li></ul></li></ul>"
    )
    entry = lists.home_columns(sel, f"{WWW}/", ["yaowen"])["yaowen"][0]
    assert (entry.lead_image.url, entry.author) == ("https://i.guancha.cn/news/a.jpg", "周一")


# --- 栏目 and author pages ---------------------------------------------------------------------

COLUMN_PAGE_1 = [
    ListEntry(f"{WWW}/internation/2022_04_27_636955.shtml", "栏目", "特斯拉股价大跌12%，马斯克收购推特引投资者担忧",
              summary="当地时间4月26日，特斯拉股价收跌12.18%，市值单日蒸发约1260亿美元。市场人士认为，投资者担心马斯克可能出售特斯拉股票为收购推特筹资。",
              listed_at="2022-04-27T10:35:00+08:00"),
    ListEntry(f"{WWW}/internation/2022_04_27_636953.shtml", "栏目", "普京会见古特雷斯：不会拒绝与乌谈判",
              summary="俄罗斯总统普京4月26日在克里姆林宫会见联合国秘书长古特雷斯，表示俄罗斯并不拒绝与乌克兰进行谈判，仍希望与乌克兰通过外交途经达成协议。",
              listed_at="2022-04-27T10:22:00+08:00"),
    ListEntry(f"{WWW}/internation/2022_04_27_636949.shtml", "栏目", "俄气宣布暂停对波兰和保加利亚供气",
              summary="俄罗斯天然气工业股份公司4月27日宣布，由于波兰和保加利亚未以卢布支付天然气款项，自当日起暂停对两国供气。",
              listed_at="2022-04-27T09:36:00+08:00"),
    ListEntry(f"{WWW}/internation/2022_04_26_636912.shtml", "栏目", "印度多地遭遇罕见热浪，多个邦出现电力短缺",
              summary="4月以来，印度北部和中部多地持续遭遇罕见热浪。持续高温推高了用电需求，多个邦的燃煤电厂煤炭库存告急。",
              listed_at="2022-04-26T14:22:00+08:00"),
    ListEntry(f"{WWW}/industry-science/2022_04_27_636941.shtml", "栏目", "我国科研团队刷新全钙钛矿叠层光伏组件效率纪录",
              listed_at="2022-04-27T08:40:00+08:00"),
]
COLUMN_PAGE_2 = [
    ListEntry(f"{WWW}/internation/2022_04_25_636770.shtml", "栏目", "马克龙连任之后，法国的难题才刚刚开始",
              summary="马克龙赢得了选举，却没有赢得法国。如何弥合社会裂痕，将是他第二个任期最大的挑战。",
              listed_at="2022-04-25T22:10:00+08:00"),
    ListEntry(f"{WWW}/economy/2022_04_25_636725.shtml", "栏目", "央行：5月15日起下调金融机构外汇存款准备金率1个百分点",
              summary="中国人民银行决定，自2022年5月15日起，下调金融机构外汇存款准备金率1个百分点，即外汇存款准备金率由现行的9%下调至8%。",
              listed_at="2022-04-25T20:31:00+08:00"),
]
AUTHOR_PAGE_1 = [
    ListEntry(f"{WWW}/ChenSiYuan/2022_04_26_636921.shtml", "专栏", "芯片产业“补短板”，急不得也等不得",
              summary="补短板既要有战略定力，也要讲究方法。芯片产业的竞争，说到底是一场耐力赛，只要方向对了、路子走稳了，就不怕路远。",
              listed_at="2022-04-26T15:30:00+08:00"),
]


def test_column_list_pages() -> None:
    """Page 1 also holds a 专题 teaser, pager links and a hot list: none is an entry."""
    one = lists.column_list(page(NOW_2026 / "column" / "GuoJi·ZhanLue" / "1"), COLUMN_1, "GuoJi·ZhanLue")
    two = lists.column_list(page(NOW_2026 / "column" / "GuoJi·ZhanLue" / "2"), COLUMN_2, "GuoJi·ZhanLue")
    assert one == COLUMN_PAGE_1
    assert two == COLUMN_PAGE_2
    assert all("[全文]" not in (e.summary or "") for e in one + two)


def test_author_list_page() -> None:
    assert lists.author_list(page(NOW_2026 / "ChenSiYuan" / "list_1.shtml"), AUTHOR_1) == AUTHOR_PAGE_1


def test_column_list_reads_a_raw_and_an_encoded_middle_dot_as_one_link() -> None:
    sel = html(
        '<ul class="column-list fix" data-total="300">'
        '<li><h4 class="module-title"><a href="/GuoJi·ZhanLue/2026_09_27_902431.shtml">等待</a></h4>'
        '<p class="module-artile">导语。<a href="/GuoJi·ZhanLue/2026_09_27_902431.shtml">[全文]</a></p>'
        '<div class="module-interact"><span>2026-09-27 22:09</span></div></li>'
        '<li><h4 class="module-title"><a href="/GuoJi%C2%B7ZhanLue/2026_09_27_902431.shtml">等待</a></h4>'
        '<div class="module-interact"><span>2026-09-27 22:09:41</span></div></li></ul>'
    )
    assert lists.column_list(sel, COLUMN_1, "GuoJi·ZhanLue") == [
        ListEntry(f"{WWW}/GuoJi%C2%B7ZhanLue/2026_09_27_902431.shtml", "栏目", "等待",
                  summary="导语。", listed_at="2026-09-27T22:09:00+08:00"),
    ]


def test_a_list_that_redirected_to_the_home_page_has_no_entries() -> None:
    """A missing column, author or page 3 answers with the home page on the real site."""
    home = page(NOW_2026 / "index.html")
    assert lists.column_list(home, f"{WWW}/", "GuoJi·ZhanLue") == []
    assert lists.author_list(home, f"{WWW}/") == []
    assert lists.commentary_list(home, f"{WWW}/") == []


@pytest.mark.parametrize("entries", [COLUMN_PAGE_1, COLUMN_PAGE_2, AUTHOR_PAGE_1], ids=["column-1", "column-2", "author-1"])
def test_new_lists_link_only_expected_items_of_higher_priority_channels(entries: list[ListEntry]) -> None:
    """So the crawl's expected items stay the same with the new channels: each article already
    has a higher-priority category, and a summary a new list could fill in is the expected one."""
    for entry in entries:
        expected = json.loads((EXPECTED / f"{entry.url.rsplit('_', 1)[-1].removesuffix('.shtml')}.json").read_text("utf-8"))
        assert expected["url"] == entry.url
        category = expected["categories"][-1]
        assert lists.CHANNEL_ORDER.index(category) < lists.CHANNEL_ORDER.index(entry.channel)
        assert entry.summary in (None, expected["summary"])


def test_channels_keep_the_old_order_first() -> None:
    assert (lists.CHANNELS["column"], lists.CHANNELS["author"]) == ("栏目", "专栏")
    assert lists.CHANNEL_ORDER == ("头条", "评论&研究", "要闻", "风闻", "热点", "滚动", "时评", "栏目", "专栏")
    assert lists.DEFAULT_CHANNELS == ("toutiao", "review", "yaowen", "fengwen", "redian", "gundong", "shiping")


@pytest.mark.parametrize(("url", "after"), [
    (COLUMN_1, COLUMN_2),
    (f"{WWW}/column/GuoJi%C2%B7ZhanLue/9", f"{WWW}/column/GuoJi%C2%B7ZhanLue/10"),
    (AUTHOR_1, f"{WWW}/ChenSiYuan/list_2.shtml"),
    (f"{WWW}/mainnews-sp/", None),
    (f"{WWW}/column/GuoJi·ZhanLue/", None),
    (f"{WWW}/ChenSiYuan/2022_04_26_636921.shtml", None),
])
def test_next_list_page(url: str, after: str | None) -> None:
    assert lists.next_list_page(url) == after


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.mark.integration
def test_sample_site_serves_the_new_list_pages(sample_site: dict, sample_site_2019: dict) -> None:
    """As Scrapy asks for them: the middle dot percent-encoded. The column ends at page 2:
    page 3 is a 302 to the home page in 2026, as every missing page is, and a 404 in 2019."""
    with urllib.request.urlopen(f"{sample_site['www']}/column/GuoJi%C2%B7ZhanLue/1", timeout=10) as response:
        assert lists.column_list(Selector(text=response.read().decode("utf-8")), COLUMN_1, "GuoJi·ZhanLue") == COLUMN_PAGE_1
    with urllib.request.urlopen(f"{sample_site['www']}/ChenSiYuan/list_1.shtml", timeout=10) as response:
        assert response.status == 200
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as missing:
        opener.open(f"{sample_site['www']}/column/GuoJi%C2%B7ZhanLue/3", timeout=10)
    assert (missing.value.code, missing.value.headers["Location"]) == (302, "/")
    with pytest.raises(urllib.error.HTTPError) as missing:
        opener.open(f"{sample_site_2019['www']}/column/GuoJi%C2%B7ZhanLue/3", timeout=10)
    assert missing.value.code == 404


# --- the real 2020 home page -------------------------------------------------------------------

@pytest.fixture(scope="module")
def home_2020() -> Selector:
    return page(shared_file("guancha/qpath-2020/guancha_home_2020-07.html"))


def test_real_2020_home_teasers(home_2020: Selector) -> None:
    yaowen = lists.home_columns(home_2020, f"{WWW}/", ["yaowen"])["yaowen"]
    second = yaowen[1]
    assert (second.url, second.title, second.author, second.summary) == (
        f"{WWW}/politics/2020_07_18_558130.shtml", "乌鲁木齐进入战时状态", None, None)
    assert (second.lead_image.url, second.lead_image.alt) == (
        "https://i.guancha.cn/news/2020/07/18/20200718175757722.jpg", "乌鲁木齐进入战时状态")
    assert [e.url.rsplit("_", 1)[-1] for e in yaowen[2:4]] == ["558137.shtml", "558132.shtml"]
    assert all(e.author is None for e in yaowen)  # no module-interact-creator in 2020
    assert no_duplicates(yaowen)


def test_real_2020_home_page_is_no_list_page(home_2020: Selector) -> None:
    """What a missing list answers with: its author index links list_1 pages, none is an entry."""
    assert lists.author_list(home_2020, f"{WWW}/") == []
    assert lists.column_list(home_2020, f"{WWW}/", "GuoJi·ZhanLue") == []
    assert lists.commentary_list(home_2020, f"{WWW}/") == []


def test_one_malformed_json_entry_costs_that_entry_only(caplog: pytest.LogCaptureFixture) -> None:
    """An entry that is no object, a number where a string belongs or an object where a URL
    belongs: skipped or read as text; the good entries around it stay."""
    api = json.dumps({"items": [
        "not an object",
        {"TITLE": {"x": 1}, "HTTP_URL": ["/politics/2022_04_26_636899.shtml"]},
        {"TITLE": 636, "HTTP_URL": "/politics/2022_04_26_636933.shtml"},
        {"TITLE": "留下的一条", "HTTP_URL": "/internation/2022_04_27_636953.shtml"},
    ]})
    got = lists.api_list(api, "https://www.guancha.cn/api/redian.htm", "redian")
    assert [(e.url, e.title) for e in got] == [
        ("https://www.guancha.cn/politics/2022_04_26_636933.shtml", "636"),
        ("https://www.guancha.cn/internation/2022_04_27_636953.shtml", "留下的一条"),
    ]
    assert "skipped 1 malformed list entry" in caplog.text
    members = json.dumps({"data": {"items": [
        {"id": {"$gt": ""}, "title": "注入"}, None, {"id": "12a"},
        {"id": 900001, "title": ["列表"], "summary": "摘要", "user_nick": "观察员", "pass_at": 5},
    ]}})
    posts = lists.member_posts(members, datetime(2022, 4, 27, 12, 0, tzinfo=BEIJING))
    assert [(p.url, p.title, p.summary, p.author) for p in posts] == [
        ("https://user.guancha.cn/main/content?id=900001", None, "摘要", "观察员")]

"""DedupePipeline against both state backends: sqlite3 (embedded) and MongoDB (real server)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.articles import URL_A, URL_B, URL_C, article
from tests.storage import Backend

OTHER_URL = "https://www.guancha.cn/politics/2022_04_27_636960.shtml"


@pytest.fixture(params=["sqlite", "mongo"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", tmp_path / "state")
    server = request.getfixturevalue("mongo_server")
    return Backend("mongo", tmp_path / "state", server.uri, request.getfixturevalue("mongo_db"))


def test_same_url_twice_in_one_crawl(backend: Backend) -> None:
    flow = backend.crawl([article(URL_A), article(URL_A, title="另一个标题")])
    assert [i.url for i in flow.passed] == [URL_A]
    assert flow.dropped == [f"duplicate of {URL_A}, already seen in this crawl"]
    assert flow.stats()["newsbot/dedupe/dropped/seen_url"] == 1


def test_same_text_at_two_urls_keeps_the_first(backend: Backend) -> None:
    flow = backend.crawl([article(URL_A), article(URL_A, url=OTHER_URL)])
    assert [i.url for i in flow.passed] == [URL_A]
    assert flow.dropped == [f"same text as {URL_A} (in this crawl): {OTHER_URL} recorded as an alias"]
    assert backend.aliases() == {OTHER_URL: URL_A}
    assert list(backend.stored()) == [URL_A]


def test_second_crawl_drops_unchanged_and_passes_updates(backend: Backend) -> None:
    first = backend.crawl([article(URL_A), article(URL_B), article(URL_C)])
    assert len(first.passed) == 3 and first.stats()["newsbot/dedupe/new"] == 3
    before = backend.stored()
    assert {url: doc["version"] for url, doc in before.items()} == {URL_A: 1, URL_B: 1, URL_C: 1}

    edited = article(URL_B, paragraphs=["国家统计局26日发布一季度经济数据。", "数据显示，经济运行总体平稳，稳中有进。"])
    second = backend.crawl([article(URL_A), edited, article(URL_C)],
                           NEWSBOT_NOW="2022-04-27T13:00:00+08:00")
    assert [i.url for i in second.passed] == [URL_B]
    assert second.passed[0].updated_at == "2022-04-27T05:00:00+00:00"  # no site time: crawl time
    stats = second.stats()
    assert stats["newsbot/dedupe/dropped/unchanged"] == 2 and stats["newsbot/dedupe/updated"] == 1
    after = backend.stored()
    assert after[URL_B]["version"] == 2 and after[URL_B]["content_hash"] == edited.content_hash
    assert after[URL_A] == before[URL_A] and after[URL_C] == before[URL_C]  # not rewritten


def test_site_update_time_is_kept(backend: Backend) -> None:
    backend.crawl([article(URL_B)])
    edited = article(URL_B, title="一季度经济数据发布（更新）", updated_at="2022-04-26T11:00:00+08:00")
    flow = backend.crawl([edited], NEWSBOT_NOW="2022-04-27T13:00:00+08:00")
    assert flow.passed[0].updated_at == "2022-04-26T11:00:00+08:00"


def test_same_text_at_new_url_in_a_later_crawl(backend: Backend) -> None:
    backend.crawl([article(URL_A)])
    flow = backend.crawl([article(URL_A, url=OTHER_URL)])
    assert flow.passed == []
    assert flow.dropped == [f"same text as {URL_A} (stored before): {OTHER_URL} recorded as an alias"]
    assert backend.aliases() == {OTHER_URL: URL_A}
    # the alias is known by URL from now on, even with other text
    third = backend.crawl([article(URL_A, url=OTHER_URL, title="改过的标题")])
    assert third.dropped == [f"{OTHER_URL} is a recorded alias of {URL_A}"]


def test_whitespace_only_change_is_not_an_update(backend: Backend) -> None:
    backend.crawl([article(URL_C)])
    flow = backend.crawl([article(URL_C, paragraphs=["\u3000芯片产业的问题，归根到底是人才问题。\xa0", "\u3000"])])
    assert flow.passed == [] and flow.stats()["newsbot/dedupe/dropped/unchanged"] == 1


YAOWEN = dict(categories=["新媒体", "观察者网", "要闻"], channel_rank=2)
TOUTIAO = dict(categories=["新媒体", "观察者网", "头条"], channel_rank=0)


def best(backend: Backend, url: str) -> tuple[list[str], int, int]:
    """The stored categories, channel rank and version of ``url``."""
    doc = backend.stored()[url]
    categories = doc["categories"]
    return json.loads(categories) if isinstance(categories, str) else categories, doc["channel_rank"], doc["version"]


def test_a_later_listing_in_a_better_channel_raises_the_stored_categories(backend: Backend) -> None:
    backend.crawl([article(URL_B, **YAOWEN)])
    flow = backend.crawl([article(URL_B, **TOUTIAO)])
    assert [i.categories for i in flow.passed] == [TOUTIAO["categories"]]
    assert flow.stats()["newsbot/dedupe/upgraded"] == 1
    assert best(backend, URL_B) == (TOUTIAO["categories"], 0, 1)  # the same text: version 1


def test_a_listing_in_a_worse_channel_keeps_the_stored_categories(backend: Backend) -> None:
    backend.crawl([article(URL_B, **TOUTIAO)])
    again = backend.crawl([article(URL_B, **YAOWEN)])
    assert again.passed == [] and again.stats()["newsbot/dedupe/dropped/unchanged"] == 1
    edited = backend.crawl([article(URL_B, title="一季度经济数据发布（更新）", **YAOWEN)])
    assert [(i.categories, i.channel_rank) for i in edited.passed] == [(TOUTIAO["categories"], 0)]
    assert best(backend, URL_B) == (TOUTIAO["categories"], 0, 2)


@pytest.mark.parametrize("order", ["worse first", "better first"])
def test_one_crawl_given_two_channels_keeps_the_better(backend: Backend, order: str) -> None:
    items = [article(URL_B, **YAOWEN), article(URL_B, **TOUTIAO)]
    flow = backend.crawl(items if order == "worse first" else items[::-1])
    if order == "worse first":  # the second copy raises the first one
        assert [i.channel_rank for i in flow.passed] == [2, 0]
        # one article: new once, then raised (whether or not the first copy is stored yet)
        assert (flow.stats().get("newsbot/dedupe/new"), flow.stats().get("newsbot/dedupe/upgraded")) == (1, 1)
    else:
        assert [i.channel_rank for i in flow.passed] == [0]
        assert flow.dropped == [f"duplicate of {URL_B}, already seen in this crawl"]
    assert best(backend, URL_B) == (TOUTIAO["categories"], 0, 1)


def test_disabled_by_setting(backend: Backend) -> None:
    from scrapy.exceptions import NotConfigured

    from newsbot.pipelines.dedupe import DedupePipeline
    from tests.articles import make_crawler

    with pytest.raises(NotConfigured):
        DedupePipeline.from_crawler(make_crawler(NEWSBOT_DEDUPE_ENABLED=False))


def test_sqlite_records_only_items_that_went_through(tmp_path: Path) -> None:
    """An item dropped after dedupe (by a later pipeline) is not marked seen: not lost."""
    from scrapy.exceptions import DropItem

    class Refuse:
        def process_item(self, item):  # type: ignore[no-untyped-def]
            if item.url == URL_B:
                raise DropItem("refused by a later stage")
            return item

    backend = Backend("sqlite", tmp_path / "state")
    import asyncio

    from tests.articles import Flow, build, make_crawler

    async def run() -> None:
        crawler = make_crawler(NEWSBOT_STATE_DIR=str(backend.state_dir))
        async with Flow(crawler, [*build(crawler, "clean", "dedupe"), Refuse()]) as flow:
            await flow.feed([article(URL_A), article(URL_B)])

    asyncio.run(run())
    assert set(backend.stored()) == {URL_A}
    assert [i.url for i in backend.crawl([article(URL_A), article(URL_B)]).passed] == [URL_B]


def test_sqlite_state_survives_a_new_process(tmp_path: Path) -> None:
    """The state file written by one Python process is read by the next one."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from tests.storage import Backend; "
        "from tests.articles import article, URL_A, URL_B; "
        "flow = Backend('sqlite', Path(sys.argv[1])).crawl([article(URL_A), article(URL_B)]); "
        "sys.stdout.write(' '.join(sorted(i.url for i in flow.passed)))"
    )
    root = Path(__file__).resolve().parents[1]
    runs = [subprocess.run([sys.executable, "-c", code, str(tmp_path / "state")], cwd=root,
                           capture_output=True, text=True, check=True).stdout for _ in range(2)]
    assert runs == [f"{URL_B} {URL_A}", ""]


def test_an_absent_answer_is_taken_once_and_the_memo_is_bounded(tmp_path: Path) -> None:
    from newsbot.state.sqlite import SqliteStateStore

    store = SqliteStateStore(tmp_path / "state.sqlite3")
    store.absent_memo = 2
    assert not store.take_absent(URL_A)
    store.note_absent(URL_A)
    assert store.take_absent(URL_A) and not store.take_absent(URL_A)
    for url in (URL_A, URL_B, URL_C):
        store.note_absent(url)
    assert [store.take_absent(url) for url in (URL_A, URL_B, URL_C)] == [False, True, True]


def test_a_text_seen_before_the_recent_hashes_is_still_an_alias_of_its_first_url(
        backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the latest content hashes keep their first URL in memory; an older one is asked of
    the store, where its article is by then."""
    from newsbot.pipelines import dedupe

    monkeypatch.setattr(dedupe, "RECENT", 1)
    flow = backend.crawl([article(URL_A), article(URL_B), article(URL_C), article(URL_A, url=OTHER_URL)],
                         NEWSBOT_MONGO_BUFFER_SIZE=1)
    assert [i.url for i in flow.passed] == [URL_A, URL_B, URL_C]
    assert flow.dropped == [f"same text as {URL_A} (in this crawl): {OTHER_URL} recorded as an alias"]
    assert backend.aliases() == {OTHER_URL: URL_A}

"""The health verdict on what a crawl saw (newsbot.extensions.health.Observations)."""
from __future__ import annotations

from newsbot.extensions.health import Observations, Thresholds

A = "https://www.guancha.cn/internation/2022_04_27_{}.shtml"
THRESHOLDS = Thresholds(min_extracted=0.25, max_empty=0.5, min_pages=3)
SELECTORS = {"title": "li.left-main > h3", "published_at": "div.time span", "paragraphs": "div.content.all-txt"}


def seen(outcomes: dict[str, int], channel: str = "头条") -> Observations:
    obs = Observations(THRESHOLDS)
    obs.list_parsed("headline", channel, "https://www.guancha.cn/GuanChaZheTouTiao/list_1.shtml", sum(outcomes.values()))
    n = 0
    for outcome, count in outcomes.items():
        for _ in range(count):
            n += 1
            obs.article_done(channel, A.format(n), outcome, "https://www.guancha.cn/" if outcome == "redirected_away" else "")
    return obs


def test_a_healthy_crawl_has_no_problems() -> None:
    assert seen({"extracted": 5, "failed": 2}).problems() == []


def test_articles_known_already_or_skipped_offsite_count_as_fine() -> None:
    assert seen({"stored": 20, "offsite": 2, "failed": 1}).problems() == []


def test_almost_nothing_extracted_names_the_channel_the_outcome_and_examples() -> None:
    [problem] = seen({"extracted": 1, "redirected_away": 6}).problems()
    assert problem.startswith("channel 头条: 1 of 7 article requests gave an article")
    assert "6 redirected away: " in problem
    assert f"{A.format(2)} -> https://www.guancha.cn/" in problem
    assert problem.count(" -> ") == 3  # three examples, not every URL


def test_too_few_requests_to_judge() -> None:
    assert seen({"failed": 2}).problems() == []


def test_forwarded_stubs_are_not_judged_themselves() -> None:
    assert seen({"forwarded": 10, "extracted": 3}).problems() == []


def test_a_field_missing_on_most_pages_names_the_kind_field_and_selector() -> None:
    obs = seen({"extracted": 4})
    for n in range(4):
        obs.page_extracted("article", A.format(n), ["paragraphs"] if n else [], SELECTORS, "fallback")
    [problem] = obs.problems()
    assert problem.startswith("article pages: the site rules found no paragraphs on 3 of 4 (selector div.content.all-txt)")
    assert A.format(1) in problem and A.format(0) not in problem


def test_one_page_missing_a_field_is_not_a_site_change() -> None:
    obs = seen({"extracted": 4})
    for n in range(4):
        obs.page_extracted("article", A.format(n), ["title"] if n == 0 else [], SELECTORS, "site")
    assert obs.problems() == []


def test_every_list_page_of_a_channel_empty() -> None:
    obs = Observations(THRESHOLDS)
    obs.list_parsed("commentary", "时评", "https://www.guancha.cn/mainnews-sp/", 0)
    obs.list_parsed("headline", "头条", "https://www.guancha.cn/GuanChaZheTouTiao/list_1.shtml", 3)
    obs.list_parsed("headline", "头条", "https://www.guancha.cn/GuanChaZheTouTiao/list_2.shtml", 0, first=False)
    [problem] = obs.problems()
    assert problem == "channel 时评: every first list page had no article links (1 page(s), e.g. https://www.guancha.cn/mainnews-sp/)"


def test_an_empty_later_page_is_where_a_list_ends() -> None:
    """A distributed worker may read only the end of a list; that is no site change."""
    obs = Observations(THRESHOLDS)
    obs.list_parsed("headline", "头条", "https://www.guancha.cn/GuanChaZheTouTiao/list_3.shtml", 0, first=False)
    assert obs.problems() == []


def test_a_challenge_page_names_the_user_agent_setting() -> None:
    obs = Observations(THRESHOLDS)
    obs.challenge_seen("https://www.guancha.cn/")
    [problem] = obs.problems("newsbot/0.1 (+https://github.com/newsbot/newsbot)")
    assert "JavaScript challenge" in problem and "USER_AGENT='newsbot/0.1 (+https://github.com/newsbot/newsbot)'" in problem
    assert "https://www.guancha.cn/" in problem

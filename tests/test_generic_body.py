"""newsbot.generic's body rules, each on a small page written for it, and on the real pages
that showed the need (../shared/data/aeb, values read off the pages by hand)."""
from __future__ import annotations

import gzip
import json

from newsbot.generic import extract_article
from newsbot.items import Article
from tests.shared_data import shared_file

URL = "https://news.example.com/2024/05/20/story.html"
SENTENCE = "The council voted on Monday to rebuild the old harbour wall, which storms broke twice this year."


def page(body: str, head: str = "") -> Article:
    html = f"<html><head><title>Harbour wall | Example News</title>{head}</head><body>{body}</body></html>"
    return extract_article(html.encode(), URL)


def prose(n: int, word: str = "harbour") -> str:
    return "".join(f"<p>{word.capitalize()} paragraph {i}: {SENTENCE}</p>" for i in range(n))


def aeb(prefix: str) -> Article:
    truth = json.loads(shared_file("aeb/ground-truth.json").read_text("utf-8"))
    key = next(k for k in truth if k.startswith(prefix))
    body = gzip.decompress(shared_file(f"aeb/html/{key}.html.gz").read_bytes())
    return extract_article(body, truth[key]["url"])


def test_json_ld_body_replaces_a_page_that_shows_only_its_start() -> None:
    full = [f"Line {i} of the whole story: {SENTENCE}" for i in range(12)]
    ld = json.dumps({"@type": "NewsArticle", "articleBody": "\n".join(full)})
    article = page(f"<h1>Harbour wall</h1><p>{full[0]}</p><p>{full[1]}</p>",
                   f'<script type="application/ld+json">{ld}</script>')
    assert article.paragraphs == full


def test_json_ld_teaser_or_another_story_is_not_used() -> None:
    shown = prose(6)
    teaser = json.dumps({"@type": "NewsArticle", "articleBody": "Harbour paragraph 0: The council voted"})
    other = json.dumps({"@type": "NewsArticle", "articleBody": " ".join(["An unrelated story about a bakery."] * 40)})
    for ld in (teaser, other):
        article = page(f"<h1>Harbour wall</h1><div>{shown}</div>", f'<script type="application/ld+json">{ld}</script>')
        assert article.paragraphs[0].startswith("Harbour paragraph 0")
        assert not any("bakery" in p for p in article.paragraphs)


def test_a_long_story_card_in_a_feed_does_not_beat_a_short_article() -> None:
    card = "<p>" + "A much longer teaser about another event, with many clauses, commas, and words. " * 6 + "</p>"
    feed = "".join(f'<li class="stream-item"><div class="card">{card}</div></li>' for _ in range(4))
    article = page(f'<div id="page"><main><article><h1>Harbour wall</h1>{prose(2)}</article></main>'
                   f'<div id="stream"><ul class="stream">{feed}</ul></div></div>')
    assert len(article.paragraphs) == 2
    assert article.paragraphs[0].startswith("Harbour paragraph 0")


def test_text_inside_a_link_is_a_teaser_however_long() -> None:
    commentary = "Market commentary runs long, clause after clause, here. " * 8
    linked = f'<a href="/other"><div class="tw">{commentary}</div></a>'
    article = page(f'<div class="main"><h1>Harbour wall</h1>{prose(2)}</div><div class="right">{linked}</div>')
    assert not any("Market commentary" in p for p in article.paragraphs)


def test_an_article_split_into_same_class_containers_is_read_whole() -> None:
    first = f'<div class="wrap"><div><section class="story-part">{prose(3, "first")}</section></div></div>'
    second = f'<section class="story-part">{prose(5, "second")}</section>'
    article = page(f'<div class="page"><h1>Harbour wall</h1>{first}<figure><img src="/a.jpg"></figure>{second}</div>')
    assert [p.split()[0] for p in article.paragraphs] == ["First"] * 3 + ["Second"] * 5


def test_a_digest_keeps_linked_headlines_with_a_sentence_and_drops_bare_links() -> None:
    items = "".join(f'<li><a href="/s{i}">Headline number {i} of the day</a>. {SENTENCE}</li>' for i in range(4))
    related = "".join(f'<li><a href="/r{i}">Related story {i} elsewhere</a> May 20</li>' for i in range(4))
    article = page(f"<h1>Harbour wall</h1><div>{prose(2)}<ol>{items}</ol><ul>{related}</ul></div>")
    assert sum(p.startswith("Headline number") for p in article.paragraphs) == 4
    assert not any(p.startswith("Related story") for p in article.paragraphs)


def test_a_data_table_row_is_one_line_with_its_numbers() -> None:
    rows = "".join(f"<tr><td>{i}</td><td>Driver {i}</td><td>{5040 - i}</td></tr>" for i in range(1, 4))
    article = page(f"<h1>Standings</h1><div>{prose(3)}<table>{rows}</table></div>")
    rows_read = [p for p in article.paragraphs if p[0].isdigit()]
    assert rows_read == ["1 Driver 1 5039", "2 Driver 2 5038", "3 Driver 3 5037"]


def test_an_embedded_post_stays_and_share_buttons_go() -> None:
    said = "Yes this is real, said a resident of the harbour town, and it cost half a million."
    tweet = f'<div class="social-media-embed"><blockquote class="twitter-tweet"><p>{said}</p></blockquote></div>'
    share = '<div class="social-share"><p>Share this article on every network you like today</p></div>'
    article = page(f"<h1>Harbour wall</h1><div>{prose(3)}{tweet}{prose(2, 'later')}{share}</div>")
    assert any(p.startswith("Yes this is real") for p in article.paragraphs)
    assert not any("Share this" in p for p in article.paragraphs)


def test_gallery_captions_and_ui_words_stay_out_of_the_text() -> None:
    caption = "The mayor, left, and the harbour master inspect the broken wall on Monday morning. Photo: AP"
    gallery = f'<ul class="gallery"><li><img src="/g1.jpg" width="600"><div class="caption">{caption}</div></li></ul>'
    chrome = "<p>Caption</p><p>Close</p><p>Back to Gallery</p><p>5:27 am CST, Wednesday, November 20, 2019</p>"
    article = page(f"<h1>Harbour wall</h1><div>{gallery}{chrome}{prose(4)}</div>")
    assert article.paragraphs == [f"Harbour paragraph {i}: {SENTENCE}" for i in range(4)]
    assert [(i.url, i.caption) for i in article.images] == [("https://news.example.com/g1.jpg", caption)]


def test_a_time_with_its_offset_wins_over_an_unmarked_one() -> None:
    ld = '{"@type": "NewsArticle", "datePublished": "2019-11-19T00:51:04-05:00", "keywords": ["a", ],}'
    article = page(f"<h1>Harbour wall</h1>{prose(3)}",
                   f'<meta name="sailthru.date" content="2019-11-19 00:51:04">'
                   f'<script type="application/ld+json">{ld}</script>')
    assert article.published_at == "2019-11-19T05:51:04+00:00"  # the same instant, in UTC


def test_an_english_written_time_in_json_ld() -> None:
    ld = '{"@type": "NewsArticle", "datePublished": "20 Nov 2019 08:02 GMT"}'
    article = page(f"<h1>Harbour wall</h1>{prose(2)}<p>In the wake of the September 11, 2001 attacks.</p>",
                   f'<script type="application/ld+json">{ld}</script>')
    assert article.published_at == "2019-11-20T08:02:00+00:00"


def test_agencies_desks_and_the_outlet_are_not_authors() -> None:
    for declared, site, people in (("The Associated Press", "CTV News", []),
                                   ("Jill Disis, CNN Business", "CNN", ["Jill Disis"]),
                                   ("Finian Cunningham. Sputnik International", "Sputnik International",
                                    ["Finian Cunningham"])):
        article = page(f"<h1>Harbour wall</h1>{prose(2)}",
                       f'<meta name="author" content="{declared}"><meta property="og:site_name" content="{site}">')
        assert article.authors == people, declared


def test_chinese_credits_written_by_several_and_with_a_role() -> None:
    text = "".join(f"<p>第{i}段：今年的防波堤工程进展顺利，市民普遍表示满意，工程预计年底完工。</p>" for i in range(4))
    for credit, people in (("执笔/叨叨姐、胡一刀&李小飞刀", ["叨叨姐", "胡一刀", "李小飞刀"]),
                           ("长江网10月4日讯（记者陈智 整合）", ["陈智"])):
        html = f"<html><body><h1>防波堤工程</h1><p>2020-10-04 20:30</p><p>{credit}</p>{text}</body></html>"
        assert extract_article(html.encode(), "https://news.example.cn/a.html").authors == people, credit


def test_real_page_whose_json_ld_holds_the_whole_text() -> None:
    article = aeb("65408257")  # moneycontrol: the page shows four paragraphs, JSON-LD all of them
    assert article.paragraphs[0].startswith("The equity benchmark Sensex scaled a new all-time high")
    assert "Near-term consolidation likely" in article.paragraphs
    assert len(article.paragraphs) > 20


def test_real_standings_table_keeps_its_rows() -> None:
    article = aeb("11ea381a")  # autoracing.com.br: the NASCAR standings are the article
    assert "1 Kyle Busch 5040 5 1 17 27" in article.paragraphs
    assert "40 Casey Mears 1 0 0 0 0" in article.paragraphs


def test_real_split_article_is_read_from_its_first_paragraph() -> None:
    article = aeb("bdb56ac8")  # Quanta: the article's sections sit at two depths of the layout
    assert article.paragraphs[0].startswith("When the immunologist De’Broski Herbert")
    assert any(p.startswith("“I think I even famously said something") for p in article.paragraphs)

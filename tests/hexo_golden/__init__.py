"""The golden Hexo case: the reference 头条 article, its body as the page gives it, its post.

- ``guancha-headline-post.md``: verbatim copy of shared/reference/guancha-headline-post.md.
- ``guancha-636953-body.html``: that post's body (lines 17-88) as the real page gives it
  after lxml: compact serialisation, no ``referrerpolicy`` (the site has none).
"""
from __future__ import annotations

from pathlib import Path

from newsbot.items import Article, Image

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "guancha-headline-post.md"
BODY = (HERE / "guancha-636953-body.html").read_text(encoding="utf-8")


def reference_article(body_html: str = BODY) -> Article:
    """The Article the reference post was made from, written by hand from the post."""
    return Article(
        url="https://www.guancha.cn/internation/2022_04_27_636953.shtml",
        site="guancha",
        source_name="观察者网",
        source="观察者网",
        categories=["新媒体", "观察者网", "头条"],
        title="普京会见古特雷斯：不会拒绝与乌谈判",
        authors=["观察者网"],
        published_at="2022-04-27T10:22:31+08:00",
        lead_image=Image(url="https://i.guancha.cn/news/2022/04/27/20220427095811212.jpg", width=970, height=374),
        body_html=body_html,
        language="zh-CN",
    )

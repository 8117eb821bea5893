"""Hexo itself builds newsbot's posts: a real site, real ``hexo generate``, HTML checked.

The toolchain (hexo, hexo-renderer-marked, the index/archive/category/tag generators, and
hexo-renderer-ejs for the check theme) is pinned in scripts/hexo/ and cached by
tests/plugins/hexo_site.py. The check theme prints every front-matter field in its own
element, so what Hexo understood of each post can be read back from the HTML.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from lxml import html

from newsbot.hexo import PostStore
from newsbot.hexo.sources import export
from newsbot.items import Article, Image
from scripts.hexo_site import generate, make_site
from tests.hexo_golden import reference_article

pytestmark = [pytest.mark.hexo, pytest.mark.integration]

TRICKY_TITLE = "- *Breaking*: \"Quotes\" & 'apostrophes' #hash {{ page.title }} {% raw %} C:\\path 🎉\nsecond line"
TRICKY_BODY = (
    "<p>{{ page.title }} and {% if x %}not a tag{% endif %} {# nor a comment #}</p>\n\n"
    "<p># 不是标题</p>\n\n<p>* 不是列表</p>\n<p>1. 也不是列表</p>\n<p>```js\nnot code\n```</p>"
    "<p onclick=\"steal()\">正文<script>alert(1)</script><iframe src=\"https://evil.example/\"></iframe>"
    "<img src=\"https://hm.baidu.com/hm.gif\" width=\"1\" height=\"1\"></p>"
    "<p align=\"center\"><img src=\"https://i.guancha.cn/news/tricky.jpg\"></p>"
    "<p align=\"center\"><span style=\"color:#999999;\">图：引号“”与 <b>粗体</b></span></p>"
)


def articles() -> list[dict]:
    reference = reference_article()
    tricky = Article(
        url="https://www.guancha.cn/internation/2022_04_28_700001.shtml", site="guancha", source="观察者网",
        categories=["新媒体", "观察者网", "要闻"], title=TRICKY_TITLE, authors=["王文"],
        published_at="2022-04-28T07:00:00+08:00", body_html=TRICKY_BODY,
    )
    fengwen = Article(
        url="https://user.guancha.cn/main/content?id=723415", site="guancha", source="风闻",
        categories=["新媒体", "风闻"], title="风闻：一篇社区文章", authors=["张三", "李四"],
        published_at="2022-04-26T23:30:00+08:00",
        images=[Image(url="https://i.guancha.cn/fengwen/1.jpg", caption="社区配图")],
        body_html='<p>社区正文</p><p style="text-align:center;"><img src="https://i.guancha.cn/fengwen/1.jpg"></p>'
                  '<p style="text-align:center;"><span style="color:#666666;">社区配图</span></p>',
    )
    other = Article(
        url="https://news.example.com/2022/04/25/story.html", site="example", source="Example News",
        categories=["AI & 科技", "null"], title="yes", published_at="2022-04-25T12:00:00+00:00",
        updated_at="2022-04-26T08:00:00+08:00", body_html="<p>Plain <em>text</em>.</p>",
    )
    return [reference.__dict__ | {"lead_image": reference.lead_image.__dict__}] + [
        a.__dict__ | {"images": [i.__dict__ for i in a.images]} for a in (tricky, fengwen, other)]


def page(site: Path, relative: str) -> html.HtmlElement:
    path = site / "public" / relative / "index.html"
    assert path.is_file(), f"missing {path.relative_to(site)}"
    return html.fromstring(path.read_text(encoding="utf-8"))


def field(doc: html.HtmlElement, css: str, attr: str | None = None) -> str:
    [node] = doc.cssselect(css)
    return node.get(attr) if attr else node.text_content()


def captions(doc: html.HtmlElement) -> list[tuple[str, str]]:
    """(image src, caption) for each content image whose next <p> is an image-less caption."""
    found = []
    for img in doc.cssselect(".post-content img"):
        holder = img.getparent()
        after = holder.getnext() if holder.tag == "p" else None
        if after is not None and after.tag == "p" and not after.cssselect("img"):
            found.append((img.get("src"), after.text_content().strip()))
    return found


def test_hexo_generates_every_post(hexo_toolchain: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    site = make_site(tmp_path / "blog", hexo_toolchain)
    counts = export(articles(), PostStore(site / "source" / "_posts"))
    assert counts == {"written": 4, "unchanged": 0, "failed": 0}
    result = generate(site)
    assert "WARN" not in result.stdout + result.stderr and "ERROR" not in result.stdout + result.stderr

    # The reference post: title, categories (nested, as the blog has them), GMT date, images.
    ref = page(site, "2022/04/27/2022-04-27-guancha-636953")
    assert field(ref, "h1.post-title") == "普京会见古特雷斯：不会拒绝与乌谈判"
    assert field(ref, "time.post-date", "datetime") == "2022-04-27T02:22:31.000Z"
    assert field(ref, "p.post-author") == "观察者网" and field(ref, "p.post-comments") == "false"
    assert [(li.text, li.get("data-path")) for li in ref.cssselect(".post-categories li")] == [
        ("新媒体", "categories/新媒体/"), ("观察者网", "categories/新媒体/观察者网/"),
        ("头条", "categories/新媒体/观察者网/头条/")]
    lead = "https://i.guancha.cn/news/2022/04/27/20220427095811212.jpg"
    assert field(ref, "img.post-headimg", "src") == lead and field(ref, "meta.post-thumbnail", "content") == lead
    images = ref.cssselect(".post-content img")
    assert [i.get("src") for i in images] == [
        lead,
        "https://i.guancha.cn/news/external/2022/04/27/20220427092854700.jpg",
        "https://i.guancha.cn/news/official/2022/04/27/20220427092114985.jpg",
        "https://i.guancha.cn/news/official/2022/04/27/20220427090019175.jpg"]
    assert {i.get("referrerpolicy") for i in images} == {"no-referrer"}
    assert (images[0].get("width"), images[0].get("height")) == ("970px", "374px")
    assert captions(ref) == [
        (images[1].get("src"), "塔斯社报道截图"),
        (images[2].get("src"), "联合国发言人推特截图"),
        (images[3].get("src"), "联合国秘书长古特雷斯及其代表团（左）在莫斯科会见俄罗斯外长拉夫罗夫\xa0 图源：联合国新闻")]
    paragraphs = [p for p in ref.cssselect(".post-content p") if not p.cssselect("img") and not p.get("style")]
    assert len(paragraphs) == 18  # counted by hand in the reference post
    assert paragraphs[-1].text_content().strip() == "本文系观察者网独家稿件，未经授权，不得转载。"
    [link] = ref.cssselect(".post-content a")
    assert link.get("href") == "https://www.guancha.cn/internation/2022_04_26_636893.shtml"

    # The tricky post: the title survives YAML and Hexo; template and Markdown syntax stay text.
    tricky = page(site, "2022/04/27/2022-04-28-guancha-700001")
    assert field(tricky, "h1.post-title") == TRICKY_TITLE.replace("\n", " ")
    assert field(tricky, "time.post-date", "datetime") == "2022-04-27T23:00:00.000Z"
    content = tricky.cssselect(".post-content")[0]
    texts = [p.text_content().strip() for p in content.cssselect("p")]
    assert texts[:5] == ["{{ page.title }} and {% if x %}not a tag{% endif %} {# nor a comment #}",
                         "# 不是标题", "* 不是列表", "1. 也不是列表", "```js not code ```"]
    assert not content.cssselect("script, iframe, h1, ul, ol, em, code, pre, [onclick]")
    assert [i.get("src") for i in content.cssselect("img")] == ["https://i.guancha.cn/news/tricky.jpg"]
    assert captions(tricky) == [("https://i.guancha.cn/news/tricky.jpg", "图：引号“”与 粗体")]
    assert "steal" not in html.tostring(content, encoding="unicode")

    # A 风闻 post: several authors, cover from the first body image, no lead line.
    fengwen = page(site, "2022/04/26/2022-04-26-fengwen-723415")
    assert field(fengwen, "h1.post-title") == "风闻：一篇社区文章"
    assert field(fengwen, "p.post-author") == "张三, 李四"
    assert field(fengwen, "img.post-headimg", "src") == "https://i.guancha.cn/fengwen/1.jpg"
    assert captions(fengwen) == [("https://i.guancha.cn/fengwen/1.jpg", "社区配图")]

    # Another site: hashed id, categories that YAML would misread, the update time.
    [other_dir] = (site / "public" / "2022" / "04" / "25").iterdir()
    assert other_dir.name.startswith("2022-04-25-example-")
    other = page(site, f"2022/04/25/{other_dir.name}")
    assert field(other, "h1.post-title") == "yes"
    assert [li.text for li in other.cssselect(".post-categories li")] == ["AI & 科技", "null"]
    assert field(other, "time.post-updated", "datetime") == "2022-04-26T00:00:00.000Z"
    assert "img.post-headimg" not in html.tostring(other, encoding="unicode")

    # Lists: every post once on the index and the archive (the manifest is no post).
    expected_titles = {"普京会见古特雷斯：不会拒绝与乌谈判", TRICKY_TITLE.replace("\n", " "), "风闻：一篇社区文章", "yes"}
    for listing in ("", "archives"):
        titles = [a.text_content() for a in page(site, listing).cssselect(".post-list a")]
        assert sorted(titles) == sorted(expected_titles)
    assert [a.text_content() for a in page(site, "categories/新媒体/观察者网/头条").cssselect(".post-list a")] == [
        "普京会见古特雷斯：不会拒绝与乌谈判"]
    assert len(page(site, "categories/新媒体").cssselect(".post-list a")) == 3
    post_pages = [p for p in (site / "public").rglob("index.html") if html.fromstring(p.read_bytes()).cssselect("article.post")]
    assert len(post_pages) == 4

    # Re-export: nothing changes, nothing is rewritten.
    assert export(articles(), PostStore(site / "source" / "_posts")) == {"written": 0, "unchanged": 4, "failed": 0}
    assert time.monotonic() - started < 120

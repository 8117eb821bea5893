"""Generate a large guancha.cn-shaped site for the benchmarks (same layout as tests/sites/guancha).

The pages are the bundled sample site's own pages with their text, ids and dates replaced:

- ``www/GuanChaZheTouTiao/list_N.shtml``: the 头条 list, ``--per-page`` (20) items a page,
  newest first, in the markup of the sample site's list_1.shtml;
- ``www/<column>/<YYYY_MM_DD>_<id>.shtml``: each article in the markup of a sample-site
  article page (share widgets, 字号 span, 来源, tags, hot list, comments, JSON-LD, a
  tracking pixel, the member ad), with generated paragraphs, captioned images and an
  inline link; one page each, with no ``_s.shtml`` (as on the 2026 site);
- ``www/robots.txt`` from the sample site; empty ``user/`` and ``app/`` hosts.

Every article has its own title, text (so its own content hash: dedupe keeps all of them),
id, date and tags. Generation is deterministic for a given ``--seed``.

Usage: python benchmarks/gen_site.py --articles 5000 [--out DIR] [--per-page 20] [--seed 1]
Prints the site folder, the article and list-page counts and the max_pages to crawl it all.
"""
from __future__ import annotations

import argparse
import html
import json
import math
import random
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "sites" / "guancha"
# The article pages used as templates, in order of preference (any single-page article of
# the sample site works; these two have captioned images, a byline, links and an ad).
TEMPLATES = ("internation/2022_04_27_636953.shtml", "internation/2022_04_27_636949.shtml")
COLUMNS = ("internation", "economy", "politics", "military-affairs", "society", "industry-science", "ChanJing")
NEWEST = datetime(2022, 4, 27, 11, 30, 0)  # just before tests.crawl.PINNED_NOW
BODY_OPEN = '<div class="content all-txt">'
RIGHTS = "本文系观察者网独家稿件，未经授权，不得转载。"


@dataclass
class PageTemplate:
    """A sample-site page cut into a ``str.format`` template."""

    text: str

    def fill(self, **values: str) -> str:
        return self.text.format(**values)


def _div_end(page: str, start: int) -> int:
    """Index just past the ``</div>`` closing the div that opens at ``start``."""
    depth = 0
    for match in re.finditer(r"<div\b|</div\s*>", page[start:]):
        depth += 1 if match.group().startswith("<div") else -1
        if depth == 0:
            return start + match.end()
    raise ValueError("unbalanced <div> in template")


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def article_template(path: Path) -> tuple[PageTemplate, list[str]]:
    """The page as a template with {title} {description} {path} {id} {datetime} {iso}
    {keywords} {tags} {body}, and the text of its body paragraphs (the sentence pool)."""
    page = path.read_text("utf-8")
    doc = lxml_html.fromstring(page)
    title = doc.cssselect("li.left-main > h3")[0].text_content().strip()
    description = (doc.xpath("//meta[@name='Description' or @name='description']/@content") or [""])[0]
    keywords = (doc.xpath("//meta[@name='Keywords' or @name='keywords']/@content") or [""])[0]
    spans = doc.cssselect("div.time.fix span")
    when = spans[0].text_content().strip()
    paragraphs = [p.text_content().strip() for p in doc.cssselect("div.content.all-txt > p")]
    match = re.search(r"/([^/]+/\d{4}_\d{2}_\d{2}_(\d+))\.shtml$", "/" + path.relative_to(path.parents[1]).as_posix())
    if not match:
        raise ValueError(f"{path} is not a single-page article")
    real_path, real_id = match.group(1), match.group(2)

    start = page.index(BODY_OPEN)
    end = _div_end(page, start)
    tags_start = page.find('<div class="key-word')
    tags_end = _div_end(page, tags_start) if tags_start >= 0 else -1

    def sub(part: str) -> str:
        part = _escape(part)
        for old, new in ((real_path, "{path}"), (real_id, "{id}"), (_escape(title), "{title}"),
                         (_escape(description), "{description}"), (when, "{datetime}"),
                         (when.replace(" ", "T"), "{iso}")):
            part = part.replace(old, new)
        if keywords:
            part = part.replace(f'content="{_escape(keywords)}"', 'content="{keywords}"')
        return part

    if tags_start > end:
        text = (sub(page[:start]) + BODY_OPEN + "{body}</div>" + sub(page[end:tags_start])
                + "{tags}" + sub(page[tags_end:]))
    else:
        text = sub(page[:start]) + BODY_OPEN + "{body}</div>" + sub(page[end:])
    for field in ("{title}", "{datetime}", "{path}", "{body}"):
        if field not in text:
            raise ValueError(f"template {path}: could not place {field}")
    return PageTemplate(text), [p for p in paragraphs if p and not p.startswith(("【", RIGHTS))]


def list_template(path: Path) -> tuple[PageTemplate, str]:
    """list_1.shtml as a template with {items} {pagination} {page}, and one item's markup."""
    page = path.read_text("utf-8")
    start = page.index('<ul class="headline-list">')
    end = page.index("</ul>", start)
    items = page[start:end]
    first = re.search(r"<li>.*?</li>", items, re.S)
    if not first:
        raise ValueError(f"{path}: no headline item")
    pag_start = page.index('<div class="pagination')
    pag_end = _div_end(page, pag_start)
    text = (_escape(page[:start]) + '<ul class="headline-list">\n{items}\n                '
            + _escape(page[end:pag_start]) + "{pagination}" + _escape(page[pag_end:]))
    text = text.replace("list_1.shtml", "list_{page}.shtml")
    return PageTemplate(text), first.group()


def sentences(paragraphs: list[str]) -> list[str]:
    out = []
    for paragraph in paragraphs:
        out.extend(s + "。" for s in re.split(r"。", paragraph) if len(s.strip()) > 8)
    return out or ["观察者网讯，这是一段用于基准测试的生成文字。"]


def make_body(rng: random.Random, pool: list[str], n: int, when: datetime, link: str) -> tuple[str, str, str]:
    """Body HTML in the sample site's markup; also a title and a summary for it."""
    parts = []
    count = rng.randint(6, 14)
    image_at = {rng.randint(2, count - 1) for _ in range(rng.randint(0, 3))}
    if rng.random() < 0.5:
        parts.append(f"<p>\n\t【文/观察者网 {rng.choice(('周远', '李泽西', '齐倩', '王慧', '陈思佳'))}】\n</p>")
    texts = []
    for i in range(count):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 3)))
        if i == 0:
            text = f"（观察者网讯 {n}）" + text
        texts.append(text)
        if i == 2:
            anchor = html.escape(rng.choice(pool)[:18])
            text = f'{html.escape(text)}<a href="{link}" target="_blank" onclick="_czc.push([\'_trackEvent\',\'neilian\',\'click\',\'{n}\']);">{anchor}</a>'
        else:
            text = html.escape(text)
        parts.append(f"<p>\n{text}\n</p>")
        if i in image_at:
            stamp = when.strftime("%Y/%m/%d")
            parts.append(f'<p style="text-align:center;">\n<img src="https://i.guancha.cn/news/external/{stamp}/{n}{i:02d}.jpg" '
                         'title="点击查看大图" width="530" class="bigimg" referrerpolicy="no-referrer"> \n</p>')
            parts.append(f'<p style="text-align:center;">\n<span style="color:#666666;">{html.escape(rng.choice(pool)[:20])}</span> \n</p>')
        if i == count // 2:
            parts.append(f'<img src="https://stat.guancha.cn/pv.gif?aid={n}&amp;cid=2" width="1" height="1" style="display:none">')
    if rng.random() < 0.5:
        parts.append(f"<p>\n\t{RIGHTS}\n</p>")
    parts.append('<div class="content-bottom-ad"><a href="https://member.guancha.cn/?s=wzdbgg" target="_blank">'
                 '<img src="https://i.guancha.cn/tg/20220420143512089.jpg" alt="观察员会员专享" width="680" height="120"></a>'
                 "<p>加入观察员，解锁更多深度好文</p></div>")
    title = re.sub(r"[，。“”：；（）]", "", texts[0].split("）", 1)[-1])[:22] + f" {n}"
    return "\n".join(parts) + "\n                ", title, texts[0][:60]


TAG_WORDS = ("俄罗斯", "天然气", "波兰", "联合国", "经济", "外交部", "美国", "欧盟", "科技", "芯片", "汽车", "能源")


def tags_html(words: list[str]) -> str:
    links = "".join(f'<a style="color:#d06868" href="https://user.guancha.cn/main/search?click=news&amp;keyword={w}">{w}</a>'
                    for w in words)
    return f'<div class="key-word fix mt15">\n                    <span>标签 </span>{links}\n                </div>'


def generate(out: Path, articles: int, per_page: int = 20, seed: int = 1) -> dict:
    started = time.perf_counter()
    templates, pool_paragraphs = [], []
    for name in TEMPLATES:
        path = SAMPLE / "www" / name
        if path.exists():
            template, paragraphs = article_template(path)
            templates.append(template)
            pool_paragraphs += paragraphs
    if not templates:  # the sample site changed: take any article page it has
        for path in sorted((SAMPLE / "www").glob("*/20*_*.shtml")):
            try:
                template, paragraphs = article_template(path)
            except (ValueError, IndexError):
                continue
            templates.append(template)
            pool_paragraphs += paragraphs
            break
    if not templates:
        raise SystemExit(f"no usable article template under {SAMPLE}")
    pool = sentences(pool_paragraphs)
    list_page, item_markup = list_template(SAMPLE / "www" / "GuanChaZheTouTiao" / "list_1.shtml")

    if out.exists():
        shutil.rmtree(out)
    www = out / "www"
    for host in ("www", "user", "app"):
        (out / host).mkdir(parents=True)
    robots = SAMPLE / "www" / "robots.txt"
    if robots.exists():
        shutil.copy(robots, www / "robots.txt")
    (out / "_special.json").write_text("{}", "utf-8")
    shutil.copy(SAMPLE / "_origins.json", out / "_origins.json")

    rng = random.Random(seed)
    made_dirs: set[Path] = set()
    entries = []
    total_bytes = 0
    spacing = timedelta(minutes=47)  # ~30 headlines a day, newest first
    for i in range(articles):
        n = 700000 + articles - i  # ids fall with age, as on the real site
        when = NEWEST - spacing * i - timedelta(seconds=rng.randint(0, 59))
        column = COLUMNS[rng.randrange(len(COLUMNS))]
        path = f"{column}/{when:%Y_%m_%d}_{n}"
        link = f"/{COLUMNS[(i + 1) % len(COLUMNS)]}/{when:%Y_%m_%d}_{n - 1}.shtml"
        body, title, summary = make_body(rng, pool, n, when, link)
        words = rng.sample(TAG_WORDS, rng.randint(2, 4))
        page = templates[i % len(templates)].fill(
            title=html.escape(title), description=html.escape(summary), path=path, id=str(n),
            datetime=f"{when:%Y-%m-%d %H:%M:%S}", iso=f"{when:%Y-%m-%dT%H:%M:%S}",
            keywords=" ".join(words), tags=tags_html(words), body=body)
        target = www / f"{path}.shtml"
        if target.parent not in made_dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(target.parent)
        data = page.encode("utf-8")
        target.write_bytes(data)
        total_bytes += len(data)
        entries.append((path, title, summary, when, n))

    pages = math.ceil(articles / per_page)
    lists = www / "GuanChaZheTouTiao"
    lists.mkdir(exist_ok=True)
    item_re = re.compile(r'href="[^"]*"(.*?)>[^<]*</a></h3>(.*?<img src=")[^"]*(".*?</div>)(?:<p class="module-artile">.*?</p>)?<span>[^<]*</span>', re.S)
    if not item_re.search(item_markup):
        raise SystemExit("the sample list page's item markup changed; update gen_site.list item pattern")
    for page_no in range(1, pages + 1):
        chunk = entries[(page_no - 1) * per_page: page_no * per_page]
        items = []
        for path, title, summary, when, n in chunk:
            img = f"https://i.guancha.cn/news/{when:%Y/%m/%d}/{n}.jpg"
            items.append("                    " + item_re.sub(
                lambda m: (f'href="/{path}.shtml"{m.group(1)}>{html.escape(title)}</a></h3>{m.group(2)}{img}{m.group(3)}'
                           f'<p class="module-artile">{html.escape(summary)}</p><span>{when:%Y-%m-%d %H:%M:%S}</span>'),
                item_markup, count=1))
        nav = [f'<span class="active">{page_no}</span>' if p == page_no else f'<a href="/GuanChaZheTouTiao/list_{p}.shtml">{p}</a>'
               for p in range(max(1, page_no - 2), min(pages, page_no + 2) + 1)]
        if page_no < pages:
            nav.append(f'<a href="/GuanChaZheTouTiao/list_{page_no + 1}.shtml" class="next">下一页</a>')
        pagination = '<div class="pagination fix">\n                    ' + "\n                    ".join(nav) + "\n                </div>"
        (lists / f"list_{page_no}.shtml").write_text(
            list_page.fill(items="\n".join(items), pagination=pagination, page=str(page_no)), "utf-8")
    info = {"root": str(out), "articles": articles, "list_pages": pages, "per_page": per_page,
            "max_pages": pages, "article_bytes": total_bytes, "seconds": round(time.perf_counter() - started, 2)}
    (out / "_generated.json").write_text(json.dumps(info, indent=1), "utf-8")
    return info


def check(out: Path) -> None:
    """Extract the first article and list page with newsbot's own code (fails loudly)."""
    sys.path.insert(0, str(ROOT))
    from scrapy.http import HtmlResponse

    from newsbot.dom import parse_response
    from newsbot.sites.guancha import lists
    from newsbot.sites.guancha.article import extract_article
    from newsbot.sites.page import PageContext
    from newsbot.times import crawl_now

    body = (out / "www" / "GuanChaZheTouTiao" / "list_1.shtml").read_bytes()
    real = "https://www.guancha.cn/GuanChaZheTouTiao/list_1.shtml"
    response = HtmlResponse(real, body=body, encoding="utf-8")
    entries = lists.headline_list(response.selector, real)
    assert entries, "no entries on the generated list_1.shtml"
    first = entries[0]
    canonical = first.url
    page = out / "www" / canonical.split("guancha.cn/", 1)[1]
    response = HtmlResponse(canonical, body=page.read_bytes(), encoding="utf-8")
    article = extract_article(parse_response(response), PageContext(canonical, response.url, crawl_now("2022-04-27T12:00:00+08:00"), listing=first))
    assert article.title and article.published_at and len(article.paragraphs) >= 5, article
    assert first.lead_image is not None and first.summary, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--per-page", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="site folder (replaced); default: a new temp dir")
    parser.add_argument("--no-check", action="store_true", help="skip extracting a generated page")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="newsbot-bench-site-"))
    info = generate(out, args.articles, args.per_page, args.seed)
    if not args.no_check:
        check(out)
    print(json.dumps(info))


if __name__ == "__main__":
    main()

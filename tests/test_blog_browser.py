"""The blog in a real browser: crawl the sample site, build it with Hexo, open posts in Chromium.

The crawl stores pictures (NEWSBOT_IMAGES_STORE) and writes posts into a Hexo site with the
store published under /images (NEWSBOT_HEXO_IMAGES_URL); the store is copied into the built
public/images and public/ is served on 127.0.0.1. The sample site, with its image host, is
stopped before the browser looks, and the browser resolves no other host, so every picture
that shows comes from the blog's own copy. A hostile post, written by newsbot's Hexo code,
must run none of its scripts, while the same body served raw does. The README's screenshot
is saved by this module (with NEWSBOT_UPDATE_SCREENSHOT=1).
"""
from __future__ import annotations

import functools
import hashlib
import os
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from newsbot.hexo import PostStore
from newsbot.items import Article
from scripts.hexo_site import generate, make_site
from tests.crawl import crawl
from tests.plugins.sample_site import start_sample_site

pytestmark = [pytest.mark.hexo, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[1]
# The README's picture; a run writes it only with NEWSBOT_UPDATE_SCREENSHOT=1, else to tmp.
SCREENSHOT = ROOT / "docs" / "post-screenshot.png"
IMAGES_URL = "/images"
POST_636953 = "2022/04/27/2022-04-27-guancha-636953/"
POST_636958 = "2022/04/27/2022-04-27-guancha-636958/"
HOSTILE_POST = "2022/04/27/2022-04-27-guancha-999999/"
HOSTILE_TITLE = '<img src=x onerror="window.__pwned=\'title\'">标题<script>window.__pwned="title"</script>'
# Every way the body tries to run code; each would set window.__pwned, the title or log "pwned".
HOSTILE_BODY = (
    "<p>正文第一段</p>"
    "<p><img src=x onerror=\"window.__pwned='img';document.title='pwned';console.error('pwned img')\"></p>"
    "<script>window.__pwned='script';document.title='pwned';console.error('pwned script')</script>"
    "<p><a id=\"js-link\" href=\"javascript:window.__pwned='link';document.title='pwned'\">点我</a></p>"
    "<p><a href=\" JaVaScRiPt:window.__pwned='mixed-case'\">再点我</a></p>"
    "<svg onload=\"window.__pwned='svg';console.error('pwned svg')\"><script>window.__pwned='svg-script'</script></svg>"
    "<p onmouseover=\"window.__pwned='mouse'\" style=\"background:url(javascript:window.__pwned='css')\">悬停</p>"
    "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>"
    "<p>&lt;script&gt;window.__pwned='escaped'&lt;/script&gt;</p>"
    "<p><img src=\"data:image/svg+xml,&lt;svg onload=alert(1)&gt;\"></p>"
)
# What the sample site's 636953 and 636958 show (tests/expected/guancha/*.json, MANIFEST "Pictures").
LEAD_636953 = "https://i.guancha.cn/news/2022/04/27/20220427095811212.jpg"
CAPTIONED_636953 = [
    ("https://i.guancha.cn/news/external/2022/04/27/20220427092854700.jpg", "塔斯社报道截图"),
    ("https://i.guancha.cn/news/official/2022/04/27/20220427092114985.jpg", "联合国发言人推特截图"),
    ("https://i.guancha.cn/news/official/2022/04/27/20220427090019175.jpg",
     "联合国秘书长古特雷斯及其代表团（左）在莫斯科会见俄罗斯外长拉夫罗夫\xa0 图源：联合国新闻"),
]
LEAD_636958 = "https://i.guancha.cn/news/2022/04/27/20220427103512583.jpg"
CAPTIONED_636958 = [("https://i.guancha.cn/news/2022/04/27/20220427103847251.png",
                     "1—3月份规模以上工业企业主要财务指标 图源：国家统计局")]
# The sample files' pixel sizes (not the sizes the pages state).
NATURAL_SIZE = {
    LEAD_636953: (97, 37),
    CAPTIONED_636953[0][0]: (53, 30), CAPTIONED_636953[1][0]: (53, 30), CAPTIONED_636953[2][0]: (53, 30),
    LEAD_636958: (97, 37), CAPTIONED_636958[0][0]: (60, 34),
}

# For each <img> in the post: where it loaded from, its pixel size, whether it is complete,
# and the element right after its holder (its caption paragraph, if any).
IMAGES_JS = """
return Array.from(document.querySelectorAll('article.post img')).map(img => {
  const holder = img.parentElement.tagName === 'P' ? img.parentElement : img;
  const next = holder.nextElementSibling;
  const box = img.getBoundingClientRect();
  const nextBox = next ? next.getBoundingClientRect() : null;
  return {src: img.currentSrc, complete: img.complete, width: img.naturalWidth, height: img.naturalHeight,
          headimg: img.classList.contains('post-headimg'),
          next: next && next.tagName === 'P' && !next.querySelector('img') ? next.textContent.trim() : null,
          below: nextBox ? nextBox.top >= box.bottom - 1 : null};
});
"""


def stored_path(url: str) -> str:
    """Where Scrapy's images pipeline keeps ``url`` (its SHA-1, tests/test_images.py checks it)."""
    return f"full/{hashlib.sha1(url.encode()).hexdigest()}{Path(url).suffix}"


def hostile_article() -> Article:
    return Article(
        url="https://www.guancha.cn/internation/2022_04_27_999999.shtml", site="guancha", source="观察者网",
        categories=["新媒体", "观察者网"], title=HOSTILE_TITLE, authors=["观察者网"],
        published_at="2022-04-27T11:00:00+08:00", body_html=HOSTILE_BODY)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """No request lines on stderr."""


@pytest.fixture(scope="module")
def blog(hexo_toolchain: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The built blog served on 127.0.0.1; its base URL. The sample site is down by then."""
    tmp = tmp_path_factory.mktemp("browser-blog")
    site = make_site(tmp / "blog", hexo_toolchain)
    store = tmp / "store"
    proc, bases = start_sample_site(tmp)
    try:
        result = crawl(tmp / "crawl", bases, {
            "NEWSBOT_IMAGES_STORE": str(store),
            "NEWSBOT_HEXO_DIR": str(site / "source" / "_posts"), "NEWSBOT_HEXO_IMAGES_URL": IMAGES_URL})
    finally:
        proc.terminate()
        proc.wait(10)
    assert result.returncode == 0, result.log[-3000:]
    assert PostStore(site / "source" / "_posts").publish(hostile_article()) == "written"
    generate(site)
    public = site / "public"
    shutil.copytree(store, public / IMAGES_URL.strip("/"))
    (public / "raw").mkdir()
    (public / "raw" / "index.html").write_text(
        f"<!DOCTYPE html><html><head><meta charset=utf-8><title>raw</title></head><body>{HOSTILE_BODY}</body></html>",
        encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(public)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def open_post(browser: webdriver.Chrome, url: str) -> list[dict[str, Any]]:
    """Load ``url``, wait until every image has finished (loaded or failed), return IMAGES_JS."""
    browser.get(url)
    deadline = time.monotonic() + 10
    while not browser.execute_script("return Array.from(document.images).every(i => i.complete)"):
        assert time.monotonic() < deadline, f"images still loading on {url}"
        time.sleep(0.05)
    return browser.execute_script(IMAGES_JS)


@pytest.mark.parametrize(("post", "title", "shown_date", "lead", "captioned"), [
    (POST_636953, "普京会见古特雷斯：不会拒绝与乌谈判", "2022-04-27 02:22 UTC", LEAD_636953, CAPTIONED_636953),
    (POST_636958, "统计局：一季度全国规上工业企业利润同比增长8.5%", "2022-04-27 02:48 UTC", LEAD_636958, CAPTIONED_636958),
], ids=["636953", "636958"])
def test_a_post_shows_its_title_date_and_local_pictures_with_captions(
        browser: webdriver.Chrome, blog: str, post: str, title: str, shown_date: str, lead: str,
        captioned: list[tuple[str, str]]) -> None:
    images = open_post(browser, f"{blog}/{post}")
    assert browser.find_element(By.CSS_SELECTOR, "h1.post-title").text == title
    assert browser.title == title
    assert browser.find_element(By.CSS_SELECTOR, "time.post-date").text == shown_date

    local = {url: f"{blog}{IMAGES_URL}/{stored_path(url)}" for url in NATURAL_SIZE}
    assert [i["src"] for i in images] == [local[lead], local[lead]] + [local[url] for url, _ in captioned]
    assert images[0]["headimg"] and not any(i["headimg"] for i in images[1:])
    for image, url in zip(images, [lead, lead] + [url for url, _ in captioned]):
        assert image["complete"] and (image["width"], image["height"]) == NATURAL_SIZE[url], image
    # The lead line has no caption; each body picture is followed, below it, by its caption.
    assert images[1]["next"] is None or images[1]["next"] not in {text for _, text in captioned}
    assert [(i["src"], i["next"], i["below"]) for i in images[2:]] == [
        (local[url], text, True) for url, text in captioned]


def test_the_post_screenshot_shows_a_captioned_picture(browser: webdriver.Chrome, blog: str, tmp_path: Path) -> None:
    """The window is made tall enough to hold the title and the first captioned picture."""
    size = browser.get_window_size()
    browser.set_window_size(1000, 1700)
    try:
        images = open_post(browser, f"{blog}/{POST_636953}")
        assert all(i["width"] > 0 for i in images)
        caption_bottom = browser.execute_script(
            "return document.querySelectorAll('.post-content img')[1].parentElement"
            ".nextElementSibling.getBoundingClientRect().bottom")
        assert caption_bottom <= browser.execute_script("return window.innerHeight")
        shot = SCREENSHOT if os.environ.get("NEWSBOT_UPDATE_SCREENSHOT") == "1" else tmp_path / SCREENSHOT.name
        assert browser.save_screenshot(str(shot))
    finally:
        browser.set_window_size(size["width"], size["height"])
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_hostile_body_served_raw_does_run(browser: webdriver.Chrome, blog: str) -> None:
    """The control: unsanitised, the payload runs, so the next test's checks can see it."""
    browser.get(f"{blog}/raw/")
    time.sleep(0.3)
    assert browser.execute_script("return typeof window.__pwned") == "string"
    assert browser.title == "pwned"
    assert [m for m in (e["message"] for e in browser.get_log("browser")) if "pwned" in m]


def test_a_hostile_post_runs_no_script(browser: webdriver.Chrome, blog: str) -> None:
    browser.get_log("browser")  # drop what earlier pages logged
    url = f"{blog}/{HOSTILE_POST}"
    open_post(browser, url)
    time.sleep(0.3)  # let any onerror/onload handler fire
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert browser.title == HOSTILE_TITLE
    assert browser.find_element(By.CSS_SELECTOR, "h1.post-title").text == HOSTILE_TITLE
    content = browser.find_element(By.CSS_SELECTOR, ".post-content")
    assert content.find_elements(By.CSS_SELECTOR, "script, svg, iframe, [onerror], [onload], [onmouseover]") == []
    assert "<script>window.__pwned='escaped'</script>" in content.text

    for text in ("点我", "再点我"):
        link = browser.find_element(By.LINK_TEXT, text)
        assert link.get_attribute("href") is None
        link.click()
    browser.find_element(By.XPATH, "//p[normalize-space()='悬停']").click()
    time.sleep(0.3)
    assert browser.current_url == url
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert browser.title == HOSTILE_TITLE
    logged = [entry["message"] for entry in browser.get_log("browser")]
    assert not [m for m in logged if "pwned" in m], logged

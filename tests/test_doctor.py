"""``scrapy doctor guancha``: the live check, run here against the sample site.

It passes on the site in both shapes, and fails on a copy whose article markup was
changed, naming the selector that found nothing.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.crawl import scrapy
from tests.plugins.sample_site import SITE_ROOT, start_sample_site

pytestmark = pytest.mark.integration
CHANNELS = "toutiao,review,yaowen,fengwen,redian,gundong,shiping"


def doctor(bases: dict[str, str], tmp: Path, channels: str = CHANNELS, **settings: str) -> tuple[int, str]:
    proc = scrapy(["doctor", "guancha"], bases, tmp, settings, args={"channels": channels})
    return proc.returncode, proc.stdout


def line_of(out: str, *parts: str) -> str:
    """The one report line holding every one of ``parts``."""
    [line] = [line for line in out.splitlines() if all(part in line for part in parts)]
    return line


@pytest.mark.parametrize("shape", ["2026", "2019"])
def test_doctor_passes_on_the_sample_site(shape: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    bases = request.getfixturevalue("sample_site" if shape == "2026" else "sample_site_2019")
    # The sample site's bad pages (404, 500, timeout, empty page) are misses by design;
    # 头条 list_1 and the 评论 column link only good articles.
    code, out = doctor(bases, tmp_path, channels="toutiao,review")
    assert code == 0, out
    assert line_of(out, "list headline (头条)", "https://www.guancha.cn/GuanChaZheTouTiao/list_1.shtml").startswith("ok")
    assert line_of(out, "list home/review (评论&研究)", "https://www.guancha.cn/").startswith("ok")
    assert line_of(out, "article page", "https://www.guancha.cn/internation/2022_04_27_636953.shtml").startswith("ok")
    assert "title: ok; published_at: ok; authors: 1; paragraphs: 18; images: 3" in out  # 636953
    assert "list_2.shtml" not in out  # one page of each list
    assert out.strip().endswith("missed: OK")


def test_doctor_reports_the_sample_sites_bad_pages(sample_site: dict, tmp_path: Path) -> None:
    code, out = doctor(sample_site, tmp_path, channels="redian", NEWSBOT_ARTICLES_PER_LIST="0")
    assert code == 1
    assert line_of(out, "article (热点)", "636913.shtml").startswith("MISS")
    assert "failed http_500" in out  # 636913 answers 500
    assert out.strip().endswith("FAILED")


def test_doctor_names_the_selector_on_changed_markup(tmp_path: Path) -> None:
    root = tmp_path / "site" / "guancha"
    shutil.copytree(SITE_ROOT, root)
    for page in (root / "www").glob("*/20*_*.shtml"):
        page.write_bytes(page.read_bytes().replace(b"<h3>", b"<h1>").replace(b"</h3>", b"</h1>"))
    proc, bases = start_sample_site(tmp_path, root=root)
    try:
        code, out = doctor(bases, tmp_path, channels="toutiao")
    finally:
        proc.terminate()
        proc.wait(10)
    assert code == 1
    assert "title: MISSING (" in out and "left-main > h3" in out
    # 头条 list_1 links three articles; none has its title where the rule looks
    assert "\nMISS  guancha  lists read: headline 1 (1 with links); 3 article links; 0 of 3 articles read in full, " \
           "0 failed; fields missing: title (3)\nsites missed: guancha\n" in out
    assert out.strip().endswith("FAILED")

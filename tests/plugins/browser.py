"""Headless Chromium from Debian (``chromium``, ``chromium-driver``), driven by Selenium.

``browser`` (session) is one Chrome WebDriver session on /usr/bin/chromium through Debian's
/usr/bin/chromedriver; nothing is downloaded (no Selenium Manager, no browser builds). The
browser resolves no host but 127.0.0.1, so a page can only load what the tests serve, and
it starts with everything that phones home switched off. Without the packages
(scripts/install_services.sh installs them) it skips on a developer's machine and fails in CI.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WINDOW = (1000, 1400)
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-extensions", "--hide-scrollbars", "--lang=zh-CN",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
)


def unavailable(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: run scripts/install_services.sh)", pytrace=False)
    pytest.skip(message)


def chrome_options(profile: Path) -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        unavailable(f"the browser test needs {', '.join(missing)} (Debian's chromium and chromium-driver)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(profile.parent / "chromedriver.log"))
    try:
        driver = webdriver.Chrome(options=chrome_options(profile), service=service)
    except WebDriverException as error:
        unavailable(f"headless Chromium did not start: {error.msg}")
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)

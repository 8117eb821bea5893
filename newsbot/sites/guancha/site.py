"""guancha.cn (观察者网) as the registry sees it."""
from __future__ import annotations

from newsbot.sites.guancha import urls
from newsbot.sites.guancha.article import SOURCE_NAME, extract_article
from newsbot.sites.guancha.fengwen import extract_post
from newsbot.sites.guancha.lists import CHANNELS
from newsbot.sites.site import Site

SITE = Site(
    name="guancha",
    source_name=SOURCE_NAME,
    language="zh-CN",
    timezone="Asia/Shanghai",
    hosts=urls.HOSTS,
    article_hosts=urls.ARTICLE_HOSTS,
    canonical_url=urls.canonical_url,
    is_article=urls.is_article,
    article_id=urls.article_id,
    full_text_url=urls.full_text_url,
    channels=CHANNELS,
    extractors={"www.guancha.cn": extract_article, "user.guancha.cn": extract_post},
)

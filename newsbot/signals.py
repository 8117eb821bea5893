"""newsbot's own signals: what a spider saw, for the health check and ``scrapy doctor``.

Spiders send them with ``crawler.signals.send_catch_log``; handlers take keyword arguments.
"""

# A list page was read. kind: "headline", "home", ...; channel: the channel name;
# url: the real URL; links: how many article links it gave; first: it is the list's first page.
list_parsed = object()

# An article request ended. channel; url (canonical); outcome: "extracted", "stored",
# "failed", "redirected_away", "offsite", "forwarded"; detail: a reason or a target URL.
article_done = object()

# An article page went through the site rules. kind: "article", "post"; url (canonical);
# missing: required fields the site rules did not find; selectors: field -> the rule that
# looks for it; extraction: "site" or "fallback"; item: the Article.
page_extracted = object()

# A page was a JavaScript challenge rather than the site. url: the real URL.
challenge_seen = object()

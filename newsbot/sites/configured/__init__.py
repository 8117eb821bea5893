"""Sites declared in a sites file (TOML, ``NEWSBOT_SITES_FILE``) rather than in code.

``config`` reads and checks the file, ``site`` turns each entry into a registered
:class:`newsbot.sites.site.Site`, ``discover`` reads feeds, sitemaps and list pages, and
``extract`` reads an article with the generic extractor plus the entry's selector
overrides. ``scrapy crawl news`` (newsbot/spiders/news.py) crawls them.
"""

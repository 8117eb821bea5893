"""Generic article extraction, the fallback for pages whose site rules found nothing.

``extract_article(body, url, headers)`` reads any news page's bytes into an Article (with
``extraction="fallback"``); ``fill_missing(item, fallback, fields)`` copies into a site
rule's item only the fields it left empty. Neither needs Scrapy running.
"""
from newsbot.generic.article import extract_article
from newsbot.generic.fill import fill_missing

__all__ = ["extract_article", "fill_missing"]

"""newsbot: a Scrapy project that crawls news sites into clean, deduplicated articles."""

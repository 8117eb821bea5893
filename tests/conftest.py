"""Shared fixtures. Each kind of service lives in its own plugin module under tests/plugins."""
pytest_plugins = [
    "tests.plugins.sample_site",
    "tests.plugins.mongo_server",
    "tests.plugins.hexo_site",
    "tests.plugins.scrapyd_server",
    "tests.plugins.redis_server",
    "tests.plugins.browser",
    "tests.plugins.tmp_guard",
]

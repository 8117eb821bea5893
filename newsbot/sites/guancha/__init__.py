"""guancha.cn (观察者网): its URL rules (urls.py), article, list and 风闻 extraction; site.py
declares the site for the registry."""

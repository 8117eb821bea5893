"""guancha.cn (观察者网): article, list and 风闻 extraction."""

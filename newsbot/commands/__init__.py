"""newsbot's own Scrapy commands (COMMANDS_MODULE)."""

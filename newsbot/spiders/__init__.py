"""Spiders: navigation only. Field extraction lives in newsbot.sites."""

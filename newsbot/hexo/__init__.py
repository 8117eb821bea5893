"""Hexo export: one Markdown post per Article, laid out like the blog's reference post.

``render_post`` turns an Article (item or dict) into the post text, ``post_filename`` names
its file, ``PostStore`` writes posts into a Hexo ``source/_posts`` directory incrementally.
"""
from __future__ import annotations

from newsbot.hexo.files import PostStore, article_id, post_filename
from newsbot.hexo.post import render_post

__all__ = ["PostStore", "article_id", "post_filename", "render_post"]

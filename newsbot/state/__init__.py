"""The seen-article state of a crawl: MongoDB when MONGO_URI is set, else sqlite3.

Components of a crawl share one opened store through the
:class:`~newsbot.state.extension.StateStoreExtension` extension.
"""
from __future__ import annotations

from newsbot.state.base import Known, StateCorrupt, StateStore, StateUnavailable

__all__ = ["Known", "StateCorrupt", "StateStore", "StateUnavailable"]

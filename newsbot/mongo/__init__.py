"""MongoDB storage helpers used by the mongo pipeline and the MongoDB state store.

Nothing here connects at import; callers open a client in their open hooks.
"""

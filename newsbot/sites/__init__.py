"""Site modules: pure extraction from a downloaded page (no requests)."""

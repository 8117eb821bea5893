"""Item pipelines, one module per stage, in ITEM_PIPELINES order (see DESIGN.md)."""

"""The staff desk's pages, one module per area (queue, lists, detail, entry, actions)."""

"""Content stage: what a chapter notebook shows (text, charts, tables), from the measures."""

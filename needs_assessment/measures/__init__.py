"""Measures stage: every plan measure computed from the datasets, compared and judged, disclosure controlled."""

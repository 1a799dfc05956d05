"""Demonstration data for `python build.py demo-data`: a fictional force in every published format."""

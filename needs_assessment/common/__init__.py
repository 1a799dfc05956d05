"""Shared by every stage: errors, hashes, months, dotted names and the build folder's lock.

The lowest layer: it imports nothing else of the package.
"""

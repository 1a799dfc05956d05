"""Recommendations stage: the reviewers' files read, checked and made into the book's Markdown.

Its modules, each importing only those before it: safety (reviewers' text made inert) <- files
(reading and checking the files) <- live_figures (their `{{< var >}}` names) and review (against
the current and the previous figures) <- markdown (section includes and the summary document).
"""

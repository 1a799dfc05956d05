"""Police and Crime Plan needs assessment generator: the package, a folder per pipeline stage.

params.py -> datasets/ -> measures/ -> content/ (what a chapter notebook shows) -> recommendations/
(reviewers' files) -> render/ (the book to HTML and PDF) -> pipeline/ (one build, end to end) ->
cli.py (`python build.py`). common/ is shared by every stage; demo/ and init/ make a cycle's inputs.
A module imports only from its own stage and those before it: the import-linter contracts in
pyproject.toml say so and tests/test_layers.py checks them.
"""

__version__ = "0.1.0"

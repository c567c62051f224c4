"""The extraction gold set: hand-built pages in nine template families with the expected article.

``goldset/pages/`` is generated once by ``python -m goldset.build`` and committed, so the numbers in
docs/extraction.md are reproducible without the generator's inputs; ``akhbar eval-extract goldset/pages``
scores them.
"""

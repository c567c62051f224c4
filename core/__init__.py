"""The bottom layer: plain modules every other package may import, and which import none of them.

The data directory and its paths (``config``), the article record (``record``), the archive reader
(``archive``) and bounded payload decoding (``decoding``), text made safe for a terminal (``text``).
See docs/architecture.md.
"""

__version__ = "0.1.0"  # the distribution's (pyproject.toml); the crawler's User-Agent names it

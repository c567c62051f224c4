"""Akhbar: an Arabic news crawler, WARC archive and search engine — the application layer (CLI, web
app, scheduler, reindex, demo) on top of ``crawler``, ``pipelines``, ``index`` and ``core``."""

from core import __version__

__all__ = ["__version__"]

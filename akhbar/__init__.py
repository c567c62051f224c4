"""Akhbar: an Arabic news crawler, WARC archive and search engine."""

__version__ = "0.1.0"

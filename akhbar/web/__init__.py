"""The Akhbar web interface (``akhbar serve``): see ``akhbar.web.app``."""

from akhbar.web.app import create_app

__all__ = ["create_app"]

"""How many results the CLI and the web app show and let a user page through: one definition, so
``akhbar search --page`` and ``/api/search?page=`` accept the same bounds. Kept apart from the web
stack so the CLI can read them without importing FastAPI (a third of a second per command)."""

PER_PAGE = 10
MAX_PAGE = 1000  # deeper pages are not worth ranking
MAX_PER_PAGE = 100  # per page, below the backends' own cap (index.base.MAX_PER_PAGE)

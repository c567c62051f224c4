"""Imported last by the extraction workers' forkserver, after the extraction modules: loads what the
first page's analysis would (``index.analysis.preload``), then freezes what
they allocated (``gc.freeze``), so the collector in each worker never walks those objects. A walk
writes to every object it visits, and each write copies a page the worker shared with the
forkserver: without this, a worker's private memory keeps growing over a long crawl until it holds
its own copy of every module it imported."""

import gc

from index.analysis import preload

preload()
gc.collect()
gc.freeze()

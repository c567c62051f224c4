"""Benchmarks and soak runs, started by hand (python -m bench.NAME); see docs/search-engine.md for search."""

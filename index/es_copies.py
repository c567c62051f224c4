"""How many copies of the articles an Elasticsearch index keeps: its shards and replicas.

Apart from the mapping (``index.es_mapping``) because the values come from the user
(``AKHBAR_ES_SHARDS``, ``AKHBAR_ES_REPLICAS``) and are checked when the configuration is read,
before anything connects — this module imports nothing, so checking costs nothing.
"""

from __future__ import annotations

from typing import Any


def copies_settings(replicas: str = "0-1", shards: int = 1) -> dict[str, Any]:
    """Index settings for ``shards`` primaries and ``replicas``: ``"1"`` (a fixed count) or
    ``"0-1"`` / ``"0-all"`` (one replica per further node, up to that many).

    A fixed count is what a production cluster should state: ``auto_expand_replicas`` ignores
    allocation awareness and reshuffles replicas whenever a node comes or goes. The default
    ``"0-1"`` suits the one-node engine (green with no replica) and a second node alike.
    Raises ``ValueError`` with the accepted forms for anything else.
    """
    if isinstance(shards, bool) or not isinstance(shards, int) or shards < 1:
        raise ValueError(f"shards must be a whole number of at least 1, not {shards!r}")
    text = str(replicas).strip()
    if text.isdigit():
        return {"number_of_shards": shards, "number_of_replicas": int(text), "auto_expand_replicas": False}
    low, sep, high = text.partition("-")
    if sep and low.isdigit() and (high == "all" or (high.isdigit() and int(low) <= int(high))):
        return {"number_of_shards": shards, "auto_expand_replicas": text}
    raise ValueError(f"replicas must be a number (1) or a range (0-1, 0-all), not {replicas!r}")

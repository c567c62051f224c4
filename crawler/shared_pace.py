"""One pace per site for all the workers of a frontier: politeness that does not multiply with them.

Scrapy's ``DOWNLOAD_DELAY``, per-domain concurrency and AutoThrottle live in each worker process,
so N workers on one site would ask it up to N times as often as one crawl does. This downloader
middleware (on with ``--frontier``) keeps one more rule in Redis, beside the frontier: two requests
to one domain, from any workers, start at least ``AKHBAR_FRONTIER_DOMAIN_DELAY`` seconds apart
(default: ``DOWNLOAD_DELAY``, the project's 0.5 s; 0 turns it off). Just before a request goes out
it asks for its domain's turn, in one Lua script timed by the Redis server's clock (the workers'
clocks need not agree); it is granted once the delay since the last granted start has passed, else
the request waits the time left and asks again. A grant records the moment it was given, not a
reservation made earlier, so a worker that wakes late (busy parsing) cannot squeeze the next
request of another worker in behind it. Each worker's own settings still apply.

While Redis does not answer, a worker falls back on its own politeness (the frontier says the outage
once) rather than stop fetching.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from redis.exceptions import RedisError
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.frontier import Frontier

# A domain's turn: granted (the start recorded, "0") when the delay since the last start granted for
# it has passed, else the seconds left (as a string: Lua numbers would be cut to integers). Timed by
# the Redis server's clock; the key lapses a minute after its last use.
_TURN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local due = tonumber(redis.call('GET', KEYS[1]) or '0') + tonumber(ARGV[1])
if now >= due then
  redis.call('SET', KEYS[1], string.format('%.6f', now), 'PX', 60000)
  return '0'
end
return string.format('%.6f', due - now)
"""


class SharedPace:
    """Downloader middleware: wait for this request's turn at its domain across every worker."""

    def __init__(self, frontier: Frontier, delay: float) -> None:
        self.frontier = frontier
        self.delay = delay
        self._turn = frontier.server.register_script(_TURN)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPace:
        settings = crawler.settings
        delay = settings.getfloat("AKHBAR_FRONTIER_DOMAIN_DELAY", settings.getfloat("DOWNLOAD_DELAY"))
        frontier = Frontier.of(crawler)  # extensions are built before the downloader's middlewares
        if frontier is None:
            raise NotConfigured("no frontier")
        if delay <= 0:
            raise NotConfigured("no shared pace")
        return cls(frontier, delay)

    async def process_request(self, request: Request) -> None:
        key = f"{self.frontier.prefix_root}@pace:{urlsplit(request.url).hostname or ''}"
        while True:
            try:
                wait = float(self._turn(keys=[key], args=[self.delay]))
            except RedisError as exc:
                self.frontier.unreachable(exc)
                return
            if wait <= 0:
                return
            await asyncio.sleep(wait)  # then ask again: another worker may have taken that turn

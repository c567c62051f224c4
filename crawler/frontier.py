"""The distributed crawl: many worker processes, on one or more hosts, share one request queue and
one duplicate filter in Redis (``akhbar crawl --frontier redis://HOST:PORT/DB``).

It is scrapy-redis — its scheduler, its priority queue and its ``RFPDupeFilter`` — with three
things added that an archive needs and scrapy-redis leaves out:

- **Keys per source.** scrapy-redis names its keys after the spider, and every source is crawled by
  the one ``news`` spider; here they are ``akhbar:frontier:SOURCE:…``.
- **No request lost to a kill (at-least-once).** scrapy-redis pops a request off the queue into the
  worker's memory, so ``kill -9`` loses every request the worker held, and its duplicate filter then
  keeps the URL from ever being asked for again. Here a pop moves the request, in one Lua script,
  into the worker's *processing* hash (the reliable-queue pattern); it leaves that hash only when its
  work is durable: the callback's new requests are in the queue and its response is in the WARC file
  and the fetch log (``FrontierAck``), or the request ended in failure (``Frontier.done`` from the
  errback), or a redirect or retry of it was queued in its place (``enqueue_request``). The
  duplicate filter and the queue change together, in one script too (scrapy-redis makes two calls,
  and a kill between them leaves a URL "seen" that nobody will ever fetch). A worker
  refreshes a heartbeat key; when it stops (killed, host gone), any other worker of the source puts
  its processing hash back into the queue, and a restarted worker of the same id (whose ``flock``
  proves its previous life dead) does so at once. A request killed after its response was archived
  is fetched again: a second capture in the WARC files, which the index absorbs (upserts are keyed by
  canonical URL; replay picks one capture).
- **Rounds.** ``SCHEDULER_PERSIST`` must be on (the first worker to finish would otherwise empty the
  queue under the others), so nothing would ever clear the duplicate filter and the next scheduled
  crawl would find its feeds "seen". A worker that joins a frontier with nothing queued and nothing
  in any worker's hands starts a new round: it clears the filter, then pushes the seeds. Every worker
  yields the seeds (feeds, sitemaps, sections); the shared filter lets the first copy of each in and
  drops the others, so seeds are neither lost (a worker killed while seeding leaves the rest to the
  next) nor crawled twice.

A worker stays open while another worker holds requests (it may yield more), so a crawl ends when
the source's frontier is empty. A Redis outage mid-crawl (restart, network) is waited out, said once
when it starts and once when it ends: what the worker found meanwhile waits in its memory, and the
acknowledgements of the pages that found it wait behind it, so a worker killed during the outage
leaves those pages in its processing hash, to be fetched again (at-least-once, as for any kill).

Queue entries are pickled (as scrapy-redis does) but unpickled with
an allow-list (``loads``), so whoever can write to the Redis database cannot make a worker run code.
"""

from __future__ import annotations

import io
import logging
import pickle
import socket
import time
import uuid
from collections.abc import AsyncIterator
from typing import IO, Any

from redis import Redis
from redis.exceptions import RedisError
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy_redis import connection
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from core.config import DataDir
from crawler import keys
from crawler.hooks import on_signals, stop_crawl
from crawler.profiles import source_id
from crawler.worker import lock_path, try_lock

logger = logging.getLogger(__name__)

KEY_PREFIX = "akhbar:frontier:"

# Pop the best request into this worker's processing hash, atomically: it is always in the queue or
# in a worker's hands, never only in memory. The entry keeps its score for a later requeue.
_POP = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
redis.call('HSET', KEYS[2], ARGV[1], top[2] .. '\\n' .. top[1])
return top[1]
"""
# Let a request through the shared duplicate filter and queue it, atomically (scrapy-redis makes
# these two calls): a worker killed between them would leave the URL "seen" and never queued, and
# the request that found it, put back and fetched again, would find it seen: an article lost.
_ENQUEUE = """
if ARGV[3] == '0' and redis.call('SADD', KEYS[1], ARGV[4]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
return 1
"""
# Put every request of a processing hash back into the queue (a worker gone, or closing early).
_REQUEUE = """
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local entry = entries[i + 1]
  local cut = string.find(entry, '\\n', 1, true)
  redis.call('ZADD', KEYS[2], string.sub(entry, 1, cut - 1), string.sub(entry, cut + 1))
end
redis.call('DEL', KEYS[1])
return #entries / 2
"""
# Join the source's frontier; with nothing queued and nothing in anyone's hands a new round starts.
_JOIN = """
local busy = redis.call('ZCARD', KEYS[1])
for _, w in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  busy = busy + redis.call('HLEN', ARGV[1] .. 'processing:' .. w)
end
redis.call('SADD', KEYS[3], ARGV[2])
if busy == 0 then redis.call('DEL', KEYS[2]) return 1 end
return 0
"""


def frontier_settings(url: str, worker_id: str) -> dict[str, Any]:
    """The Scrapy settings that put a crawl on the frontier at ``url`` as worker ``worker_id``
    (``akhbar.crawl.build_settings`` merges the component dicts into the project's)."""
    return {
        "AKHBAR_FRONTIER": url,
        "AKHBAR_WORKER_ID": worker_id,
        "SCHEDULER": "crawler.frontier.FrontierScheduler",
        "SCHEDULER_PERSIST": True,  # rounds end by the rule above, never by a worker's close
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_SERIALIZER": "crawler.frontier",
        "REDIS_URL": url,
    }


FRONTIER_COMPONENTS = {
    "EXTENSIONS": {"crawler.frontier.Frontier": 10},
    # closest to the engine, so it sees the callback's whole output last (see FrontierAck)
    "SPIDER_MIDDLEWARES": {"crawler.frontier.FrontierAck": 1},
    # the last before the network: one pace per site for every worker (crawler/shared_pace.py)
    "DOWNLOADER_MIDDLEWARES": {"crawler.shared_pace.SharedPace": 970},
}


# -- the queue's wire format ----------------------------------------------------------------------
# What a request dict holds besides builtins: the section a listing page belongs to (cb_kwargs).
_ALLOWED = {("crawler.profiles", "Section")}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED or (module == "builtins" and name in ("set", "frozenset", "tuple")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"frontier entry refers to {module}.{name}, which a request never holds")


def dumps(obj: dict) -> bytes:
    """scrapy-redis's serializer interface (``SCHEDULER_SERIALIZER`` names this module)."""
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def loads(data: bytes) -> dict:
    obj = _Unpickler(io.BytesIO(data)).load()
    cls = obj.get("_class") if isinstance(obj, dict) else None
    if not isinstance(obj, dict) or (cls is not None and not str(cls).startswith("scrapy.http.")):
        raise pickle.UnpicklingError("frontier entry is not a Scrapy request")
    return obj


# -- the worker's side of the frontier --------------------------------------------------------------
class Frontier:
    """This worker's membership of each source's frontier: heartbeat, processing hash, rounds,
    reclaiming what gone workers held, and when the crawl may end. An extension (enabled by
    ``FRONTIER_COMPONENTS``), so the scheduler, the spider middleware and the spider find it
    through the crawler (:meth:`of`)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.url = settings.get("AKHBAR_FRONTIER")
        self.worker = settings.get("AKHBAR_WORKER_ID")
        self.heartbeat = settings.getfloat("AKHBAR_FRONTIER_HEARTBEAT", 10.0)
        self.prefix_root = settings.get("AKHBAR_FRONTIER_PREFIX", KEY_PREFIX)
        self.locks = DataDir.from_settings(settings).locks
        self.server: Redis = connection.get_redis_from_settings(settings)
        self.instance = f"{socket.gethostname()}:{uuid.uuid4().hex}"
        self.source = ""
        self._lock: IO[str] | None = None
        self._beat: task.LoopingCall | None = None
        self._pop = self.server.register_script(_POP)
        self._requeue = self.server.register_script(_REQUEUE)
        self._join = self.server.register_script(_JOIN)
        self._enqueue = self.server.register_script(_ENQUEUE)
        self.refused = ""  # why this worker may not join (its id is in use), said once at open
        # while Redis does not answer: requests found meanwhile (in order) and the processing-hash
        # tokens whose acknowledgement waits — behind those requests, so no page is let go before
        # what it linked to is queued
        self._unpushed: list[tuple[PriorityQueue, RFPDupeFilter, Request]] = []
        self._unacked: list[str] = []
        self._down_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Frontier:
        if not crawler.settings.get("AKHBAR_FRONTIER"):
            raise NotConfigured("no frontier")
        frontier = cls(crawler)
        return on_signals(crawler, frontier, spider_opened=frontier.opened, spider_idle=frontier.idle,
                          spider_closed=frontier.closed)

    @classmethod
    def of(cls, crawler: Crawler) -> Frontier | None:
        return crawler.get_extension(cls) if crawler.settings.get("AKHBAR_FRONTIER") else None

    @classmethod
    def done(cls, crawler: Crawler, request: Request | None) -> None:
        """A request's work is over (the errback's case): it leaves this worker's hands — unless the
        crawl is stopping on a fatal error (the fetch log or the archive unusable), which is what
        made it fail: then it stays in hand and goes back to the queue when the spider closes."""
        frontier = cls.of(crawler)
        if frontier is not None and request is not None and not crawler.stats.get_value(keys.FATAL):
            frontier.ack(request)

    # -- keys -------------------------------------------------------------------------------------
    @property
    def prefix(self) -> str:
        return f"{self.prefix_root}{self.source}:"

    def key(self, name: str) -> str:
        return self.prefix + name

    def processing(self, worker: str | None = None) -> str:
        return self.key(f"processing:{worker or self.worker}")

    def alive(self, worker: str | None = None) -> str:
        return self.key(f"alive:{worker or self.worker}")

    # -- lifecycle --------------------------------------------------------------------------------
    def join(self, spider: Spider) -> bool:
        """Called by the scheduler's ``open``: take this worker's lock, put back what a previous
        life of it held, join the round (or start one). True if a new round started."""
        self.source = source_id(spider, spider.name)
        self._lock = try_lock(lock_path(self.locks, self.source, self.worker))
        if self._lock is None:
            self.refused = f"worker {self.worker} of {self.source} is already running on this host"
            return False
        owner = self.server.get(self.alive())
        if owner and owner.decode().split(":", 1)[0] != socket.gethostname():
            self.refused = (f"worker id {self.worker} is alive on another host ({owner.decode().split(':', 1)[0]}); "
                            "give each worker its own --worker-id")
            self._lock.close()  # what that worker holds is not ours to touch at close
            self._lock = None
            return False
        back = self._requeue(keys=[self.processing(), self.key("requests")])
        if back:
            logger.warning("frontier: %d request(s) this worker held when it last stopped are queued again", back)
            self.crawler.stats.inc_value(keys.FRONTIER_RECLAIMED, int(back))
        self.beat()
        fresh = bool(self._join(keys=[self.key("requests"), self.key("dupefilter"), self.key("workers")],
                                args=[self.prefix, self.worker]))
        logger.info("frontier %s: worker %s joined %s", self.url, self.worker,
                    "a new round" if fresh else "the round in progress")
        return fresh

    def opened(self, spider: Spider) -> None:
        if self.refused:
            logger.error("%s; stopping", self.refused)
            stop_crawl(self.crawler, "already_running", self.refused)
            return
        self._beat = task.LoopingCall(self._safe_beat)
        self._beat.start(self.heartbeat / 3, now=False)

    def beat(self) -> None:
        self.server.set(self.alive(), self.instance, px=int(self.heartbeat * 1000))

    def _safe_beat(self) -> None:
        try:
            self.beat()
        except RedisError as exc:  # the next beat (a third of the lifetime later) retries
            self.unreachable(exc)

    # -- outages ----------------------------------------------------------------------------------
    def unreachable(self, exc: Exception) -> None:
        """Redis did not answer: said (and counted) once per outage."""
        if self._down_since is None:
            self._down_since = time.monotonic()
            self.crawler.stats.inc_value(keys.FRONTIER_OUTAGES)
            logger.error("frontier %s unreachable (%s); waiting for it, what this worker finds meanwhile is "
                         "kept until it answers", self.url, exc)

    @property
    def waiting(self) -> bool:
        """Whether requests or acknowledgements wait for Redis to answer again."""
        return bool(self._unpushed or self._unacked)

    def catch_up(self) -> None:
        """Queue what waits, in order, then let go of the pages that found it; raises RedisError
        while Redis still does not answer (what is left keeps waiting)."""
        while self._unpushed:
            queue, dupefilter, request = self._unpushed[0]
            self._push(queue, dupefilter, request)
            self._unpushed.pop(0)
        if self._unacked:
            self.server.hdel(self.processing(), *self._unacked)
            self._unacked.clear()
        if self._down_since is not None:
            self.server.ping()  # nothing may have waited: back only once Redis has answered
            logger.warning("frontier %s answers again after %.0f s; the crawl goes on", self.url,
                           time.monotonic() - self._down_since)
            self._down_since = None

    def closed(self, spider: Spider, reason: str) -> None:
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        if self._lock is None:
            return  # never joined
        try:
            try:
                self.catch_up()
            except RedisError:
                if self._unpushed:  # the spider closed (a signal, a budget) while Redis was away
                    logger.error("frontier: %d request(s) found while it was unreachable were not queued; the "
                                 "pages that found them stay in this worker's hands, to be fetched again",
                                 len(self._unpushed))
                raise
            if reason == "finished":
                # the engine was idle: every request it took is done; an entry left is a request
                # whose end this worker did not see — say so rather than crawl it forever
                left = self.server.hlen(self.processing())
                if left:
                    logger.warning("frontier: %d finished request(s) were never acknowledged; dropped", left)
                self.server.delete(self.processing())
            else:  # stopped early (budget, signal): what it held goes back for the others
                back = self._requeue(keys=[self.processing(), self.key("requests")])
                if back:
                    logger.warning("frontier: %d unfinished request(s) handed back to the queue", back)
            self.server.srem(self.key("workers"), self.worker)
            self.server.delete(self.alive())
        except RedisError as exc:
            logger.error("frontier %s unreachable at close (%s); other workers reclaim this one's requests "
                         "when its heartbeat lapses", self.url, exc)
        finally:
            lock_path(self.locks, self.source, self.worker).unlink(missing_ok=True)
            self._lock.close()
            self._lock = None

    # -- requests -------------------------------------------------------------------------------
    def pop(self, queue: PriorityQueue) -> Request | None:
        """The best queued request, now in this worker's processing hash under a fresh token."""
        while True:
            token = uuid.uuid4().hex
            data = self._pop(keys=[queue.key, self.processing()], args=[token])
            if data is None:
                return None
            try:
                request = queue._decode_request(data)
            except Exception as exc:  # noqa: BLE001 - any undecodable entry: drop it, say so, go on
                self.server.hdel(self.processing(), token)
                self.crawler.stats.inc_value(keys.error("frontier_bad_entry"))
                logger.error("frontier: an undecodable queue entry was dropped (%s)", exc)
                continue
            request.meta[keys.FRONTIER_TOKEN] = token
            return request

    def push(self, queue: PriorityQueue, dupefilter: RFPDupeFilter, request: Request) -> bool:
        """Queue ``request`` unless the shared filter has seen it (``dont_filter`` skips the filter),
        in one step; the score is scrapy-redis's (``-priority``). True if it was queued — or, while
        Redis does not answer, kept to be queued (and filtered) when it does."""
        if not self._unpushed:
            try:
                return self._push(queue, dupefilter, request)
            except RedisError as exc:
                self.unreachable(exc)
        self._unpushed.append((queue, dupefilter, request))
        return True

    def _push(self, queue: PriorityQueue, dupefilter: RFPDupeFilter, request: Request) -> bool:
        fingerprint = "" if request.dont_filter else dupefilter.request_fingerprint(request)
        return bool(self._enqueue(keys=[dupefilter.key, queue.key],
                                  args=[-request.priority, queue._encode_request(request),
                                        int(request.dont_filter), fingerprint]))

    def ack(self, request: Request) -> None:
        self.release(request.meta.pop(keys.FRONTIER_TOKEN, None))

    def release(self, token: str | None) -> None:
        """Let go of a processing-hash entry: now, or once what waits for Redis is queued."""
        if not token:
            return
        if not self.waiting:
            try:
                self.server.hdel(self.processing(), token)
                return
            except RedisError as exc:
                self.unreachable(exc)
        self._unacked.append(token)

    # -- other workers --------------------------------------------------------------------------
    def reclaim(self) -> int:
        """Queue again what workers whose heartbeat lapsed were holding; they leave the round."""
        back = 0
        for raw in self.server.smembers(self.key("workers")):
            worker = raw.decode()
            if worker == self.worker or self.server.exists(self.alive(worker)):
                continue
            n = int(self._requeue(keys=[self.processing(worker), self.key("requests")]))
            self.server.srem(self.key("workers"), worker)
            if n:
                logger.warning("frontier: worker %s stopped with %d request(s) in hand; queued again", worker, n)
                self.crawler.stats.inc_value(keys.FRONTIER_RECLAIMED, n)
            back += n
        return back

    def others_busy(self) -> bool:
        """Whether another worker (alive, or gone with its heartbeat not yet lapsed) holds requests."""
        return any(self.server.hlen(self.processing(raw.decode())) for raw in self.server.smembers(self.key("workers"))
                   if raw.decode() != self.worker)

    def idle(self, spider: Spider) -> None:
        """The engine has nothing left: end only when the whole frontier of the source is empty."""
        if self.refused or self._lock is None:
            return
        try:
            self.catch_up()
            self.reclaim()
            # The engine is idle, so nothing this worker took is in flight: an entry still in its hands
            # is a pop whose reply an outage cut off (Redis ran it, the worker never heard). Queued again.
            orphans = int(self._requeue(keys=[self.processing(), self.key("requests")]))
            if orphans:
                logger.warning("frontier: %d request(s) in this worker's hands but never received (a reply lost "
                               "to an outage) are queued again", orphans)
                self.crawler.stats.inc_value(keys.FRONTIER_RECLAIMED, orphans)
            if orphans or self.server.zcard(self.key("requests")) or self.others_busy():
                raise DontCloseSpider
        except RedisError as exc:
            self.unreachable(exc)
            raise DontCloseSpider from exc


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler with the source's keys and the reliable pop and acknowledgement of
    :class:`Frontier`."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        # scrapy-redis 0.9.1 counts with inc_value(..., spider=), which Scrapy 2.19 deprecates (a
        # warning in every crawl): the counting is done here instead
        scheduler.counts, scheduler.stats = scheduler.stats, None
        return scheduler

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.frontier = Frontier.of(self.crawler)
        assert self.frontier is not None, "the frontier scheduler needs the crawler.frontier.Frontier extension"
        self.frontier.join(spider)
        self.queue = PriorityQueue(server=self.server, spider=spider, key=self.frontier.key("requests"),
                                   serializer=self.serializer)
        self.df = RFPDupeFilter(self.server, key=self.frontier.key("dupefilter"),
                                debug=spider.settings.getbool("DUPEFILTER_DEBUG"))
        if self.frontier.refused:
            return
        if len(self.queue):
            spider.log(f"frontier: {len(self.queue)} request(s) queued by the round in progress")

    def close(self, reason: str) -> None:
        """Nothing is flushed: the frontier belongs to every worker (rounds end as ``Frontier`` says)."""

    def enqueue_request(self, request: Request) -> bool:
        if self.frontier.refused:
            return False
        # A redirect or retry of a request this worker holds: once it is queued (or found seen) the
        # original is done. The token must not travel with it.
        token = request.meta.pop(keys.FRONTIER_TOKEN, None)
        try:
            queued = self.frontier.push(self.queue, self.df, request)
            if not queued:
                self.df.log(request, self.spider)
            elif self.counts:
                self.counts.inc_value("scheduler/enqueued/redis")
            return queued
        finally:
            self.frontier.release(token)

    def has_pending_requests(self) -> bool:
        if self.frontier.waiting:
            return True
        try:
            return super().has_pending_requests()
        except RedisError as exc:
            self.frontier.unreachable(exc)
            return True  # unknown until Redis answers: the crawl is not over

    def next_request(self) -> Request | None:
        if self.frontier.refused:
            return None
        try:
            self.frontier.catch_up()
            request = self.frontier.pop(self.queue)
        except RedisError as exc:
            self.frontier.unreachable(exc)
            return None
        if request is not None and self.counts:
            self.counts.inc_value("scheduler/dequeued/redis")
        return request


class FrontierAck:
    """Spider middleware, closest to the engine: a response's request leaves the worker's hands
    once everything its callback yielded is safe. Scrapy hands a callback's output to the scheduler
    and the item pipelines in parallel, so reaching the end of it would not mean its requests were
    queued yet: this middleware queues them itself as they come (``engine.crawl``, what Scrapy would
    do with them) and passes the items on. The response is in the WARC file and the fetch log
    already (the archiving middleware writes before any callback runs), so an article killed before
    indexing is indexed by the restarted worker's catch-up."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierAck:
        return cls(crawler)

    async def process_spider_output(self, response: Any, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            async for out in result:
                if isinstance(out, Request):
                    self.crawler.engine.crawl(out)
                else:
                    yield out
        finally:
            Frontier.done(self.crawler, response.request)

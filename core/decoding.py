"""Undo an HTTP ``Content-Encoding`` on a stored payload without ever holding more than a limit.

The WARC keeps each body exactly as the server sent it, so a few kilobytes of gzip in the archive
can stand for gigabytes of page (a "gzip bomb": the crawl itself refused to inflate it). Every
place that inflates a stored payload — replay, the web app, reindex, the crawl's catch-up and
``akhbar extract`` — goes through :func:`decode_content`, which decompresses in 64 KiB steps
(zlib's ``max_length``, Brotli's ``output_buffer_limit``, zstd's ``max_length``) and stops with
:class:`PayloadTooLarge` as soon as the output passes the limit, so memory stays near the limit
whatever the ratio.

The limit is the crawl's: ``MAX_PAYLOAD`` is the default of Scrapy's ``DOWNLOAD_MAXSIZE`` in
``crawler/settings.py`` (a test keeps the two equal), so a page the crawl refused to decode is
refused here too, and a page it accepted is served.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator

MAX_PAYLOAD = 20 * 1024 * 1024  # bytes; the crawl's DOWNLOAD_MAXSIZE
_STEP = 64 * 1024


class UnreadableRecord(OSError):
    """A capture the archive knows of but cannot give back. An ``OSError`` because, to a caller,
    it is one more way reading the archive can fail (a missing file is another), and the code that
    copes with those — the crawl's catch-up among it — already catches ``OSError``."""


class PayloadTooLarge(UnreadableRecord):
    """The payload is (or inflates to) more than the limit, or the crawl stored only its head."""

    def __init__(self, message: str, limit: int = MAX_PAYLOAD) -> None:
        super().__init__(message)
        self.limit = limit


class DamagedRecord(UnreadableRecord):
    """The WARC record is damaged or truncated on disk, so its bytes cannot be trusted."""


def human_size(n: int) -> str:
    """``20971520`` → ``20 MiB``: limits said the way the README says them."""
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:g} {unit}" if unit == "bytes" else f"{n:.4g} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover - the loop always returns


def limit_text(limit: int) -> str:
    return f"the {human_size(limit)} limit (the crawl's DOWNLOAD_MAXSIZE)"


def _zlib_steps(data: bytes, wbits: int) -> Iterator[bytes]:
    """Output of a zlib/gzip/raw-deflate stream, at most one step at a time. Concatenated gzip
    members are all read (servers do send them); anything after the last one is ignored."""
    while data:
        d = zlib.decompressobj(wbits)
        pending = data
        while True:
            out = d.decompress(pending, _STEP)
            if out:
                yield out
            pending = d.unconsumed_tail
            if d.eof or (not out and not pending):
                break
        data = d.unused_data if d.eof and wbits > 31 else b""
        if data[:2] != b"\x1f\x8b":
            return


def _gzip_steps(data: bytes) -> Iterator[bytes]:
    return _zlib_steps(data, 32 + zlib.MAX_WBITS)  # gzip or zlib header, detected


def _deflate_steps(data: bytes) -> Iterator[bytes]:
    """HTTP ``deflate`` is meant to be zlib-wrapped, but some servers send raw deflate."""
    try:
        zlib.decompressobj().decompress(data[:1024], 1)
    except zlib.error:
        return _zlib_steps(data, -zlib.MAX_WBITS)
    return _zlib_steps(data, zlib.MAX_WBITS)


_BROTLI_SLICE = 16  # bytes of input per step when the decoder cannot cap its output (see below)


def _brotli_steps(data: bytes) -> Iterator[bytes]:
    """Google's Brotli ≥ 1.2 (a Scrapy dependency) caps each step's output. When another package
    owns the ``brotli`` name (pywb pulls in brotlipy, whose decoder has no cap), input goes in 16-byte
    slices instead: one Brotli command copies at most ~16 MiB in about four bytes, so a step can
    overshoot the limit by tens of MiB at worst, never by the bomb's size."""
    import brotli

    d = brotli.Decompressor()
    if not hasattr(d, "process"):
        for i in range(0, len(data), _BROTLI_SLICE):
            out = d.decompress(data[i:i + _BROTLI_SLICE])
            if out:
                yield out
        return
    out = d.process(data, output_buffer_limit=_STEP)
    while out:
        yield out
        if d.is_finished():
            return
        out = d.process(b"", output_buffer_limit=_STEP)


def _zstd_steps(data: bytes) -> Iterator[bytes]:
    try:
        from compression import zstd  # Python 3.14+
    except ImportError:
        from backports import zstd
    while data:
        d = zstd.ZstdDecompressor()
        pending = data
        while True:
            out = d.decompress(pending, max_length=_STEP)
            pending = b""
            if out:
                yield out
            if d.eof or (not out and d.needs_input):
                break
        data = d.unused_data if d.eof else b""


_DECODERS: dict[str, Callable[[bytes], Iterator[bytes]]] = {
    "gzip": _gzip_steps, "x-gzip": _gzip_steps, "deflate": _deflate_steps, "br": _brotli_steps,
    "zstd": _zstd_steps,
}


def _decode_one(data: bytes, coding: str, limit: int) -> bytes:
    """One coding undone, stopping past ``limit``. A corrupt or cut stream gives what decoded
    before the damage, as Scrapy's own decoders do for the crawl; if nothing decoded at all the
    bytes are kept as they are (a mislabelled payload), for the caller's sniffing to judge."""
    parts: list[bytes] = []
    size = 0
    try:
        for part in _DECODERS[coding](data):
            size += len(part)
            if size > limit:
                raise PayloadTooLarge(f"the {coding} payload ({human_size(len(data))} stored) inflates past "
                                      f"{limit_text(limit)}; not decoded", limit)
            parts.append(part)
    except PayloadTooLarge:
        raise
    except Exception:  # noqa: BLE001 - zlib.error, brotli.error, ZstdError: a damaged stream
        if not parts:
            return data
    return b"".join(parts)


def decode_content(raw: bytes, encoding: str, limit: int = MAX_PAYLOAD) -> bytes:
    """``raw`` with its ``Content-Encoding`` undone (gzip, deflate, br, zstd, or a list of them,
    applied in order so undone in reverse); never more than ``limit`` bytes out, else
    :class:`PayloadTooLarge`. Unknown codings are left as they are."""
    if len(raw) > limit:
        raise PayloadTooLarge(f"the stored payload ({human_size(len(raw))}) is over {limit_text(limit)}", limit)
    body = raw
    for coding in reversed([c.strip().lower() for c in (encoding or "").split(",")]):
        if coding in ("", "identity"):
            continue
        if coding not in _DECODERS:
            return body
        body = _decode_one(body, coding, limit)
    return body

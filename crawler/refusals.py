"""Scrapy's own refusals, raised as typed exceptions that carry their kind (``crawler.errors``).

Scrapy's ``RobotsTxtMiddleware`` and ``HttpCompressionMiddleware`` drop a request with a bare
``IgnoreRequest`` whose message is the only clue to why; classifying by the message would break on
any rewording. These subclasses take their places in ``DOWNLOADER_MIDDLEWARES`` (same priorities)
and re-raise the one refusal each of them makes as :class:`~crawler.errors.RobotsForbidden` or
:class:`~crawler.errors.DecompressedTooLarge`, behaving otherwise exactly like Scrapy's.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.robotstxt import RobotParser

from crawler.errors import DecompressedTooLarge, RobotsForbidden


class RobotsTxtRefusals(RobotsTxtMiddleware):
    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest as exc:  # the only refusal it makes: robots.txt forbids the URL
            raise RobotsForbidden(str(exc)) from exc


class HttpCompressionRefusals(HttpCompressionMiddleware):
    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:  # the only refusal it makes: inflating past DOWNLOAD_MAXSIZE
            raise DecompressedTooLarge(str(exc)) from exc

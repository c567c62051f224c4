"""Response headers for every app page, as a plain ASGI middleware (no per-request task overhead).

App pages use no JavaScript at all, so their CSP allows none: even if escaping failed somewhere,
injected script would not run (escaping is still tested on its own). Archived responses set their
own, stricter sandbox CSP (``akhbar.web.replay``), which this leaves untouched. ``Server-Timing``
reports the time to the response headers, which the benchmark reads as server time.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

APP_CSP = "; ".join([
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])
_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", APP_CSP.encode()))
                    headers.append((b"x-frame-options", b"DENY"))
                headers += [h for h in _COMMON if h[0] not in names]
                elapsed = (time.perf_counter() - start) * 1000
                headers.append((b"server-timing", f"app;dur={elapsed:.2f}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

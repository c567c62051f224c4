"""Text from the network made safe to print on a terminal.

A header, URL, title or error message from a hostile site can carry terminal control sequences: an
OSC that sets the window title, a CSI that clears the screen or moves the cursor, or a bare carriage
return that overwrites the line before it. Anything printed to a terminal that came from outside
goes through :func:`terminal_safe` first (the crawl's console log does it for every line; commands
that print archived metadata, such as ``akhbar captures``, call it for each field).
"""

from __future__ import annotations

import re

# ESC-introduced sequences, removed whole so their parameters do not leak out as text:
# CSI (ESC [ params final), OSC / DCS / SOS / PM / APC strings (up to BEL or ESC \ or the end), and
# two-character escapes (ESC + one byte in @..~).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # the one-character (C1) CSI
)
# What is left that a terminal interprets: C0 controls, DEL and the C1 range (U+0080-U+009F; U+009B
# is a one-character CSI on many terminals).
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_KEEP_MULTILINE = frozenset("\n\t")


def _replace(match: re.Match[str], multiline: bool) -> str:
    ch = match.group()
    if multiline and ch in _KEEP_MULTILINE:
        return ch
    # a newline or tab inside one field would let it forge a second log line or shift columns
    return " " if ch in "\n\t\r" else ""


def terminal_safe(text: str, *, multiline: bool = False) -> str:
    """``text`` without terminal control sequences or control characters.

    With ``multiline`` (a whole log record, a traceback) newlines and tabs are kept; otherwise
    (one field: a URL, a Content-Type, a title) they become spaces, so a value cannot start a line
    of its own that looks like a real log line.
    """
    if not text:
        return text
    text = _ESCAPES.sub("", text)
    return _CONTROLS.sub(lambda m: _replace(m, multiline), text)

"""Dates as both backends compare them: naive UTC timestamps, ``YYYY-MM-DDTHH:MM:SS``.

One function for both, so a since/until filter means the same instants on SQLite (string
comparison of ``published_utc``) and on Elasticsearch (a ``range`` with these bounds).
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def to_utc(value: str | None, *, end_of_day: bool = False) -> str | None:
    """An ISO date or datetime as a sortable UTC string; naive values are taken as UTC.

    UTC, not the article's local time, so the semantics match an Elasticsearch date range
    (plain dates there also mean UTC days). A plain date as an upper bound covers the whole day.
    Raises ValueError for what is not an ISO date, or lies past the calendar once in UTC.
    """
    if not value:
        return None
    value = value.strip()
    if len(value) == 10:
        day = date.fromisoformat(value)
        return f"{day.isoformat()}T{'23:59:59' if end_of_day else '00:00:00'}"
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is not None:
        try:
            dt = dt.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # e.g. 9999-12-31T23:59:59-14:00 lies past the calendar in UTC
            raise ValueError(f"date out of range: {value!r}") from None
    return dt.strftime("%Y-%m-%dT%H:%M:%S")

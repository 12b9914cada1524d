"""Limits of the readers of files this tool did not write (scoreboard pages, API responses).

A page is untrusted: it may be huge, nested without end, list a million games, carry ids of
5,000 digits or dates in the year 9999. Each limit below is checked before the work it bounds,
and anything past it is skipped with one warning naming the file (never an exception); nothing
done on a page grows worse than linearly in its size. ``docs/guarantees.md`` lists them.
"""

from __future__ import annotations

import re

import pandas as pd

#: bytes of one scoreboard page or API response (a real day's page is ~100 KB; one listing a
#: whole season's 1,300 games ~5 MB)
MAX_PAGE_BYTES = 64 << 20
#: games of one page (a real one lists ~15; a season page ~1,300); the rest are skipped
MAX_PAGE_GAMES = 400_000
#: JSON nesting: Python's decoder stops near 1,000 levels (RecursionError), named as such
#: ESPN ids: ASCII digits, at most this many (real ones have 9)
MAX_ESPN_ID_DIGITS = 12
_ESPN_ID = re.compile(rf"[0-9]{{1,{MAX_ESPN_ID_DIGITS}}}")
#: game dates: the league's first season to well past any schedule (pandas' own range ends 2262)
MIN_YEAR, MAX_YEAR = 1946, 2100
#: further ESPN ids one game may carry (the 2011-12 double scheme gives two)
MAX_IDS_PER_GAME = 4
#: characters of an offending value shown in a warning
SHOWN = 40


def shown(value) -> str:
    """``repr(value)``, cut to :data:`SHOWN` characters (a 5,000-digit id is named, not printed)."""
    text = repr(value)
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}... ({len(text):,} characters)"


def espn_id_problem(gid: str | None) -> str | None:
    """Why ``gid`` (text) is not an ESPN id, or None when it is one."""
    if gid is None:
        return "none given"
    if len(gid) > MAX_ESPN_ID_DIGITS and gid.isascii() and gid.isdigit():
        return f"longer than {MAX_ESPN_ID_DIGITS} digits"
    if not _ESPN_ID.fullmatch(gid):
        return "not ASCII digits" if gid.isdigit() else "not all digits"
    if not gid.strip("0"):
        return "zero"
    return None


def too_large(size: int, origin: str) -> str | None:
    if size > MAX_PAGE_BYTES:
        return f"{origin}: {size:,} bytes, more than the {MAX_PAGE_BYTES:,} a scoreboard page may have; skipped"
    return None


def bounded_years(start: pd.Series) -> pd.Series:
    """True where the text ``start`` begins with a year in [MIN_YEAR, MAX_YEAR] (checked on the
    text, before pandas parses it: a year past 2262 would not fit its timestamps)."""
    year = pd.to_numeric(
        start.astype("string").str.slice(0, 4).where(start.astype("string").str.match(r"[0-9]{4}-", na=False)),
        errors="coerce",
    )
    return ((year >= MIN_YEAR) & (year <= MAX_YEAR)).fillna(False).astype(bool)

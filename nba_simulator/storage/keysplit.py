"""Where to cut a sorted key range into parts, learnt from one page of its keys (pure).

A page of listed keys shows where keys vary (the first position at which its first and last key
differ) and how densely (the share of that position's characters the page went through). Units
of keys sharing ``p + 1`` characters are estimated from it; the rest of the range is cut after
``last[:p] + c`` for the characters ``c`` following ``last[p]`` in its class (digits, lowercase or
uppercase letters; past the position where the whole listing first varies, only those seen there
so far: a month's tens digit shows 0 and 1, never 2-9) at the finest position ``p`` whose units hold at least ``target`` keys, and at
the coarser positions up to the range's bound: consecutive ids are cut into blocks of ids, dated
folders into years, ids spread over a wide range into leading digits. Wrong estimates only cost
requests (an empty part), never keys: the parts are exact string intervals.
"""

from __future__ import annotations

_CLASSES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# characters a cut point may carry before its last one: the printable ASCII that object_store
# passes through unchanged (no percent-encoding), so that StartAfter is exactly the cut point
_PLAIN = frozenset(chr(c) for c in range(0x20, 0x7F)) - set('\\{^}%`]">[~<#|*?')


def _class(ch: str) -> str:
    return next((c for c in _CLASSES if ch in c), "")


def common_length(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _chars(last: str, pos: int, seen: dict[int, set[str]] | None, inner: int | None) -> str:
    """The characters position ``pos`` may hold: those seen there, past the position ``inner``
    where the listing so far varies first (a month digit cycles through what it has shown: 0-1,
    never 2-9), when at least two were seen; else its class (a leading digit may go on rising)."""
    cls = _class(last[pos])
    if seen is not None and inner is not None and pos > inner and len(seen.get(pos, ())) >= 2:
        return "".join(sorted(c for c in seen[pos] if c in cls)) or cls
    return cls


def split_points(  # noqa: PLR0913 - one pure computation over plain values: a page (first, last, rows), its range (hi, floor), the budget, two hints
    first: str,
    last: str,
    hi: str | None,
    floor: int,
    rows: int,
    target: int = 4000,
    limit: int = 12,
    *,
    seen: dict[int, set[str]] | None = None,
    inner: int | None = None,
) -> list[str]:
    """Sorted cut points ``s`` with ``last < s < hi`` (``hi`` ``None``: no upper bound).

    ``first``/``last``: the first and last key of a page of ``rows`` keys (sorted); ``floor``: cut
    points keep the first ``floor`` characters of ``last`` (the listing's prefix). Empty when the
    page says nothing worth cutting for (units below ``target`` keys). At most ``limit`` points,
    the finest ones (nearest ``last``): what lies past the last point stays one range. ``seen``:
    characters observed at each position, ``inner``: see :func:`_chars`.
    """
    j = common_length(first, last)
    if j >= len(last) or j < floor or rows < 2:
        return []
    lowest = floor if hi is None else max(floor, common_length(last, hi))
    cls = _class(last[j])
    share = 1.0
    if cls and j < len(first) and first[j] in cls:  # the share of position j's characters the page went through
        share = (cls.index(last[j]) - cls.index(first[j]) + 1) / len(cls)
    # est: keys estimated to share last[:p + 1] (one "unit" at position p), from p = j coarser
    p, est = j, rows / share / (len(cls) or 1)
    while est < target and p > lowest:
        p -= 1
        est *= len(_chars(last, p + 1, seen, inner)) or 1
    if est < target:
        return []
    points: list[str] = []
    for pos in range(min(p, len(last) - 1), lowest - 1, -1):  # finest first: sorted order
        head = last[:pos]
        if not all(ch in _PLAIN for ch in head[floor:]):
            continue
        chars = _chars(last, pos, seen, inner)
        for ch in (c for c in chars if c > last[pos]):
            point = head + ch
            if hi is not None and point >= hi:
                break
            points.append(point)
            if len(points) >= limit:
                return points
    return points

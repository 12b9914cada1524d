"""Where to cut a sorted key range into parts, learnt from one page of its keys (pure).

A page of listed keys shows where keys vary (the first position at which its first and last key
differ) and how densely (the share of that position's characters the page went through). Units
of keys sharing ``p + 1`` characters are estimated from it; the rest of the range is cut after
``last[:p] + c`` for the characters ``c`` following ``last[p]`` in its class (digits, lowercase or
uppercase letters) at the finest position ``p`` whose units hold at least ``target`` keys, and at
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


def _common(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def split_points(first: str, last: str, hi: str | None, floor: int, rows: int,
                 target: int = 4000, limit: int = 12) -> list[str]:
    """Sorted cut points ``s`` with ``last < s < hi`` (``hi`` ``None``: no upper bound).

    ``first``/``last``: the first and last key of a page of ``rows`` keys (sorted); ``floor``: cut
    points keep the first ``floor`` characters of ``last`` (the listing's prefix). Empty when the
    page says nothing worth cutting for (units below ``target`` keys). At most ``limit`` points,
    the finest ones (nearest ``last``): what lies past the last point stays one range.
    """
    j = _common(first, last)
    if j >= len(last) or j < floor or rows < 2:
        return []
    lowest = floor if hi is None else max(floor, _common(last, hi))
    cls = _class(last[j])
    share = 1.0
    if cls and j < len(first) and first[j] in cls:  # the share of position j's characters the page went through
        share = (cls.index(last[j]) - cls.index(first[j]) + 1) / len(cls)
    # est: keys estimated to share last[:p + 1] (one "unit" at position p), from p = j coarser
    p, est = j, rows / share / (len(cls) or 1)
    while est < target and p > lowest:
        p -= 1
        est *= len(_class(last[p + 1])) or 1
    if est < target:
        return []
    points: list[str] = []
    for pos in range(min(p, len(last) - 1), lowest - 1, -1):  # finest first: sorted order
        head = last[:pos]
        if not all(ch in _PLAIN for ch in head[floor:]):
            continue
        cls = _class(last[pos])
        for ch in cls[cls.index(last[pos]) + 1:] if cls else ():
            point = head + ch
            if hi is not None and point >= hi:
                break
            points.append(point)
            if len(points) >= limit:
                return points
    return points

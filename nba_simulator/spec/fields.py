"""Reading a spec's fields, each checked as it is read: a mapping with only its allowed keys, text,
true/false, a whole number in range, a percentage. Every error is a :class:`SpecError` naming the
file and the line of the field (:class:`FieldReader`, the base of the spec's validator)."""

from __future__ import annotations

from typing import Any

from ..errors import SpecError
from .lines import LineMap as _Map
from .lines import LineSeq as _Seq

#: durations in days (freshness_days, within_days, max_age_days) and counts (min_bytes,
#: batch_size...) beyond these are typos (and would overflow date arithmetic)
MAX_DAYS = 100 * 366
MAX_COUNT = 2**53


class FieldReader:
    """The checked reading of one spec file's fields (``name``: the file, said by every error)."""

    def __init__(self, name: str):
        self.name = name

    def fail(self, message: str, where: Any = None, key: str | None = None) -> SpecError:
        line = None
        if isinstance(where, _Map) and key is not None:
            line = where.key_lines.get(key, where.line)
        elif isinstance(where, (_Map, _Seq)):
            line = where.line
        elif isinstance(where, int):
            line = where
        return SpecError(message, self.name, line)

    def mapping(self, value: Any, what: str, allowed: set[str], parent=None, key=None) -> _Map:
        if not isinstance(value, _Map):
            raise self.fail(f"{what} must be a mapping", parent, key)
        self.text_keys(value, what)
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(
                f"unknown field {unknown[0]!r} in {what} (allowed: {', '.join(sorted(allowed))})", value, unknown[0]
            )
        return value

    def text_keys(self, value: _Map, what: str) -> None:
        for k in value:
            if not isinstance(k, str):
                raise self.fail(f'{what}: the key {k!r} must be text (a name; quote it: "{k}")', value, k)

    def text(self, d: _Map, key: str, what: str) -> str:
        v = d.get(key)
        if not isinstance(v, str) or not v:
            raise self.fail(f"{what}: {key} must be a non-empty string", d, key)
        return v

    def boolean(self, d: _Map, key: str, what: str, default):
        v = d.get(key, default)
        if not isinstance(v, bool) and v is not None:
            raise self.fail(f"{what}: {key} must be true or false, got {v!r}", d, key)
        return v

    def integer(self, d: _Map, key: str, what: str, default):
        v = d.get(key, default)
        if v is None:
            return v
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise self.fail(f"{what}: {key} must be a whole number >= 0, got {v!r}", d, key)
        limit = MAX_DAYS if key.endswith("_days") else MAX_COUNT
        if v > limit:
            raise self.fail(f"{what}: {key} {v} is out of range (at most {limit})", d, key)
        return v

    def number(self, d: _Map, key: str, what: str):
        v = d.get(key)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 100:
            raise self.fail(f"{what}: {key} must be a percentage 0..100, got {v!r}", d, key)
        return float(v)

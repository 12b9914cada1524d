"""Parsers of the schedule sources: ESPN scoreboards (lake pages and API), NBA Stats game logs,
the league's published season schedule. Each takes the raw bytes of one response plus its origin
(a lake key or URL) and returns ``Parsed(frame, warnings)``: malformed input gives a warning
naming the origin, never an exception."""

from .common import Parsed

__all__ = ["Parsed"]

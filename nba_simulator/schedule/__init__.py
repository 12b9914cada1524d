"""Which games SHOULD exist: the canonical schedule, game ids and team codes.

``load_schedule("builtin" | path)`` returns the canonical schedule (see ``load``); ``ids`` normalises
NBA Stats, ESPN and Basketball-Reference ids; ``teams`` converts team codes per season.
"""

from .load import COLUMNS, STATUSES, load_schedule

__all__ = ["COLUMNS", "STATUSES", "load_schedule"]

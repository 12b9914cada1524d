"""How many key ranges of one S3 prefix are listed at once (:class:`Governor`): more streams only
while each step lists keys markedly faster than the one before (``s3_ranges`` asks it)."""

from __future__ import annotations

import time


class Governor:
    """How many ranges may be listed at once: more only while it pays.

    The first range's first pages give the rate of one stream; then 2 streams are allowed, and
    once that many list keys, after ``2 x limit`` more pages the rate is compared: at least ``GAIN`` x the previous rate
    doubles the limit (up to ``streams``), less halves it and stops there. A server far away (real
    S3: each page a round trip) gains with every stream; a server short of CPU (a busy machine)
    does not, and is then listed as one stream again, taking the pending ranges over in turn.
    """

    GAIN = 1.5

    def __init__(self, streams: int):
        self.streams, self.limit, self.frozen = streams, 1, streams == 1
        self.keys = 0
        self.first: tuple[float, int] | None = None  # (time, keys) at the first page
        self.rate = 0.0  # keys/s at the current limit's predecessor
        self.window: tuple[float, int, int] | None = None  # (start, keys, pages) at this limit

    def open(self) -> None:
        """The first cut: the rate since the first page (no connection set-up) is one stream's."""
        if not self.frozen and self.limit == 1 and self.first is not None:
            now = time.monotonic()
            self.rate = (self.keys - self.first[1]) / max(now - self.first[0], 1e-6)
            self.limit = 2

    def full(self) -> None:
        """As many streams list keys as the limit allows: the measure at this limit starts."""
        if self.window is None and not self.frozen and self.limit > 1:
            self.window = (time.monotonic(), self.keys, 0)

    def page(self, n: int) -> None:
        self.keys += n
        if self.first is None:
            self.first = (time.monotonic(), self.keys)
        if self.window is None or self.frozen:
            return
        start, keys, pages = self.window
        pages += 1
        self.window = (start, keys, pages)
        if pages < 2 * self.limit:
            return
        now = time.monotonic()
        rate = (self.keys - keys) / max(now - start, 1e-6)
        if rate >= self.GAIN * self.rate and self.limit < self.streams:
            self.rate, self.limit = rate, min(self.streams, 2 * self.limit)
            self.window = None
        else:
            self.frozen = True
            if rate < self.GAIN * self.rate:
                self.limit = max(1, self.limit // 2)

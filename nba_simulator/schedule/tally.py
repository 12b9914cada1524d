"""What each source of ``schedule update`` gave: one summary line per source, one warning per
kind of failure (never one per date).

``Tally.answered(kind, origin, url)`` / ``failed(kind, why)`` / ``games(kind, n)`` count per
source; ``lines()`` gives ``<source>: fetched N, from cache N, failed N (not in the cache N); G
games``; ``problems(fetcher)`` gives the warnings: the URLs offline could not answer (one line,
with the first and last), the failures (one line per source, the first reason), and, when
``stats.nba.com`` did not answer, why that is likely (it does not serve cloud hosts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LABELS = {
    "league_schedule_cdn": "league schedule (CDN file)",
    "league_schedule": "league schedule (NBA Stats)",
    "nba_stats": "NBA Stats game logs",
    "espn": "ESPN scoreboard API",
}
STATS_KINDS = ("nba_stats", "league_schedule")
SILENCE = ("timed out", "no answer", "did not answer", "did not arrive")
CLOUD_HINT = (
    "stats.nba.com does not serve cloud hosts (AWS, GCP, Azure: its requests hang until they "
    "time out; nba_api issues #101, #176); the league's CDN schedule and the lake's scoreboard "
    "pages are used instead (a proxy in HTTPS_PROXY is used when set)"
)


@dataclass
class _Count:
    fetched: int = 0
    cached: int = 0
    failed: int = 0
    missing: int = 0  # offline, not in the cache
    games: int = 0
    first_failure: str | None = None
    missing_urls: list = field(default_factory=list)


class Tally:
    def __init__(self) -> None:
        self.by: dict[str, _Count] = {}

    def _c(self, kind: str) -> _Count:
        return self.by.setdefault(kind, _Count())

    def answered(self, kind: str, origin: str | None, url: str) -> None:
        c = self._c(kind)
        if origin == "network":
            c.fetched += 1
        elif origin == "cache":
            c.cached += 1
        else:
            c.missing += 1
            c.missing_urls.append(url)

    def failed(self, kind: str, why: str) -> None:
        c = self._c(kind)
        c.failed += 1
        c.first_failure = c.first_failure or why

    def games(self, kind: str, n: int) -> None:
        self._c(kind).games += int(n)

    def gave_games(self) -> list[str]:
        """The sources that gave at least one game."""
        return [k for k, c in self.by.items() if c.games]

    def lines(self) -> list[str]:
        out = []
        for kind, c in self.by.items():
            parts = [f"fetched {c.fetched}", f"from cache {c.cached}", f"failed {c.failed}"]
            if c.missing:
                parts.append(f"not in the cache {c.missing}")
            out.append(f"{LABELS.get(kind, kind)}: {', '.join(parts)}; {c.games} games")
        return out

    def problems(self, fetcher) -> list[str]:
        out = []
        missing = [(k, c) for k, c in self.by.items() if c.missing]
        if missing:
            n = sum(c.missing for _, c in missing)
            urls = [u for _, c in missing for u in c.missing_urls]
            what = ", ".join(f"{LABELS.get(k, k)} {c.missing}" for k, c in missing)
            span = urls[0] if n == 1 else f"first {urls[0]}, last {urls[-1]}"
            out.append(f"offline: {n} requests not in the cache ({what}; {span})")
        for kind, c in self.by.items():
            if c.failed:
                out.append(f"{LABELS.get(kind, kind)}: {c.failed} request(s) failed (first: {c.first_failure})")
        hung = [
            c.first_failure
            for k, c in self.by.items()
            if k in STATS_KINDS and c.failed and any(w in (c.first_failure or "") for w in SILENCE)
        ]
        if hung:
            why = hung[0].rsplit(": ", 1)[-1]
            out.append(f"NBA Stats did not answer ({why}): {CLOUD_HINT}")
        return out

"""HTTP fetching for the schedule sources: timeouts, retries on transient errors only, a polite
request rate, an on-disk cache, proxies from the environment, configurable URLs, an offline switch.

Built on ``requests`` with ``urllib3``'s ``Retry``: connection errors, resets and read timeouts,
HTTP 429 and 5xx are retried with exponential backoff (honouring ``Retry-After``); any other 4xx
is not. Proxies come from the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``:
``requests``' ``trust_env``). Requests to one host are spaced by ``min_interval`` seconds.

URLs are templates (``{season}``, ``{season_type}``, ``{date}`` YYYYMMDD), from the CLI options or
these environment variables, else the public defaults:

- ``NBA_RECON_NBA_STATS_URL``: NBA Stats LeagueGameLog
- ``NBA_RECON_LEAGUE_SCHEDULE_URL``: the league's scheduleLeagueV2 document
- ``NBA_RECON_ESPN_URL``: ESPN's scoreboard API by date

A value without ``{`` is a base URL: the default path and query are appended to it.

Cache: ``<cache_dir>/<sha256 of the URL>.json`` (+ ``.url`` naming it). ``fetch(url, fresh=True)``
(completed seasons, past dates) answers from the cache when it has the URL; ``fresh=False`` (the
season in progress) asks the server again and falls back to the cache on failure. Offline, only
the cache answers; a URL not in it gives ``None``.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ..masking import mask_text
from ..outputs import atomic_path

log = logging.getLogger(__name__)

DEFAULTS = {
    "nba_stats": ("NBA_RECON_NBA_STATS_URL", "https://stats.nba.com/stats",
                  "/leaguegamelog?Counter=0&DateFrom=&DateTo=&Direction=ASC&LeagueID=00&PlayerOrTeam=T"
                  "&Season={season}&SeasonType={season_type}&Sorter=DATE"),
    "league_schedule": ("NBA_RECON_LEAGUE_SCHEDULE_URL", "https://stats.nba.com/stats",
                        "/scheduleleaguev2?LeagueID=00&Season={season}"),
    "espn": ("NBA_RECON_ESPN_URL", "https://site.api.espn.com",
             "/apis/site/v2/sports/basketball/nba/scoreboard?dates={date}&limit=100"),
}
# NBA Stats answers only requests that look like a browser's
HEADERS = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36",
    "Accept": "application/json, text/plain, */*",
    "Referer": "https://www.nba.com/",
    "Origin": "https://www.nba.com",
}
TRANSIENT_STATUS = (429, 500, 502, 503, 504)


def url_template(kind: str, given: str | None = None) -> str:
    """The URL template of a source: the CLI value, else the environment variable, else the default."""
    env, base, path = DEFAULTS[kind]
    value = given or os.environ.get(env) or base
    return value if "{" in value else value.rstrip("/") + path


def render(template: str, **values: str) -> str:
    return template.format(**{k: quote(str(v), safe="-") for k, v in values.items()})


class FetchError(Exception):
    """A URL could not be fetched (after retries, or a permanent HTTP error)."""


@dataclass
class Fetcher:
    cache_dir: Path | None = None
    offline: bool = False
    timeout: tuple[float, float] = (5.0, 30.0)
    retries: int = 3
    backoff: float = 1.0
    min_interval: float = 1.0
    stats: dict = field(default_factory=lambda: {"requests": 0, "cache_hits": 0, "failures": 0})

    def __post_init__(self) -> None:
        self.session = requests.Session()  # trust_env: proxies and NO_PROXY from the environment
        retry = Retry(total=self.retries, connect=self.retries, read=self.retries, status=self.retries,
                      backoff_factor=self.backoff, status_forcelist=TRANSIENT_STATUS,
                      allowed_methods=frozenset({"GET"}), respect_retry_after_header=True,
                      raise_on_status=False)
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(HEADERS)
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    # --- cache ---
    def _cache_path(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return Path(self.cache_dir) / f"{hashlib.sha256(url.encode()).hexdigest()}.json"

    def cached(self, url: str) -> bytes | None:
        path = self._cache_path(url)
        if path is not None and path.is_file():
            self.stats["cache_hits"] += 1
            return path.read_bytes()
        return None

    def _store(self, url: str, body: bytes) -> None:
        path = self._cache_path(url)
        if path is None:
            return
        with atomic_path(path) as tmp:
            tmp.write_bytes(body)
        path.with_suffix(".url").write_text(mask_text(url) + "\n")   # no api_key= in clear

    # --- network ---
    def _wait_turn(self, url: str) -> None:
        host = urlsplit(url).netloc
        with self._lock:
            now = time.monotonic()
            wait = self._last.get(host, -1e9) + self.min_interval - now
            self._last[host] = now + max(wait, 0)
        if wait > 0:
            time.sleep(wait)

    def fetch(self, url: str, *, fresh: bool = True) -> bytes | None:
        """The body of ``url``; None offline when the cache lacks it. FetchError when the server
        fails (after retries on transient errors) and no cached copy exists."""
        if fresh or self.offline:
            hit = self.cached(url)
            if hit is not None or self.offline:
                return hit
        self._wait_turn(url)
        self.stats["requests"] += 1
        try:
            resp = self.session.get(url, timeout=self.timeout)
        except requests.RequestException as exc:
            self.stats["failures"] += 1
            return self._fallback(url, f"{type(exc).__name__}: {str(exc)[:200]}")
        if resp.status_code != 200:
            self.stats["failures"] += 1
            return self._fallback(url, f"HTTP {resp.status_code}")
        self._store(url, resp.content)
        return resp.content

    def _fallback(self, url: str, why: str) -> bytes:
        hit = self.cached(url)
        if hit is not None:
            log.warning("%s: %s; using the cached copy", url, why)
            return hit
        raise FetchError(f"{url}: {why}")

    def close(self) -> None:
        self.session.close()

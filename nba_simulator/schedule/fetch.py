"""HTTP fetching for the schedule sources: timeouts, retries on transient errors only, a polite
request rate, an on-disk cache, proxies from the environment, configurable URLs, an offline switch.

Built on ``requests`` with ``urllib3``'s ``Retry``: connection errors, resets and read timeouts,
HTTP 429 and 5xx are retried with exponential backoff (honouring ``Retry-After``); any other 4xx
is not. Proxies come from the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``:
``requests``' ``trust_env``). Requests to one host are spaced by ``min_interval`` seconds.

URLs are templates (``{season}``, ``{season_type}``, ``{date}`` YYYYMMDD), from the CLI options or
these environment variables, else the public defaults:

- ``NBA_RECON_LEAGUE_SCHEDULE_CDN_URL``: the league's schedule of the season in progress as a
  static file on its CDN (``cdn.nba.com/static/json/staticData/scheduleLeagueV2.json``, what
  ``nba_api``'s live ``ScheduleLeagueV2`` reads): it answers cloud hosts
- ``NBA_RECON_NBA_STATS_URL``: NBA Stats LeagueGameLog (``stats.nba.com``)
- ``NBA_RECON_LEAGUE_SCHEDULE_URL``: NBA Stats scheduleLeagueV2 (``stats.nba.com``)
- ``NBA_RECON_ESPN_URL``: ESPN's scoreboard API by date

A value without ``{`` that does not end in ``.json`` is a base URL: the default path and query
are appended to it.

Bounds: each request has a connect and a read timeout (``stats.nba.com``, which does not answer
cloud hosts, a short one: see ``schedule.update``) and the whole body must arrive within
``max_request_seconds`` (a server trickling a byte at a time is cut off); a host that timed out
or refused a connection is not asked again in the same run (``silent``: the reason); past the
fetcher's ``deadline`` (seconds from its creation) nothing more is asked. Each of those is a
``FetchError`` (the cached copy is used when there is one).

Cache: ``<cache_dir>/<sha256 of the URL>.json`` (+ ``.url`` naming it). ``fetch(url, fresh=True)``
(completed seasons, past dates) answers from the cache when it has the URL; ``fresh=False`` (the
season in progress) asks the server again and falls back to the cache on failure. Offline, only
the cache answers; a URL not in it gives ``None``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .. import settings
from ..masking import mask_text
from ..outputs import atomic_path
from .sources.limits import MAX_PAGE_BYTES as MAX_RESPONSE_BYTES  # a scoreboard or schedule file

log = logging.getLogger(__name__)

#: each source: its setting (base URL or template, default in ``settings.py``) and its path
DEFAULTS = {
    "league_schedule_cdn": ("NBA_RECON_LEAGUE_SCHEDULE_CDN_URL", "/static/json/staticData/scheduleLeagueV2.json"),
    "nba_stats": (
        "NBA_RECON_NBA_STATS_URL",
        "/leaguegamelog?Counter=0&DateFrom=&DateTo=&Direction=ASC&LeagueID=00&PlayerOrTeam=T"
        "&Season={season}&SeasonType={season_type}&Sorter=DATE",
    ),
    "league_schedule": ("NBA_RECON_LEAGUE_SCHEDULE_URL", "/scheduleleaguev2?LeagueID=00&Season={season}"),
    "espn": ("NBA_RECON_ESPN_URL", "/apis/site/v2/sports/basketball/nba/scoreboard?dates={date}&limit=100"),
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
    env, path = DEFAULTS[kind]
    value = given or settings.get(env)
    return value if "{" in value or value.endswith(".json") else value.rstrip("/") + path


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
    #: the whole run's budget in seconds from creation (None: unbounded)
    deadline: float | None = None
    max_request_seconds: float = 120.0
    stats: dict = field(default_factory=lambda: {"requests": 0, "cache_hits": 0, "failures": 0})

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.session.trust_env = True  # proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) from the environment
        self._ends = None if self.deadline is None else time.monotonic() + self.deadline
        #: host -> why it is not asked again in this run (it timed out or refused a connection)
        self.silent: dict[str, str] = {}
        #: where the last ``fetch`` answer came from: "network", "cache" or None (nothing)
        self.last: str | None = None
        # a read timeout is retried once only: a host that hangs costs two timeouts, not four
        retry = Retry(
            total=self.retries,
            connect=self.retries,
            read=min(1, self.retries),
            status=self.retries,
            backoff_factor=self.backoff,
            status_forcelist=TRANSIENT_STATUS,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
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
        path.with_suffix(".url").write_text(mask_text(url) + "\n")  # no api_key= in clear

    # --- network ---
    def _wait_turn(self, url: str) -> None:
        host = urlsplit(url).netloc
        with self._lock:
            now = time.monotonic()
            wait = self._last.get(host, -1e9) + self.min_interval - now
            self._last[host] = now + max(wait, 0)
        if wait > 0:
            time.sleep(wait)

    def remaining(self) -> float | None:
        return None if self._ends is None else self._ends - time.monotonic()

    def fetch(self, url: str, *, fresh: bool = True, timeout: tuple[float, float] | None = None) -> bytes | None:
        """The body of ``url``; None offline when the cache lacks it. FetchError when the server
        fails (after retries on transient errors), does not answer in time, or the deadline has
        passed, and no cached copy exists. ``timeout``: (connect, read) for this request."""
        self.last = None
        if fresh or self.offline:
            hit = self.cached(url)
            if hit is not None or self.offline:
                self.last = "cache" if hit is not None else None
                return hit
        host = urlsplit(url).netloc
        if host in self.silent:
            return self._fallback(url, f"not asked: {host} did not answer earlier ({self.silent[host]})")
        left = self.remaining()
        if left is not None and left <= 0.5:
            return self._fallback(url, "not asked: the update's deadline has passed")
        self._wait_turn(url)
        self.stats["requests"] += 1
        connect, read = timeout or self.timeout
        budget = self.max_request_seconds
        if left is not None:
            connect, read, budget = min(connect, left), min(read, left), min(budget, left)
        try:
            with self.session.get(url, timeout=(connect, read), stream=True) as resp:
                if resp.status_code != 200:
                    self.stats["failures"] += 1
                    return self._fallback(url, f"HTTP {resp.status_code}")
                body = _read_within(resp, budget)
        except _TooLarge as exc:
            self.stats["failures"] += 1
            return self._fallback(url, str(exc))
        except (requests.Timeout, requests.ConnectionError, _TooSlow) as exc:
            self.stats["failures"] += 1
            self.silent[host] = _why(exc)
            return self._fallback(url, self.silent[host])
        except requests.RequestException as exc:
            self.stats["failures"] += 1
            return self._fallback(url, f"{type(exc).__name__}: {str(exc)[:200]}")
        self._store(url, body)
        self.last = "network"
        return body

    def _fallback(self, url: str, why: str) -> bytes:
        hit = self.cached(url)
        if hit is not None:
            log.warning("%s: %s; using the cached copy", url, why)
            self.last = "cache"
            return hit
        raise FetchError(f"{url}: {why}")

    def close(self) -> None:
        self.session.close()


class _TooSlow(Exception):
    """The body did not arrive within the request's time budget."""


class _TooLarge(Exception):
    """The body is larger than any scoreboard or schedule file may be."""


def _read_within(resp, budget: float) -> bytes:
    """The whole body, or _TooSlow once ``budget`` seconds have passed (each read is bounded by
    the read timeout; this bounds their sum: a server trickling a byte at a time is cut off)."""
    started, chunks, size = time.monotonic(), [], 0
    while True:
        # read1: what one receive brings (iter_content would wait for 64 KiB from a trickle)
        try:
            chunk = resp.raw.read1(65536, decode_content=True)
        except urllib3.exceptions.HTTPError as exc:  # a read timeout, a reset: as requests says it
            raise requests.ConnectionError(str(exc)) from exc
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise _TooLarge(f"a response of more than {MAX_RESPONSE_BYTES:,} bytes; not read further")
        chunks.append(chunk)
        if time.monotonic() - started > budget:
            raise _TooSlow(f"the answer did not arrive within {budget:.0f} s")
    return b"".join(chunks)


def _why(exc: Exception) -> str:
    """One line: what happened when a host did not answer."""
    if isinstance(exc, _TooSlow):
        return str(exc)
    if isinstance(exc, requests.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, requests.Timeout) or "Read timed out" in str(exc):
        return "connected, but no answer within the read timeout"
    text = str(exc)
    if "Name or service not known" in text or "Failed to resolve" in text or "NameResolution" in text:
        return "its name does not resolve (no network?)"
    if "Connection refused" in text:
        return "connection refused"
    return f"{type(exc).__name__}: {text[:160]}"

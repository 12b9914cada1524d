"""Lean, parallel ListObjectsV2: the default S3 listing path of :class:`~.s3.S3Storage`.

Why: listing is client-bound. boto3's paginator spends almost all of its time turning each
1,000-key XML page into Python dicts (one ``datetime`` and a dozen objects per key); the server
answers an order of magnitude faster than that. This module keeps everything that makes a request
*correct* from botocore and replaces only what makes it slow:

* **Signing**: botocore's own SigV4 signer (:class:`botocore.auth.S3SigV4Auth`) with the
  credentials of the boto3 session that made the client (refreshable credentials are frozen per
  request, as botocore does). The request's base URL (endpoint, addressing style, bucket) is
  resolved once by the client itself (its presigner builds the URL without sending anything).
* **Sending**: the client's own HTTP session (botocore's pooled ``URLLib3Session``: proxies, TLS
  verification, timeouts and pool size from the client's configuration). ``before-send`` handlers
  registered on the client are honoured, like botocore's endpoint does (so request counters and
  stubs that answer from ``before-send`` keep working).
* **Retries**: botocore's *standard* retry mode, reused, not re-implemented. We bypass the
  client's ``_make_api_call``, so its ``needs-retry`` handler never sees our requests; instead the
  very objects botocore builds for a client in standard mode
  (:func:`botocore.retries.standard.register_retry_handler`: ``StandardRetryConditions``,
  ``ExponentialBackoff`` with its throttling detector, and the ``RetryQuota`` token bucket) are
  built once for this lister and asked after each attempt, with the same context botocore's
  endpoint gives them. The number of attempts is the client's ``total_max_attempts``. So:
  throttling and 5xx and connection errors are retried with jittered exponential backoff, access
  errors never, and the loop is bounded by the attempt count and the retry quota.
* **Parsing**: one regular-expression pass per field over the page's bytes into Arrow arrays
  (no Python object per key beyond the matched bytes), with XML entities and ``EncodingType=url``
  decoded only on the keys that need it. A page whose fields do not line up is parsed with
  :mod:`xml.etree.ElementTree` instead.
* **Parallelism**: a big prefix is cut into disjoint key ranges listed at once. After the first
  page says the prefix is big, rounds of cheap probes (``StartAfter=x, MaxKeys=1``: "the first key
  after x") locate where the keys are, so that the cut points fall inside the populated part of
  the key space (e.g. ``.../4010``, ``.../4012`` for ESPN ids) rather than in empty regions. Each
  range ``(lo, hi]`` is listed with ``StartAfter=lo`` and stops past ``hi``; a stream that runs
  long while others are idle hands the upper half of its remaining range to an idle worker.
  Ranges are disjoint and cover the whole prefix, so each object is listed exactly once; order
  between batches is not specified (as :meth:`Storage.iter_objects` allows).

Errors are raised as botocore exceptions (``ClientError`` with the S3 error code, or the HTTP
layer's ``ConnectionError``/``HTTPClientError``), so :func:`~.s3.map_error` maps them to
``LakeNotFound``/``AccessDenied``/``TransientStorageError`` exactly as for the paginator path.
A region redirect (a bucket in another region than the client's) raises :class:`UseBotocore`
before anything is yielded: the caller then lists through the client, which follows redirects.
"""
from __future__ import annotations

import logging
import queue
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import quote, unquote_plus, urlsplit

import botocore
import pyarrow as pa
import pyarrow.compute as pc
import urllib3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError, NoCredentialsError
from botocore.parsers import ResponseParserError
from botocore.hooks import HierarchicalEmitter
from botocore.retries import standard as standard_retries

from nba_simulator.storage.base import INVENTORY_SCHEMA

log = logging.getLogger(__name__)

PAGE_KEYS = 1000
OPERATION = "ListObjectsV2"
DEFAULT_STREAMS = 12       # parallel ranges per big prefix
SEQUENTIAL_PAGES = 2       # pages read in sequence before a prefix is cut into ranges
PROBES_PER_ROUND = 8       # MaxKeys=1 probes per probing round
PROBE_ROUNDS = 3           # at most this many rounds of probing per prefix
_REDIRECT_CODES = frozenset({"PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"})

_KEY = re.compile(rb"<Key>([^<]*)</Key>")
_SIZE = re.compile(rb"<Size>([^<]*)</Size>")
_MTIME = re.compile(rb"<LastModified>([^<]*)</LastModified>")
_ETAG = re.compile(rb"<ETag>([^<]*)</ETag>")
_CONTENTS = re.compile(rb"<Contents>")
_COMMON = re.compile(rb"<CommonPrefixes>\s*<Prefix>([^<]*)</Prefix>\s*</CommonPrefixes>")
_TRUNCATED = re.compile(rb"<IsTruncated>\s*true\s*</IsTruncated>")
_TOKEN = re.compile(rb"<NextContinuationToken>([^<]*)</NextContinuationToken>")
_URL_ENCODED = re.compile(rb"<EncodingType>\s*url\s*</EncodingType>")
_CODE = re.compile(rb"<Code>([^<]*)</Code>")
_XML_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


class UseBotocore(Exception):
    """The lean path cannot serve this bucket (region redirect): list through the client."""


def _xml_unescape(text: str) -> str:
    def repl(m: re.Match) -> str:
        e = m.group(1)
        if e[0] == "#":
            return chr(int(e[2:], 16) if e[1] in "xX" else int(e[1:]))
        return _ENTITIES[e]

    return _XML_ENTITY.sub(repl, text)


def _decode_text(raw: bytes, url_encoded: bool) -> str:
    text = raw.decode("utf-8")
    if "&" in text:
        text = _xml_unescape(text)
    return unquote_plus(text) if url_encoded else text


@dataclass
class Page:
    """One parsed ListObjectsV2 page. ``keys`` are full keys (with the lake's prefix)."""

    keys: pa.Array
    sizes: pa.Array
    mtimes: pa.Array
    etags: pa.Array
    prefixes: list[str]
    truncated: bool
    token: str | None

    @property
    def last_key(self) -> str | None:
        return self.keys[-1].as_py() if len(self.keys) else None

    def cut(self, n: int) -> "Page":
        return Page(self.keys[:n], self.sizes[:n], self.mtimes[:n], self.etags[:n], self.prefixes,
                    self.truncated, self.token)


def _decode_column(values: list[bytes], url_encoded: bool) -> pa.Array:
    arr = pa.array(values, pa.binary()).cast(pa.string())
    pattern = "[&%+]" if url_encoded else "&"
    needs = pc.match_substring_regex(arr, pattern)
    if len(arr) and pc.any(needs).as_py():
        fixed = [_decode_text(v, url_encoded) if n else v.decode("utf-8")
                 for v, n in zip(values, needs.to_pylist())]
        arr = pa.array(fixed, pa.string())
    return arr


def parse_page(body: bytes) -> Page:
    """A ListObjectsV2 response body -> :class:`Page` (Arrow columns)."""
    url_encoded = bool(_URL_ENCODED.search(body))
    keys, sizes = _KEY.findall(body), _SIZE.findall(body)
    mtimes, etags = _MTIME.findall(body), _ETAG.findall(body)
    n = len(_CONTENTS.findall(body))
    if not (len(keys) == len(sizes) == len(mtimes) == n and len(etags) in (0, n)):
        return _parse_page_etree(body)
    truncated = bool(_TRUNCATED.search(body))
    m = _TOKEN.search(body)
    token = _decode_text(m.group(1), False) if m else None
    prefixes = [_decode_text(p, url_encoded) for p in _COMMON.findall(body)]
    if etags:
        etag_arr = pa.array(etags, pa.binary()).cast(pa.string())
        for quote_form in ("&#34;", "&quot;", '"'):
            etag_arr = pc.replace_substring(etag_arr, quote_form, "")
    else:
        etag_arr = pa.nulls(n, pa.string())
    return Page(
        keys=_decode_column(keys, url_encoded),
        sizes=pa.array(sizes, pa.binary()).cast(pa.string()).cast(pa.int64()),
        mtimes=_timestamps(pa.array(mtimes, pa.binary()).cast(pa.string())),
        etags=etag_arr,
        prefixes=prefixes,
        truncated=truncated,
        token=token,
    )


def _timestamps(arr: pa.Array) -> pa.Array:
    try:
        return arr.cast(pa.timestamp("us", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        import pandas as pd

        return pa.array(pd.to_datetime(arr.to_pylist(), utc=True), pa.timestamp("us", tz="UTC"))


def _parse_page_etree(body: bytes) -> Page:
    """The slow, tolerant path (elements in any order, namespaces, whitespace, optional ETag)."""
    try:
        return _etree_page(body)
    except (ET.ParseError, KeyError, ValueError) as exc:
        raise ResponseParserError(f"unreadable ListObjectsV2 response ({type(exc).__name__})") from None


def _etree_page(body: bytes) -> Page:
    root = ET.fromstring(body)

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    fields: dict[str, str] = {}
    rows, prefixes = [], []
    for child in root:
        name = local(child.tag)
        if name == "Contents":
            row = {local(c.tag): (c.text or "") for c in child}
            rows.append(row)
        elif name == "CommonPrefixes":
            for c in child:
                if local(c.tag) == "Prefix":
                    prefixes.append(c.text or "")
        else:
            fields[name] = child.text or ""
    url_encoded = fields.get("EncodingType", "").strip() == "url"
    dec = (lambda s: unquote_plus(s)) if url_encoded else (lambda s: s)
    return Page(
        keys=pa.array([dec(r["Key"]) for r in rows], pa.string()),
        sizes=pa.array([int(r["Size"]) for r in rows], pa.int64()),
        mtimes=_timestamps(pa.array([r["LastModified"] for r in rows], pa.string())),
        etags=pa.array([r["ETag"].strip('"') if r.get("ETag") else None for r in rows], pa.string()),
        prefixes=[dec(p) for p in prefixes],
        truncated=fields.get("IsTruncated", "").strip().lower() == "true",
        token=fields.get("NextContinuationToken") or None,
    )


# -- key-space arithmetic ----------------------------------------------------------------------
_WIDTH = 8  # characters of precision beyond the common prefix of two bounds
_PRINTABLE = tuple(chr(c) for c in range(0x20, 0x7F))


class KeySpace:
    """Strings as numbers over an alphabet (the characters seen in keys), to cut ranges evenly.

    Only used to choose cut points: any point is correct (ranges stay disjoint and complete);
    a good alphabet just makes the cuts fall where the keys are. Digit value 0 means "the string
    ends here"; characters outside the alphabet take the value of their nearest neighbour.
    """

    def __init__(self, chars=_PRINTABLE):
        self.alphabet = sorted(set(chars)) or list(_PRINTABLE)
        self.base = len(self.alphabet) + 1

    def _digit(self, c: str) -> int:
        import bisect

        return min(bisect.bisect_left(self.alphabet, c), len(self.alphabet) - 1) + 1

    def number(self, s: str) -> int:
        n = 0
        for i in range(_WIDTH):
            n = n * self.base + (self._digit(s[i]) if i < len(s) else 0)
        return n

    def text(self, n: int) -> str:
        digits = []
        for _ in range(_WIDTH):
            n, d = divmod(n, self.base)
            digits.append(d)
        digits.reverse()
        while digits and digits[-1] == 0:
            digits.pop()
        return "".join(self.alphabet[max(d, 1) - 1] for d in digits)

    def between(self, lo: str, hi: str, parts: int) -> list[str]:
        """Up to ``parts - 1`` increasing strings strictly between ``lo`` and ``hi``."""
        i = 0
        while i < min(len(lo), len(hi)) and lo[i] == hi[i]:
            i += 1
        head = lo[:i]
        a, b = self.number(lo[i:]), self.number(hi[i:])
        out: list[str] = []
        for k in range(1, parts):
            s = head + self.text(a + (b - a) * k // parts)
            if lo < s < hi and (not out or s > out[-1]):
                out.append(s)
        return out

    def top(self, prefix: str) -> str:
        """The highest string of the alphabet under ``prefix`` at this precision."""
        return prefix + self.alphabet[-1] * _WIDTH


def key_space_end(prefix: str) -> str:
    """A string above every key under ``prefix`` whose next character is below U+10FFFF."""
    return prefix + "\U0010ffff"


# -- the lister --------------------------------------------------------------------------------
def complete_body(http) -> bytes:
    """The body of a 2xx ListObjectsV2 answer, or ``ResponseStreamingError`` when it was cut short.

    A connection dropped mid-body can leave a prefix of the XML that the regex parser would
    happily read as a shorter page (keys lost without a word, or the page's continuation token
    kept with half its keys). So a body must have the length its ``Content-Length`` announced and
    end with the closing ``</ListBucketResult>``; otherwise it is a transient HTTP error, which
    botocore's standard retry policy retries like a reset connection.
    """
    try:
        body = http.content
    except (OSError, urllib3.exceptions.HTTPError) as exc:
        raise botocore.exceptions.ResponseStreamingError(error=type(exc).__name__) from None
    expected = (http.headers or {}).get("content-length")
    if expected is not None and str(expected).strip().isdigit() and int(expected) != len(body):
        raise botocore.exceptions.ResponseStreamingError(
            error=f"ListObjectsV2 response cut short: {len(body)} of {int(expected)} bytes")
    if not body.rstrip().endswith(b"</ListBucketResult>"):
        raise botocore.exceptions.ResponseStreamingError(
            error=f"ListObjectsV2 response incomplete ({len(body)} bytes, no closing tag)")
    return body


class FastLister:
    """Signed, pooled, retried, lean ListObjectsV2 for one bucket (thread-safe)."""

    def __init__(self, client, bucket: str, credentials=None, *, streams: int | None = None,
                 max_workers: int = 32):
        self.client = client
        self.bucket = bucket
        self.credentials = credentials
        self.streams = max(1, streams or DEFAULT_STREAMS)
        self.max_workers = max(1, max_workers)
        self.region = client.meta.region_name or "us-east-1"
        self.unsigned = client.meta.config.signature_version is botocore.UNSIGNED
        self.operation_model = client.meta.service_model.operation_model(OPERATION)
        self.event_name = f"before-send.{client.meta.service_model.service_id.hyphenize()}.{OPERATION}"
        self.http = getattr(getattr(client, "_endpoint", None), "http_session", None)
        if self.http is None:  # pragma: no cover - botocore always has one today
            from botocore.httpsession import URLLib3Session

            cfg = client.meta.config
            self.http = URLLib3Session(timeout=(cfg.connect_timeout, cfg.read_timeout),
                                       max_pool_connections=cfg.max_pool_connections, proxies=cfg.proxies)
        retries = client.meta.config.retries or {}
        self.max_attempts = retries.get("total_max_attempts") or (retries.get("max_attempts", 2) + 1)
        # botocore's standard-mode objects, built by botocore itself, on a private emitter.
        self._retry_events = HierarchicalEmitter()
        shim = SimpleNamespace(meta=SimpleNamespace(service_model=client.meta.service_model,
                                                    events=self._retry_events))
        self._retry = standard_retries.register_retry_handler(shim, max_attempts=self.max_attempts)
        self._base_url: str | None = None
        self._lock = threading.Lock()
        # requests in flight across all listings of this bucket: the HTTP pool's size
        self._slots = threading.BoundedSemaphore(max(1, client.meta.config.max_pool_connections or max_workers))

    # -- one request ------------------------------------------------------------------------
    def base_url(self) -> str:
        """Where the bucket's ListObjectsV2 goes, as the client resolves it (no request sent)."""
        if self._base_url is None:
            url = self.client.generate_presigned_url(
                "list_objects_v2", Params={"Bucket": self.bucket}, ExpiresIn=60)
            parts = urlsplit(url)
            self._base_url = f"{parts.scheme}://{parts.netloc}{parts.path}"
        return self._base_url

    def _signed(self, query: list[tuple[str, str]]):
        qs = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query))
        request = AWSRequest(method="GET", url=f"{self.base_url()}?{qs}")
        if not self.unsigned:
            if self.credentials is None:
                raise NoCredentialsError()
            creds = self.credentials.get_frozen_credentials()
            if creds is None or creds.access_key is None:
                raise NoCredentialsError()
            S3SigV4Auth(creds, "s3", self.region).add_auth(request)
        return request.prepare()

    def request(self, query: list[tuple[str, str]]) -> bytes:
        """Send one signed ListObjectsV2 with botocore's standard retries; the body on success."""
        context: dict = {}
        attempt = 0
        while True:
            attempt += 1
            http = parsed = caught = None
            prepared = self._signed(query)
            body = None
            try:
                responses = self.client.meta.events.emit(self.event_name, request=prepared)
                http = next((r for _, r in responses if r is not None), None)
                if http is None:
                    with self._slots:
                        http = self.http.send(prepared)
                if 200 <= http.status_code < 300:
                    body = complete_body(http)
            except (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError) as exc:
                caught, http = exc, None
            if http is not None:
                if body is not None:
                    self._retry_events.emit(f"after-call.s3.{OPERATION}", http_response=http,
                                            parsed={}, model=self.operation_model, context=context)
                    return body
                parsed = self._error(http)
            delay = self._retry.needs_retry(
                response=None if http is None else (http, parsed), attempts=attempt,
                operation=self.operation_model, caught_exception=caught,
                request_dict={"context": context})
            if delay is None:
                if caught is not None:
                    raise caught
                if parsed["Error"]["Code"] in _REDIRECT_CODES or http.status_code in (301, 307):
                    raise UseBotocore(parsed["Error"]["Code"] or str(http.status_code))
                raise ClientError(parsed, OPERATION)
            time.sleep(delay)

    @staticmethod
    def _error(http) -> dict:
        body = http.content or b""
        m = _CODE.search(body)
        code = m.group(1).decode("utf-8", "replace") if m else ""
        if not code and http.status_code == 404:
            code = "NoSuchBucket"
        return {"Error": {"Code": code or str(http.status_code), "Message": ""},
                "ResponseMetadata": {"HTTPStatusCode": http.status_code, "HTTPHeaders": dict(http.headers)}}

    def page(self, prefix: str, *, start_after: str | None = None, token: str | None = None,
             delimiter: str | None = None, max_keys: int | None = None) -> Page:
        query = [("list-type", "2"), ("prefix", prefix), ("encoding-type", "url")]
        max_keys = PAGE_KEYS if max_keys is None else max_keys
        if max_keys != 1000:
            query.append(("max-keys", str(max_keys)))
        if delimiter:
            query.append(("delimiter", delimiter))
        if token:
            query.append(("continuation-token", token))
        elif start_after:
            query.append(("start-after", start_after))
        return parse_page(self.request(query))

    # -- listings ---------------------------------------------------------------------------
    def list_prefixes(self, prefix: str) -> list[str]:
        out: list[str] = []
        token = None
        while True:
            page = self.page(prefix, token=token, delimiter="/")
            out.extend(page.prefixes)
            if not page.truncated or not page.token:
                return out
            token = page.token

    def iter_pages(self, prefix: str, *, recursive: bool = True) -> Iterator[Page]:
        """Every non-empty page of objects under ``prefix``; big prefixes in parallel ranges.

        The first :data:`SEQUENTIAL_PAGES` pages are read in sequence (most prefixes end there,
        with no extra request); a prefix still truncated after them is cut into key ranges.
        """
        delimiter = None if recursive else "/"
        token, seen = None, []
        for n in range(SEQUENTIAL_PAGES if recursive and self.streams > 1 else 1 << 62):
            page = self.page(prefix, token=token, delimiter=delimiter)
            if len(page.keys):
                seen.append(page.keys)
                yield page
            if not page.truncated or not page.token:
                return
            token = page.token
        last = next((k[-1].as_py() for k in reversed(seen) if len(k)), None)
        if last is None:  # only "folders" so far (cannot happen without a delimiter)
            while token:  # pragma: no cover
                page = self.page(prefix, token=token, delimiter=delimiter)
                if len(page.keys):
                    yield page
                token = page.token if page.truncated else None
            return
        cut = len(prefix)
        alphabet = "".join(k[cut:] for keys in seen for k in keys.to_pylist())
        yield from _ParallelListing(self, prefix, last, alphabet).run()

    def probe(self, prefix: str, after: str) -> str | None:
        """The first key under ``prefix`` after ``after`` (one MaxKeys=1 request)."""
        return self.page(prefix, start_after=after, max_keys=1).last_key


class _ParallelListing:
    """Disjoint ranges ``(lo, hi]`` of one prefix, listed by a pool of worker threads."""

    def __init__(self, lister: FastLister, prefix: str, after: str, alphabet: str):
        self.lister = lister
        self.prefix = prefix
        self.first_last = after
        self.space = KeySpace(alphabet)
        self.out: queue.Queue = queue.Queue()
        self.tasks: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.open_tasks = 0
        self.idle = 0
        self.failed = threading.Event()
        self.n_workers = min(lister.streams, lister.max_workers)

    # boundaries --------------------------------------------------------------------------
    def _cut_points(self) -> list[str]:
        """Cut points spreading the keys after the first page over the workers.

        The keys above the first page's last key ``lo`` end somewhere below an unknown last key.
        Rounds of parallel probes (``StartAfter=p, MaxKeys=1``: is there a key after ``p``?) over
        the key space of the alphabet seen so far narrow down where the keys end; the range
        ``(lo, end]`` is then cut evenly in that key space. Balance need not be perfect: workers
        that run out of work take half of a busy worker's remaining range.
        """
        from concurrent.futures import ThreadPoolExecutor

        lo = self.first_last
        space = self.space
        a, b = lo, space.top(self.prefix)
        if b <= a:
            return []
        with ThreadPoolExecutor(max_workers=min(PROBES_PER_ROUND, self.lister.max_workers),
                                thread_name_prefix="s3probe") as pool:
            for _ in range(PROBE_ROUNDS):
                points = space.between(a, b, PROBES_PER_ROUND + 1)
                if not points:
                    break
                found = list(pool.map(lambda p: self.lister.probe(self.prefix, p), points))
                live = [j for j, k in enumerate(found) if k is not None]
                if not live:
                    b = points[0]           # every key left lies in (a, points[0]]
                elif live[-1] == len(points) - 1:
                    a = points[-1]          # keys beyond the last point: the estimate was low
                    break
                else:
                    a, b = points[live[-1]], points[live[-1] + 1]
        return space.between(lo, b, self.n_workers * 2)

    # workers -----------------------------------------------------------------------------
    def run(self) -> Iterator[Page]:
        cuts = self._cut_points()
        bounds = [self.first_last, *cuts, None]
        for a, b in zip(bounds, bounds[1:]):
            self._add(a, b)
        threads = [threading.Thread(target=self._work, name=f"s3list-{i}", daemon=True)
                   for i in range(self.n_workers)]
        for t in threads:
            t.start()
        try:
            done = 0
            while done < len(threads):
                item = self.out.get()
                if item is None:
                    done += 1
                elif isinstance(item, BaseException):
                    self.failed.set()
                    raise item
                else:
                    yield item
        finally:
            self.failed.set()
            for _ in threads:
                self.tasks.put(None)
            for t in threads:
                t.join(timeout=60)

    def _add(self, lo: str | None, hi: str | None) -> None:
        with self.lock:
            self.open_tasks += 1
        self.tasks.put((lo, hi))

    def _work(self) -> None:
        try:
            while not self.failed.is_set():
                with self.lock:
                    if self.open_tasks == 0:
                        break
                    self.idle += 1
                try:
                    task = self.tasks.get(timeout=0.05)
                except queue.Empty:
                    with self.lock:
                        self.idle -= 1
                    continue
                with self.lock:
                    self.idle -= 1
                if task is None:
                    break
                try:
                    self._list_range(*task)
                finally:
                    with self.lock:
                        self.open_tasks -= 1
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            self.out.put(exc)
        finally:
            self.out.put(None)

    def _list_range(self, lo: str | None, hi: str | None) -> None:
        token = None
        while not self.failed.is_set():
            page = self.lister.page(self.prefix, start_after=lo, token=token)
            n = len(page.keys)
            if hi is not None and n and page.last_key > hi:
                # keep the keys <= hi (sorted page: binary search on the Arrow column)
                keep = _count_at_most(page.keys, hi)
                if keep:
                    self.out.put(page.cut(keep))
                return
            if n:
                self.out.put(page)
            if not page.truncated or not page.token:
                return
            token = page.token
            last = page.last_key
            with self.lock:
                hungry = self.idle > 0 and self.tasks.empty()
            if hungry:
                mids = self.space.between(last, hi if hi is not None else self.space.top(self.prefix), 2)
                if mids:
                    # hand (mid, hi] to an idle worker, keep (last, mid]
                    self._add(mids[0], hi)
                    hi = mids[0]


def _count_at_most(keys: pa.Array, bound: str) -> int:
    """How many of the sorted ``keys`` are <= ``bound``."""
    lo, hi = 0, len(keys)
    while lo < hi:
        mid = (lo + hi) // 2
        if keys[mid].as_py() <= bound:
            lo = mid + 1
        else:
            hi = mid
    return lo


def to_batch(page: Page, cut: int = 0) -> pa.RecordBatch:
    """A :data:`INVENTORY_SCHEMA` batch of a page, keys with their first ``cut`` characters removed."""
    keys = pc.utf8_slice_codeunits(page.keys, cut) if cut else page.keys
    return pa.RecordBatch.from_arrays([keys, page.sizes, page.mtimes, page.etags], schema=INVENTORY_SCHEMA)

"""The data path of the S3 backend: listing and reading through obstore (Rust ``object_store``).

Why obstore: measured side by side (``bench/listing.py``, ``docs/scale.md``), it lists 2-6x faster
than a Python parser of ListObjectsV2 pages and ~10x faster than boto3's paginator, on every bucket
shape, and it reads ranges with retries of the body as well as of the request. The hand-written
signed lister this replaces (botocore signer + private HTTP session + regex parser) is gone.

What stays boto3's: *configuration*. The store is built from the boto3 session and client of
:class:`~.s3.S3Storage`, so ``AWS_PROFILE`` / ``profile=``, ``AWS_ENDPOINT_URL`` / ``endpoint_url=``,
``~/.aws/config``, SSO and instance roles work exactly as before: the endpoint and region are the
client's own (``client.meta``), the credentials come from the session's credential chain through
obstore's public ``credential_provider`` hook (refreshed when botocore refreshes them).

Settings (timeouts, attempts) come from :func:`~.s3.s3_settings`, the one place where the S3
client configuration of this package lives, for boto3 and obstore alike.

Retries are this module's (:func:`call`), not obstore's (its ``max_retries`` is 0): obstore retries
a request, but not a ListObjectsV2 answer whose body is cut short in transit, which then fails the
whole listing. Here every request (one list page, one GET, one HEAD) gets at most ``max_attempts``
attempts, retried only when the failure is transient (5xx, 429, throttling codes, a connection
reset, refused or timed out, a body cut short), with jittered exponential backoff; access errors,
a missing bucket or key and other 4xx answers are never retried. A listing that fails mid-way is
resumed after the last key it received (``offset``, S3's ``StartAfter``), so no key is listed twice
and none is lost. Recursive listings (several key ranges of one prefix at a time) are
:mod:`.s3_ranges`'; this module has what they share (store, errors, retries, batches).

obstore's key model differs from S3's in two ways this module hides:

* its ``prefix`` is a whole path *segment* (``a/b`` matches ``a/b/x`` but not ``a/bc``); an S3 prefix
  is any string. A partial last segment is listed from its parent with ``offset`` (S3's
  ``StartAfter``) just below the prefix, keeping the keys that start with it and stopping at the
  first key past it (listings are in key order);
* errors are obstore exceptions; :func:`error_code` recovers S3's error code and HTTP status from
  them so that :func:`~.s3_errors.map_error` maps them like botocore's.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from nba_simulator.storage.base import INVENTORY_SCHEMA

LIST_CHUNK = 1000  # objects per Arrow batch from obstore (one ListObjectsV2 page)
CREDENTIAL_TTL = timedelta(minutes=5)  # refreshable credentials are asked for again after this

_CODE = re.compile(r"<Code>([^<]*)</Code>")
_STATUS = re.compile(
    r"status(?: code)?:?\s*(\d{3})|\b(\d{3}) (?:Forbidden|Not Found|Bad Request|"
    r"Internal Server Error|Service Unavailable|Bad Gateway|Gateway Timeout|"
    r"Too Many Requests|Unauthorized|Moved Permanently|Temporary Redirect)"
)


class SessionCredentials:
    """obstore ``credential_provider``: the boto3 session's credentials (its whole chain)."""

    def __init__(self, credentials):
        self.credentials = credentials
        # RefreshableCredentials (SSO, assumed roles, instance roles) expire: ask again regularly.
        self.refreshable = hasattr(credentials, "refresh_needed")

    def __call__(self) -> dict:
        frozen = self.credentials.get_frozen_credentials()
        return {
            "access_key_id": frozen.access_key,
            "secret_access_key": frozen.secret_key,
            "token": frozen.token,
            "expires_at": datetime.now(UTC) + CREDENTIAL_TTL if self.refreshable else None,
        }


def build_store(client, credentials, bucket: str, settings: dict):
    """An obstore ``S3Store`` of ``bucket`` configured like the boto3 ``client``.

    ``credentials``: the session's (``session.get_credentials()``), ``None`` for unsigned requests.
    ``settings``: :func:`~.s3.s3_settings` (timeouts in seconds, attempts in all).
    """
    from obstore.store import S3Store

    config: dict = {"region": client.meta.region_name or "us-east-1"}
    endpoint = client.meta.endpoint_url
    if endpoint and not re.match(r"https://s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?/?$", endpoint):
        config["endpoint"] = endpoint  # a custom endpoint (AWS_ENDPOINT_URL, endpoint_url=)
    style = (client.meta.config.s3 or {}).get("addressing_style") or "auto"
    if style == "virtual" and "endpoint" not in config:
        config["virtual_hosted_style_request"] = True
    client_options = {
        "connect_timeout": timedelta(seconds=settings["connect_timeout"]),
        "read_timeout": timedelta(seconds=settings["read_timeout"]),
        "allow_http": bool(endpoint and endpoint.startswith("http://")),
    }
    # retries are ours (see call()): obstore would not retry a list answer cut short
    retry_config = {"max_retries": 0, "retry_timeout": timedelta(seconds=settings["retry_timeout"])}
    if credentials is None:
        config["skip_signature"] = True
        provider = None
    else:
        provider = SessionCredentials(credentials)
    return S3Store(
        bucket, config=config, client_options=client_options, retry_config=retry_config, credential_provider=provider
    )


def error_code(exc: BaseException) -> tuple[str, int]:
    """``(S3 error code, HTTP status)`` of an obstore exception (``""``/``0`` when unknown)."""
    from obstore import exceptions as oe

    text = str(exc)
    m = _CODE.search(text)
    code = m.group(1) if m else ""
    s = _STATUS.search(text)
    status = int(s.group(1) or s.group(2)) if s else 0
    if not status:
        if isinstance(exc, (oe.NotFoundError, FileNotFoundError)):
            status = 404
        elif isinstance(exc, oe.PermissionDeniedError):
            status = 403
        elif isinstance(exc, oe.UnauthenticatedError):
            status = 401
    return code, status


def is_connection_error(exc: BaseException) -> bool:
    """An obstore error that never got an HTTP answer (refused, reset, timed out)."""
    text = str(exc).lower()
    return not error_code(exc)[1] and any(
        w in text
        for w in (
            "connect",
            "connection",
            "timed out",
            "timeout",
            "reset",
            "broken pipe",
            "error sending request",
            "incomplete",
            "body",
            "eof",
        )
    )


TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "SlowDown",
        "RequestLimitExceeded",
        "RequestThrottled",
        "BandwidthLimitExceeded",
        "TooManyRequestsException",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalError",
        "ServiceUnavailable",
        "PriorRequestNotComplete",
    }
)
THROTTLING = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "SlowDown",
        "RequestLimitExceeded",
        "RequestThrottled",
        "BandwidthLimitExceeded",
        "TooManyRequestsException",
    }
)


class UnrepresentableKey(Exception):
    """obstore cannot represent a key of this listing (a ``.`` or ``..`` segment, an empty segment:
    object_store refuses such paths, S3 allows any string). ``last_seen``: the last key listed
    before it (``None``: none), so that another client can carry on after it."""

    def __init__(self, last_seen: str | None):
        super().__init__("key not representable by obstore")
        self.last_seen = last_seen


def is_invalid_path(exc: BaseException) -> bool:
    from obstore.exceptions import InvalidPathError

    return isinstance(exc, InvalidPathError)


def is_not_found(exc: BaseException) -> bool:
    """A missing object: obstore's ``NotFoundError`` or the builtin ``FileNotFoundError``."""
    from obstore.exceptions import NotFoundError

    return isinstance(exc, (NotFoundError, FileNotFoundError))


def is_transient(exc: BaseException) -> bool:
    """Worth another attempt: 5xx, 429, a throttling code, or no answer at all (connection, body)."""
    if isinstance(exc, FileNotFoundError):
        return False
    if not type(exc).__module__.startswith("obstore"):
        return False
    code, status = error_code(exc)
    if status:
        return status >= 500 or status == 429 or code in TRANSIENT_CODES
    return code in TRANSIENT_CODES or is_connection_error(exc)


def backoff(attempt: int, exc: BaseException) -> float:
    """Seconds to wait before attempt ``attempt + 1``: full jitter, 0.1 s doubling (1 s when throttled)."""
    base = 1.0 if error_code(exc)[0] in THROTTLING else 0.1
    return random.uniform(0, min(10.0, base * 2 ** (attempt - 1)))


def call(fn: Callable, settings: dict):
    """``fn()`` with at most ``settings["max_attempts"]`` attempts, retrying transient errors only."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn()
        except Exception as exc:
            if attempt >= settings["max_attempts"] or not is_transient(exc):
                raise
            time.sleep(backoff(attempt, exc))


# -- listing -----------------------------------------------------------------------------------
def segment_and_offset(prefix: str) -> tuple[str | None, str | None]:
    """obstore ``prefix`` (whole segments) and ``offset`` (start after) covering the S3 ``prefix``."""
    folder, _, partial = prefix.rpartition("/")
    seg = folder or None
    if not partial:
        return seg, None
    # just below every key that starts with the prefix: the last character lowered by one,
    # followed by '~' (the highest printable ASCII character)
    # ('0' would become '/': an empty path segment, which object_store refuses; then the folder)
    lower = chr(ord(partial[-1]) - 1) if ord(partial[-1]) > 0x20 else ""
    below = prefix[:-1] + lower + "~" * 4 if lower and lower != "/" else prefix[:-1].rstrip("/")
    return seg, below or None


def to_batch(batch, cut: int) -> pa.RecordBatch:
    """An obstore Arrow batch -> :data:`INVENTORY_SCHEMA` (keys without their first ``cut`` chars)."""
    rb = pa.record_batch(batch)
    keys = rb.column("path").cast(pa.string())
    if cut:
        keys = pc.utf8_slice_codeunits(keys, cut)
    etags = rb.column("e_tag").cast(pa.string())
    etags = pc.replace_substring(etags, '"', "")
    return pa.RecordBatch.from_arrays(
        [
            keys,
            rb.column("size").cast(pa.int64()),
            rb.column("last_modified").cast(pa.timestamp("us", tz="UTC")),
            etags,
        ],
        schema=INVENTORY_SCHEMA,
    )


def list_level(store, prefix: str, cut: int, settings: dict) -> tuple[list[str], pa.RecordBatch | None]:
    """One ``/`` level below ``prefix``: ("folders" ending with ``/``, objects at that level)."""
    import obstore

    seg, _ = segment_and_offset(prefix)
    result = call(lambda: obstore.list_with_delimiter(store, seg, return_arrow=True), settings)
    folders = [p.rstrip("/") + "/" for p in result["common_prefixes"]]
    folders = [p[cut:] for p in folders if p.startswith(prefix)]
    table = pa.table(result["objects"]).combine_chunks()
    objects = None
    if table.num_rows:
        rb = table.to_batches()[0]
        if prefix:
            rb = rb.filter(pc.starts_with(rb.column("path").cast(pa.string()), prefix))
        objects = to_batch(rb, cut) if rb.num_rows else None
    return folders, objects


def read(store, key: str, start: int, end: int | None, settings: dict) -> bytes:
    """Bytes ``[start, end)`` of ``key`` (``end`` past the object: cut short)."""
    import obstore

    if start == 0 and end is None:
        return call(lambda: bytes(obstore.get(store, key).bytes()), settings)
    rng = {"offset": start} if end is None else (start, end)
    return call(lambda: bytes(obstore.get(store, key, options={"range": rng}).bytes()), settings)


def head(store, key: str, settings: dict) -> None:
    """Raise unless ``key`` exists (one HEAD request)."""
    import obstore

    call(lambda: obstore.head(store, key), settings)

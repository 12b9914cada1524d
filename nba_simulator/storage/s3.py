"""A lake in an S3 bucket (or under a prefix of one), read-only, through boto3.

Configuration is boto3's own: ``AWS_PROFILE`` / ``profile=``, ``AWS_ENDPOINT_URL`` /
``endpoint_url=``, ``~/.aws/config``, instance roles... nothing is re-implemented here.

Retries are botocore's "standard" mode (throttling, 5xx, connection errors; exponential backoff
with jitter); there is no retry loop of our own. Standard mode never retries access errors
(AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, ExpiredToken...): the tests check it.
What survives botocore's retries is mapped to this package's errors (see :func:`.s3_errors.map_error`), with
one-line messages that never carry credentials, tokens or signed URLs (the server's own message
is never copied, only its error code).

Listing (``iter_objects``/``list_prefixes``) and reading go through obstore (Rust
``object_store``, :mod:`.s3_store`), configured from the boto3 session and client: 2-6x the keys/s
of a Python parser and ~10x boto3's paginator (``docs/scale.md``). ``listing="paginator"`` (or
``NBA_RECON_S3_LISTING=paginator``) lists through boto3's paginator instead. ``check()`` is one
boto3 request (the exact error code of a missing bucket or a refused identity).

Every setting of the S3 clients (timeouts, attempts) is in :func:`s3_settings`: boto3's ``Config``
and obstore's client/retry options are both built from it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import boto3
import botocore.session
import pyarrow as pa
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    NoCredentialsError,
)

from nba_simulator import settings
from nba_simulator.deadline import seconds
from nba_simulator.errors import (
    BadInput,
    LakeNotFound,
    ReconError,
)
from nba_simulator.storage.base import ObjectNotFound, Storage, check_range, make_batch
from nba_simulator.storage.s3_errors import MAX_ATTEMPTS, is_obstore_error, map_error

log = logging.getLogger(__name__)
LISTINGS = ("obstore", "paginator")
_LISTING_ALIASES = {"fast": "obstore"}  # the former name of the default listing

RETRY_TIMEOUT = 120  # seconds: no retry starts later than this after the first attempt (obstore)
DEFAULT_MAX_WORKERS = 32  # connection pool size == highest useful number of parallel listings


def range_streams(max_workers: int) -> int:
    """Parallel key ranges per listed prefix: ``$NBA_RECON_S3_RANGE_STREAMS`` or 6 (1: sequential)."""
    return min(settings.get("NBA_RECON_S3_RANGE_STREAMS"), max_workers)


def s3_settings() -> dict:
    """The one place of the S3 client settings, read when a storage is opened (boto3 and obstore)."""
    return {
        "max_attempts": MAX_ATTEMPTS,
        "connect_timeout": seconds("NBA_RECON_S3_CONNECT_TIMEOUT"),
        "read_timeout": seconds("NBA_RECON_S3_READ_TIMEOUT"),
        "retry_timeout": RETRY_TIMEOUT,
    }


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` -> (``'bucket'``, ``'a/b/'``); ``s3://bucket`` -> (``'bucket'``, ``''``)."""
    if not uri.startswith("s3://"):
        raise BadInput(f"not an s3:// URI: {uri}")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    if not bucket:
        raise BadInput(f"no bucket in S3 URI: {uri}")
    prefix = prefix.strip("/")
    return bucket, (prefix + "/" if prefix else "")


_LOADER = None
_LOADER_LOCK = threading.Lock()


def _botocore_session(profile: str | None):
    """A new botocore session (its own configuration and credential chain) sharing one data loader:
    the S3 service model (JSON) is then parsed once per process, not once per storage opened
    (0.5-1 s each time on a busy machine)."""
    global _LOADER
    session = botocore.session.Session(profile=profile)
    with _LOADER_LOCK:
        if _LOADER is None:
            _LOADER = session.get_component("data_loader")
    session.register_component("data_loader", _LOADER)
    return session


class S3Storage(Storage):
    def __init__(
        self,
        uri: str,
        *,
        profile: str | None = None,
        endpoint_url: str | None = None,
        max_workers: int = DEFAULT_MAX_WORKERS,
        listing: str | None = None,
    ):
        self.bucket, self.prefix = parse_s3_uri(uri)
        listing = listing or settings.get("NBA_RECON_S3_LISTING")
        listing = _LISTING_ALIASES.get(listing, listing)
        if listing not in LISTINGS:
            raise BadInput(f"S3 listing must be one of {', '.join(LISTINGS)}, got {listing!r}")
        self.listing = listing
        self.uri = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        self.max_workers = max_workers
        #: key ranges of one prefix listed at the same time (``NBA_RECON_S3_RANGE_STREAMS``)
        self.range_streams = range_streams(max_workers)
        #: a whole listing ends within this many seconds, however slowly the server answers
        self.listing_deadline = seconds("NBA_RECON_S3_LISTING_DEADLINE")
        self.settings = s3_settings()
        config = Config(
            # total_max_attempts counts the first call; Config's "max_attempts" would count retries only.
            retries={"mode": "standard", "total_max_attempts": self.settings["max_attempts"]},
            connect_timeout=self.settings["connect_timeout"],
            read_timeout=self.settings["read_timeout"],
            max_pool_connections=max_workers,
        )
        try:
            # A Session is not thread-safe, the client it makes is: one client, shared.
            self.session = boto3.session.Session(botocore_session=_botocore_session(profile))
            self.client = self.session.client("s3", endpoint_url=endpoint_url, config=config)
        except Exception as exc:  # noqa: BLE001 - everything is mapped
            raise map_error(exc, self.uri, "opening") from None
        self._store = None

    @property
    def ranged_listing(self) -> bool:  # obstore's listings are cut into parallel key ranges
        return self.listing == "obstore"

    def _error(self, exc: Exception, action: str) -> ReconError:
        return map_error(exc, self.uri, action)

    def store(self):
        """The obstore ``S3Store`` of the bucket (built on first use from the boto3 session/client)."""
        if self._store is None:
            from botocore import UNSIGNED

            from nba_simulator.storage.s3_store import build_store

            unsigned = self.client.meta.config.signature_version is UNSIGNED
            credentials = None if unsigned else self.session.get_credentials()
            if credentials is None and not unsigned:
                raise NoCredentialsError()
            self._store = build_store(self.client, credentials, self.bucket, self.settings)
        return self._store

    def close(self) -> None:
        self.client.close()
        self._store = None

    def check(self) -> None:
        try:
            resp = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=1)
        except Exception as exc:  # noqa: BLE001 — botocore/obstore raise many types; mapped to the package's errors
            raise self._error(exc, "listing") from None
        if self.prefix and not resp.get("KeyCount", 0):
            raise LakeNotFound(f"no objects under {self.uri}/ (wrong prefix?)")

    def _pages(self, prefix: str, delimiter: str | None, start_after: str | None = None) -> Iterator[dict]:
        kwargs = {"Bucket": self.bucket, "Prefix": self.prefix + prefix}
        if delimiter:
            kwargs["Delimiter"] = delimiter
        if start_after:
            kwargs["StartAfter"] = start_after  # a full key
        try:
            # The paginator follows NextContinuationToken until IsTruncated is false.
            yield from self.client.get_paginator("list_objects_v2").paginate(**kwargs)
        except Exception as exc:  # noqa: BLE001 — botocore/obstore raise many types; mapped to the package's errors
            raise self._error(exc, f"listing {prefix!r} in") from None

    def list_prefixes(self, prefix: str = "") -> list[str]:
        cut = len(self.prefix)
        if self.listing == "obstore":
            from nba_simulator.storage.s3_store import is_invalid_path, list_level

            try:
                return sorted(list_level(self.store(), self.prefix + prefix, cut, self.settings)[0])
            except Exception as exc:  # noqa: BLE001 — botocore/obstore raise many types; mapped to the package's errors
                if not is_invalid_path(exc):
                    raise self._error(exc, f"listing {prefix!r} in") from None
                log.info(
                    "listing %r of %s through boto3's paginator (a key obstore cannot represent)", prefix, self.uri
                )
        out = []
        for page in self._pages(prefix, "/"):
            out.extend(cp["Prefix"][cut:] for cp in page.get("CommonPrefixes", ()))
        return sorted(out)

    def iter_objects(self, prefix: str = "", *, recursive: bool = True) -> Iterator[pa.RecordBatch]:
        if self.listing == "paginator":
            yield from self.iter_objects_paginated(prefix, recursive=recursive)
            return
        from nba_simulator.storage import s3_ranges, s3_store

        cut = len(self.prefix)
        try:
            if recursive:
                # key ranges of the prefix listed in parallel; a range with a key obstore cannot
                # represent ('.'/'..' segments) goes on through boto3's paginator
                yield from s3_ranges.iter_objects(
                    self.store(),
                    self.prefix + prefix,
                    cut,
                    self.settings,
                    streams=self.range_streams,
                    fallback=lambda after: self.iter_objects_paginated(prefix, start_after=after),
                )
                return
            batch = s3_store.list_level(self.store(), self.prefix + prefix, cut, self.settings)[1]
        except Exception as exc:  # noqa: BLE001 — botocore/obstore raise many types; mapped to the package's errors
            if not s3_store.is_invalid_path(exc):
                raise self._error(exc, f"listing {prefix!r} in") from None
            # one level (list_with_delimiter) with a key obstore cannot represent: boto3's paginator
            log.info("listing %r of %s through boto3's paginator (a key obstore cannot represent)", prefix, self.uri)
            yield from self.iter_objects_paginated(prefix, recursive=False)
            return
        if batch is not None:
            yield batch

    def iter_objects_paginated(
        self, prefix: str = "", *, recursive: bool = True, start_after: str | None = None
    ) -> Iterator[pa.RecordBatch]:
        """:meth:`iter_objects` through boto3's paginator (one sequential stream); ``start_after``:
        a full key (with the lake's prefix), only the keys after it."""
        cut = len(self.prefix)
        for page in self._pages(prefix, None if recursive else "/", start_after):
            contents = page.get("Contents")
            if not contents:
                continue
            yield make_batch(
                [o["Key"][cut:] for o in contents],
                [o["Size"] for o in contents],
                [o["LastModified"] for o in contents],
                [o["ETag"].strip('"') if o.get("ETag") else None for o in contents],
            )

    def read(self, key: str, start: int | None = None, end: int | None = None) -> bytes:
        from nba_simulator.storage import s3_store

        start, end = check_range(start, end)
        if not key:
            raise BadInput("empty key")
        full = self.prefix + key
        try:
            if end is not None and end <= start:
                s3_store.head(self.store(), full, self.settings)
                return b""
            return s3_store.read(self.store(), full, start, end, self.settings)
        except Exception as exc:  # noqa: BLE001 — botocore/obstore raise many types; mapped to the package's errors
            if s3_store.is_invalid_path(exc):  # a key obstore cannot represent: boto3 reads it
                return self._read_boto3(key, start, end)
            code, status = s3_store.error_code(exc) if is_obstore_error(exc) else ("", 0)
            if s3_store.is_not_found(exc) or code in ("NoSuchKey", "NotFound"):
                raise ObjectNotFound(f"object not found: {key} in {self.uri}") from None
            if code == "InvalidRange" or status == 416:  # start past the end of the object
                return b""
            raise self._error(exc, f"reading {key!r} in") from None

    def _read_boto3(self, key: str, start: int, end: int | None) -> bytes:
        """:meth:`read` through the boto3 client (keys obstore refuses: ``.``/``..`` segments)."""
        kwargs = {"Bucket": self.bucket, "Key": self.prefix + key}
        if end is not None and end <= start:
            try:
                self.client.head_object(**kwargs)
            except Exception as exc:  # noqa: BLE001 — botocore/obstore raise many types; mapped to the package's errors
                raise self._boto3_read_error(exc, key) from None
            return b""
        if start or end is not None:
            kwargs["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            with self.client.get_object(**kwargs)["Body"] as body:
                return body.read()
        except Exception as exc:  # noqa: BLE001 — botocore/obstore raise many types; mapped to the package's errors
            raise self._boto3_read_error(exc, key) from None

    def _boto3_read_error(self, exc: Exception, key: str) -> Exception:
        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404", "NotFound"):
                return ObjectNotFound(f"object not found: {key} in {self.uri}")
        return self._error(exc, f"reading {key!r} in")

"""A lake in an S3 bucket (or under a prefix of one), read-only, through boto3.

Configuration is boto3's own: ``AWS_PROFILE`` / ``profile=``, ``AWS_ENDPOINT_URL`` /
``endpoint_url=``, ``~/.aws/config``, instance roles... nothing is re-implemented here.

Retries are botocore's "standard" mode (throttling, 5xx, connection errors; exponential backoff
with jitter); there is no retry loop of our own. Standard mode never retries access errors
(AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, ExpiredToken...): the tests check it.
What survives botocore's retries is mapped to this package's errors (see :func:`map_error`), with
one-line messages that never carry credentials, tokens or signed URLs (the server's own message
is never copied, only its error code).

Listing (``iter_objects``/``list_prefixes``) goes by default through :mod:`.s3_fast`: the same
signer, HTTP pool and standard retry policy as the client, a lean response parser, and big
prefixes cut into key ranges listed in parallel (5-10x the keys/s of the paginator; see
``docs/scale.md``). ``listing="paginator"`` (or ``NBA_RECON_S3_LISTING=paginator``) uses boto3's
paginator instead; a bucket the lean path cannot serve (region redirect) falls back to it.
"""
from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator

import boto3
import pyarrow as pa
import urllib3
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError as BotoConnectionError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ProfileNotFound,
    ResponseStreamingError,
    SSOError,
    TokenRetrievalError,
)

from nba_simulator.errors import (
    AccessDenied,
    BadInput,
    LakeNotFound,
    ReconError,
    StorageError,
    TransientStorageError,
)
from nba_simulator.storage.base import ObjectNotFound, Storage, check_range, make_batch

log = logging.getLogger(__name__)
LISTINGS = ("fast", "paginator")

MAX_ATTEMPTS = 5  # in all: 1 call + 4 retries
CONNECT_TIMEOUT = 10  # seconds
READ_TIMEOUT = 60  # seconds
DEFAULT_MAX_WORKERS = 32  # connection pool size == highest useful number of parallel listings

ACCESS_CODES = frozenset(
    {
        "AccessDenied",
        "AllAccessDisabled",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidToken",
        "TokenRefreshRequired",
        "InvalidClientTokenId",
        "AccountProblem",
        "403",
    }
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


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` -> (``'bucket'``, ``'a/b/'``); ``s3://bucket`` -> (``'bucket'``, ``''``)."""
    if not uri.startswith("s3://"):
        raise BadInput(f"not an s3:// URI: {uri}")
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    if not bucket:
        raise BadInput(f"no bucket in S3 URI: {uri}")
    prefix = prefix.strip("/")
    return bucket, (prefix + "/" if prefix else "")


def map_error(exc: Exception, uri: str, action: str) -> ReconError:
    """A boto3/botocore exception -> this package's error, with a safe one-line message."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {}) or {}
        code = str(err.get("Code", "") or "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if code in ("NoSuchBucket",):
            return LakeNotFound(f"bucket not found: {uri}")
        if code in ACCESS_CODES or status == 403:
            return AccessDenied(
                f"access denied ({code or status}) {action} {uri}: check the AWS credentials/profile"
                " and that they may s3:ListBucket and s3:GetObject"
            )
        if code in TRANSIENT_CODES or status == 429 or status >= 500:
            return TransientStorageError(
                f"S3 unavailable ({code or status}) {action} {uri}, still failing after"
                f" {MAX_ATTEMPTS} attempts; retry later"
            )
        return StorageError(f"S3 error ({code or status}) {action} {uri}")
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return AccessDenied(
            f"no AWS credentials found for {uri}: set AWS_PROFILE (or --profile), or"
            " AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run 'aws sso login'"
        )
    if isinstance(exc, ProfileNotFound):
        return AccessDenied(f"AWS profile not found: {exc.kwargs.get('profile', '?')}")
    if isinstance(exc, (TokenRetrievalError, SSOError, CredentialRetrievalError)):
        return AccessDenied(
            f"AWS credentials could not be loaded for {uri} ({type(exc).__name__}):"
            " expired SSO session? run 'aws sso login'"
        )
    if isinstance(exc, (BotoConnectionError, HTTPClientError)):
        return TransientStorageError(
            f"cannot reach S3 {action} {uri} ({type(exc).__name__}) after {MAX_ATTEMPTS}"
            " attempts: check the network/endpoint; retry later"
        )
    if isinstance(exc, NoRegionError):
        return BadInput(f"no AWS region configured for {uri}: set AWS_DEFAULT_REGION")
    if isinstance(exc, ParamValidationError):
        return BadInput(f"invalid S3 request {action} {uri} (bad bucket name or key?)")
    if isinstance(exc, BotoCoreError):
        return StorageError(f"S3 client error {action} {uri} ({type(exc).__name__})")
    return StorageError(f"unexpected error {action} {uri} ({type(exc).__name__})")


class _BufferedRaw(io.BytesIO):
    """A received body, shaped like the urllib3 response botocore's StreamingBody reads."""

    def stream(self, amt: int = 2**16, decode_content=None):
        while chunk := self.read(amt):
            yield chunk


class _BodyInAttempt:
    """``before-send`` handler of GetObject: the body is read inside botocore's attempt.

    botocore retries a request until its headers arrive; a body cut short afterwards
    (a reset or a truncated transfer) would surface from ``Body.read()`` outside its retry loop,
    as a permanent error. Sending the request here through the client's own HTTP session and
    reading the whole body (checked against ``Content-Length``) turns a cut-short body into
    ``ResponseStreamingError``, an HTTP client error that botocore's standard mode retries like a
    reset connection: same attempt budget, same backoff, no loop of ours. ``read`` keeps whole
    objects in memory anyway.
    """

    def __init__(self, http_session):
        self.http = http_session

    def __call__(self, request, **kwargs):
        response = self.http.send(request)
        if not 200 <= response.status_code < 300:
            return response
        try:
            data = response.raw.read()
        except (OSError, urllib3.exceptions.HTTPError) as exc:
            raise ResponseStreamingError(error=type(exc).__name__) from None
        finally:
            response.raw.release_conn()
        expected = response.headers.get("content-length")
        if expected is not None and expected.strip().isdigit() and int(expected) != len(data):
            raise ResponseStreamingError(error=f"body cut short: {len(data)} of {int(expected)} bytes")
        return AWSResponse(response.url, response.status_code, response.headers, _BufferedRaw(data))


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
        listing = listing or os.environ.get("NBA_RECON_S3_LISTING") or "fast"
        if listing not in LISTINGS:
            raise BadInput(f"S3 listing must be one of {', '.join(LISTINGS)}, got {listing!r}")
        self.listing = listing
        self._fast = None
        self.uri = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        self.max_workers = max_workers
        from nba_simulator.deadline import seconds

        #: a whole listing ends within this many seconds, however slowly the server answers
        self.listing_deadline = seconds("NBA_RECON_S3_LISTING_DEADLINE")
        config = Config(
            # total_max_attempts counts the first call; Config's "max_attempts" would count retries only.
            retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
            connect_timeout=seconds("NBA_RECON_S3_CONNECT_TIMEOUT"),
            read_timeout=seconds("NBA_RECON_S3_READ_TIMEOUT"),
            max_pool_connections=max_workers,
        )
        try:
            # A Session is not thread-safe, the client it makes is: one client, shared.
            self.session = boto3.session.Session(profile_name=profile)
            self.client = self.session.client("s3", endpoint_url=endpoint_url, config=config)
        except Exception as exc:  # noqa: BLE001 - everything is mapped
            raise map_error(exc, self.uri, "opening") from None
        http_session = getattr(getattr(self.client, "_endpoint", None), "http_session", None)
        if http_session is not None:
            self.client.meta.events.register("before-send.s3.GetObject", _BodyInAttempt(http_session))

    def _error(self, exc: Exception, action: str) -> ReconError:
        return map_error(exc, self.uri, action)

    def close(self) -> None:
        self.client.close()

    def check(self) -> None:
        try:
            resp = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=1)
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc, "listing") from None
        if self.prefix and not resp.get("KeyCount", 0):
            raise LakeNotFound(f"no objects under {self.uri}/ (wrong prefix?)")

    def _pages(self, prefix: str, delimiter: str | None) -> Iterator[dict]:
        kwargs = {"Bucket": self.bucket, "Prefix": self.prefix + prefix}
        if delimiter:
            kwargs["Delimiter"] = delimiter
        try:
            # The paginator follows NextContinuationToken until IsTruncated is false.
            yield from self.client.get_paginator("list_objects_v2").paginate(**kwargs)
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc, f"listing {prefix!r} in") from None

    def fast_lister(self):
        """The lean lister of this bucket (built on first use; shares the client's pool)."""
        if self._fast is None:
            from nba_simulator.storage.s3_fast import FastLister

            self._fast = FastLister(self.client, self.bucket, self.session.get_credentials(),
                                    max_workers=self.max_workers)
        return self._fast

    def _fallback(self, reason: str) -> None:
        log.info("S3 listing of %s through boto3's paginator (%s)", self.uri, reason)
        self.listing = "paginator"

    def list_prefixes(self, prefix: str = "") -> list[str]:
        cut = len(self.prefix)
        if self.listing == "fast":
            from nba_simulator.storage.s3_fast import UseBotocore

            try:
                return sorted(p[cut:] for p in self.fast_lister().list_prefixes(self.prefix + prefix))
            except UseBotocore as exc:
                self._fallback(str(exc))
            except Exception as exc:  # noqa: BLE001
                raise self._error(exc, f"listing {prefix!r} in") from None
        out = []
        for page in self._pages(prefix, "/"):
            out.extend(cp["Prefix"][cut:] for cp in page.get("CommonPrefixes", ()))
        return sorted(out)

    def iter_objects(self, prefix: str = "", *, recursive: bool = True) -> Iterator[pa.RecordBatch]:
        if self.listing == "fast":
            from nba_simulator.storage.s3_fast import UseBotocore, to_batch

            pages = self.fast_lister().iter_pages(self.prefix + prefix, recursive=recursive)
            started = False
            try:
                for page in pages:
                    started = True
                    yield to_batch(page, len(self.prefix))
                return
            except UseBotocore as exc:
                if started:  # pragma: no cover - redirects come with the first page
                    raise self._error(exc, f"listing {prefix!r} in") from None
                self._fallback(str(exc))
            except Exception as exc:  # noqa: BLE001
                raise self._error(exc, f"listing {prefix!r} in") from None
            finally:
                pages.close()
        yield from self.iter_objects_paginated(prefix, recursive=recursive)

    def iter_objects_paginated(self, prefix: str = "", *, recursive: bool = True) -> Iterator[pa.RecordBatch]:
        """:meth:`iter_objects` through boto3's paginator (one sequential stream)."""
        cut = len(self.prefix)
        for page in self._pages(prefix, None if recursive else "/"):
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
        start, end = check_range(start, end)
        if not key:
            raise BadInput("empty key")
        kwargs = {"Bucket": self.bucket, "Key": self.prefix + key}
        if end is not None and end <= start:
            self._head(key)
            return b""
        if start or end is not None:
            kwargs["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            resp = self.client.get_object(**kwargs)
            with resp["Body"] as body:
                return body.read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise ObjectNotFound(f"object not found: {key} in {self.uri}") from None
            if code == "InvalidRange":  # start past the end of the object
                return b""
            raise self._error(exc, f"reading {key!r} in") from None
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc, f"reading {key!r} in") from None

    def _head(self, key: str) -> None:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise ObjectNotFound(f"object not found: {key} in {self.uri}") from None
            raise self._error(exc, f"reading {key!r} in") from None
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc, f"reading {key!r} in") from None

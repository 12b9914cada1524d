"""S3 failures in this package's terms: a boto3/botocore or obstore exception that survived the
clients' retries becomes an :class:`~nba_simulator.errors.ReconError` (``AccessDenied``,
``LakeNotFound``, ``TransientStorageError``, ``BadInput``, ``StorageError``) with a safe one-line
message that never copies the server's (:func:`map_error`)."""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOError,
    TokenRetrievalError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from nba_simulator.errors import (
    AccessDenied,
    BadInput,
    LakeNotFound,
    ReconError,
    StorageError,
    TransientStorageError,
)

MAX_ATTEMPTS = 5  # in all: 1 call + 4 retries (the clients' setting, said by the errors)

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


def is_obstore_error(exc: Exception) -> bool:
    # obstore raises its own exceptions, and the builtin FileNotFoundError for a missing object
    return type(exc).__module__.startswith("obstore") or isinstance(exc, FileNotFoundError)


def map_error(exc: Exception, uri: str, action: str) -> ReconError:
    """A boto3/botocore or obstore exception -> this package's error, with a safe one-line message."""
    if is_obstore_error(exc):
        from nba_simulator.storage.s3_store import error_code, is_connection_error

        code, status = error_code(exc)
        if not code and not status:
            if is_connection_error(exc):
                return TransientStorageError(
                    f"cannot reach S3 {action} {uri} ({type(exc).__name__}) after {MAX_ATTEMPTS}"
                    " attempts: check the network/endpoint; retry later"
                )
            return StorageError(f"S3 client error {action} {uri} ({type(exc).__name__})")
        exc = ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "ListObjectsV2")
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

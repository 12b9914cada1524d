"""``open_storage``: the backend a lake URI names. Above :mod:`.base` and its backends (each
backend imports the interface; only this module knows them all), so there is no import cycle."""

from __future__ import annotations

from nba_simulator.errors import BadInput
from nba_simulator.masking import lake_credentials, mask
from nba_simulator.storage.base import Storage
from nba_simulator.storage.local import LocalStorage
from nba_simulator.storage.s3 import S3Storage


def open_storage(uri: str, *, profile: str | None = None, endpoint_url: str | None = None) -> Storage:
    """``s3://bucket[/prefix]`` -> :class:`~.s3.S3Storage`; anything else (or ``file://...``) -> a local folder.

    ``profile``/``endpoint_url`` only apply to S3; when ``None`` boto3's own configuration is used
    (``AWS_PROFILE``, ``AWS_ENDPOINT_URL``, ``~/.aws/config``...).
    """
    uri = str(uri)
    if lake_credentials(uri):
        raise BadInput(
            f"lake {mask(uri)}: credentials in the lake URI are refused; "
            "put credentials in the environment or a profile"
        )
    if uri.startswith("s3://"):
        return S3Storage(uri, profile=profile, endpoint_url=endpoint_url)
    if uri.startswith("file://"):
        uri = uri[len("file://") :]
    return LocalStorage(uri)

"""storage.factory: a lake URI opens the right backend; credentials in a URI are refused."""

from __future__ import annotations

import pytest

from nba_simulator.errors import BadInput
from nba_simulator.storage.factory import open_storage
from nba_simulator.storage.local import LocalStorage
from nba_simulator.storage.s3 import S3Storage


def test_backends_by_uri(tmp_path):
    assert isinstance(open_storage(str(tmp_path)), LocalStorage)
    local = open_storage(f"file://{tmp_path}")
    assert isinstance(local, LocalStorage) and str(tmp_path) in local.uri
    s3 = open_storage("s3://bucket/prefix", endpoint_url="http://127.0.0.1:1")
    assert isinstance(s3, S3Storage) and s3.bucket == "bucket"


def test_credentials_in_the_uri_are_refused_and_never_echoed():
    with pytest.raises(BadInput, match="credentials in the lake URI are refused") as got:
        open_storage("s3://AKIAXXXX:topsecret@bucket/prefix")
    assert "topsecret" not in str(got.value)

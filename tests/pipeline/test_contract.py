"""Pure parts of the runner: parameter coercion, failure classification, backoff, redaction."""

from __future__ import annotations

import pytest

from nba_simulator.errors import ParameterError
from nba_simulator.pipeline import params as P
from nba_simulator.pipeline.record import redact
from nba_simulator.pipeline.retry import Backoff, Failure, classify, classify_names, with_retries


@pytest.mark.parametrize(
    "value,type_,expected",
    [
        ("3", "int", 3),
        (" -2 ", "int", -2),
        ("0.5", "float", 0.5),
        ("2", "float", 2.0),
        ("true", "bool", True),
        ("No", "bool", False),
        ("x", "str", "x"),
        ("none", "Optional[int]", None),
        ("", "Optional[float]", None),
        ("7", "Optional[int]", 7),
        ("a, b", "list[str]", ["a", "b"]),
        ('["1", "2"]', "list[int]", [1, 2]),
        (4, "float", 4.0),
        (None, "Optional[str]", None),
    ],
)
def test_coerce(value, type_, expected):
    assert P.coerce("p", value, type_) == expected


@pytest.mark.parametrize(
    "value,type_",
    [
        ("1.5", "int"),
        ("abc", "float"),
        ("maybe", "bool"),
        (True, "int"),
        (3, "str"),
        (None, "int"),
        ("nan?", "Optional[int]"),
    ],
)
def test_coerce_rejects(value, type_):
    with pytest.raises(ParameterError):
        P.coerce("p", value, type_)


def test_validate_names_and_dates():
    decl = {"sample": P.Param("sample", "Optional[float]", None), "as_of": P.Param("as_of", "str", "")}
    assert P.validate(decl, {"sample": "0.1", "as_of": "2019-03-15"}) == {"sample": 0.1, "as_of": "2019-03-15"}
    with pytest.raises(ParameterError, match="did you mean sample"):
        P.validate(decl, {"sampel": "1"})
    with pytest.raises(ParameterError, match="date YYYY-MM-DD"):
        P.validate(decl, {"as_of": "15/03/2019"})
    with pytest.raises(ParameterError, match="not a parameter name"):
        P.parse_pairs([["bad-name", "1"]])


@pytest.mark.parametrize(
    "ename,evalue,transient",
    [
        ("AccessDenied", "", False),
        ("SpecError", "spec.yaml:3: bad", False),
        ("BadInput", "", False),
        ("LakeNotFound", "", False),
        ("ParameterError", "", False),
        ("TransientStorageError", "", True),
        ("ConnectionResetError", "", True),
        ("DeadKernelError", "Kernel died", True),
        ("EndpointConnectionError", "", True),
        ("ClientError", "An error occurred (SlowDown) when calling ListObjectsV2", True),
        ("ClientError", "An error occurred (AccessDenied) when calling ListObjectsV2", False),
        ("KeyError", "'dataset'", False),
        ("ValueError", "", False),
    ],
)
def test_classify_names(ename, evalue, transient):
    assert classify_names(ename, evalue)[0] is transient


def test_timeouts_are_not_retried():
    from nbclient.exceptions import DeadKernelError

    from nba_simulator.errors import StageTimeout

    assert classify(DeadKernelError("Kernel died")).transient  # on its own: worth a retry
    timed = classify(StageTimeout(5, DeadKernelError("Kernel died")))  # the monitor killed it
    assert (timed.ename, timed.transient) == ("StageTimeout", False)
    assert timed.evalue == "stage ran past its timeout of 5 s (DeadKernelError)"
    assert classify(RuntimeError("Kernel died before replying to kernel_info")).transient


def test_backoff_grows_with_jitter_and_cap():
    lo, hi = Backoff(base=1, cap=8, rng=lambda: 0.0), Backoff(base=1, cap=8, rng=lambda: 0.999)
    assert [lo.delay(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1, 2, 4, 4]
    assert all(lo.delay(n) <= hi.delay(n) < 2 * lo.delay(n) for n in (1, 2, 3, 4, 5))


def test_with_retries_bounded_and_transient_only():
    calls, waits = [], []

    def flaky(n):
        calls.append(n)
        raise ConnectionResetError("reset")

    with pytest.raises(ConnectionResetError):
        with_retries(flaky, attempts=3, backoff=Backoff(base=1, rng=lambda: 0), sleep=waits.append)
    assert calls == [1, 2, 3] and waits == [0.5, 1.0]

    calls.clear()

    def bug(n):
        calls.append(n)
        raise KeyError("x")

    with pytest.raises(KeyError):
        with_retries(bug, attempts=3, backoff=Backoff(), sleep=waits.append)
    assert calls == [1]
    assert isinstance(classify(KeyError("x")), Failure)


def test_redact():
    out = redact(
        {
            "database": "postgresql://recon:s3cr3t@db:5432/nba",
            "aws_secret_access_key": "AKIA..",
            "api_token": "t",
            "lake": "s3://bucket/raw",
            "sample": 0.1,
            "url": "https://h/x?X-Amz-Signature=abcd&y=1",
            "password": "",
        }
    )
    assert out["database"] == "postgresql://recon:***@db:5432/nba"
    assert out["aws_secret_access_key"] == out["api_token"] == "***"
    assert out["lake"] == "s3://bucket/raw" and out["sample"] == 0.1
    assert "abcd" not in out["url"] and "y=1" in out["url"]
    assert out["password"] == ""  # nothing to hide

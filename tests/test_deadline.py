"""deadline: a wall-clock limit that nothing on the way can swallow; its settings checked."""
from __future__ import annotations

import threading
import time

import pytest

from nba_simulator.deadline import DEFAULTS, DeadlineExceeded, deadline, seconds
from nba_simulator.errors import ParameterError


def test_a_deadline_interrupts_the_main_thread_and_is_no_exception():
    t0 = time.monotonic()
    with pytest.raises(DeadlineExceeded, match="the nap did not finish within its deadline of 0.2 s"):
        with deadline(0.2, "the nap"):
            try:
                time.sleep(5)
            except Exception:  # noqa: BLE001 — the point: a broad handler does not catch it
                pytest.fail("swallowed")
    assert time.monotonic() - t0 < 3
    assert not issubclass(DeadlineExceeded, Exception)


def test_nested_deadlines_the_earliest_fires_and_none_or_zero_means_none():
    with pytest.raises(DeadlineExceeded) as got:
        with deadline(10, "outer"), deadline(0.1, "inner"):
            time.sleep(3)
    assert got.value.what == "inner"
    with deadline(None, "x"), deadline(0, "y"):
        time.sleep(0.01)


def test_outside_the_main_thread_there_is_no_deadline():
    done = []

    def work():
        with deadline(0.05, "thread"):
            time.sleep(0.2)
        done.append(True)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert done == [True]


def test_seconds_from_the_environment(monkeypatch):
    name = next(iter(DEFAULTS))
    monkeypatch.delenv(name, raising=False)
    assert seconds(name) == DEFAULTS[name]
    monkeypatch.setenv(name, "2.5")
    assert seconds(name) == 2.5
    for bad in ("abc", "0", "-1", "1e9"):
        monkeypatch.setenv(name, bad)
        with pytest.raises(ParameterError, match=rf"\${name} must be a number of seconds > 0, got '{bad}'"):
            seconds(name)

"""deadline: a wall-clock limit that nothing on the way can swallow; its settings checked."""

from __future__ import annotations

import threading
import time

import pytest

from nba_simulator import settings
from nba_simulator.deadline import COMMAND_DEADLINES, DeadlineExceeded, deadline, seconds, seconds_arg
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
    name = "NBA_RECON_S3_LISTING_DEADLINE"  # a timeout setting (settings.py declares its default)
    monkeypatch.delenv(name, raising=False)
    assert seconds(name) == settings.SETTINGS[name].default
    monkeypatch.setenv(name, "2.5")
    assert seconds(name) == 2.5
    for bad in ("abc", "0", "-1", "1e9"):
        monkeypatch.setenv(name, bad)
        with pytest.raises(ParameterError, match=rf"\${name} must be a number of seconds > 0, got '{bad}'"):
            seconds(name)


def test_every_command_deadline_is_bounded_and_the_option_checks_its_value():
    assert set(COMMAND_DEADLINES) >= {"reconcile", "run", "schedule update", "db", "history"}
    assert all(0 < v < 1e7 for v in COMMAND_DEADLINES.values())
    assert seconds_arg("2.5") == 2.5
    for bad in ("nan", "inf", "0", "-1", "abc"):
        with pytest.raises(Exception, match="expected a number of seconds > 0"):
            seconds_arg(bad)

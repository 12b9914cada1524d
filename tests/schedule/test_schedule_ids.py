"""Game id normalisation: NBA Stats, Basketball-Reference, ESPN."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nba_simulator.errors import BadInput, ScheduleError
from nba_simulator.schedule import ids

TYPE_NAMES = {1: "preseason", 2: "regular", 3: "all_star", 4: "playoffs", 5: "play_in", 6: "cup_final"}

game_parts = st.tuples(st.integers(1, 6), st.integers(0, 99), st.integers(0, 99999))


def make_id(t: int, yy: int, n: int) -> str:
    return f"00{t}{yy:02d}{n:05d}"


@settings(deadline=None)  # timing varies on a shared machine; correctness is what counts
@given(game_parts)
def test_lost_leading_zeros_are_restored_from_any_spelling(parts):
    gid = make_id(*parts)
    as_int = int(gid)
    for spelling in (gid, as_int, str(as_int), float(as_int), f"{as_int}.0", f"  {gid} "):
        assert ids.normalize_game_id(spelling) == gid


@settings(deadline=None)
@given(game_parts)
def test_type_and_season_come_from_the_id(parts):
    t, yy, n = parts
    gid = make_id(t, yy, n)
    assert ids.season_type_of(int(gid)) == TYPE_NAMES[t]
    season = ids.season_of(gid)
    start = int(season[:4])
    assert start % 100 == yy and 1946 <= start <= 2045
    assert season == f"{start}-{(start + 1) % 100:02d}"


def test_seasons_across_the_century():
    assert ids.season_of("0029600001") == "1996-97"
    assert ids.season_of("0029900001") == "1999-00"
    assert ids.season_of(22300001) == "2023-24"
    assert ids.season_of("0044600001") == "1946-47"  # the league's first season


@settings(deadline=None)
@given(st.lists(game_parts, max_size=30))
def test_vectorised_agrees_with_scalar(parts_list):
    raw = pd.Series([int(make_id(*p)) for p in parts_list], dtype="int64", index=range(10, 10 + len(parts_list)))
    out = ids.normalize_game_ids(raw)
    assert list(out) == [make_id(*p) for p in parts_list]
    assert list(out.index) == list(raw.index)
    assert list(ids.season_types_of(out)) == [ids.season_type_of(g) for g in out]
    assert list(ids.seasons_of(out)) == [ids.season_of(g) for g in out]


@settings(deadline=None)
@given(
    st.one_of(
        st.integers(1, 6).map(lambda t: f"00{t}2300001" + "1"),  # 11 digits
        st.sampled_from("0789").map(lambda t: f"00{t}2300001"),  # type digit outside 1-6
        st.text(alphabet="abcxyz-_ ", min_size=1, max_size=12),  # not digits
        st.integers(1, 6).map(lambda t: f"10{t}2300001"),  # does not start with 00
    )
)
def test_bad_ids_raise_naming_the_value(value):
    with pytest.raises(ScheduleError) as err:
        ids.normalize_game_id(value)
    assert repr(value) in str(err.value)
    assert isinstance(err.value, BadInput)


@pytest.mark.parametrize("value", [None, True, float("nan"), "", "0022300001.5"])
def test_empty_and_odd_ids_are_rejected(value):
    with pytest.raises(ScheduleError):
        ids.normalize_game_id(value)


def test_vectorised_error_names_first_bad_value_its_row_and_count():
    raw = pd.Series(["22300001", "x1", "0022300003", "0092300004"], index=pd.Index([2, 3, 4, 5], name="line"))
    with pytest.raises(ScheduleError, match=r"'x1' in line 3 \(2 bad values\)"):
        ids.normalize_game_ids(raw)


def test_bbref_ids_from_date_and_home_code():
    assert ids.bbref_game_id("2023-12-25", "LAL") == "202312250LAL"
    assert ids.bbref_game_id(pd.Timestamp("2012-10-30"), "CLE") == "201210300CLE"
    with pytest.raises(ScheduleError, match="'La'"):
        ids.bbref_game_id("2023-12-25", "La")
    dates = pd.Series(pd.to_datetime(["2013-01-02", None, "2013-01-03"]), index=[7, 8, 9])
    codes = pd.Series(["CHA", "BRK", pd.NA], index=[7, 8, 9], dtype="string")
    out = ids.bbref_game_ids(dates, codes)
    assert out.iloc[0] == "201301020CHA"
    assert out.iloc[1:].isna().all()
    assert list(out.index) == [7, 8, 9]


def test_bbref_id_check():
    ok = ids.check_bbref_game_ids(pd.Series([" 201210300CLE", None]))
    assert ok.iloc[0] == "201210300CLE" and pd.isna(ok.iloc[1])
    with pytest.raises(ScheduleError, match="201210300cle"):
        ids.check_bbref_game_ids(pd.Series(["201210300cle"]))


def test_espn_ids_digits_only_floats_stripped_na_kept():
    out = ids.normalize_espn_ids(pd.Series([401584800.0, "400237975.0", " 281214029 ", None, ""], dtype=object))
    assert list(out[:3]) == ["401584800", "400237975", "281214029"]
    assert out[3:].isna().all()
    assert ids.normalize_espn_id(401584800) == "401584800"
    with pytest.raises(ScheduleError, match="'40158a800'"):
        ids.normalize_espn_id("40158a800")
    with pytest.raises(ScheduleError):
        ids.normalize_espn_id(None)

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nba_simulator.spec.template import PLACEHOLDERS, KeyTemplate, TemplateError, overlapping

LAYOUTS = [
    "espn_play_by_play/{espn_game_id}.json",
    "nba_api_comprehensive/boxscores_advanced/advanced_{game_id}.json",
    "nba_api_incremental/{date}/game_{game_id}_pbp.json",
    "hoopr_parquet/play_by_play/nba_data_{season_end}.parquet",
    "basketball_reference/box_scores/{season_end}/{bbref_game_id}.json",
    "x/{season}/{home}-{away}/{yyyymmdd}.json",
    "teams/{season_start}/{team}.csv",
]


def digits(n):
    return st.text("0123456789", min_size=n, max_size=n)


upper = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=4)
VALUES = {
    "game_id": st.builds(lambda t, r: f"00{t}{r}", st.sampled_from("123456"), digits(7)),
    "espn_game_id": digits(9),
    "bbref_game_id": st.builds(
        lambda d, c: d + c, digits(9), st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
    ),
    "season": st.integers(1946, 2099).map(lambda y: f"{y}-{(y + 1) % 100:02d}"),
    "season_start": digits(4),
    "season_end": digits(4),
    "date": st.dates().map(lambda d: d.strftime("%Y-%m-%d")).filter(lambda s: len(s) == 10),
    "yyyymmdd": digits(8),
    "team": upper,
    "home": upper,
    "away": upper,
}


@pytest.mark.parametrize("text", LAYOUTS)
@settings(deadline=None)  # a busy 2-core machine must not fail a correctness test on time
@given(data=st.data())
def test_render_then_parse_round_trips(text, data):
    t = KeyTemplate.compile(text)
    item = {name: data.draw(VALUES[name]) for name in t.placeholders}
    key = t.render_one(**item)
    parsed = t.parse(pd.Series([key]))
    assert parsed.iloc[0].to_dict() == item
    assert t.matches(pd.Series([key])).iloc[0]


def test_parse_is_anchored_and_typed():
    t = KeyTemplate.compile("espn_play_by_play/{espn_game_id}.json")
    keys = pd.Series(
        [
            "espn_play_by_play/401584800.json",
            "espn_play_by_play/4015848001.json",
            "x/espn_play_by_play/401584800.json",
            "espn_play_by_play/401584800.json.bak",
        ]
    )
    assert t.matches(keys).tolist() == [True, False, False, False]
    assert t.parse(keys)["espn_game_id"].tolist()[0] == "401584800"


def test_a_date_is_never_a_season():
    t = KeyTemplate.compile("nba_api_incremental/{season}/x.json")
    assert not t.matches(pd.Series(["nba_api_incremental/2025-11-01/x.json"])).iloc[0]


def test_repeated_placeholder_must_agree():
    t = KeyTemplate.compile("{season}/{game_id}/{season}.json")
    keys = pd.Series(["2023-24/0022300001/2023-24.json", "2023-24/0022300001/2022-23.json"])
    assert t.matches(keys).tolist() == [True, False]


def test_render_gives_na_when_a_value_is_missing():
    t = KeyTemplate.compile("pbp/{espn_game_id}.json")
    out = t.render(pd.DataFrame({"espn_game_id": ["401584800", pd.NA]}))
    assert out.iloc[0] == "pbp/401584800.json" and pd.isna(out.iloc[1])


@pytest.mark.parametrize("bad", ["a/{gameid}.json", "a/{game_id.json", "", "a/}{x"])
def test_bad_templates_are_refused(bad):
    with pytest.raises(TemplateError):
        KeyTemplate.compile(bad)


def test_overlap_detection():
    a = KeyTemplate.compile("x/{season_start}.json")
    b = KeyTemplate.compile("x/{season_end}.json")
    c = KeyTemplate.compile("x/{game_id}.json")
    assert overlapping(a, b) == "x/2023.json"
    assert overlapping(a, c) is None


@pytest.mark.parametrize(
    "one, other, claimed",
    [
        # differ only by where a literal digit sits: both claim x/20231201900.json-like keys
        ("x/{season_start}1{yyyymmdd}.json", "x/{season_start}{yyyymmdd}1.json", True),
        ("pbp/0{espn_game_id}.json", "pbp/{game_id}.json", True),
        ("a/{team}{date}.csv", "a/{home}{away}{date}.csv", True),
        ("a/{date}.csv", "a/{yyyymmdd}.csv", False),
        ("espn/{espn_game_id}.json", "espn/{season_start}{espn_game_id}.json", False),
    ],
)
def test_overlap_detection_is_exact_for_any_placement(one, other, claimed):
    a, b = KeyTemplate.compile(one), KeyTemplate.compile(other)
    key = overlapping(a, b)
    assert (key is not None) == claimed
    if claimed:
        assert a.pattern.match(key) and b.pattern.match(key), key


def test_every_placeholder_has_examples_that_parse():
    for name in PLACEHOLDERS:
        t = KeyTemplate.compile(f"k/{{{name}}}")
        assert t.matches(pd.Series(t.examples())).all()


@pytest.mark.parametrize("text", LAYOUTS)
@settings(deadline=None)
@given(data=st.data())
def test_scalar_and_column_rendering_agree(text, data):
    t = KeyTemplate.compile(text)
    item = {name: data.draw(VALUES[name]) for name in t.placeholders}
    assert t.render_one(**item) == t.render(pd.DataFrame([item])).iloc[0]

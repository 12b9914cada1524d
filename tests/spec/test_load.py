import pytest

from nba_simulator.errors import SpecError
from nba_simulator.spec import load_spec, parse_spec
from nba_simulator.spec.fields import MAX_DAYS, FieldReader

GOOD = """\
version: 1
exclude: ["backups/"]
datasets:
  pbp:
    source: nba_stats
    data_type: play_by_play
    keys: ["pbp/{season}/{game_id}.json", "old/{game_id}.json"]
    per: game
    seasons: 2022-23..2023-24
"""


def test_default_spec_loads_and_describes_the_real_bucket():
    spec = load_spec("default")
    names = {d.name for d in spec.datasets}
    assert {"espn_play_by_play", "hoopr_play_by_play", "nba_api_incremental_pbp"} <= names
    espn = spec.dataset("espn_play_by_play")
    assert [t.text for t in espn.layouts] == ["espn_play_by_play/{espn_game_id}.json", "pbp/{espn_game_id}.json"]
    assert "inventory-reports/" in spec.exclude


def test_good_spec_fields_and_defaults():
    spec = parse_spec(GOOD, "s.yaml")
    d = spec.dataset("pbp")
    assert d.seasons == ("2022-23", "2023-24")
    assert d.season_types == ("regular", "playoffs") and d.required and d.min_bytes == 0
    assert spec.priorities[-1].priority == "LOW"


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("version: 1\ndatasets: {a: [\n", 3, "YAML syntax"),
        (GOOD.replace("per: game", "per: game\n    colour: red"), 9, "unknown field 'colour'"),
        (GOOD.replace('{game_id}.json"]', '{gameid}.json"]'), 7, "unknown placeholder {gameid}"),
        (GOOD.replace("2022-23..2023-24", "2023-24..2022-23"), 9, "runs backwards"),
        (GOOD.replace("2022-23..2023-24", "2023-25"), 9, "bad seasons"),
        (GOOD.replace("per: game", "per: match"), 8, "per must be one of"),
        (GOOD.replace("version: 1", "version: 2"), 1, "version must be 1"),
        (
            GOOD + "  pbp2:\n    source: x\n    data_type: y\n    keys: old/{game_id}.json\n    per: game\n"
            "    seasons: 2023-24\n",
            10,
            "both claim keys",
        ),
        (GOOD.replace("pbp/{season}", "backups/{season}"), 4, "excluded prefix"),
        (GOOD.replace("per: game", "per: season"), 7, "cannot be filled for per: season"),
        (GOOD + "priorities:\n  - {priority: URGENT}\n", 11, "priority must be one of"),
        (GOOD.replace("exclude:", "exclude:\nexclude:"), 3, "duplicate key"),
    ],
)
def test_spec_errors_name_file_and_line(text, line, words):
    with pytest.raises(SpecError) as exc:
        parse_spec(text, "lake.yaml")
    msg = str(exc.value)
    assert msg.startswith(f"lake.yaml:{line}: "), msg
    assert words in msg
    assert "\n" not in msg


def test_missing_spec_file(tmp_path):
    with pytest.raises(SpecError, match="spec file not found"):
        load_spec(tmp_path / "nope.yaml")


def test_a_day_count_past_the_limit_names_its_line():
    from nba_simulator.spec.lines import LineLoader

    loader = LineLoader(f"a: 1\nfreshness_days: {MAX_DAYS + 1}\n")
    try:
        doc = loader.construct_document(loader.get_single_node())
    finally:
        loader.dispose()
    with pytest.raises(SpecError, match=rf"^lake.yaml:2: d: freshness_days {MAX_DAYS + 1} is out of range"):
        FieldReader("lake.yaml").integer(doc, "freshness_days", "d", None)


def test_a_field_error_without_a_line_names_the_file():
    err = FieldReader("lake.yaml").fail("bad value")
    assert (str(err), err.path, err.line) == ("lake.yaml: bad value", "lake.yaml", None)

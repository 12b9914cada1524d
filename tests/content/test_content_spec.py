"""Content rules in the spec: parsed into ContentRule, errors with file:line like the rest."""

import pytest

from nba_simulator.errors import SpecError
from nba_simulator.spec import ContentRule, load_spec, parse_spec

BASE = """\
version: 1
datasets:
  pbp:
    source: espn
    data_type: play_by_play
    keys: "pbp/{espn_game_id}.json"
    per: game
    seasons: 2023-24
"""


def with_content(text: str) -> str:
    return BASE + "    content: " + text + "\n"


def test_rules_of_each_format():
    d = parse_spec(with_content('{format: json, non_empty: "page.plays"}')).dataset("pbp")
    assert d.content == ContentRule("json", ("page.plays",), 1, (), True, 9)
    d = parse_spec(with_content("{format: json, non_empty: [a.plays, b.*.rows], min_rows: 10}")).dataset("pbp")
    assert d.content.non_empty == ("a.plays", "b.*.rows") and d.content.min_rows == 10
    d = parse_spec(with_content("{format: csv, min_rows: 1, columns: [GAME_ID, EVENTNUM]}")).dataset("pbp")
    assert (d.content.format, d.content.min_rows, d.content.columns) == ("csv", 1, ("GAME_ID", "EVENTNUM"))
    d = parse_spec(with_content("{format: csv, header: false, min_rows: 3}")).dataset("pbp")
    assert d.content.header is False
    d = parse_spec(with_content("{format: parquet, columns: [game_id]}")).dataset("pbp")
    assert d.content.min_rows == 1 and d.content.columns == ("game_id",)
    assert parse_spec(BASE).dataset("pbp").content is None


def test_block_style_rule_and_fingerprint():
    text = BASE + "    content:\n      format: parquet\n      min_rows: 100\n"
    rule = parse_spec(text).dataset("pbp").content
    assert rule.line == 10 and rule.min_rows == 100
    assert rule.fingerprint() != ContentRule("parquet", min_rows=1).fingerprint()


@pytest.mark.parametrize(
    "rule, line, words",
    [
        ("{format: xml}", 9, "format must be one of json, csv, parquet"),
        ("{format: json}", 9, "json needs non_empty"),
        ('{format: json, non_empty: "a..b"}', 9, "json needs non_empty"),
        ("{format: json, non_empty: []}", 9, "json needs non_empty"),
        ("{format: csv, non_empty: plays}", 9, "non_empty applies to json only"),
        ("{format: json, non_empty: p, columns: [a]}", 9, "columns apply to csv and parquet only"),
        ("{format: parquet, columns: game_id}", 9, "columns must be a list"),
        ("{format: parquet, min_rows: -1}", 9, "min_rows must be a whole number"),
        ("{format: parquet, header: true}", 9, "header applies to csv only"),
        ("{format: csv, header: false, columns: [a]}", 9, "columns need a header row"),
        ("{format: csv, rows: 1}", 9, "unknown field 'rows' in dataset 'pbp': content"),
        ("parquet", 9, "content must be a mapping"),
    ],
)
def test_rule_errors_name_file_and_line(rule, line, words):
    with pytest.raises(SpecError) as exc:
        parse_spec(with_content(rule), "lake.yaml")
    msg = str(exc.value)
    assert msg.startswith(f"lake.yaml:{line}: "), msg
    assert words in msg, msg


def test_block_style_error_points_at_the_field():
    text = BASE + "    content:\n      format: json\n      non_empty: plays\n      min_rows: many\n"
    with pytest.raises(SpecError, match=r"^lake.yaml:12: .*min_rows must be a whole number"):
        parse_spec(text, "lake.yaml")


def test_packaged_specs_carry_content_rules():
    spec = load_spec("default")
    rule = spec.dataset("espn_play_by_play").content
    assert rule.format == "json" and rule.non_empty
    assert spec.dataset("hoopr_play_by_play").content.format == "parquet"

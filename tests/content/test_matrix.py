"""The cross-source game matrix, the 'one source has it, another lacks it' table, task ranking."""

import pandas as pd

from nba_simulator.content.matrix import cross_source_gaps, game_matrix, pair_counts, sources_present
from nba_simulator.spec import parse_spec
from nba_simulator.tasks import task_queue, tasks_frame

SCHEDULE = pd.DataFrame(
    {
        "game_id": ["0021201212", "0021201213", "0021201214", "0021201215"],
        "season": "2012-13",
        "season_type": "regular",
        "game_date": pd.to_datetime(["2013-04-15", "2013-04-15", "2013-04-16", "2013-04-17"]),
        "home_team": ["LAL", "MIA", "IND", "BOS"],
        "away_team": ["SAS", "CHI", "BOS", "TOR"],
        "espn_game_id": ["400278401", "400278402", None, "400278404"],
        "bbref_game_id": ["201304150LAL", "201304150MIA", "201304160IND", "201304170BOS"],
        "status": ["final", "final", "final", "final"],
    }
)


def cov_row(game, dataset, source, data_type, status, per="game"):
    return {
        "dataset": dataset,
        "source": source,
        "data_type": data_type,
        "per": per,
        "game_id": game,
        "status": status,
        "key": None if status == "missing" else f"{dataset}/{game}",
        "season": "2012-13",
        "game_date": SCHEDULE.set_index("game_id").loc[game, "game_date"],
    }


COVERAGE = pd.DataFrame(
    [
        cov_row("0021201212", "espn_pbp", "espn", "play_by_play", "present"),
        cov_row("0021201212", "nba_pbp", "nba_stats", "play_by_play", "present"),
        cov_row("0021201212", "bbref_box", "basketball_reference", "box_score", "present"),
        cov_row("0021201213", "espn_pbp", "espn", "play_by_play", "empty"),
        cov_row("0021201213", "nba_pbp", "nba_stats", "play_by_play", "present"),
        cov_row("0021201213", "bbref_box", "basketball_reference", "box_score", "missing"),
        cov_row("0021201214", "espn_pbp", "espn", "play_by_play", "unmapped"),
        cov_row("0021201214", "nba_pbp", "nba_stats", "play_by_play", "missing"),
        cov_row("0021201214", "bbref_box", "basketball_reference", "box_score", "present"),
        cov_row("0021201215", "espn_pbp", "espn", "play_by_play", "missing"),
        cov_row("0021201215", "nba_pbp", "nba_stats", "play_by_play", "missing"),
        # bbref_box does not cover game 15 (another season in its spec): not expected
        {**cov_row("0021201212", "hoopr", "hoopr", "play_by_play", "present", per="season"), "game_id": None},
    ]
)


def test_tidy_and_wide_matrix_through_the_crosswalk():
    m = game_matrix(COVERAGE, SCHEDULE)
    assert m.datasets == ["espn_pbp", "nba_pbp", "bbref_box"]  # per-game datasets only
    assert len(m.tidy) == 4 * 3
    w = m.wide.set_index("game_id")
    assert w.loc["0021201213", "espn_game_id"] == "400278402"
    assert w.loc["0021201214", "bbref_game_id"] == "201304160IND"
    assert w.loc["0021201213", ["espn_pbp", "nba_pbp", "bbref_box"]].tolist() == ["empty", "present", "missing"]
    assert w.loc["0021201214", "espn_pbp"] == "unmapped"
    assert w.loc["0021201215", "bbref_box"] == "not_expected"
    assert w["n_datasets_present"].tolist() == [3, 1, 1, 0]
    assert w.loc["0021201212", "sources_present"] == "basketball_reference, espn, nba_stats"


def test_present_in_one_source_missing_in_another():
    gaps = cross_source_gaps(game_matrix(COVERAGE, SCHEDULE))
    got = {(r.game_id, r.dataset): (r.status, r.have_datasets, r.same_data_type) for r in gaps.itertuples()}
    assert got == {
        ("0021201213", "espn_pbp"): ("empty", "nba_pbp", True),  # NBA Stats has the plays
        ("0021201213", "bbref_box"): ("missing", "nba_pbp", False),
        ("0021201214", "nba_pbp"): ("missing", "bbref_box", False),
    }  # game 15: nobody has it; game 14's espn_pbp is unmapped, not a gap
    assert gaps.iloc[0]["dataset"] == "espn_pbp"  # same data type first
    pairs = pair_counts(game_matrix(COVERAGE, SCHEDULE))
    assert pairs.loc["espn_pbp", "nba_pbp"] == 1 and pairs.loc["nba_pbp", "bbref_box"] == 1
    assert pairs.loc["espn_pbp", "espn_pbp"] == 0 and pairs.to_numpy().sum() == 3


SPEC = parse_spec("""\
version: 1
datasets:
  espn_pbp: {source: espn, data_type: play_by_play, keys: "espn/{espn_game_id}.json", per: game, seasons: 2012-13}
tasks: {batch_size: 1}
""")


def test_task_queue_counts_games_another_source_has():
    """The count is a hint; the order stays the one order of work (newest game first)."""
    gaps = pd.DataFrame(
        [
            {
                "gap_id": f"G{i}",
                "priority": "LOW",
                "dataset": "espn_pbp",
                "season": "2012-13",
                "status": st,
                "game_ids": [g],
                "dates": ["2013-04-15"],
                "teams": [None],
                "expected_keys": [f"espn/{g}.json"],
            }
            for i, (g, st) in enumerate([("0021201215", "missing"), ("0021201213", "empty"), ("0021201212", "missing")])
        ]
    )
    plain = task_queue(SPEC, gaps)
    assert [t["task_id"] for t in plain.tasks] == sorted(t["task_id"] for t in plain.tasks)
    assert "other_sources_have" not in plain.tasks[0]
    ranked = task_queue(SPEC, gaps, COVERAGE)
    order = [(t["game_ids"][0], t["other_sources_have"]) for t in ranked.tasks]
    # 13 and 12: NBA Stats (and bbref) have them; 15: no one; same date: the task id decides
    assert sorted(order) == [("0021201212", 1), ("0021201213", 1), ("0021201215", 0)]
    assert [t["task_id"] for t in ranked.tasks] == [t["task_id"] for t in plain.tasks]
    assert {t["task_id"] for t in ranked.tasks} == {t["task_id"] for t in plain.tasks}
    assert "other_sources_have" in tasks_frame(ranked.tasks).columns
    assert sources_present(COVERAGE)["0021201214"] == frozenset({"basketball_reference"})


def test_a_spec_without_per_game_datasets_gives_an_empty_matrix():
    """A lake spec of daily files only: nothing to cross, and no crash."""
    import pandas as pd

    from nba_simulator.content.matrix import cross_source_gaps, game_matrix
    from nba_simulator.schedule.load import load_schedule

    cov = pd.DataFrame(
        {
            "dataset": ["daily"],
            "source": ["espn"],
            "data_type": ["schedule"],
            "per": ["date"],
            "game_id": [pd.NA],
            "status": ["present"],
            "key": ["daily/20190101.json"],
        }
    )
    m = game_matrix(cov, load_schedule("builtin"))
    assert m.tidy.empty and m.wide.empty
    assert cross_source_gaps(m).empty


def test_matrix_strip_colours_each_cell_by_its_status_and_says_so_when_empty():
    import warnings

    import numpy as np

    from nba_simulator.content.matrix import MATRIX_STATUSES
    from nba_simulator.plots.content import STATUS_COLORS, matrix_strip

    m = game_matrix(COVERAGE, SCHEDULE)
    plot = matrix_strip(m, season="2012-13")
    image = plot.fig.axes[0].images[0].get_array()
    tidy = m.tidy
    dates = tidy.drop_duplicates("game_id").sort_values(["game_date", "game_id"])["game_id"].tolist()
    names = list(dict.fromkeys(tidy["dataset"]))
    for row in tidy.itertuples():  # each cell holds its own status's colour code
        code = image[names.index(row.dataset), dates.index(row.game_id)]
        if row.status in MATRIX_STATUSES:
            assert code == MATRIX_STATUSES.index(row.status), row
        else:
            assert np.ma.is_masked(code), row
    counts = tidy["status"].value_counts()
    for status, n in counts.items():  # the alt text counts every status shown
        if status in STATUS_COLORS:
            assert f"{n} {status.replace('_', ' ')}" in plot.alt
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no matplotlib warning in a report page
        empty = matrix_strip(m, season="1999-00")
        assert empty.png()[:4] == b"\x89PNG"
    assert empty.alt.startswith("No game owed")

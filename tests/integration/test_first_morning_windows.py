"""The first morning's undecided windows (issue 19): offline, packaged spec, no snapshot, a lake in
the real layout whose pages (both real shapes) never say a game's type, with 2025-26 complete
(preseason across the October window, a Cup final, play-in and playoffs in April) and 2026-27 up
to yesterday. Every planted missing or undersized ESPN file of a game listed on a lake page is
found: the opening night read off the pages splits the October window, and a game of the Cup
final's or of April's window is judged by every dataset holding all it may be. Preseason games
are owed nothing; datasets that lack a type the game may be list it as not judged, with it."""

from __future__ import annotations

import dataclasses
import itertools

import pandas as pd
import pytest

from nba_simulator.coverage import build_coverage
from nba_simulator.coverage.unjudged import unjudged
from nba_simulator.gaps import find_gaps
from nba_simulator.schedule.auto import auto_schedule
from nba_simulator.spec import load_spec
from nba_simulator.storage.factory import open_storage
from nba_simulator.storage.scan import scan
from nba_simulator.storage.scoreboards import lake_scoreboards
from tests.firstmorning import FOLDER, _rewrite
from tests.reallake import ESPN_DATASETS, assign_espn_ids, build_real_lake, synthetic_season

AS_OF = "2026-12-08"
YESTERDAY = pd.Timestamp("2026-12-07")
LAST, CURRENT = "2025-26", "2026-27"
#: (season, type, games a day, [(first, last)...]); 2026-27's preseason has a Tuesday after two
#: idle days with no earlier game in the window (the 13th): no opening night; the 20th is
SPANS = [
    (LAST, "preseason", 2, [("2025-10-02", "2025-10-02"), ("2025-10-14", "2025-10-15"), ("2025-10-17", "2025-10-17")]),
    (
        LAST,
        "regular",
        3,
        [
            ("2025-10-21", "2025-10-22"),
            ("2025-10-24", "2025-10-24"),
            ("2025-11-20", "2025-11-20"),
            ("2026-04-10", "2026-04-10"),
            ("2026-04-12", "2026-04-12"),
        ],
    ),
    (LAST, "cup_final", 1, [("2025-12-16", "2025-12-16")]),
    (LAST, "play_in", 2, [("2026-04-14", "2026-04-15"), ("2026-04-17", "2026-04-17")]),
    (LAST, "playoffs", 4, [("2026-04-18", "2026-04-19"), ("2026-04-21", "2026-04-21"), ("2026-05-05", "2026-05-05")]),
    (CURRENT, "preseason", 2, [("2026-10-06", "2026-10-09"), ("2026-10-13", "2026-10-16")]),
    (CURRENT, "regular", 3, [("2026-10-20", "2026-10-27"), ("2026-12-01", "2026-12-07")]),
]
#: one game of each window (and yesterday) whose ESPN files are planted: (season, type, date)
WINDOWS = [
    (LAST, "regular", "2025-10-22"),
    (LAST, "regular", "2025-10-24"),
    (LAST, "cup_final", "2025-12-16"),
    (LAST, "regular", "2026-04-12"),
    (LAST, "play_in", "2026-04-15"),
    (LAST, "playoffs", "2026-04-19"),
    (CURRENT, "regular", "2026-10-20"),
    (CURRENT, "regular", "2026-10-22"),
    (CURRENT, "regular", "2026-12-07"),
]


def _truth() -> pd.DataFrame:
    seed, parts = itertools.count(40), []
    for season, kind, per_day, spans in SPANS:
        number = 1
        for first, last in spans:
            part = synthetic_season(
                season, first, last, season_type=kind, games_per_day=per_day, seed=next(seed), number_from=number
            )
            number += len(part)
            parts.append(part)
    games = pd.concat(parts, ignore_index=True)
    games["game_date"] = pd.to_datetime(games["game_date"])
    return assign_espn_ids(games)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("windows")
    real = build_real_lake(root, _truth(), as_of=AS_OF, dates_per_type=10, seed=7, both_shapes=True)
    listed = real.truth[real.truth["game_date"].isin(real.scoreboard_dates)]
    by_id = real.truth.set_index("game_id")
    defects = [
        (ds, f"{FOLDER[ds]}/{by_id.loc[gid, 'espn_game_id']}.json", "missing", by_id.loc[gid, "game_date"])
        for ds, items in real.planted.items()
        if ds in ESPN_DATASETS
        for gid in items
        if by_id.loc[gid, "game_date"] in real.scoreboard_dates
    ]
    taken = {k for _, k, _, _ in defects}
    for season, kind, day in WINDOWS:
        todays = listed[
            (listed["season"] == season) & (listed["season_type"] == kind) & (listed["game_date"] == pd.Timestamp(day))
        ]
        game = next(
            (
                g
                for g in todays.itertuples()
                if not any(f"{FOLDER[ds]}/{g.espn_game_id}.json" in taken for ds in ESPN_DATASETS)
            ),
            None,
        )
        if game is None:  # the date's page is the one build_real_lake left out: nothing listed
            continue
        pbp, box = f"espn_play_by_play/{game.espn_game_id}.json", f"espn_box_scores/{game.espn_game_id}.json"
        (real.lake / pbp).unlink()
        _rewrite(real.lake / box, (real.lake / box).read_bytes()[:120])
        defects += [
            ("espn_play_by_play", pbp, "missing", game.game_date),
            ("espn_box_scores", box, "undersized", game.game_date),
        ]
        taken |= {pbp, box}
    spec = load_spec("default", as_of=AS_OF)
    pages = lake_scoreboards(str(real.lake), spec)
    schedule, info = auto_schedule(spec, pages, as_of=AS_OF, runs_dir=None)
    schedule = schedule[schedule["season"].isin([LAST, CURRENT])].reset_index(drop=True)  # the two seasons: fast
    storage = open_storage(str(real.lake))
    try:
        inventory = scan(storage)
    finally:
        storage.close()
    result = build_coverage(spec, schedule, inventory, AS_OF)
    gaps = find_gaps(spec, result.coverage, result.completeness, AS_OF)
    return real, defects, schedule, info, result, gaps


def test_every_planted_espn_defect_of_a_listed_game_is_found(run):
    real, defects, _, info, result, _ = run
    cov = result.coverage
    assert "snapshot" not in info["layers"]
    planted_windows = {d.strftime("%Y-%m-%d") for _, _, _, d in defects}
    assert len({w for _, _, w in WINDOWS} & planted_windows) >= len(WINDOWS) - 2  # at most the left-out pages
    for dataset, key, status, _day in defects:
        got = cov.loc[(cov["dataset"] == dataset) & (cov["expected_key"] == key), "status"].tolist()
        assert got == [status], (dataset, key, status, got)


def test_the_windows_are_judged_and_preseason_is_owed_nothing(run):
    real, _, schedule, _, result, _ = run
    cov = result.coverage
    espn = cov[cov["dataset"].isin(ESPN_DATASETS) & cov["season"].isin([LAST, CURRENT])]
    truth = real.truth[real.truth["game_date"].isin(real.scoreboard_dates)]
    owed = truth[truth["season_type"] != "preseason"]
    # every listed game of a type the ESPN datasets hold is expected, once per dataset; no preseason game
    assert len(espn) == 3 * len(owed)
    assert not espn["game_date"].isin(truth.loc[truth["season_type"] == "preseason", "game_date"]).any()
    # the opening nights told the October windows; the Cup final and April stay undecided, never guessed
    lake = schedule.set_index("espn_game_id")
    said = lake.loc[truth["espn_game_id"], "season_type"].to_numpy()
    october = (truth["game_date"].dt.month == 10).to_numpy()
    assert (said[october] == truth["season_type"].to_numpy()[october]).all()
    cup = truth[truth["season_type"] == "cup_final"]
    if len(cup):
        assert pd.isna(lake.loc[cup["espn_game_id"].iloc[0], "season_type"])
        assert lake.loc[cup["espn_game_id"].iloc[0], "season_type_candidates"] == "regular|cup_final"
    april = truth[truth["game_date"].between("2026-04-09", "2026-04-21")]
    assert lake.loc[april["espn_game_id"], "season_type_candidates"].eq("regular|play_in|playoffs").all()
    undecided = espn[espn["season_type"] == "undecided"]
    assert len(undecided) == 3 * (len(cup) + len(april))
    assert undecided["detail"].str.contains("season type undecided").all()


def test_yesterdays_required_defects_are_critical(run):
    _, defects, _, _, _, gaps = run
    seen = 0
    for dataset, key, _kind, day in defects:
        if day != YESTERDAY:
            continue
        hit = gaps[(gaps["dataset"] == dataset) & gaps["expected_keys"].map(lambda keys, k=key: k in list(keys))]
        assert len(hit) == 1 and hit["priority"].iloc[0] == ("CRITICAL" if dataset != "espn_team_stats" else "HIGH")
        seen += 1
    assert seen >= 2


def test_what_cannot_be_judged_says_why(run):
    _, _, schedule, _, result, _ = run
    records = [r for r in result.unjudged if r["season"] in (LAST, CURRENT)]
    by = {(r["dataset"], r["season"], r["season_type"]): r for r in records}
    # the NBA-id datasets of the season in progress: no NBA ids offline
    assert by[("nba_api_incremental_pbp", CURRENT, "regular")]["reason"].startswith("games unknown: no NBA ids offline")
    # the packaged spec's datasets judge every listed game: no "type unknown"
    assert not any(r["reason"].startswith("type unknown") for r in records)
    # no game known to be the Cup final or play-in, but the undecided ones may be: said, not "no such game"
    cup = by[("espn_play_by_play", LAST, "cup_final")]["reason"]
    assert cup.startswith(f"games unknown: no game of {LAST} is known to be cup_final; 1 listed") and "undecided" in cup
    assert "may be" in by[("espn_box_scores", LAST, "play_in")]["reason"]
    # the NBA-id dataset's warning names the cause (no NBA ids offline), not "no owed games"
    nba = [w for w in result.warnings if w.startswith("dataset nba_api_incremental_pbp:")]
    assert nba and all("without NBA ids" in w and "no owed games" not in w for w in nba)
    # a dataset holding regular and playoffs only (Basketball-Reference's types, over 2025-26):
    # the Cup final and April's games are not judged there, and the record says what they may be
    spec = load_spec("default", as_of=AS_OF).at(AS_OF)
    bbref = dataclasses.replace(spec.dataset("bbref_box_scores"), seasons=(LAST, CURRENT))
    spec = dataclasses.replace(spec, datasets=tuple(bbref if d.name == bbref.name else d for d in spec.datasets))
    why = {
        (r["dataset"], r["season"]): r["reason"]
        for r in unjudged(spec, schedule, result.coverage, AS_OF)
        if r["reason"].startswith("type unknown")
    }
    assert set(why) == {("bbref_box_scores", LAST)}
    assert "regular or cup_final: 1" in why[("bbref_box_scores", LAST)]
    assert "regular or play_in or playoffs" in why[("bbref_box_scores", LAST)]

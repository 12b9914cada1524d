"""The real per-game file listing (27,258 play-by-play files with real sizes, lawlers-law repo)
reconciled against the real game logs gives exactly the truth."""

from pathlib import Path

import pandas as pd
import pytest

from nba_simulator.coverage import build_coverage
from nba_simulator.schedule.load import load_schedule
from nba_simulator.spec import parse_spec

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "nba-reference"
LISTING = SHARED / "nbastats_leaguegamelog_lawlers" / "pbp_file_inventory.csv"

pytestmark = pytest.mark.skipif(
    not LISTING.exists(), reason=f"reference data not found at {LISTING} (../shared is absent)"
)

SPEC = """\
version: 1
datasets:
  lawlers_pbp:
    source: nba_stats
    data_type: play_by_play
    keys: "data/playbyplay/{season_end}/{game_id}.csv"
    per: game
    seasons: 1996-97..2018-19
    season_types: [regular]
    min_bytes: 1000
"""


def test_real_listing_against_real_game_logs():
    listing = pd.read_csv(LISTING, dtype={"game_id": str})
    inventory = pd.DataFrame(
        {
            "key": listing["path"],
            "size": listing["bytes"].astype("int64"),
            # the listing comes from a commit of 2019-04-17, after every game it holds
            "last_modified": pd.Timestamp("2019-04-17", tz="UTC"),
            "etag": listing["git_blob_sha1"],
        }
    )
    spec = parse_spec(SPEC, "lawlers.yaml")
    r = build_coverage(spec, load_schedule("builtin"), inventory, "2019-04-17")

    assert len(listing) == 27258
    counts = r.coverage["status"].value_counts().to_dict()
    assert counts == {"present": 27257}
    assert len(r.coverage) == 27257 and r.coverage["n_objects"].eq(1).all()
    # per season: 1189 / 1230 / 725 in 1998-99 / 990 in 2011-12, less the cancelled 2012-13 game
    per = r.completeness.set_index("season")["present"]
    assert per["1998-99"] == 725 and per["2011-12"] == 990 and per["2012-13"] == 1229
    assert per["1996-97"] == 1189 and per["2018-19"] == 1230
    # the cancelled game's 154-byte header-only file is not expected, and says why
    orphan = r.orphans.set_index("key").loc["data/playbyplay/2013/0021201214.csv"]
    assert (orphan["reason"], orphan["detail"], orphan["size"]) == ("orphan", "game cancelled", 154)
    assert len(r.orphans) == 1


def test_same_listing_a_season_folder_off_is_never_taken_for_the_game():
    listing = pd.read_csv(LISTING, dtype={"game_id": str}).head(100)
    moved = listing["path"].str.replace("/1997/", "/1998/", regex=False)
    inventory = pd.DataFrame(
        {"key": moved, "size": listing["bytes"], "etag": None, "last_modified": pd.Timestamp("2019-04-17", tz="UTC")}
    )
    spec = parse_spec(SPEC, "lawlers.yaml")
    r = build_coverage(spec, load_schedule("builtin"), inventory, "2019-04-17")
    season = r.coverage[r.coverage["season"] == "1996-97"]
    assert season["status"].eq("missing").all()
    assert r.orphans["detail"].str.startswith("key differs from the expected key").sum() == 100

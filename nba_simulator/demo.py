"""The demo lake: a realistic local lake built from the built-in schedule, with known flaws.

Two seasons (2017-18 complete with playoffs, 2018-19 in progress at the demo's as_of 2019-03-15)
in the real bucket's layouts: ESPN play-by-play (old ``pbp/`` layout for 2017-18, some games under
both layouts), ESPN box scores, ESPN daily schedules, NBA Stats play-by-play, hoopR season Parquet
and Basketball-Reference box scores. Files hold small real-shaped JSON/Parquet with modification
times a few hours after each game. The built-in schedule has no ESPN ids: the demo's games carry
synthetic ones (``4009xxxxx``, which exist only in the demo), listed on its scoreboard pages in the
real format, so the demo spec's ``schedule: auto`` gets them through the crosswalk from the lake
(``schedule.csv`` beside the spec holds them too, for ``--schedule``).

Planted imperfections (listed in ``imperfections.json`` beside the lake, so tests can check that
reconciliation finds exactly them): see :data:`IMPERFECTIONS`.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import BadInput
from .outputs import write_json, write_text
from .schedule import teams
from .schedule.load import load_schedule
from .spec import load_spec

DEMO_AS_OF = "2019-03-15"
DEMO_SEASONS = ("2017-18", "2018-19")
SEED = 20190315

IMPERFECTIONS = {
    "missing_games": "about 2% of NBA Stats play-by-play games have no file",
    "missing_date_range": "ESPN play-by-play is missing every game from 2019-01-10 to 2019-01-16",
    "recent_missing": "ESPN box scores of the last two game days before as_of are missing (CRITICAL)",
    "header_only": "a few NBA Stats play-by-play files are 154-byte header-only files",
    "premature": "some ESPN box scores were captured on game day before the game ended",
    "orphans": "play-by-play for a game id not in the schedule; a bbref box score under the wrong season folder",
    "non_data": "inventory-reports/, athena-results/, backups/ and ml-models/ objects (excluded)",
    "unparsed": "stray keys that match no dataset (tmp/notes.txt, espn_play_by_play/.DS_Store)",
    "duplicates": "some 2017-18 ESPN play-by-play games exist under both pbp/ and espn_play_by_play/",
    "stale": "the 2018-19 hoopR season file was last refreshed 20 days before as_of",
    "unmapped": "a few games have no ESPN id in the demo schedule",
    "empty_pbp": "about 8% of ESPN play-by-play files are normal-size game pages whose plays list "
    'is empty ("plays": []): present by name and size, empty in substance '
    "(found by reconcile --probe)",
}


@dataclass
class Demo:
    root: Path
    lake: Path
    spec: Path
    schedule: Path
    as_of: str
    n_objects: int


#: written first into a folder the demo builds: only a folder holding it is ever rebuilt
MARKER = ".nba-recon-demo"


def build_demo(out_dir, *, seed: int = SEED, ours: bool = False, label: str = "demo --out") -> Demo:
    """Build (or rebuild) the demo under ``out_dir``: ``lake/``, ``spec.yaml``, ``schedule.csv``.

    ``out_dir`` must be absent, empty, or a folder an earlier build made (it holds the marker file
    ``.nba-recon-demo``): a folder of the user's is never overwritten (:class:`BadInput`, its
    message starting with ``label``). ``ours``: the caller made the folder itself, just now."""
    root = Path(out_dir)
    if root.is_symlink() or (root.exists() and not root.is_dir()):
        raise BadInput(f"{label} {root}: not a folder" + (" (a symbolic link)" if root.is_symlink() else ""))
    try:
        entries = [p.name for p in root.iterdir()] if root.exists() else []
    except OSError as exc:
        raise BadInput(f"{label} {root}: cannot read the folder ({exc.strerror})") from None
    if entries and MARKER not in entries and not ours:
        raise BadInput(
            f"{label} {root}: the folder is not empty and was not made by "
            f"`nba-recon demo` (no {MARKER} file); it is left as it is: choose an empty or new folder"
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / MARKER).write_text(
            "built by nba-recon demo; rebuilding it replaces lake/, spec.yaml, schedule.csv and imperfections.json\n"
        )
    except OSError as exc:
        raise BadInput(f"{label} {root}: cannot write there ({exc.strerror})") from None
    lake = root / "lake"
    if lake.is_symlink():
        lake.unlink()  # the link only, never what it points to
    elif lake.exists():
        shutil.rmtree(lake)
    lake.mkdir(parents=True)
    rng = random.Random(seed)
    games = _demo_schedule(rng)
    spec_path = root / "spec.yaml"
    write_text(resources.files("nba_simulator").joinpath("data/demo_spec.yaml").read_text(), spec_path)
    sched_path = root / "schedule.csv"
    out = games.assign(game_date=games["game_date"].dt.strftime("%Y-%m-%d"))
    write_text(out.drop(columns=["original_date"], errors="ignore").to_csv(index=False), sched_path)

    spec = load_spec(spec_path)
    writer = _Writer(lake)
    planted = _write_lake(spec, games, writer, rng, random.Random(seed + 1))
    write_json({"as_of": DEMO_AS_OF, "imperfections": IMPERFECTIONS, "planted": planted}, root / "imperfections.json")
    return Demo(root, lake, spec_path, sched_path, DEMO_AS_OF, writer.count)


def _demo_schedule(rng: random.Random) -> pd.DataFrame:
    games = load_schedule("builtin")
    games = games[games["season"].isin(DEMO_SEASONS)].sort_values(["game_date", "game_id"])
    games = games.reset_index(drop=True)
    espn = pd.Series([f"4009{i:05d}" for i in range(len(games))], dtype=object)
    unmapped = rng.sample(range(len(games)), 5)
    espn[unmapped] = pd.NA
    return games.assign(espn_game_id=espn)


class _Writer:
    def __init__(self, lake: Path):
        self.lake, self.count = lake, 0

    def put(self, key: str, data: bytes, modified: pd.Timestamp) -> None:
        path = self.lake / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        ts = modified.timestamp()
        os.utime(path, (ts, ts))
        self.count += 1


def _pbp_json(game_id: str, n_plays: int, rng: random.Random) -> bytes:
    plays = [
        {
            "id": i,
            "period": 1 + i * 4 // max(n_plays, 1),
            "clock": f"{rng.randint(0, 11)}:{rng.randint(0, 59):02d}",
            "text": "Jump shot made" if i % 3 else "Defensive rebound",
            "scoreValue": 2 if i % 3 else 0,
        }
        for i in range(n_plays)
    ]
    return json.dumps({"gameId": game_id, "plays": plays}).encode()


def _box_json(game_id: str, home: str, away: str) -> bytes:
    players = [{"name": f"Player {i}", "min": 20 + i, "pts": i * 2} for i in range(13)]
    return json.dumps({"gameId": game_id, "teams": {home: players, away: players}}).encode()


def _hoopr_parquet(season: str, n: int) -> bytes:
    table = pa.table(
        {
            "game_id": [f"g{i}" for i in range(n)],
            "sequence_number": list(range(n)),
            "type_text": ["Jump Shot"] * n,
            "season": [int(season[:4]) + 1] * n,
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _empty_page(game_id: str, rng: random.Random) -> bytes:
    """An ESPN game page without plays, padded to a normal page's size (header, box, news...)."""
    size = rng.randint(4000, 7000)
    body = {"gameId": game_id, "plays": [], "header": {"status": "STATUS_FINAL"}, "news": ""}
    body["news"] = "x" * max(0, size - len(json.dumps(body)))
    return json.dumps(body).encode()


def scoreboard_page(day: pd.Timestamp, games: pd.DataFrame) -> bytes:
    """ESPN's scoreboard web page saved as JSON, as the team's bucket holds it: the games under
    ``page.content.events`` (``page.content.schedule`` on every third day, the other real shape)
    {YYYYMMDD: [{id, date (UTC: a 10:30 pm Eastern game starts on the next UTC day), competitors
    [{isHome, abbrev (ESPN's codes: GS, NO, NY, SA, UTAH, WSH), displayName, score}], status}]}.
    Games without an ESPN id (the demo's unmapped ones) are not listed."""
    listed = games[games["espn_game_id"].notna()]
    season = listed["season"].iloc[0] if len(listed) else "2018-19"
    home_e = teams.espn_abbrs(listed["home_team"].astype("string"), season)
    away_e = teams.espn_abbrs(listed["away_team"].astype("string"), season)
    events = []
    for i, (g, he, ae) in enumerate(zip(listed.itertuples(index=False), home_e, away_e)):
        start = day.tz_localize("America/New_York") + pd.Timedelta(hours=22 if i % 4 == 3 else 19, minutes=30)
        events.append(
            {
                "id": str(g.espn_game_id),
                "date": start.tz_convert("UTC").strftime("%Y-%m-%dT%H:%MZ"),
                "competitors": [
                    {
                        "isHome": True,
                        "abbrev": he if isinstance(he, str) else g.home_team,
                        "displayName": g.home_team,
                        "score": str(100 + i),
                    },
                    {
                        "isHome": False,
                        "abbrev": ae if isinstance(ae, str) else g.away_team,
                        "displayName": g.away_team,
                        "score": str(95 + i),
                    },
                ],
                "status": {"id": "3", "state": "post", "det": "Final", "description": "Final"},
            }
        )
    block = "schedule" if day.day % 3 == 0 else "events"
    return json.dumps({"page": {"content": {block: {day.strftime("%Y%m%d"): events}}}}).encode()


def _after_game(day: pd.Timestamp, rng: random.Random) -> pd.Timestamp:
    """A capture time after the game's date has ended (UTC), within a day and a half."""
    return day.tz_localize("UTC") + pd.Timedelta(hours=rng.randint(26, 60))


def _write_lake(spec, games: pd.DataFrame, w: _Writer, rng: random.Random, empty_rng: random.Random) -> dict:
    as_of = pd.Timestamp(DEMO_AS_OF)
    played = games[(games["game_date"] < as_of) & (games["status"] == "final")]
    planted: dict[str, list] = {k: [] for k in IMPERFECTIONS}
    espn_pbp = spec.dataset("espn_play_by_play")
    espn_box = spec.dataset("espn_box_scores")
    nba_pbp = spec.dataset("nba_api_play_by_play")
    bbref = spec.dataset("bbref_box_scores")
    last_days = sorted(played["game_date"].unique())[-2:]

    for g in played.itertuples(index=False):
        fields = {
            "game_id": g.game_id,
            "espn_game_id": g.espn_game_id,
            "bbref_game_id": g.bbref_game_id,
            "season_end": str(int(g.season[:4]) + 1),
            "date": g.game_date.strftime("%Y-%m-%d"),
        }
        when = _after_game(g.game_date, rng)
        # ESPN play-by-play: old layout for 2017-18, a few under both
        if not pd.isna(g.espn_game_id):
            in_hole = pd.Timestamp("2019-01-10") <= g.game_date <= pd.Timestamp("2019-01-16")
            if in_hole:
                planted["missing_date_range"].append(g.game_id)
            else:
                layout = espn_pbp.layouts[1] if g.season == "2017-18" else espn_pbp.layouts[0]
                data = _pbp_json(g.espn_game_id, rng.randint(40, 70), rng)
                if empty_rng.random() < 0.08:  # its own generator: the other flaws stay the same
                    data = _empty_page(g.espn_game_id, empty_rng)
                    planted["empty_pbp"].append(g.game_id)
                w.put(layout.render_one(**fields), data, when)
                if g.season == "2017-18" and rng.random() < 0.01:
                    w.put(espn_pbp.layouts[0].render_one(**fields), data, when)
                    planted["duplicates"].append(g.game_id)
            if g.game_date in last_days:
                planted["recent_missing"].append(g.game_id)
            else:
                box = _box_json(g.espn_game_id, g.home_team, g.away_team)
                early = rng.random() < 0.005
                stamp = g.game_date.tz_localize("UTC") + pd.Timedelta(hours=18) if early else when
                if early:
                    planted["premature"].append(g.game_id)
                w.put(espn_box.layouts[0].render_one(**fields), box, stamp)
        else:
            planted["unmapped"].append(g.game_id)
        # NBA Stats play-by-play
        r = rng.random()
        if r < 0.02:
            planted["missing_games"].append(g.game_id)
        elif r < 0.023:
            w.put(
                nba_pbp.canonical.render_one(**fields),
                b"GAME_ID,EVENTNUM,EVENTMSGTYPE,EVENTMSGACTIONTYPE,"
                b"PERIOD,WCTIMESTRING,PCTIMESTRING,HOMEDESCRIPTION,NEUTRALDESCRIPTION,VISITORDESCRIPTION,"
                b"SCORE,SCOREMARGIN\n"[:154].ljust(154, b" "),
                when,
            )
            planted["header_only"].append(g.game_id)
        else:
            w.put(nba_pbp.canonical.render_one(**fields), _pbp_json(g.game_id, rng.randint(40, 70), rng), when)
        # Basketball-Reference box scores (2018-19 only)
        if g.season == "2018-19":
            w.put(bbref.canonical.render_one(**fields), _box_json(g.bbref_game_id, g.home_team, g.away_team), when)

    # ESPN daily scoreboards, one per game date, in the real pages' format: the schedule
    # (`schedule: auto`) gets its ESPN ids from them through the crosswalk
    sched_ds = spec.dataset("espn_schedules")
    for day, day_games in played.groupby("game_date"):
        w.put(
            sched_ds.canonical.render_one(yyyymmdd=day.strftime("%Y%m%d")),
            scoreboard_page(day, day_games),
            _after_game(day, rng),
        )

    # hoopR season files: 2017-18 final, 2018-19 stale
    hoopr = spec.dataset("hoopr_play_by_play")
    w.put(
        hoopr.canonical.render_one(season_end="2018"),
        _hoopr_parquet("2017-18", 2000),
        pd.Timestamp("2018-06-20", tz="UTC"),
    )
    w.put(
        hoopr.canonical.render_one(season_end="2019"),
        _hoopr_parquet("2018-19", 2000),
        pd.Timestamp(DEMO_AS_OF, tz="UTC") - pd.Timedelta(days=20),
    )
    planted["stale"].append("hoopr 2018-19")

    # orphans, non-data and unparsed keys
    t = pd.Timestamp("2019-02-01", tz="UTC")
    orphan_pbp = nba_pbp.canonical.render_one(game_id="0021899999")
    w.put(orphan_pbp, _pbp_json("0021899999", 10, rng), t)
    g = played[played["season"] == "2018-19"].iloc[0]
    wrong = bbref.canonical.render_one(season_end="2018", bbref_game_id=g.bbref_game_id)
    w.put(wrong, _box_json(g.bbref_game_id, g.home_team, g.away_team), t)
    planted["orphans"] += [orphan_pbp, wrong]
    for key in (
        "inventory-reports/nba-lake/2019-03-14/manifest.json",
        "athena-results/q1.csv",
        "backups/postgres-2019-03-01.dump",
        "ml-models/win-prob/model.pkl",
    ):
        w.put(key, b"not data\n", t)
        planted["non_data"].append(key)
    for key in ("tmp/notes.txt", "espn_play_by_play/.DS_Store"):
        w.put(key, b"stray\n", t)
        planted["unparsed"].append(key)
    return planted

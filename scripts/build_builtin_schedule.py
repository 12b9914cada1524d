"""Build the packaged reference schedule and team table from MIT-licensed reference files only.

    .venv/bin/python scripts/build_builtin_schedule.py [--reference ../shared/data/nba-reference]

Inputs (checked against the reference folder's SHA256SUMS before use):
  nbastats_leaguegamelog_lawlers/log-1997.csv .. log-2019.csv   regular seasons 1996-97..2018-19
  playoffs_nocturnebear/play_off_totals_2010_2024.csv            playoffs 2010-11..2023-24
  bttmly_incomplete_schedules/schedule-00.json .. -15.json       original dates of postponed games
  teams/derived_team_seasons_nbastats_1950-51_2018-19.csv        NBA abbreviation per team and season
  teams/nba_api_1.12.0_static_teams.json                         current abbreviations

Outputs in nba_simulator/data/schedule/: builtin_schedule.csv.gz (sorted, gzip mtime 0, so the bytes
depend on the inputs only), teams.csv, ORIGIN.md and the licence texts. Re-running on the same inputs
rewrites identical files. Columns that can be derived (bbref_game_id) are left to the loader.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import shutil
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "nba_simulator" / "data" / "schedule"
DEFAULT_REFERENCE = REPO.parent / "shared" / "data" / "nba-reference"

LAWLERS = "nbastats_leaguegamelog_lawlers"
NOCTURNE = "playoffs_nocturnebear/play_off_totals_2010_2024.csv"
BTTMLY = "bttmly_incomplete_schedules"
TEAM_SEASONS = "teams/derived_team_seasons_nbastats_1950-51_2018-19.csv"
NBA_API_TEAMS = "teams/nba_api_1.12.0_static_teams.json"
FIRST_SEASON = 1996  # first season start year taken from the lawlers logs
CANCELLED = {"0021201214"}  # BOS-IND 2013-04-16, never played (Boston Marathon bombing)

# Facts about other sites' spellings (not anybody's code). Every team not listed here uses its NBA
# Stats abbreviation on Basketball-Reference. Keys: (NBA abbreviation, team name or None = any).
BBREF_EXCEPTIONS = {
    ("BKN", None): "BRK",
    ("PHX", None): "PHO",
    ("CHA", "Charlotte Hornets"): "CHO",  # the Bobcats (2004-05..2013-14) stay CHA
    ("WAS", "Washington Bullets"): "WSB",  # 1996-97; the Wizards are WAS
}
# ESPN abbreviations that differ from NBA Stats ones; any other team uses its NBA abbreviation.
ESPN_EXCEPTIONS = {
    "GSW": "GS",
    "NYK": "NY",
    "SAS": "SA",
    "UTA": "UTAH",
    "WAS": "WSH",
    "NOH": "NO",
    "NOK": "NO",
    "NOP": "NO",
    "NJN": "NJ",
}

LICENSES = {
    f"{LAWLERS}/LICENSE.md": "LICENSE-lawlers.md",
    "playoffs_nocturnebear/LICENSE": "LICENSE-nocturnebear",
    "teams/nba_api_LICENSE": "LICENSE-nba_api",
}


def label(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_sums(ref: Path, rels: list[str]) -> dict[str, str]:
    """SHA256 of each input; abort when it differs from the reference folder's SHA256SUMS."""
    listed = {}
    sums = ref / "SHA256SUMS"
    if sums.exists():
        for line in sums.read_text().splitlines():
            digest, name = line.split(maxsplit=1)
            listed[name.removeprefix("./")] = digest
    out = {}
    for rel in rels:
        digest = sha256(ref / rel)
        if listed and listed.get(rel) != digest:
            sys.exit(f"{ref / rel}: SHA256 differs from SHA256SUMS ({digest})")
        out[rel] = digest
    return out


def pair_games(rows: pd.DataFrame, source: str) -> pd.DataFrame:
    """Team-game rows (two per game, MATCHUP 'X vs. Y' = home, 'X @ Y' = away) -> one row per game."""
    home = rows["MATCHUP"].str.contains(" vs. ", regex=False)
    away = rows["MATCHUP"].str.contains(" @ ", regex=False)
    if not (home ^ away).all():
        sys.exit(f"{source}: MATCHUP neither home nor away: {rows.loc[~(home ^ away), 'MATCHUP'].iloc[0]}")
    cols = ["GAME_ID", "GAME_DATE", "TEAM_ABBREVIATION", "MATCHUP", "WL", "PTS"]
    h = rows.loc[home, cols].set_index("GAME_ID")
    a = rows.loc[away, cols].set_index("GAME_ID")
    if h.index.has_duplicates or a.index.has_duplicates or set(h.index) != set(a.index):
        sys.exit(f"{source}: some game lacks exactly one home and one away row")
    a = a.loc[h.index]
    opponent = h["MATCHUP"].str.split(" vs. ").str[1]
    if not ((opponent == a["TEAM_ABBREVIATION"]) & (h["GAME_DATE"] == a["GAME_DATE"])).all():
        sys.exit(f"{source}: home and away rows disagree on opponent or date")
    unplayed = h["WL"].isna() & a["WL"].isna() & (h["PTS"] == "0") & (a["PTS"] == "0")
    return pd.DataFrame(
        {
            "game_id": h.index,
            "game_date": h["GAME_DATE"].str[:10].to_numpy(),
            "home_team": h["TEAM_ABBREVIATION"].to_numpy(),
            "away_team": a["TEAM_ABBREVIATION"].to_numpy(),
            "status": unplayed.map({True: "cancelled", False: "final"}).to_numpy(),
        }
    )


def regular_seasons(ref: Path, files: list[str]) -> pd.DataFrame:
    rows = pd.concat([pd.read_csv(ref / f, dtype=str) for f in files], ignore_index=True)
    games = pair_games(rows, LAWLERS)
    season_id = rows.drop_duplicates("GAME_ID").set_index("GAME_ID")["SEASON_ID"]
    games["season"] = season_id.loc[games["game_id"]].str[1:].astype(int).map(label).to_numpy()
    games["season_type"] = "regular"
    cancelled = set(games.loc[games["status"] == "cancelled", "game_id"])
    if cancelled != CANCELLED:
        sys.exit(f"{LAWLERS}: unexpected unplayed games {sorted(cancelled)}")
    return games


def playoffs(ref: Path) -> pd.DataFrame:
    rows = pd.read_csv(ref / NOCTURNE, dtype=str)
    facts = rows.drop(columns=[c for c in rows.columns if c.endswith("_RANK")])
    if len(facts.drop_duplicates()) != len(facts.drop_duplicates(["GAME_ID", "TEAM_ID"])):
        sys.exit(f"{NOCTURNE}: duplicated team-game rows disagree beyond the *_RANK columns")
    rows = rows.loc[~facts.duplicated(["GAME_ID", "TEAM_ID"])]
    games = pair_games(rows, NOCTURNE)
    games["season"] = (
        rows.drop_duplicates("GAME_ID").set_index("GAME_ID").loc[games["game_id"], "SEASON_YEAR"].to_numpy()
    )
    games["season_type"] = "playoffs"
    return games


def bttmly_dates(ref: Path, files: list[str]) -> pd.Series:
    """gameId -> date (YYYY-MM-DD) as bttmly's boxscoresummary scrape carries it."""
    rows = [r for f in files for r in json.loads((ref / f).read_text())]
    frame = pd.DataFrame(rows)
    return frame.set_index("gameId")["gameDateEst"].str[:10]


def original_dates(games: pd.DataFrame, bttmly: pd.Series) -> pd.Series:
    """bttmly's date where it differs from the played date (the 2016 blizzard postponements)."""
    played = games.set_index("game_id")["game_date"]
    common = bttmly.index.intersection(played.index)
    differ = bttmly.loc[common][bttmly.loc[common] != played.loc[common]]
    if set(differ.index) != {"0021500654", "0021500656"}:
        sys.exit(f"{BTTMLY}: dates differ from lawlers for unexpected games {sorted(differ.index)}")
    return games["game_id"].map(differ)


def team_table(ref: Path) -> pd.DataFrame:
    """One row per team era: a run of seasons with the same NBA, Basketball-Reference, ESPN codes."""
    seasons = pd.read_csv(ref / TEAM_SEASONS, dtype=str)
    seasons = seasons.assign(year=seasons["season"].str[:4].astype(int))
    seasons = seasons.loc[seasons["year"] >= FIRST_SEASON, ["year", "team_id", "team_abbreviation", "team_name"]]
    po = pd.read_csv(ref / NOCTURNE, dtype=str)
    po = pd.DataFrame(
        {
            "year": po["SEASON_YEAR"].str[:4].astype(int),
            "team_id": po["TEAM_ID"],
            "team_abbreviation": po["TEAM_ABBREVIATION"],
            "team_name": po["TEAM_NAME"],
        }
    )
    po = po.loc[po["year"] > seasons["year"].max()]
    obs = pd.concat([seasons, po]).drop_duplicates(["year", "team_id"])
    if obs.duplicated(["year", "team_abbreviation"]).any():
        sys.exit("two teams share an abbreviation in one season")
    obs = obs.sort_values(["team_id", "year"], kind="stable").reset_index(drop=True)

    api = pd.DataFrame(json.loads((ref / NBA_API_TEAMS).read_text()))
    api = api.assign(team_id=api["id"].astype(str)).set_index("team_id")
    last = obs.groupby("team_id").tail(1).set_index("team_id")
    if set(api.index) != set(last.index) or (api.loc[last.index, "abbreviation"] != last["team_abbreviation"]).any():
        sys.exit(f"{NBA_API_TEAMS}: current abbreviations differ from the last observed season")

    obs["bbref_code"] = obs["team_abbreviation"]
    for (abbr, name), code in BBREF_EXCEPTIONS.items():
        hit = (obs["team_abbreviation"] == abbr) & ((obs["team_name"] == name) if name else True)
        obs.loc[hit, "bbref_code"] = code
    obs["espn_abbr"] = obs["team_abbreviation"].map(ESPN_EXCEPTIONS).fillna(obs["team_abbreviation"])
    key = ["team_id", "team_abbreviation", "bbref_code", "espn_abbr"]
    # A missing season splits an era only where the team-season list is complete (to 2018-19): after
    # that only playoff teams are observed, and a team missing the playoffs did not cease to exist.
    complete_to = seasons["year"].max()
    gap = (obs["year"] != obs["year"].shift() + 1) & (obs["year"].shift() < complete_to)
    new_era = (obs[key] != obs[key].shift()).any(axis=1) | gap
    obs["era"] = new_era.cumsum()
    eras = obs.groupby("era").agg(
        team_id=("team_id", "first"),
        first=("year", "min"),
        last=("year", "max"),
        nba_abbr=("team_abbreviation", "first"),
        bbref_code=("bbref_code", "first"),
        espn_abbr=("espn_abbr", "first"),
        team_name=("team_name", "last"),
    )
    current = eras.groupby("team_id")["last"].transform("max") == eras["last"]
    eras["first_season"] = eras["first"].map(label)
    eras["last_season"] = eras["last"].map(label).where(~current, "")  # empty = still current
    eras.loc[current, "team_name"] = api.loc[eras.loc[current, "team_id"], "full_name"].to_numpy()
    cols = ["team_id", "first_season", "last_season", "nba_abbr", "bbref_code", "espn_abbr", "team_name"]
    return eras.sort_values(["team_id", "first"])[cols].reset_index(drop=True)


def write_gzip_csv(frame: pd.DataFrame, path: Path) -> None:
    data = frame.to_csv(index=False, lineterminator="\n").encode()
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    path.write_bytes(buf.getvalue())


ORIGIN = """# Origin of the packaged schedule data

Built by `scripts/build_builtin_schedule.py` from the offline copy of public reference data
(`../shared/data/nba-reference`, see its README for how each file was taken). Only MIT-licensed
files were read; files without a stated licence (Kaggle lauga, davidxia3 ESPN, mendelowitz
Basketball-Reference, sdv) are used by tests only, never packaged. Re-running the script on the same
inputs rewrites identical bytes.

## Sources

| file(s) | repository @ commit | licence | used for |
|---|---|---|---|
| `data/logs/log-1997.csv` .. `log-2019.csv` | ryanvmenezes/lawlers-law @ 5b4853c17dae1979b297f398a39903d6eabc812f | MIT, `LICENSE-lawlers.md` | regular seasons 1996-97..2018-19: id, date, home/away (MATCHUP), cancelled game |
| `play_off_totals_2010_2024.csv` | NocturneBear/NBA-Data-2010-2024 @ a5f108b5b1f08074d78b9e8e901926a9ce4c06c5 | MIT, `LICENSE-nocturnebear` | playoffs 2010-11..2023-24; team abbreviations 2019-20..2023-24 |
| `schedule-00.json` .. `schedule-15.json` | bttmly/nba-schedules @ 3929f2d8eac3ca650a68c146a4b3a7147eda9afa | MIT (declared in its package.json; the repository has no licence file to copy) | the original dates of the two games postponed by the 2016 blizzard (two facts) |
| `teams` list of `nba_api/stats/library/data.py`, nba_api 1.12.0 wheel | swar/nba_api (PyPI nba_api==1.12.0) | MIT, `LICENSE-nba_api` | current abbreviation and name of the 30 teams |
| derived team seasons 1996-97..2018-19 (distinct season, team id, abbreviation, name of the lawlers logs) | as lawlers | MIT | NBA abbreviation per team and season |

SHA256 of the inputs as read:

{sums}

## What was derived

`builtin_schedule.csv.gz`, one row per game, sorted by date then id. Columns `game_id, season,
season_type, game_date, home_team, away_team, status, original_date`; the loader adds
`bbref_game_id` (date + home Basketball-Reference code) and `espn_game_id` (none here: no licensed
source maps them).
- Regular season: the two team rows of each game paired; `X vs. Y` is the home team. A game whose
  rows have no W/L and 0 points is `cancelled` (only 0021201214, BOS-IND 2013-04-16); all others `final`.
- Playoffs: the same pairing after dropping duplicated team-game rows (they differ only in the
  `*_RANK` columns).
- `original_date`: bttmly's date where it differs from the date played in lawlers; that is exactly
  0021500654 and 0021500656 (2016-01-23, played 2016-02-18 and 2016-01-24). Empty elsewhere.

Games per season and type:

{counts}

Not covered: regular seasons from 2019-20 on (no licensed source has their dates and home teams),
playoffs before 2010-11, play-in, preseason, All-Star and Cup-final games, and every ESPN game id.
Supply a schedule file for those (see `nba_simulator.schedule.load`).

`teams.csv`, one row per team era (a run of seasons in which the NBA abbreviation,
Basketball-Reference code and ESPN abbreviation stay the same). `last_season` empty = still current.
NBA abbreviations and names come from the sources above. Basketball-Reference codes and ESPN
abbreviations are facts written into the build script, not anybody's code: Basketball-Reference
writes BKN as BRK, PHX as PHO, the Charlotte Hornets from 2014-15 as CHO (the Bobcats as CHA), the
1996-97 Washington Bullets as WSB, and every other team as NBA Stats does (CHH, NJN, NOH, NOK, NOP,
SEA, VAN...). ESPN writes GS, NY, SA, UTAH, WSH, NO (all New Orleans eras) and NJ. ESPN spellings
before 2002 were not checked against ESPN data.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    ref, out = args.reference, args.out
    lawlers = [f"{LAWLERS}/log-{y}.csv" for y in range(FIRST_SEASON + 1, 2020)]
    bttmly = [f"{BTTMLY}/schedule-{y:02d}.json" for y in range(16)]
    sums = check_sums(ref, lawlers + [NOCTURNE] + bttmly + [TEAM_SEASONS, NBA_API_TEAMS] + list(LICENSES))

    games = pd.concat([regular_seasons(ref, lawlers), playoffs(ref)], ignore_index=True)
    if games["game_id"].duplicated().any():
        sys.exit("a game id appears in both sources")
    games["original_date"] = original_dates(games, bttmly_dates(ref, bttmly))
    cols = ["game_id", "season", "season_type", "game_date", "home_team", "away_team", "status", "original_date"]
    games = games[cols].sort_values(["game_date", "game_id"]).reset_index(drop=True)
    teams = team_table(ref)

    out.mkdir(parents=True, exist_ok=True)
    write_gzip_csv(games, out / "builtin_schedule.csv.gz")
    teams.to_csv(out / "teams.csv", index=False, lineterminator="\n")
    for src, dst in LICENSES.items():
        shutil.copyfile(ref / src, out / dst)
    counts = games.groupby(["season", "season_type"]).size().unstack(fill_value=0)
    counts_md = "| season | " + " | ".join(counts.columns) + " |\n|---|" + "---|" * len(counts.columns) + "\n"
    counts_md += "\n".join(f"| {s} | " + " | ".join(str(v) for v in row) + " |" for s, row in counts.iterrows())
    sums_md = "\n".join(f"- `{rel}` `{digest}`" for rel, digest in sums.items())
    (out / "ORIGIN.md").write_text(ORIGIN.format(sums=sums_md, counts=counts_md))
    print(f"{len(games)} games, {len(teams)} team eras -> {out}")


if __name__ == "__main__":
    main()

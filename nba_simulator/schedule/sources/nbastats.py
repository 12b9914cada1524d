"""NBA Stats ``LeagueGameLog`` (what ``nba_api``'s ``LeagueGameLog`` returns): completed games.

The response has ``resultSets[]`` (or ``resultSet``) named ``LeagueGameLog`` with ``headers`` and
``rowSet``: one row per team and game, ``GAME_ID``, ``GAME_DATE`` (the local date, ``2025-10-21``),
``TEAM_ABBREVIATION``, ``MATCHUP`` (``LAL vs. BOS`` for the home team, ``LAL @ BOS`` for the
away team) and ``WL``. Season and season type come from the game id. A game whose rows have no
``WL`` and no points was never played (the 2012-13 BOS-IND game 0021201214): status
``cancelled``; otherwise ``final``.

Output columns: ``game_id, game_date, home_team, away_team, status, origin`` (strings; teams as
the response gives them, normalised later by ``load.canonical``).
"""

from __future__ import annotations

import re

import pandas as pd

from .common import Parsed, load_json

COLUMNS = ("game_id", "game_date", "home_team", "away_team", "status", "origin")
_MATCHUP = re.compile(r"^\s*([A-Za-z]{2,4})\s*(vs\.?|@)\s*([A-Za-z]{2,4})\s*$")
NEEDED = ("GAME_ID", "GAME_DATE", "MATCHUP")


def empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string") for c in COLUMNS})


def _result_set(doc) -> tuple[list[str], list[list]] | None:
    sets = doc.get("resultSets", doc.get("resultSet")) if isinstance(doc, dict) else None
    if isinstance(sets, dict):
        sets = [sets]
    if not isinstance(sets, list):
        return None
    for rs in sets:
        if (
            isinstance(rs, dict)
            and isinstance(rs.get("headers"), list)
            and isinstance(rs.get("rowSet"), list)
            and rs.get("name", "LeagueGameLog") in ("LeagueGameLog", None)
        ):
            return rs["headers"], rs["rowSet"]
    return None


def parse_league_game_log(data: bytes, origin: str) -> Parsed:
    doc, problem = load_json(data, origin)
    if problem:
        return Parsed(empty(), [problem])
    found = _result_set(doc)
    if found is None:
        return Parsed(empty(), [f"{origin}: no LeagueGameLog result set"])
    headers, rows = found
    missing = [h for h in NEEDED if h not in headers]
    if missing:
        return Parsed(empty(), [f"{origin}: LeagueGameLog lacks column {missing[0]}"])
    good = [r for r in rows if isinstance(r, list) and len(r) == len(headers)]
    warnings = [f"{origin}: {len(rows) - len(good)} malformed rows skipped"] if len(good) < len(rows) else []
    if not good:
        return Parsed(empty(), warnings)
    t = pd.DataFrame(good, columns=headers)
    m = t["MATCHUP"].astype("string").str.extract(_MATCHUP)
    home_side = m[1].str.startswith("vs")
    t["home"] = m[0].where(home_side, m[2]).str.upper()
    t["away"] = m[2].where(home_side, m[0]).str.upper()
    t["played"] = (t["WL"].notna() & (t["WL"].astype("string").str.strip() != "")) if "WL" in t else True
    if "PTS" in t:
        t["played"] |= pd.to_numeric(t["PTS"], errors="coerce").fillna(0) > 0
    bad = m[0].isna()
    if bad.any():
        warnings.append(
            f"{origin}: {int(bad.sum())} rows with an unreadable MATCHUP (first: "
            f"{t.loc[bad, 'MATCHUP'].iloc[0]!r}); skipped"
        )
        t = t.loc[~bad]
    gid = t["GAME_ID"].astype("string").str.strip().str.zfill(10)
    t = t.assign(game_id=gid, game_date=t["GAME_DATE"].astype("string").str.strip().str[:10])
    # a neutral-site game may list both teams with "@" (Berlin, 2026-01-15): the first row's
    # reading ("MEM @ ORL": ORL at home) is kept, with a warning
    has_vs = home_side.reindex(t.index).fillna(False).astype(bool).groupby(t["game_id"]).transform("any")
    odd = sorted(t.loc[~has_vs, "game_id"].unique())
    t = t.loc[has_vs | ~t["game_id"].duplicated(keep="first")]
    if odd:
        warnings.append(
            f"{origin}: {len(odd)} games list both teams as away (neutral site; first: {odd[0]}); "
            "the first row's reading of home and away is kept"
        )
    g = t.groupby("game_id", sort=True)
    out = pd.DataFrame(
        {
            "game_date": g["game_date"].first(),
            "home_team": g["home"].first(),
            "away_team": g["away"].first(),
            "played": g["played"].any(),
            "n_home": g["home"].nunique(),
            "n_away": g["away"].nunique(),
        }
    )
    clash = (out["n_home"] > 1) | (out["n_away"] > 1)
    if clash.any():
        warnings.append(
            f"{origin}: {int(clash.sum())} games whose rows disagree on the teams "
            f"(first: {out.index[clash.to_numpy()][0]}); skipped"
        )
        out = out.loc[~clash]
    frame = pd.DataFrame(
        {
            "game_id": out.index.astype("string"),
            "game_date": out["game_date"].astype("string").to_numpy(),
            "home_team": out["home_team"].astype("string").to_numpy(),
            "away_team": out["away_team"].astype("string").to_numpy(),
            "status": pd.Series(["final" if p else "cancelled" for p in out["played"]], dtype="string"),
            "origin": pd.Series([origin] * len(out), dtype="string"),
        }
    )
    return Parsed(frame.astype("string").reset_index(drop=True), warnings)

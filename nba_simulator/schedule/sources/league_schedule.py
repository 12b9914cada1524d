"""The league's published season schedule: the ``scheduleLeagueV2`` document.

``leagueSchedule.gameDates[].games[]``, each with ``gameId``, ``gameDateEst`` (the US/Eastern date,
``2025-10-21T00:00:00Z``) and/or ``gameDateTimeUTC``, ``homeTeam.teamTricode``,
``awayTeam.teamTricode``, ``gameStatus`` (1 scheduled, 2 in progress, 3 final),
``gameStatusText``, ``postponedStatus`` and labels: ``gameLabel`` (``Emirates NBA Cup``,
``Preseason``, play-in...), ``gameSubLabel`` (``East Group A``, ``Championship``), ``gameSubtype``
(``in-season``, ``in-season-knockout``), ``seriesText``. The season type comes from the game id
(Cup group and knockout games are regular-season games; the Cup final is type 6; play-in 5).

Status: ``final`` when ``gameStatus`` is 3; ``postponed`` when ``postponedStatus`` is ``P`` or the
status text says postponed (``PPD``); ``cancelled`` when ``postponedStatus`` is ``C`` or the text
says cancelled; otherwise ``scheduled``. Games whose teams are not known yet (``TBD``, empty
tricodes) and not-yet-played "if necessary" games are skipped: nothing is owed for them yet.

Output columns: ``game_id, game_date, home_team, away_team, status, label, origin``.
"""

from __future__ import annotations

import pandas as pd

from .common import Parsed, load_json, local_dates, text, utc_times

COLUMNS = ("game_id", "game_date", "home_team", "away_team", "status", "label", "origin")


def empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string") for c in COLUMNS})


def _status(game: dict) -> str:
    words = " ".join(filter(None, (text(game.get("gameStatusText")),))).lower()
    flag = (text(game.get("postponedStatus")) or "").upper()
    if flag == "P" or "ppd" in words or "postpon" in words:
        return "postponed"
    if flag == "C" or "cancel" in words or "cncl" in words:
        return "cancelled"
    if str(game.get("gameStatus")).strip() == "3":
        return "final"
    return "scheduled"


def _label(game: dict) -> str:
    parts = [text(game.get(k)) for k in ("gameLabel", "gameSubLabel", "gameSubtype")]
    return " / ".join(p for p in parts if p)


def parse_schedule_league_v2(data: bytes, origin: str) -> Parsed:
    doc, problem = load_json(data, origin)
    if problem:
        return Parsed(empty(), [problem])
    sched = doc.get("leagueSchedule") if isinstance(doc, dict) else None
    dates = sched.get("gameDates") if isinstance(sched, dict) else None
    if not isinstance(dates, list):
        return Parsed(empty(), [f"{origin}: no leagueSchedule.gameDates (not a scheduleLeagueV2 document)"])
    rows, warnings, tbd, maybe = [], [], 0, 0
    for day in dates:
        games = day.get("games") if isinstance(day, dict) else None
        if not isinstance(games, list):
            warnings.append(f"{origin}: a gameDates entry without games; skipped")
            continue
        for game in games:
            if not isinstance(game, dict) or not text(game.get("gameId")):
                warnings.append(f"{origin}: a game without gameId; skipped")
                continue
            home = (
                text((game.get("homeTeam") or {}).get("teamTricode"))
                if isinstance(game.get("homeTeam"), dict)
                else None
            )
            away = (
                text((game.get("awayTeam") or {}).get("teamTricode"))
                if isinstance(game.get("awayTeam"), dict)
                else None
            )
            status = _status(game)
            if not home or not away or "TBD" in (home.upper(), away.upper()):
                tbd += 1
                continue
            if str(game.get("ifNecessary")).lower() == "true" and status != "final":
                maybe += 1
                continue
            est = text(game.get("gameDateEst"))
            rows.append(
                (
                    text(game.get("gameId")),
                    est[:10] if est else None,
                    text(game.get("gameDateTimeUTC")),
                    home.upper(),
                    away.upper(),
                    status,
                    _label(game),
                )
            )
    notes = []
    if tbd:
        notes.append(f"{origin}: {tbd} games whose teams are not known yet skipped")
    if maybe:
        notes.append(f"{origin}: {maybe} 'if necessary' games not played (yet) skipped")
    if not rows:
        return Parsed(empty(), warnings + notes)
    t = pd.DataFrame(rows, columns=["game_id", "est", "utc", "home_team", "away_team", "status", "label"])
    utc = utc_times(t["utc"])
    from_utc = local_dates(utc).dt.strftime("%Y-%m-%d")
    est_ok = t["est"].astype("string").str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
    t["game_date"] = t["est"].where(est_ok, from_utc).astype("string")
    nodate = t["game_date"].isna()
    if nodate.any():
        warnings.append(
            f"{origin}: {int(nodate.sum())} games without a date (first: {t.loc[nodate, 'game_id'].iloc[0]}); "
            "kept as scheduled without a date"
        )
        t.loc[nodate & (t["status"] == "final"), "status"] = "scheduled"
    t["game_id"] = t["game_id"].astype("string").str.zfill(10)
    t["origin"] = origin
    return Parsed(t[list(COLUMNS)].astype("string").reset_index(drop=True), warnings + notes)

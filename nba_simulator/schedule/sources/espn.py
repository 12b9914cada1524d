"""ESPN scoreboards: the lake's saved scoreboard web pages and ESPN's scoreboard API.

Both give, per date, the games ESPN lists with their ESPN id, UTC start time and both teams.

- **Web page** (the lake's ``espn_schedules/YYYYMMDD.json`` and older ``schedule/`` files): the
  page's JSON with the games under ``page.content.events`` (a mapping ``YYYYMMDD`` -> list of
  games, or a list), ``page.content.schedule`` (a mapping ``YYYYMMDD`` -> list, or -> an object
  with ``games``) or, in newer pages, ``page.content.scoreboard.evts`` (a list). A game has ``id``,
  ``date`` (UTC), ``competitors[]`` with ``isHome`` (or ``homeAway``) and ``abbrev`` (or
  ``team.abbreviation``), ``displayName``, and a ``status`` (``state``/``description``/``id``).
- **API** (``site.api.espn.com/.../basketball/nba/scoreboard?dates=YYYYMMDD``): ``events[]`` with
  ``id``, ``date`` and ``competitions[0].competitors[]`` (``homeAway``, ``team.abbreviation``),
  ``status.type`` (``name`` like ``STATUS_FINAL``, ``state``, ``completed``).

Season and season type, when the game says them (the API's ``season: {year, type, slug}``, a
page game's ``season`` or ``seasonType``): ESPN's ``type`` 1 preseason, 2 regular season, 3
postseason, 5 play-in (``slug`` ``preseason``, ``regular-season``, ``post-season``, ``play-in``);
ESPN's ``year`` is the season's END year (2024: 2023-24). A note of the API's event
(``competitions[0].notes[].headline``, e.g. ``NBA Cup Championship``, ``Play-In Tournament``: the
Cup final and the play-in, which ``season.type`` files under 2 or 3) wins over the type
(:data:`NOTE_TYPES`). A saved web page's game says no type: the real page of 2023-10-24
(``tests/schedule/fixtures``) has per game only ``id, competitors, date, completed, link,
status`` (a page game's ``season``/``seasonType``/``notes`` are read when present). Unsaid: ``NA``
(``schedule.phases`` decides from the season's known phases, or leaves it undecided).

Output columns (see ``COLUMNS``): ``espn_game_id`` (digits), ``start_utc`` (UTC Timestamp),
``home_team``/``away_team`` (the NBA Stats abbreviation of that season, via ``schedule.teams``;
unknown codes such as exhibition opponents stay as ESPN wrote them, upper-cased), ``status``
(final | scheduled | postponed | cancelled), ``origin`` (the file key or URL), ``season`` and
``season_type`` (as the game says them, else NA). A malformed file
or game gives a warning naming the origin (and the game's position), never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import teams
from .common import Parsed, load_json, local_dates, seasons_of_dates, text, utc_times
from .limits import MAX_PAGE_GAMES, MAX_YEAR, MIN_YEAR, bounded_years, espn_id_problem, shown, too_large

COLUMNS = ("espn_game_id", "start_utc", "home_team", "away_team", "status", "origin", "season", "season_type")
#: ESPN's season types (``season.type``) and slugs -> the schedule's season types (4: ESPN's off-season)
ESPN_SEASON_TYPES = {
    "1": "preseason",
    "2": "regular",
    "3": "playoffs",
    "5": "play_in",
    "preseason": "preseason",
    "regular-season": "regular",
    "post-season": "playoffs",
    "postseason": "playoffs",
    "play-in": "play_in",
    "play-in-tournament": "play_in",
}
#: words of an ESPN event note's headline -> the season type it says (ESPN's scoreboard API:
#: ``competitions[0].notes[{"type": "event", "headline": "NBA Cup Championship"}]``)
NOTE_TYPES = (("nba cup championship", "cup_final"), ("play-in", "play_in"))


def empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "espn_game_id": pd.Series(dtype="string"),
            "start_utc": pd.Series(dtype="datetime64[ns, UTC]"),
            "home_team": pd.Series(dtype="string"),
            "away_team": pd.Series(dtype="string"),
            "status": pd.Series(dtype="string"),
            "origin": pd.Series(dtype="string"),
            "season": pd.Series(dtype="string"),
            "season_type": pd.Series(dtype="string"),
        }
    )


def parse_scoreboard_page(data: bytes, origin: str) -> Parsed:
    """Games of one saved ESPN scoreboard web page (see module doc)."""
    return finish(page_records(data, origin))


def parse_scoreboard_api(data: bytes, origin: str) -> Parsed:
    """Games of one ESPN scoreboard API response (see module doc)."""
    return finish(api_records(data, origin))


@dataclass
class LakePages:
    """The lake's scoreboard pages, parsed (``storage.scoreboards`` reads them): the games, the
    keys read and parsed (with or without games), the warnings, counts (files, unreadable, games)
    and the lake they come from."""

    games: pd.DataFrame
    pages: frozenset = frozenset()
    warnings: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    lake: str | None = None


# --- records ---------------------------------------------------------------------------------------
def page_records(data: bytes, origin: str) -> tuple[list[tuple], list[str]]:
    problem = too_large(len(data), origin)
    doc, problem = (None, problem) if problem else load_json(data, origin)
    if problem:
        return [], [problem]
    warnings: list[str] = []
    games, problem = _page_games(doc, origin, warnings)
    if problem:
        return [], [problem]
    games = _at_most(games, origin, warnings)
    rows = []
    for i, game in enumerate(games):
        row = _game_record(game, origin, i, api=False)
        (rows if isinstance(row, tuple) else warnings).append(row)
    return rows, warnings


def api_records(data: bytes, origin: str) -> tuple[list[tuple], list[str]]:
    problem = too_large(len(data), origin)
    doc, problem = (None, problem) if problem else load_json(data, origin)
    if problem:
        return [], [problem]
    events = doc.get("events") if isinstance(doc, dict) else None
    if not isinstance(events, list):
        return [], [f"{origin}: no 'events' list (not an ESPN scoreboard API response)"]
    warnings: list[str] = []
    rows = []
    for i, game in enumerate(_at_most(events, origin, warnings)):
        row = _game_record(game, origin, i, api=True)
        (rows if isinstance(row, tuple) else warnings).append(row)
    return rows, warnings


def _at_most(games: list, origin: str, warnings: list[str]) -> list:
    """The first ``MAX_PAGE_GAMES`` games; one warning when there are more."""
    if len(games) <= MAX_PAGE_GAMES:
        return games
    warnings.append(
        f"{origin}: {len(games):,} games, more than the {MAX_PAGE_GAMES:,} a page may list; "
        f"the first {MAX_PAGE_GAMES:,} are read"
    )
    return games[:MAX_PAGE_GAMES]


def _page_games(doc: Any, origin: str, warnings: list[str] | None = None) -> tuple[list, str | None]:
    """The list of games of a page document, or a warning. A day whose value is not a list of
    games (or an object with one) is skipped; one warning (into ``warnings``) names the file."""
    page = doc.get("page") if isinstance(doc, dict) else None
    content = page.get("content") if isinstance(page, dict) else None
    if not isinstance(content, dict):
        return [], f"{origin}: no page.content (not a saved ESPN scoreboard page)"
    for name in ("events", "schedule"):
        block = content.get(name)
        if isinstance(block, list):
            return block, None
        if isinstance(block, dict):
            games: list = []
            odd: list[str] = []
            for day in sorted(block, key=str):
                value = block[day]
                if isinstance(value, dict):
                    value = value.get("games", [])
                if isinstance(value, list):
                    games.extend(value)
                else:
                    odd.append(str(day))
            if odd and warnings is not None:
                warnings.append(
                    f"{origin}: page.content.{name}: {len(odd)} day(s) whose games are not a list "
                    f"(first {shown(odd[0])}: {type(block[odd[0]]).__name__}); skipped"
                )
            return games, None
    board = content.get("scoreboard")
    if isinstance(board, dict) and isinstance(board.get("evts"), list):
        return board["evts"], None
    return [], f"{origin}: page.content has no events, schedule or scoreboard.evts"


def _team_code(comp: dict) -> str | None:
    team = comp.get("team") if isinstance(comp.get("team"), dict) else {}
    return (
        text(comp.get("abbrev"))
        or text(team.get("abbreviation"))
        or text(comp.get("abbreviation"))
        or text(team.get("abbrev"))
    )


def _side(comp: dict) -> str | None:
    if isinstance(comp.get("isHome"), bool):
        return "home" if comp["isHome"] else "away"
    side = text(comp.get("homeAway"))
    return side.lower() if side and side.lower() in ("home", "away") else None


def _status(game: dict, comps_holder: dict) -> str:
    """final | scheduled | postponed | cancelled from ESPN's status (page or API shape)."""
    status = game.get("status") if isinstance(game.get("status"), dict) else comps_holder.get("status")
    status = status if isinstance(status, dict) else {}
    kind = status.get("type") if isinstance(status.get("type"), dict) else status
    words = " ".join(
        filter(
            None,
            (
                text(kind.get("name")),
                text(kind.get("description")),
                text(kind.get("detail")),
                text(status.get("description")),
                text(status.get("det")),
                text(status.get("detail")),
            ),
        )
    ).lower()
    if "postpon" in words:
        return "postponed"
    if "cancel" in words:
        return "cancelled"
    if (
        kind.get("completed") is True
        or game.get("completed") is True
        or text(kind.get("state")) == "post"
        or text(status.get("state")) == "post"
        or "final" in words
    ):
        return "final"
    return "scheduled"


def _game_record(game: Any, origin: str, i: int, api: bool) -> tuple | str:
    where = f"{origin}: game #{i + 1}"
    if not isinstance(game, dict):
        return f"{where}: not an object; skipped"
    gid = text(game.get("id"))
    bad_id = espn_id_problem(gid)
    if bad_id:
        return f"{where}: ESPN id {shown(game.get('id'))} is not a valid ESPN id ({bad_id}); skipped"
    holder = game
    comps = game.get("competitors")
    if api or not isinstance(comps, list):
        competitions = game.get("competitions")
        if isinstance(competitions, list) and competitions and isinstance(competitions[0], dict):
            holder = competitions[0]
            comps = holder.get("competitors")
    if not isinstance(comps, list):
        return f"{where} (id {gid}): no competitors; skipped"
    sides: dict[str, str] = {}
    for comp in comps:
        if isinstance(comp, dict) and _side(comp) and _team_code(comp):
            sides.setdefault(_side(comp), _team_code(comp))
    if set(sides) != {"home", "away"}:
        return f"{where} (id {gid}): no home and away team; skipped"
    start = text(game.get("date")) or text(holder.get("date")) or text(holder.get("startDate"))
    if start is None:
        return f"{where} (id {gid}): no date; skipped"
    year, kind = _season_said(game)
    kind = _note_type(game, holder) or kind
    return (
        gid.lstrip("0"),
        start,
        sides["home"].upper(),
        sides["away"].upper(),
        _status(game, holder),
        origin,
        year,
        kind,
    )


def _season_said(game: dict) -> tuple[str | None, str | None]:
    """(ESPN's season year, our season type) as the game itself says them, else None."""
    season = game.get("season") if isinstance(game.get("season"), dict) else {}
    kind = season.get("type")
    if isinstance(kind, dict):  # {"type": {"id": "2", "type": 2, "name": ...}}
        kind = kind.get("type", kind.get("id"))
    kind = text(kind) or text(game.get("seasonType")) or text(season.get("slug"))
    year = text(season.get("year")) or text(game.get("seasonYear"))
    year = year if year and year.isdigit() and len(year) == 4 else None
    return year, ESPN_SEASON_TYPES.get(kind.lower()) if kind else None


def _note_type(game: dict, holder: dict) -> str | None:
    """The season type an event's notes say (:data:`NOTE_TYPES`), else None."""
    for where in (holder, game):
        notes = where.get("notes")
        for note in notes if isinstance(notes, list) else ():
            words = (text(note.get("headline")) or "").lower() if isinstance(note, dict) else ""
            for phrase, kind in NOTE_TYPES:
                if phrase in words:
                    return kind
    return None


def finish(result: tuple[list[tuple], list[str]]) -> Parsed:
    """Records -> the output frame; times parsed, team codes normalised per season."""
    rows, warnings = result
    if not rows:
        return Parsed(empty(), list(warnings))
    rows = [tuple(r) + (None,) * (8 - len(r)) for r in rows]  # cached records of an older parser
    raw = pd.DataFrame(
        rows, columns=["espn_game_id", "start", "home", "away", "status", "origin", "year", "season_type"]
    )
    inside = bounded_years(raw["start"]).to_numpy()
    start = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]")
    start[inside] = utc_times(raw["start"][inside]).to_numpy()
    bad = start.isna()
    warnings = list(warnings)
    if bad.any():
        for _, r in raw.loc[bad].head(20).iterrows():
            warnings.append(
                f"{r['origin']}: game {r['espn_game_id']}: bad date {shown(r['start'])} (not ISO, "
                f"or outside the years {MIN_YEAR}-{MAX_YEAR}); skipped"
            )
        if bad.sum() > 20:
            warnings.append(f"... and {int(bad.sum()) - 20} more games with a bad date")
        raw, start = raw.loc[~bad], start[~bad]
    season = seasons_of_dates(local_dates(start))
    out = pd.DataFrame(
        {
            "espn_game_id": raw["espn_game_id"].astype("string"),
            "start_utc": start,
            "home_team": teams.to_nba_abbrs(raw["home"].astype("string"), season),
            "away_team": teams.to_nba_abbrs(raw["away"].astype("string"), season),
            "status": raw["status"].astype("string"),
            "origin": raw["origin"].astype("string"),
            "season": _season_labels(raw["year"]),
            "season_type": raw["season_type"].astype("string"),
        }
    )
    return Parsed(out.reset_index(drop=True), warnings)


def _season_labels(years: pd.Series) -> pd.Series:
    """ESPN's season years (the END year) -> season labels ('2024' -> '2023-24'); NA when unsaid."""
    end = pd.to_numeric(years, errors="coerce").astype("Int64")
    start = end - 1
    out = start.astype("string") + "-" + (end % 100).astype("string").str.zfill(2)
    return out.where(end.notna(), pd.NA).astype("string")

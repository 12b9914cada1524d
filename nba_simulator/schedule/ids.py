"""Game identifiers: NBA Stats (``0022300001``), Basketball-Reference (``202312250LAL``), ESPN.

Every function has a scalar form and a vectorised ``...s`` form over a Series. Vectorised forms
return the pandas ``string`` dtype (missing = ``pd.NA``) and raise :class:`ScheduleError` naming the
first bad value and its index label (``<index name or 'row'> <label>``) plus the number of bad values.
"""

from __future__ import annotations

import re

import pandas as pd

from ..errors import ScheduleError
from ..seasons import label

SEASON_TYPES = {
    "1": "preseason",
    "2": "regular",
    "3": "all_star",
    "4": "playoffs",
    "5": "play_in",
    "6": "cup_final",
}
TYPE_DIGIT = {name: digit for digit, name in SEASON_TYPES.items()}
GAME_ID = re.compile(r"^00[1-6]\d{7}$")
BBREF_ID = re.compile(r"^\d{8}0[A-Z]{3}$")
_FLOAT_TAIL = r"\.0*$"  # 22300001.0 -> 22300001 (ids read as floats)
CENTURY_PIVOT = 46  # yy >= 46 is 19yy (the league began in 1946), else 20yy


def bad_value_error(values: pd.Series, bad: pd.Series, what: str, hint: str = "") -> ScheduleError:
    """ScheduleError naming the first value where ``bad`` is True, its index label and the count."""
    where = values.index[bad.to_numpy()][0]
    raw = values[bad.to_numpy()].iloc[0]
    shown = "(empty)" if pd.isna(raw) else repr(raw.item() if hasattr(raw, "item") else raw)
    n = int(bad.sum())
    more = f" ({n} bad values)" if n > 1 else ""
    return ScheduleError(f"bad {what} {shown} in {values.index.name or 'row'} {where}{more}{hint}")


def _digits(values: pd.Series) -> pd.Series:
    """As strings, stripped, with a float's '.0' tail removed; NA stays NA."""
    return values.astype("string").str.strip().str.replace(_FLOAT_TAIL, "", regex=True)


# --- NBA Stats ---------------------------------------------------------------------------------
def normalize_game_ids(values: pd.Series) -> pd.Series:
    """Restore lost leading zeros (22300001 -> '0022300001') and validate every id."""
    ids = _digits(values).str.zfill(10)
    bad = ~ids.str.fullmatch(GAME_ID.pattern).fillna(False).astype(bool)
    if bad.any():
        raise bad_value_error(values, bad, "NBA game id")
    return ids


def normalize_game_id(value: object) -> str:
    """One id: int 22300001, '22300001' or '0022300001' -> '0022300001'; ScheduleError otherwise."""
    text = "" if isinstance(value, bool) or value is None else re.sub(_FLOAT_TAIL, "", str(value).strip())
    gid = text.zfill(10)
    if not GAME_ID.fullmatch(gid):
        raise ScheduleError(f"bad NBA game id {value!r} (expected 10 digits: 00 + type 1-6 + yy + 5)")
    return gid


def season_types_of(game_ids: pd.Series) -> pd.Series:
    """Type digit of normalised ids -> 'preseason' | 'regular' | ... | 'cup_final'."""
    return game_ids.str[2].map(SEASON_TYPES).astype("string")


def seasons_of(game_ids: pd.Series) -> pd.Series:
    """Normalised ids -> season labels ('0022300001' -> '2023-24')."""
    yy = game_ids.str[3:5].astype(int)
    start = yy + 1900 + 100 * (yy < CENTURY_PIVOT)
    return start.map(label).astype("string")


def season_type_of(game_id: object) -> str:
    return SEASON_TYPES[normalize_game_id(game_id)[2]]


def season_of(game_id: object) -> str:
    yy = int(normalize_game_id(game_id)[3:5])
    return label(yy + 1900 + 100 * (yy < CENTURY_PIVOT))


# --- Basketball-Reference ----------------------------------------------------------------------
def bbref_game_ids(dates: pd.Series, home_codes: pd.Series) -> pd.Series:
    """Date + home team's Basketball-Reference code -> '202312250LAL'; NA where either is missing."""
    day = pd.to_datetime(dates).dt.strftime("%Y%m%d").astype("string")
    code = pd.Series(home_codes.astype("string").array, index=day.index)
    out = day + "0" + code
    return out.where(day.notna() & code.notna(), pd.NA).astype("string")


def bbref_game_id(date: object, home_bbref_code: str) -> str:
    """bbref_game_id('2023-12-25', 'LAL') -> '202312250LAL'."""
    if not re.fullmatch(r"[A-Z]{3}", str(home_bbref_code)):
        raise ScheduleError(f"bad Basketball-Reference team code {home_bbref_code!r}")
    return f"{pd.Timestamp(date):%Y%m%d}0{home_bbref_code}"


def check_bbref_game_ids(values: pd.Series) -> pd.Series:
    """Validate given Basketball-Reference ids (NA allowed); returns them stripped, as strings."""
    ids = values.astype("string").str.strip()
    bad = ids.notna() & ~ids.str.fullmatch(BBREF_ID.pattern).fillna(False).astype(bool)
    if bad.any():
        raise bad_value_error(values, bad, "Basketball-Reference game id")
    return ids


# --- ESPN --------------------------------------------------------------------------------------
def normalize_espn_ids(values: pd.Series) -> pd.Series:
    """ESPN ids as digit strings ('401584800.0' or 401584800.0 -> '401584800'); NA stays NA."""
    ids = _digits(values)
    ids = ids.where(ids != "", pd.NA)
    bad = ids.notna() & ~ids.str.fullmatch(r"\d+").fillna(False).astype(bool)
    if bad.any():
        raise bad_value_error(values, bad, "ESPN game id")
    return ids


def clean_espn_ids(values: pd.Series, source: str = "", what: str = "espn_game_id") -> tuple[pd.Series, list[str]]:
    """Valid ESPN ids only: all digits and not zero ('401584800.0' -> '401584800', leading zeros
    dropped). An id of ``0``, blank or not numeric becomes NA; each one gives a warning naming
    ``source`` and the row (index label). Several ids in one cell (space, comma or semicolon
    separated) are kept, space-separated, in the order given, each checked."""
    text = values.astype("string").str.strip()
    simple = text.str.replace(_FLOAT_TAIL, "", regex=True)
    fast = simple.str.fullmatch(r"0*[1-9]\d*").fillna(False).to_numpy()
    empty = (text.isna() | (text == "")).to_numpy()
    result = pd.Series(pd.NA, index=values.index, dtype="string", name=values.name)
    result[fast] = simple[fast].str.lstrip("0")
    slow = ~fast & ~empty
    if not slow.any():
        return result, []
    parts = text[slow].str.split(r"[\s,;]+", regex=True)
    out, warnings = [], []
    where = values.index.name or "row"
    for row, raw, items in zip(parts.index, text[slow].array, parts.array):
        if raw is pd.NA or items is pd.NA or raw == "":
            out.append(pd.NA)
            continue
        good = []
        for item in items:
            digits = re.sub(_FLOAT_TAIL, "", item) if re.fullmatch(r"\d+\.0*", item) else item
            if re.fullmatch(r"\d+", digits) and digits.strip("0"):
                good.append(digits.lstrip("0"))
            else:
                warnings.append(
                    f"{source + ': ' if source else ''}{what} {item!r} in {where} {row} "
                    f"is not a valid ESPN id (all digits, not zero); dropped"
                )
        good = list(dict.fromkeys(good))
        out.append(" ".join(good) if good else pd.NA)
    result[slow] = pd.Series(out, dtype="string").to_numpy()
    return result, warnings


def normalize_espn_id(value: object) -> str:
    if isinstance(value, bool) or value is None:
        raise ScheduleError(f"bad ESPN game id {value!r}")
    out = normalize_espn_ids(pd.Series([value], dtype=object)).iloc[0]
    if out is pd.NA:
        raise ScheduleError(f"bad ESPN game id {value!r}")
    return out

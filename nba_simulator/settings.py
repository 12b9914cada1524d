"""Every ``NBA_RECON_*`` environment variable, declared once: its type, default, meaning and check.

The package reads these variables only through :func:`get` (``tests/rules/test_settings_rule.py``
fails on any other read). An unset or empty variable means its default. A value that does not
pass its check raises :class:`~nba_simulator.errors.ParameterError` (bad input: exit 2) with one
line naming the variable and what it takes; ``nba-recon`` checks every variable before it runs a
command (:func:`check`), so a bad value stops it at once, with that one line, instead of failing
(or being warned about) deep inside a run. A secret's value is never repeated in a message.

``python -m nba_simulator.settings`` prints the table of ``docs/settings.md`` (a test keeps the
two equal).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ParameterError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    meaning: str
    #: what a good value is, for the message of a bad one ("a number of seconds > 0")
    expect: str
    #: the text of a set (non-empty, stripped) value -> its value; ValueError when it is bad
    parse: Callable[[str], Any]
    #: the value is a secret (a password, or a URL that may hold one): never shown
    secret: bool = False
    #: who sets and reads it: the user for the package (``package``), the test suite (``tests``),
    #: or the package itself (``internal``)
    scope: str = "package"


def _seconds(*, zero_ok: bool) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = float(text)
        if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok) or value >= 1e7:
            raise ValueError(text)
        return value

    return parse


def _whole(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise ValueError(text)
        return value

    return parse


def _choice(spellings: Mapping[str, str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        return spellings[text.lower()]  # KeyError: not one of them

    return parse


def _text(text: str) -> str:
    return text


def _db_url(text: str) -> str:
    if "://" not in text:
        raise ValueError("not a URL")
    return text


def _http_url(text: str) -> str:
    if not text.lower().startswith(("http://", "https://")):
        raise ValueError(text)
    return text


_ON = ("1", "true", "yes", "on")
_OFF = ("0", "false", "no", "off")

_DECLARED = (
    # --- the notebook pipeline (nba-recon run)
    Setting(
        "NBA_RECON_WARM_KERNELS",
        "fork",
        "How stages get their kernel: `fork` (on, 1, true, yes) forks each from one process that "
        "imported the package once; `start` starts each kernel while the previous stage runs; "
        "`off` (0, false, no) is papermill's own engine, one cold kernel per stage.",
        "one of fork, start, off (or on/1/true/yes, 0/false/no)",
        _choice({**dict.fromkeys(_ON, "fork"), "fork": "fork", "start": "start", **dict.fromkeys(_OFF, "off")}),
    ),
    Setting(
        "NBA_RECON_SAVE_EVERY",
        5.0,
        "Seconds between two saves of a running stage's notebook (also saved at its start and end); "
        "`0` saves at every cell's start and end, as papermill does.",
        "a number of seconds >= 0",
        _seconds(zero_ok=True),
    ),
    Setting(
        "NBA_RECON_NOTEBOOKS",
        None,
        "Folder of the stage notebooks (default: `notebooks/` of the source tree, else the packaged copy).",
        "a folder",
        _text,
    ),
    Setting(
        "NBA_RECON_HOME",
        None,
        "Scratch folder of the notebooks' lab mode and of the built demo (default: `<tmp>/nba_recon-<uid>`).",
        "a folder",
        _text,
    ),
    # --- S3
    Setting(
        "NBA_RECON_S3_CONNECT_TIMEOUT",
        10.0,
        "Seconds to connect to S3, per request.",
        "a number of seconds > 0",
        _seconds(zero_ok=False),
    ),
    Setting(
        "NBA_RECON_S3_READ_TIMEOUT",
        60.0,
        "Seconds to wait for one S3 read.",
        "a number of seconds > 0",
        _seconds(zero_ok=False),
    ),
    Setting(
        "NBA_RECON_S3_LISTING_DEADLINE",
        3600.0,
        "Seconds a whole S3 listing may take, however slowly the server answers.",
        "a number of seconds > 0",
        _seconds(zero_ok=False),
    ),
    Setting(
        "NBA_RECON_S3_RANGE_STREAMS",
        6,
        "Key ranges of one prefix listed in parallel (`1`: sequential).",
        "a whole number >= 1",
        _whole(1),
    ),
    Setting(
        "NBA_RECON_S3_LISTING",
        "obstore",
        "How S3 is listed: `obstore` (`fast`), or `paginator` (boto3's).",
        "one of obstore, paginator",
        _choice({"obstore": "obstore", "fast": "obstore", "paginator": "paginator"}),
    ),
    Setting(
        "NBA_RECON_STREAM_ABOVE_BYTES",
        2 << 30,
        "An S3 Inventory delivery larger than this many bytes of data files is streamed (`--stream auto`).",
        "a whole number of bytes >= 0",
        _whole(0),
    ),
    # --- databases
    Setting(
        "NBA_RECON_DATABASE_URL",
        None,
        "The user's database (after `--url`/the `database` parameter and the spec's `database.url`).",
        "a database URL (dialect://...)",
        _db_url,
        secret=True,
    ),
    Setting(
        "NBA_RECON_DB_URL",
        None,
        "Former name of `NBA_RECON_DATABASE_URL` (still read, deprecated).",
        "a database URL (dialect://...)",
        _db_url,
        secret=True,
    ),
    Setting(
        "NBA_RECON_HISTORY_URL",
        None,
        "The run history database (after `--history`/`--url`; before the spec's `database.history`).",
        "a database URL (dialect://...)",
        _db_url,
        secret=True,
    ),
    Setting(
        "NBA_RECON_DB_PASSWORD",
        None,
        "Password added (in memory only) to a database URL that has none.",
        "a password",
        _text,
        secret=True,
    ),
    Setting(
        "NBA_RECON_DB_CONNECT_TIMEOUT",
        10.0,
        "Seconds to connect to a database (PostgreSQL `connect_timeout`; SQLite's lock wait).",
        "a number of seconds > 0",
        _seconds(zero_ok=False),
    ),
    Setting(
        "NBA_RECON_DB_STATEMENT_TIMEOUT",
        600.0,
        "Seconds one SQL statement may take (PostgreSQL).",
        "a number of seconds > 0",
        _seconds(zero_ok=False),
    ),
    # --- the schedule (nba-recon schedule update)
    Setting(
        "NBA_RECON_LEAGUE_SCHEDULE_CDN_URL",
        "https://cdn.nba.com",
        "The league's schedule file on its CDN (`scheduleLeagueV2.json`), asked first for the season in "
        "progress: a base URL, a template or the file's URL (`--league-schedule-cdn-url`).",
        "an http(s) URL",
        _http_url,
    ),
    Setting(
        "NBA_RECON_SCHEDULE_DEADLINE",
        None,
        "Seconds a whole `nba-recon schedule update` may take (after `--deadline`; default: the command's "
        "own, see docs/guarantees.md).",
        "a number of seconds > 0",
        _seconds(zero_ok=False),
    ),
    Setting(
        "NBA_RECON_NBA_STATS_URL",
        "https://stats.nba.com/stats",
        "NBA Stats LeagueGameLog: a base URL or a template (`--nba-stats-url`).",
        "an http(s) URL",
        _http_url,
    ),
    Setting(
        "NBA_RECON_LEAGUE_SCHEDULE_URL",
        "https://stats.nba.com/stats",
        "The league's scheduleLeagueV2: a base URL or a template (`--league-schedule-url`).",
        "an http(s) URL",
        _http_url,
    ),
    Setting(
        "NBA_RECON_ESPN_URL",
        "https://site.api.espn.com",
        "ESPN's scoreboard API: a base URL or a template (`--espn-url`).",
        "an http(s) URL",
        _http_url,
    ),
    Setting(
        "NBA_RECON_MIN_INTERVAL",
        1.0,
        "Seconds between two requests to one host (`--min-interval`).",
        "a number of seconds >= 0",
        _seconds(zero_ok=True),
    ),
    # --- pages
    Setting(
        "NBA_RECON_CHROMIUM",
        None,
        "Chromium/Chrome executable (a path or a name on `PATH`) that checks the pages "
        "(default: the first one on `PATH`).",
        "an executable",
        _text,
    ),
    Setting(
        "NBA_RECON_ZYGOTE_OF",
        None,
        "Set by the run's kernel zygote in its own environment (its runner's pid); never set it.",
        "a process id",
        _whole(1),
        scope="internal",
    ),
    # --- the test suite only
    Setting(
        "NBA_RECON_TEST_PG_URL",
        None,
        "PostgreSQL of the test suite (default `postgresql+psycopg2://postgres@127.0.0.1:5432/test`).",
        "a database URL (dialect://...)",
        _db_url,
        secret=True,
        scope="tests",
    ),
)

SETTINGS: dict[str, Setting] = {s.name: s for s in _DECLARED}


def _problem(setting: Setting, raw: str) -> str:
    shown = "" if setting.secret else f", got {raw!r}"
    return f"${setting.name} must be {setting.expect}{shown}"


def _parse(setting: Setting, raw: str | None) -> Any:
    text = (raw or "").strip()
    if not text:
        return setting.default
    try:
        return setting.parse(text)
    except (ValueError, KeyError):
        raise ParameterError(_problem(setting, raw or "")) from None


def get(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """The value of the setting ``name`` (its default when unset or empty).

    Raises :class:`ParameterError` naming the variable when its value is bad, ``KeyError`` for a
    name that is not declared here."""
    setting = SETTINGS[name]
    return _parse(setting, (os.environ if environ is None else environ).get(name))


def is_set(name: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``name`` (a declared setting) has a non-empty value."""
    SETTINGS[name]
    return bool(((os.environ if environ is None else environ).get(name) or "").strip())


def problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """One line per declared setting whose value is bad (empty when all are good)."""
    env = os.environ if environ is None else environ
    found = []
    for setting in _DECLARED:
        try:
            _parse(setting, env.get(setting.name))
        except ParameterError as exc:
            found.append(str(exc))
    return found


def check(environ: Mapping[str, str] | None = None) -> None:
    """Raise one :class:`ParameterError` (one line) when any setting has a bad value."""
    found = problems(environ)
    if found:
        raise ParameterError("; ".join(found))


def secret_values() -> list[str]:
    """The values of the secret settings that are secrets whole (passwords), those set."""
    return [v for s in _DECLARED if s.secret and s.parse is not _db_url for v in [_raw(s.name)] if v]


def secret_urls() -> list[str]:
    """The values of the secret settings that are URLs (their passwords are secrets), those set."""
    return [v for s in _DECLARED if s.secret and s.parse is _db_url for v in [_raw(s.name)] if v]


def _raw(name: str) -> str:
    return (os.environ.get(name) or "").strip()


def _shown_default(setting: Setting) -> str:
    if setting.default is None:
        return "(none)"
    if isinstance(setting.default, float) and setting.default.is_integer():
        return f"`{int(setting.default)}`"
    return f"`{setting.default}`"


def markdown_table() -> str:
    """The table of ``docs/settings.md``."""
    lines = ["| variable | default | takes | meaning |", "|---|---|---|---|"]
    for s in _DECLARED:
        takes = s.expect + (" (secret: never shown)" if s.secret else "")
        meaning = s.meaning + {"tests": " *Tests only.*", "internal": " *Internal.*"}.get(s.scope, "")
        lines.append(f"| `{s.name}` | {_shown_default(s)} | {takes} | {meaning} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - `python -m nba_simulator.settings`
    print(markdown_table(), end="")

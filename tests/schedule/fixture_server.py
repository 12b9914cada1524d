"""A local HTTP server serving the schedule fixtures (tests/schedule/fixtures/world/) like the real
endpoints: NBA Stats LeagueGameLog and scheduleleaguev2, the league's CDN schedule file
(``/cdn/static/json/staticData/scheduleLeagueV2.json``: the same document), ESPN's scoreboard
API by date.

``state`` switches behaviours: ``schedule_version`` (1 or 2), ``cdn`` (False: the CDN file is
absent), ``stall`` (seconds to sleep before answering scheduleleaguev2 or the CDN file), ``fail`` (path prefix -> list of status codes to answer first).
Every request is appended to ``log``.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"
WORLD = FIXTURES / "world"


CUP_FINAL = ("0062500001", "2025-12-16", "NYK", "SAS")  # the world's Cup final (game id, date, home, away)


def cup_final_rows(headers: list, rows: list) -> list:
    """LeagueGameLog's two rows (home, away) of the world's Cup final, in the real rows' shape:
    a real row of each team, with the game's id, date, matchup and a SEASON_ID of type 6 (our
    values, see fixtures/README.md)."""
    gid, day, home, away = CUP_FINAL
    col = {h: i for i, h in enumerate(headers)}
    out = []
    for team, matchup in ((home, f"{home} vs. {away}"), (away, f"{away} @ {home}")):
        row = list(next(r for r in rows if r[col["TEAM_ABBREVIATION"]] == team))
        row[col["GAME_ID"]], row[col["GAME_DATE"]], row[col["MATCHUP"]] = gid, day, matchup
        row[col["SEASON_ID"]] = "62025"
        out.append(row)
    return out


class FixtureServer:
    def __init__(self) -> None:
        self.state = {"schedule_version": 1, "stall": 0.0, "fail": {}}
        self.log: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                server.log.append(self.path)
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                for prefix, codes in server.state["fail"].items():
                    if parts.path.startswith(prefix) and codes:
                        code = codes.pop(0)
                        self.send_response(code)
                        if code == 429:
                            self.send_header("Retry-After", "0")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                status, body = server.route(parts.path, query)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def route(self, path: str, q: dict) -> tuple[int, bytes]:
        if path == "/stats/leaguegamelog":
            if q.get("Season") == "2025-26" and q.get("SeasonType") == "Regular Season":
                return 200, (FIXTURES / "nbastats_leaguegamelog_2025-26_regular.json").read_bytes()
            real = json.loads((FIXTURES / "nbastats_leaguegamelog_2025-26_regular.json").read_text())
            real["parameters"]["SeasonType"] = q.get("SeasonType")
            rows = real["resultSets"][0]["rowSet"]
            real["resultSets"][0]["rowSet"] = []
            if q.get("Season") == "2025-26" and q.get("SeasonType") == "IST":  # the Cup final
                real["resultSets"][0]["rowSet"] = cup_final_rows(real["resultSets"][0]["headers"], rows)
            return 200, json.dumps(real).encode()
        if path == "/stats/scheduleleaguev2":
            if self.state["stall"]:
                time.sleep(self.state["stall"])
            if q.get("Season") != "2025-26":
                return 404, b'{"message": "no schedule"}'
            return 200, (WORLD / f"scheduleleaguev2_2025-26_v{self.state['schedule_version']}.json").read_bytes()
        if path == "/cdn/static/json/staticData/scheduleLeagueV2.json":  # the league's CDN file
            if self.state.get("cdn") is False:
                return 404, b"<html>not found</html>"
            if self.state["stall"]:
                time.sleep(self.state["stall"])
            return 200, (WORLD / f"scheduleleaguev2_2025-26_v{self.state['schedule_version']}.json").read_bytes()
        if path == "/espn/scoreboard":
            f = WORLD / "espn_api" / f"{q.get('dates')}.json"
            return 200, f.read_bytes() if f.is_file() else json.dumps({"events": []}).encode()
        return 404, b"{}"

    def __enter__(self) -> FixtureServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def options(self) -> list[str]:
        return [
            "--nba-stats-url",
            f"{self.url}/stats",
            "--league-schedule-url",
            f"{self.url}/stats",
            "--league-schedule-cdn-url",
            f"{self.url}/cdn",
            "--espn-url",
            f"{self.url}/espn/scoreboard?dates={{date}}",
            "--min-interval",
            "0",
        ]

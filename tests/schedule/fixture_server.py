"""A local HTTP server serving the schedule fixtures (tests/schedule/fixtures/world/) like the real
endpoints: NBA Stats LeagueGameLog and scheduleleaguev2, ESPN's scoreboard API by date.

``state`` switches behaviours: ``schedule_version`` (1 or 2), ``stall`` (seconds to sleep before
answering scheduleleaguev2), ``fail`` (path prefix -> list of status codes to answer first).
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
            real["resultSets"][0]["rowSet"] = []
            return 200, json.dumps(real).encode()
        if path == "/stats/scheduleleaguev2":
            if self.state["stall"]:
                time.sleep(self.state["stall"])
            if q.get("Season") != "2025-26":
                return 404, b'{"message": "no schedule"}'
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
        return ["--nba-stats-url", f"{self.url}/stats", "--league-schedule-url", f"{self.url}/stats",
                "--espn-url", f"{self.url}/espn/scoreboard?dates={{date}}", "--min-interval", "0"]

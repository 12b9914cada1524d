"""Real-shaped objects for the content tests: ESPN game pages with and without plays, NBA Stats
play-by-play CSVs (one header-only, byte for byte the real cancelled game's 154-byte file),
hoopR-like Parquet files. ``OBJECTS`` maps key -> bytes; ``EXPECTED`` key -> verdict."""

from __future__ import annotations

import io
import json
import random

import pyarrow as pa
import pyarrow.parquet as pq

from nba_simulator.spec import parse_spec

#: the 12 columns of NBA Stats play-by-play as the real per-game CSVs carry them; with a newline
#: this is exactly the 154-byte file of the cancelled game 0021201214 (its git blob hash matches)
PBP_HEADER = (
    b"GAME_ID,EVENTNUM,EVENTMSGTYPE,EVENTMSGACTIONTYPE,PERIOD,WCTIMESTRING,PCTIMESTRING,"
    b"HOMEDESCRIPTION,NEUTRALDESCRIPTION,VISITORDESCRIPTION,SCORE,SCOREMARGIN\n"
)
PAGE_SIZE = 60_000  # real pages are ~700 KB; a smaller page keeps the tests fast, same shape

SPEC = """\
version: 1
datasets:
  espn_pbp:
    source: espn
    data_type: play_by_play
    keys: "espn_play_by_play/{espn_game_id}.json"
    per: game
    seasons: 2012-13
    content: {format: json, non_empty: page.content.gamepackage.pbp.playGrps}
  nba_pbp:
    source: nba_stats
    data_type: play_by_play
    keys: "nba_pbp/{season_end}/{game_id}.csv"
    per: game
    seasons: 2012-13
    content: {format: csv, min_rows: 1, columns: [GAME_ID, EVENTNUM]}
  hoopr:
    source: hoopr
    data_type: play_by_play
    keys: "hoopr_parquet/play_by_play/nba_data_{season_end}.parquet"
    per: season
    seasons: 2012-13
    content: {format: parquet, min_rows: 1, columns: [game_id, sequence_number]}
"""


def spec():
    return parse_spec(SPEC, "content-test.yaml")


def espn_page(game_id: str, n_plays: int, rng: random.Random, size: int = PAGE_SIZE) -> bytes:
    """An ESPN game page: header, box score, news... and the plays grouped by period."""
    periods = [
        [
            {
                "id": f"{game_id}{p}{i:03d}",
                "sequenceNumber": str(i),
                "text": "Jump shot made",
                "period": {"number": p + 1},
                "clock": {"displayValue": f"{rng.randint(0, 11)}:{rng.randint(0, 59):02d}"},
                "scoreValue": 2,
                "homeScore": i,
                "awayScore": i,
            }
            for i in range(n_plays // 4)
        ]
        for p in range(4)
    ]
    page = {
        "page": {
            "content": {
                "gamepackage": {
                    "gmStrp": {"gid": game_id, "status": {"desc": "Final"}},
                    "pbp": {
                        "playGrps": periods,
                        "tms": {"home": {"displayName": "Home"}, "away": {"displayName": "Away"}},
                    },
                    "bxscr": [{"tm": {"abbrev": "BOS"}}, {"tm": {"abbrev": "IND"}}],
                }
            },
            "meta": {"title": "game"},
        }
    }
    body = json.dumps(page)
    pad = max(0, size - len(body) - 20)  # the rest of a real page: ads, news, standings
    page["page"]["news"] = "x" * pad
    return json.dumps(page).encode()


def pbp_csv(game_id: str, n_rows: int) -> bytes:
    lines = [PBP_HEADER.decode().rstrip("\n")]
    for i in range(n_rows):
        lines.append(
            f"{game_id},{i},1,1,{1 + i * 4 // max(n_rows, 1)},8:00 PM,11:{i % 60:02d},"
            f'"Smith 2\' Layup (2 PTS), assist",,,{i}-{i},0'
        )
    return ("\n".join(lines) + "\n").encode()


def parquet(
    n_rows: int, columns=("game_id", "sequence_number", "type_text"), row_group_size=None, wide: int = 0
) -> bytes:
    data = {c: [f"{c}{i}" for i in range(n_rows)] for c in columns}
    for j in range(wide):  # many columns: a footer larger than one tail read
        data[f"extra_column_with_a_long_name_{j:04d}"] = list(range(n_rows))
    buf = io.BytesIO()
    pq.write_table(pa.table(data) if data else pa.table({}), buf, row_group_size=row_group_size)
    return buf.getvalue()


def build() -> tuple[dict[str, bytes], dict[str, str]]:
    rng = random.Random(7)
    objects, expected = {}, {}

    def put(key, data, verdict):
        objects[key], expected[key] = data, verdict

    for i in range(12):
        gid = f"40046{i:04d}"
        if i % 3 == 0:  # present but empty: a normal-size page whose periods hold no plays
            put(f"espn_play_by_play/{gid}.json", espn_page(gid, 0, rng), "empty")
        else:
            put(f"espn_play_by_play/{gid}.json", espn_page(gid, 400, rng), "ok")
    put(
        "espn_play_by_play/400469998.json",
        b'{"page": {"content": {"gamepackage": {"gmStrp": {}}}}}'.ljust(PAGE_SIZE),
        "empty",
    )  # no pbp at all
    put("espn_play_by_play/400469999.json", espn_page("400469999", 400, rng)[:30_000], "invalid")
    for i in range(6):
        put(f"nba_pbp/2013/00212000{i:02d}.csv", pbp_csv(f"00212000{i:02d}", 450), "ok")
    put("nba_pbp/2013/0021201214.csv", PBP_HEADER, "empty")  # the cancelled game
    put("nba_pbp/2013/0021201215.csv", b"", "empty")
    put("nba_pbp/2013/0021201216.csv", b"A,B\n1,2\n", "invalid")  # lacks the columns
    put("hoopr_parquet/play_by_play/nba_data_2013.parquet", parquet(5000, row_group_size=500), "ok")
    put("hoopr_parquet/play_by_play/nba_data_2012.parquet", parquet(0), "empty")
    put("hoopr_parquet/play_by_play/nba_data_2011.parquet", parquet(10, columns=("game_id",)), "invalid")
    put("hoopr_parquet/play_by_play/nba_data_2010.parquet", b"PAR1 not really parquet", "invalid")
    put("hoopr_parquet/play_by_play/nba_data_2009.parquet", parquet(300, wide=1500), "ok")
    return objects, expected


OBJECTS, EXPECTED = build()

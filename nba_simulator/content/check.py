"""Does one object hold something? One check per format, reading as little as the format allows.

* **json**: the whole object is read (JSON cannot be judged from a part of it) and parsed; the
  rule's paths are followed (``a.b`` keys, ``*`` every element of a list or value of a mapping,
  ``0`` a list index). The items at a path are counted: a list counts its elements, except that a
  list of lists (plays grouped by period, ``[[...], [...]]``) counts the elements of its inner
  lists, so ``[[], [], [], []]`` holds nothing; a mapping counts its keys.
* **csv**: the first :data:`CSV_HEAD` bytes are read, then twice as much each time, only until
  ``min_rows`` data rows are seen or the object ends. A header-only file (the real cancelled
  game's 154 bytes) holds 0 rows.
* **parquet**: only the footer is read (one ranged read of the last :data:`PARQUET_TAIL` bytes,
  one more when the footer is larger): the row count and the columns live there.

Outcomes: ``ok``; ``empty`` (parses, holds fewer than ``min_rows`` items, or the path is absent);
``invalid`` (not the declared format, required columns absent, or not parseable within bounded
depth, size and time: nested too deeply, too large, any parser failure, with the reason); ``error`` (the read failed:
not cached, the item keeps its status).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import AccessDenied, StorageError
from ..spec.model import ContentRule
from ..storage.base import Storage

CSV_HEAD = 64 * 1024
PARQUET_TAIL = 64 * 1024
VERDICTS = ("ok", "empty", "invalid", "error")
#: a JSON object larger than this is ``invalid`` without being read (parsing time and memory
#: grow with it); real pages are a few MB
MAX_JSON_BYTES = 256 << 20
#: lists of lists are counted to this depth
MAX_DEPTH = 64


@dataclass
class Outcome:
    verdict: str  # ok | empty | invalid | error
    n_items: int | None = None  # items found (a lower bound when not ``exact``)
    exact: bool = True  # n_items counts the whole object
    path_found: bool | None = None  # json: did any rule path exist (None: not json / not parsed)
    detail: str = ""
    bytes_read: int = 0


def planned_bytes(rule: ContentRule, size: int) -> int:
    """What a check will read, known before reading (the budget uses it)."""
    if rule.format == "csv":
        return min(size, CSV_HEAD)
    if rule.format == "parquet":
        return min(size, PARQUET_TAIL)
    return size


def check_object(storage: Storage, key: str, size: int, rule: ContentRule) -> Outcome:
    """Judge one object against ``rule``. Storage failures give an ``error`` outcome, except
    :class:`AccessDenied`, which is raised: every other read would fail the same way."""
    reader = _CountingReader(storage, key)
    try:
        if rule.format == "json":
            if size > MAX_JSON_BYTES:
                out = Outcome(
                    "invalid",
                    detail=f"{size:,} bytes: too large to parse as one JSON document (limit {MAX_JSON_BYTES:,})",
                )
            else:
                out = check_json(reader.read(), rule)
        elif rule.format == "csv":
            out = _check_csv(reader, size, rule)
        else:
            out = _check_parquet(reader, size, rule)
    except AccessDenied:
        raise
    except StorageError as exc:
        out = Outcome("error", detail=str(exc))
    except RecursionError:
        out = Outcome("invalid", detail="nested too deeply to parse")
    except MemoryError:
        out = Outcome("invalid", detail="too large to parse in memory")
    except Exception as exc:  # noqa: BLE001 - odd content is a verdict, never a crash
        out = Outcome("invalid", detail=f"cannot be parsed ({type(exc).__name__}: {_short(exc)})")
    out.bytes_read = reader.bytes
    return out


class _CountingReader:
    def __init__(self, storage: Storage, key: str):
        self.storage, self.key, self.bytes = storage, key, 0

    def read(self, start: int | None = None, end: int | None = None) -> bytes:
        data = self.storage.read(self.key, start, end)
        self.bytes += len(data)
        return data


# -- json --------------------------------------------------------------------------------------
def check_json(data: bytes, rule: ContentRule) -> Outcome:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        return Outcome("invalid", detail=f"not valid JSON ({_short(exc)})")
    except RecursionError:
        return Outcome("invalid", detail="JSON nested too deeply to parse")
    best, found = 0, []
    for path in rule.non_empty:
        values = resolve(doc, path)
        if values:
            found.append(path)
            best = max(best, sum(count_items(v) for v in values))
    if best >= rule.min_rows and (found or rule.min_rows == 0):
        return Outcome("ok", best, path_found=bool(found), detail=f"{best} items")
    if not found:
        return Outcome("empty", 0, path_found=False, detail=f"no {' / '.join(rule.non_empty)} in the document")
    return Outcome(
        "empty",
        best,
        path_found=True,
        detail=f"{' / '.join(found)} holds {best} item{'s' if best != 1 else ''}"
        + (f" (< {rule.min_rows})" if rule.min_rows > 1 else ""),
    )


def resolve(doc, path: str) -> list:
    """The values at a dotted path (several with ``*``); ``[]`` when the path is absent."""
    current = [doc]
    for part in path.split("."):
        nxt = []
        for node in current:
            if part == "*":
                if isinstance(node, list):
                    nxt.extend(node)
                elif isinstance(node, dict):
                    nxt.extend(node.values())
            elif isinstance(node, dict):
                if part in node:
                    nxt.append(node[part])
            elif isinstance(node, list) and part.lstrip("-").isdigit():
                i = int(part)
                if -len(node) <= i < len(node):
                    nxt.append(node[i])
        current = nxt
        if not current:
            return []
    return current


def count_items(value) -> int:
    """Items of a list (a list of lists: the items of its lists, to :data:`MAX_DEPTH` levels),
    or keys of a mapping. Iterative: no depth of nesting can exhaust the stack."""
    total, stack = 0, [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, list):
            if node and depth < MAX_DEPTH and all(isinstance(v, list) for v in node):
                stack.extend((v, depth + 1) for v in node)
            else:
                total += len(node)
        elif isinstance(node, dict):
            total += len(node)
    return total


# -- csv ---------------------------------------------------------------------------------------
def _check_csv(reader: _CountingReader, size: int, rule: ContentRule) -> Outcome:
    want = CSV_HEAD
    data = reader.read(0, min(size, want)) if size else b""
    while True:
        at_end = len(data) >= size
        n_rows, header, complete = count_csv_rows(data, at_end, rule.header)
        if n_rows >= rule.min_rows or at_end:
            break
        want *= 4
        data += reader.read(len(data), min(size, want))
    if rule.header and header is None:
        return Outcome("empty", 0, detail="no header and no rows (0 bytes of text)")
    if rule.columns:
        absent = [c for c in rule.columns if c not in (header or [])]
        if absent:
            return Outcome("invalid", n_rows, complete, detail=f"the header lacks column {', '.join(absent)}")
    if n_rows >= rule.min_rows:
        return Outcome("ok", n_rows, complete, detail=f"{n_rows}{'' if complete else '+'} data rows")
    what = "header only" if rule.header and n_rows == 0 else f"< {rule.min_rows}"
    return Outcome("empty", n_rows, True, detail=f"{n_rows} data rows ({what})")


def count_csv_rows(data: bytes, at_end: bool, has_header: bool):
    """``(data rows, header or None, exact)`` of the complete lines in ``data``; blank lines skipped."""
    if not at_end:
        cut = data.rfind(b"\n")
        data = data[: cut + 1] if cut >= 0 else b""
    text = codecs.decode(data, "utf-8-sig", errors="replace")
    header, n = None, 0
    for row in csv.reader(io.StringIO(text)):
        if not any(field.strip() for field in row):
            continue
        if has_header and header is None:
            header = [field.strip() for field in row]
            continue
        n += 1
    return n, header, at_end


# -- parquet -----------------------------------------------------------------------------------
def _check_parquet(reader: _CountingReader, size: int, rule: ContentRule) -> Outcome:
    if size < 12:
        return Outcome("invalid", detail=f"{size} bytes: too small for a Parquet file")
    tail = reader.read(max(0, size - PARQUET_TAIL), size)
    if tail[-4:] != b"PAR1":
        what = "an encrypted footer" if tail[-4:] == b"PARE" else "no Parquet magic bytes at the end"
        return Outcome("invalid", detail=f"not a readable Parquet file ({what})")
    footer_len = int.from_bytes(tail[-8:-4], "little")
    if footer_len + 12 > size:
        return Outcome("invalid", detail="not a readable Parquet file (footer longer than the file)")
    if footer_len + 8 > len(tail):
        tail = reader.read(size - 8 - footer_len, size - len(tail)) + tail
    try:
        meta = pq.read_metadata(pa.BufferReader(b"PAR1" + tail[-8 - footer_len :]))
        names = meta.schema.to_arrow_schema().names
    except (pa.ArrowException, OSError, ValueError) as exc:
        return Outcome("invalid", detail=f"not a readable Parquet file ({_short(exc)})")
    rows = int(meta.num_rows)
    absent = [c for c in rule.columns if c not in names]
    if absent:
        return Outcome("invalid", rows, detail=f"lacks column {', '.join(absent)}")
    if rows >= rule.min_rows:
        return Outcome("ok", rows, detail=f"{rows} rows")
    return Outcome("empty", rows, detail=f"{rows} rows (< {rule.min_rows})")


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]

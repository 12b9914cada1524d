"""Key templates: one compiled pattern that both PARSES object keys and RENDERS expected keys.

A template is literal text with placeholders, ``espn_play_by_play/{espn_game_id}.json``. It is
compiled once into an anchored regular expression with a named group per placeholder. Parsing runs
that pattern over a whole column of keys at once (``Series.str.extract``); rendering concatenates
literal parts and item columns, also column-wise. Parse(render(item)) == item for every placeholder.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..compat import arrow_strings

#: placeholder -> regular expression of the values it takes. Anchored, so a 10-digit NBA id never
#: parses as a 9-digit ESPN id and a date never parses as a season.
PLACEHOLDERS: dict[str, str] = {
    "game_id": r"00[1-6]\d{7}",
    "espn_game_id": r"\d{9}",
    "bbref_game_id": r"\d{9}[A-Z]{3}",
    "season": r"\d{4}-\d{2}",
    "season_start": r"\d{4}",
    "season_end": r"\d{4}",
    "date": r"\d{4}-\d{2}-\d{2}",
    "yyyymmdd": r"\d{8}",
    "team": r"[A-Z]{2,4}",
    "home": r"[A-Z]{2,4}",
    "away": r"[A-Z]{2,4}",
}

#: placeholders whose item may carry further values besides the one in its own column: the
#: named column holds them, space-separated (NA when none). Every layout renders one key per
#: value (the item is present when any of them is); the placeholder's own column is the primary
#: value, the one ``expected_key`` uses. (ESPN lists some games under two ids: the 2011-12 double
#: scheme.) A placeholder not listed here has exactly one value per item.
ALTERNATIVES: dict[str, str] = {
    "espn_game_id": "espn_game_id_extra",
}

#: one example value per placeholder, used to check templates against each other.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "game_id": ("0022300001", "0042300401"),
    "espn_game_id": ("401584800", "281214029"),
    "bbref_game_id": ("202312250LAL",),
    "season": ("2023-24",),
    "season_start": ("2023",),
    "season_end": ("2024",),
    "date": ("2023-12-25",),
    "yyyymmdd": ("20231225",),
    "team": ("LAL", "GS", "UTAH"),
    "home": ("LAL", "GS"),
    "away": ("BOS", "UTAH"),
}

_FIELD = re.compile(r"\{([^{}]*)\}")


class TemplateError(ValueError):
    """A template that cannot be compiled (unknown placeholder, stray brace)."""


@dataclass(frozen=True)
class KeyTemplate:
    """A compiled key layout."""

    text: str
    parts: tuple[str, ...] = field(repr=False)  # literal, name, literal, name, ..., literal
    pattern: re.Pattern = field(repr=False, compare=False)

    @classmethod
    def compile(cls, text: str) -> KeyTemplate:
        if not isinstance(text, str) or not text:
            raise TemplateError("a key template must be a non-empty string")
        pieces = _FIELD.split(text)
        literals, names = pieces[0::2], pieces[1::2]
        for lit in literals:
            if "{" in lit or "}" in lit:
                raise TemplateError(f"unbalanced brace in template {text!r}")
        regex, seen = [], set()
        for i, lit in enumerate(literals):
            regex.append(re.escape(lit))
            if i < len(names):
                name = names[i]
                if name not in PLACEHOLDERS:
                    known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                    raise TemplateError(f"unknown placeholder {{{name}}} in {text!r} (known: {known})")
                if name in seen:
                    regex.append(f"(?P={name})")
                else:
                    regex.append(f"(?P<{name}>{PLACEHOLDERS[name]})")
                    seen.add(name)
        return cls(text, tuple(pieces), re.compile("^" + "".join(regex) + "$"))

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Distinct placeholder names in order of first appearance."""
        return tuple(dict.fromkeys(self.parts[1::2]))

    @property
    def literal_prefix(self) -> str:
        """The fixed text before the first placeholder: where this layout lives in the lake."""
        return self.parts[0]

    # -- parsing ---------------------------------------------------------------------------
    def matches(self, keys: pd.Series) -> pd.Series:
        """Boolean mask: which keys this layout describes."""
        found = self._arrow_match(keys)
        if found is not None:
            return pd.Series(found[0], index=keys.index)
        return keys.astype("string").str.match(self.pattern).fillna(False).astype(bool)

    def parse(self, keys: pd.Series) -> pd.DataFrame:
        """One column per placeholder; rows of keys that do not match hold NA.

        A template without placeholders yields an empty-column frame; use :meth:`matches`.
        """
        if not self.placeholders:
            return pd.DataFrame(index=keys.index)
        found = self._arrow_match(keys, extract=True)
        if found is not None:
            return found[1]
        return keys.astype("string").str.extract(self.pattern, expand=True)

    def _arrow_match(self, keys: pd.Series, extract: bool = False):
        """The vectorised path: only keys starting with the literal prefix are tried, with one
        RE2 pass (pyarrow) over them. RE2 matches ``\\d`` against ASCII digits only and ``$``
        only at the very end (a key with a trailing newline is another key): exactly the pattern's
        intent, whatever else the column holds (pandas would switch the whole column to Python's
        ``re``, one key at a time, as soon as one key is not ASCII). ``None`` when the pattern
        needs Python's ``re`` (a placeholder used twice: a backreference)."""
        if "(?P=" in self.pattern.pattern:
            return None
        arr = arrow_strings(keys)
        n = len(arr)
        mask = np.zeros(n, dtype=bool)
        prefix = self.literal_prefix
        cand = pc.starts_with(arr, pattern=prefix) if prefix else pc.is_valid(arr)
        idx = pc.indices_nonzero(pc.fill_null(cand, False))
        sub = arr.take(idx)  # only the keys under the prefix (a column's chunks are never combined)
        if isinstance(sub, pa.ChunkedArray):
            sub = sub.combine_chunks()
        hit = pc.fill_null(pc.match_substring_regex(sub, self.pattern.pattern), False)
        rows = idx.filter(hit).to_numpy()
        mask[rows] = True
        if not extract:
            return mask, None
        values = pc.extract_regex(sub.filter(hit), self.pattern.pattern).flatten()
        pos = np.full(n, -1, dtype=np.int64)
        pos[rows] = np.arange(len(rows))
        spread = pa.array(pos, mask=pos < 0)
        names = list(self.placeholders)
        dtype = pd.StringDtype(na_value=pd.NA)
        cols = {name: pd.array(values[i].take(spread), dtype=dtype) for i, name in enumerate(names)}
        return mask, pd.DataFrame(cols, index=keys.index)

    # -- rendering -------------------------------------------------------------------------
    def render(self, items: pd.DataFrame) -> pd.Series:
        """The key of each item; NA where an item lacks a value the layout needs."""
        out = pd.Series(self.parts[0], index=items.index, dtype="string")
        for i in range(1, len(self.parts), 2):
            name, lit = self.parts[i], self.parts[i + 1]
            if name not in items.columns:
                raise TemplateError(f"template {self.text!r} needs {{{name}}}, which items lack")
            out = out + items[name].astype("string") + lit
        return out

    def render_valid(self, items: pd.DataFrame) -> pd.Series:
        """:meth:`render`, with NA where a value does not fit its placeholder (an ESPN id ``0``,
        a blank): a key this layout would not parse back is no key at all."""
        keys = self.render(items)
        known = keys.notna()
        if known.any() and self.placeholders:
            fits = self.matches(keys[known])
            keys[known] = keys[known].where(fits, pd.NA)
        return keys

    def render_alternatives(self, items: pd.DataFrame) -> pd.DataFrame:
        """The further keys of items whose placeholders have alternative values
        (:data:`ALTERNATIVES` columns present in ``items``): ``(row, key)`` with ``row`` the
        item's index label, one row per combination beyond the primary one. Empty when no item
        has any."""
        multi = [
            (n, ALTERNATIVES[n]) for n in self.placeholders if n in ALTERNATIVES and ALTERNATIVES[n] in items.columns
        ]
        empty = pd.DataFrame({"row": pd.Series(dtype=items.index.dtype), "key": pd.Series(dtype="string")})
        if not multi:
            return empty
        has = pd.Series(False, index=items.index)
        for _, col in multi:
            has |= items[col].notna()
        if not has.any():
            return empty
        # only the columns the layout renders: the exploded rows never carry the further-ids text
        # (a game with n ids would otherwise copy it n times: quadratic in n)
        wanted = [c for c in dict.fromkeys([*self.placeholders, *(col for _, col in multi)]) if c in items.columns]
        rows = items.loc[has, wanted]
        for name, col in multi:  # every combination of primary and further values
            extra = rows[col].astype("string").fillna("").str.split()
            values = rows[name].astype("string").fillna("").str.split().str[:1] + extra
            rows = rows.assign(**{name: values}).drop(columns=[col]).explode(name)
            rows[name] = rows[name].astype("string")
        keys = self.render_valid(rows.assign(**{n: rows[n].where(rows[n] != "", pd.NA) for n, _ in multi}))
        out = pd.DataFrame({"row": rows.index, "key": keys.to_numpy()}).dropna()
        return out.drop_duplicates().reset_index(drop=True)

    def render_one(self, **values: str) -> str:
        """The key of one item (the scalar twin of :meth:`render`)."""
        out = [self.parts[0]]
        for i in range(1, len(self.parts), 2):
            name = self.parts[i]
            if name not in values:
                raise TemplateError(f"template {self.text!r} needs {{{name}}}")
            out += [str(values[name]), self.parts[i + 1]]
        return "".join(out)

    def examples(self) -> list[str]:
        """Keys this layout would accept, built from example placeholder values."""
        names = self.placeholders
        width = max((len(EXAMPLES[n]) for n in names), default=1)
        rows = [{n: EXAMPLES[n][i % len(EXAMPLES[n])] for n in names} for i in range(width)]
        return [self.render_one(**row) for row in rows] if names else [self.text]


_ATOM = re.compile(r"(\\d|\[[^\]]+\]|\\.|.)(?:\{(\d+)(?:,(\d+))?\})?")
_DIGITS = frozenset("0123456789")


def _atoms(regex: str) -> list[tuple[frozenset, int, int]]:
    """A placeholder's regular expression (the small subset :data:`PLACEHOLDERS` uses: literal
    characters, ``\\d``, ``[A-Z]``-style classes, ``{n}`` and ``{n,m}``) as a list of
    (characters, at least, at most)."""
    out = []
    for m in _ATOM.finditer(regex):
        atom = m[1]
        if atom == "\\d":
            chars = _DIGITS
        elif atom.startswith("["):
            body, chars = atom[1:-1], set()
            i = 0
            while i < len(body):
                if i + 2 < len(body) and body[i + 1] == "-":
                    chars.update(chr(c) for c in range(ord(body[i]), ord(body[i + 2]) + 1))
                    i += 3
                else:
                    chars.add(body[i])
                    i += 1
            chars = frozenset(chars)
        elif atom.startswith("\\"):
            chars = frozenset(atom[1])
        else:
            chars = frozenset(atom)
        lo = int(m[2]) if m[2] else 1
        out.append((chars, lo, int(m[3]) if m[3] else lo))
    return out


def _tokens(t: KeyTemplate) -> list[tuple[frozenset, int, int]]:
    out = []
    for i, part in enumerate(t.parts):
        if i % 2:
            out.extend(_atoms(PLACEHOLDERS[part]))
        else:
            out.extend((frozenset(c), 1, 1) for c in part)
    return out


def overlapping(a: KeyTemplate, b: KeyTemplate) -> str | None:
    """A key both layouts would claim, or None. Exact, for any placement of placeholders: a
    search over the pair of layouts read one character at a time (both are sequences of
    character classes with bounded repeats, so the search is small)."""
    if a.text == b.text:
        return a.text
    for key in a.examples():  # a realistic example when one serves
        if b.pattern.match(key):
            return key
    for key in b.examples():
        if a.pattern.match(key):
            return key
    ta, tb = _tokens(a), _tokens(b)

    def closure(i: int, c: int, tokens) -> list[tuple[int, int]]:
        """Positions reachable without reading: a token read at least its minimum may end."""
        out = [(i, c)]
        while i < len(tokens) and c >= tokens[i][1]:
            i, c = i + 1, 0
            out.append((i, c))
        return out

    start = [(i, ci, j, cj) for i, ci in closure(0, 0, ta) for j, cj in closure(0, 0, tb)]
    parent: dict[tuple, tuple | None] = {s: None for s in start}
    queue = deque(start)
    while queue:
        state = queue.popleft()
        i, ci, j, cj = state
        if i == len(ta) and j == len(tb):
            chars = []
            while parent[state] is not None:
                state, ch = parent[state]
                if ch:
                    chars.append(ch)
            return "".join(reversed(chars))
        if i == len(ta) or j == len(tb):
            continue
        (sa, _, ma), (sb, _, mb) = ta[i], tb[j]
        common = sa & sb
        if not common or ci >= ma or cj >= mb:
            continue
        ch = min(common)
        for ni, nci in closure(i, ci + 1, ta):
            for nj, ncj in closure(j, cj + 1, tb):
                nxt = (ni, nci, nj, ncj)
                if nxt not in parent:
                    parent[nxt] = (state, ch)
                    queue.append(nxt)
    return None

"""Tables for people: a DataFrame as a styled HTML table (pandas' Styler).

No index column (a meaningful index becomes a first column), no ``<NA>``/``nan`` (an empty
cell), whole numbers with thousands separators, right-aligned; keys and long texts wrap instead of
being cut; seasons, dates and priorities never wrap. The styles travel with the table (they work
in JupyterLab and in the HTML pages alike).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

#: columns that must never wrap (a season "2018-19" cut in two is misread)
NOWRAP = re.compile(
    r"(^|_)(season|date|dates|first_date|last_date|as of|as_of|priority|status|"
    r"started|finished|run|run_id|task_id|gap_id)s?$|^#$",
    re.I,
)
#: columns holding keys, paths or long texts: they wrap anywhere
KEYLIKE = re.compile(r"key|path|lake|spec|detail|reason|game_ids|dates|error|value|url", re.I)

_STYLES = [
    {"selector": "", "props": "border-collapse:collapse;font-size:.9em;margin:.3em 0 1em"},
    {
        "selector": "th",
        "props": "background:#f6f8fa;text-align:left;padding:.3em .6em;"
        "border-bottom:1px solid #d1d9e0;vertical-align:bottom;"
        # headers break between words only ("expected", never "expecte d")
        "overflow-wrap:normal;word-break:normal;hyphens:manual",
    },
    {
        "selector": "td",
        "props": "padding:.25em .6em;border-bottom:1px solid #eaeef2;vertical-align:top;text-align:left",
    },
    {"selector": "td.num", "props": "text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap"},
    {"selector": "th.num", "props": "text-align:right"},
    {"selector": "td.nw, th.nw", "props": "white-space:nowrap"},
    {"selector": "td.key", "props": "overflow-wrap:anywhere;word-break:break-word;min-width:8em"},
]


def _is_whole(s: pd.Series) -> bool:
    v = pd.to_numeric(s, errors="coerce").dropna()
    return bool(len(v)) and bool(np.all(np.isclose(v, np.round(v))))


def _column_class(name: str, s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "nw"
    if pd.api.types.is_numeric_dtype(s):
        return "num"
    if NOWRAP.search(str(name)):
        return "nw"
    if KEYLIKE.search(str(name)):
        return "key"
    return ""


def people(
    frame: pd.DataFrame,
    *,
    index: bool | None = None,
    nowrap: Iterable[str] = (),
    keys: Iterable[str] = (),
    precision: int = 2,
    caption: str | None = None,
):
    """``frame`` as a :class:`pandas.io.formats.style.Styler` a reader can use.

    ``index``: keep the index as a first column (default: when it is named, e.g. ``dataset``);
    ``nowrap`` / ``keys``: columns forced to never wrap / to wrap anywhere."""
    t = frame.copy()
    if index is None:
        index = any(n is not None for n in t.index.names) and not isinstance(t.index, pd.RangeIndex)
    t = t.reset_index() if index else t.reset_index(drop=True)
    t.columns = [" · ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in t.columns]
    for c in t.columns:  # whole numbers stored as floats (a NaN somewhere): shown as integers
        if pd.api.types.is_float_dtype(t[c]) and _is_whole(t[c]) and not str(c).endswith("%") and "pct" not in str(c):
            t[c] = t[c].round().astype("Int64")
    nowrap, keys = set(nowrap), set(keys)
    classes = {}
    for c in t.columns:
        cls = "nw" if c in nowrap else "key" if c in keys else _column_class(c, t[c])
        classes[c] = cls
    cell_classes = pd.DataFrame({c: [classes[c]] * len(t) for c in t.columns}, index=t.index)
    styles = list(_STYLES) + [
        {"selector": f"th.col_heading.col{i}", "props": "text-align:right"}
        for i, c in enumerate(t.columns)
        if classes[c] == "num"
    ]
    # every value and header escaped: keys and details come from the lake, never trusted markup
    st = (
        t.style.hide(axis="index")
        .format(na_rep="", thousands=",", precision=precision, escape="html")
        .format_index(escape="html", axis=1)
        .set_td_classes(cell_classes)
        .set_table_styles(styles)
    )
    if caption:
        st = st.set_caption(html.escape(caption))
    return st


class ShownTable(pd.DataFrame):
    """A DataFrame that displays as a table for people (:func:`people`); anything computed from
    it is a plain DataFrame again."""

    _metadata = ["_people_options"]

    @property
    def _constructor(self):
        return pd.DataFrame

    def _repr_html_(self):
        options = dict(getattr(self, "_people_options", None) or {})
        empty = options.pop("empty", None) or "Nothing to show."
        if len(self) == 0:  # a sentence, not a table of headers only
            return f'<p style="color:#59636e">{html.escape(empty)}</p>'
        return people(pd.DataFrame(self), **options).to_html()


def shown(frame: pd.DataFrame, *, empty: str | None = None, **options) -> ShownTable:
    """``frame`` (its data untouched) displaying as :func:`people` renders it; with no row, as
    the sentence ``empty``."""
    t = ShownTable(frame)
    t._people_options = {**options, "empty": empty}
    return t

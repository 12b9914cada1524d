"""Small HTML pieces of the notebooks (every value escaped) and value formatting."""

from __future__ import annotations

import html

from IPython.display import HTML

from nba_simulator.masking import mask

from .style import PROBLEMS


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


def escape_html(text) -> str:
    return html.escape("" if text is None else str(text))


def display_html(body: str):
    return HTML(body)


def verdict(status: str, text: str):
    """A coloured one-line verdict (the text is escaped)."""
    colors = {"ok": ("#dafbe1", "#116329"), "warn": ("#fff8c5", "#7d4e00"), "fail": ("#ffebe9", "#a40e26")}
    bg, fg = colors.get(status, ("#eaeef2", "#1f2328"))
    return display_html(
        f'<div style="background:{bg};color:{fg};padding:.6em 1em;border-radius:6px;'
        f'font-weight:600">{escape_html(status.upper())} · {escape_html(text)}</div>'
    )


def headline_tiles(totals: dict, estimate: bool = False, summary: dict | None = None):
    """The run's headline numbers as large figures (every value escaped)."""

    def tile(value, label, color="#1f2328"):
        return (
            f'<div style="flex:1;min-width:9em;padding:.4em .8em;border-left:4px solid {color}">'
            f'<div style="font-size:1.7em;font-weight:600;color:{color}">{escape_html(value)}</div>'
            f'<div style="color:#59636e;font-size:.9em">{escape_html(label)}</div></div>'
        )

    pct = totals.get("complete_pct")
    tiles = [
        tile(
            f"{pct:.2f}%" if pct is not None else "–",
            "complete" + (" (estimate)" if estimate else ""),
            "#116329" if (pct or 0) >= 99 else "#7d4e00" if (pct or 0) >= 90 else "#a40e26",
        ),
        tile(f"{totals.get('expected', 0):,}", "expected items"),
        tile(f"{totals.get('missing', 0):,}", "missing", "#a40e26"),
        tile(
            f"{sum(totals.get(s, 0) for s in PROBLEMS[1:]):,}",
            "undersized, empty, premature or stale" if totals.get("empty") else "undersized, premature or stale",
            "#7d4e00",
        ),
        tile(f"{totals.get('unmapped', 0):,}", "unmapped (not counted)", "#59636e"),
    ]
    if summary is not None:
        tiles.append(tile(f"{sum(summary.get('gaps', {}).values()):,}", "gaps", "#0969da"))
        tiles.append(tile(f"{sum(summary.get('tasks', {}).values()):,}", "tasks queued", "#0969da"))
    sub = ""
    if summary is not None:
        inv = summary.get("inventory") or {}
        objects = f"{inv.get('objects') or 0:,}"
        sub = (
            f'<p style="color:#59636e;margin:.3em 0 0">as of <b>{escape_html(summary.get("as_of"))}</b> · lake '
            f"<code>{escape_html(redacted(inv.get('lake')))}</code> · {escape_html(objects)} objects"
            + (
                f" · sampled {escape_html(summary.get('sample_fraction'))} of the items: numbers are estimates"
                if estimate
                else ""
            )
            + "</p>"
        )
    return display_html(
        '<div style="display:flex;flex-wrap:wrap;gap:.5em;margin:.5em 0">' + "".join(tiles) + "</div>" + sub
    )


def redacted(value):
    return mask(value)

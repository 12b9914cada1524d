"""Do the spec and the lake fit? When most of the lake's keys are orphans (a key a dataset's
layout parses, naming no expected game) or unparsed (no layout parses it), the verdicts are about
the wrong spec, the wrong lake or the wrong schedule: every entry point says so first (the
console's first line, the report's first screen, ``summary.json["fit"]``), never only a low
completeness figure. The demo's spec on a real-layout lake, or a packaged spec on another
bucket's layout, is the usual cause."""

from __future__ import annotations

#: below this many listed objects nothing is said (a lake of a few files proves little)
MIN_OBJECTS = 20
#: the share of keys that are orphans or unparsed from which the spec and lake do not fit
MISFIT_SHARE = 0.5


def fit_problem(objects: int | None, orphans: int, unparsed: int, spec: str) -> str | None:
    """One line when the spec and the lake do not fit (see the module doc), else None."""
    if not objects or objects < MIN_OBJECTS:
        return None
    odd = int(orphans) + int(unparsed)
    if odd <= MISFIT_SHARE * objects:
        return None
    return (
        f"the spec and the lake do not fit: {odd:,} of the lake's {objects:,} keys ({100 * odd / objects:.0f}%) "
        f"are orphans ({int(orphans):,}: no expected game) or unparsed ({int(unparsed):,}: no layout of "
        f"{spec} reads them); these verdicts are about another lake, spec or schedule (a real lake "
        "takes the packaged spec: --spec default)"
    )

"""Importance-performance maps in the report: drivers with a negative effect drawn reversed.

An importance-performance map assumes every driver is coded so that more is better (Ringle &
Sarstedt, 2016). A driver whose total effect is negative (forced commitment in the
five-commitment model) is drawn as its reverse, "less forced commitment": importance the size
of its effect, performance 100 minus its score (:func:`analysis.structural.drivers.
oriented_drivers`, which the quadrants in results.json are read with too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .format import apa


def oriented_points(rows: Sequence[Mapping[str, Any]], names: Mapping[str, str]
                    ) -> tuple[list[float], list[float], list[str], list[str]]:
    """Importance, performance and labels of the map's points, and the names of the drivers
    drawn reversed (labelled ``"... (reversed)"``). ``rows`` have ``construct``,
    ``importance`` and ``performance`` (0-100)."""
    from analysis.structural.drivers import oriented_drivers

    imp, perf, rev = oriented_drivers([r["importance"] for r in rows],
                                      [r["performance"] for r in rows])
    shown = [names.get(r["construct"], r["construct"]) for r in rows]
    labels = [f"{s} (reversed)" if v else s for s, v in zip(shown, rev, strict=True)]
    flipped = [s for s, v in zip(shown, rev, strict=True) if v]
    return [float(x) for x in imp], [float(x) for x in perf], labels, flipped


def reversed_sentence(rows: Sequence[Mapping[str, Any]], names: Mapping[str, str],
                      outcome: str) -> str:
    """The caption's sentence on the drivers drawn reversed (empty when none is)."""
    neg = [r for r in rows if r["importance"] < 0]
    if not neg:
        return ""
    parts = [f"{names.get(r['construct'], r['construct']).lower()} (total effect "
             f"{apa(r['importance'], 2)}, performance {apa(r['performance'], 1)})" for r in neg]
    one = len(neg) == 1
    return (f" {'A driver' if one else 'Drivers'} with a negative effect on {outcome}, "
            + ", ".join(parts) + (", is" if one else ", are")
            + " drawn reversed (\u201cless is better\u201d): importance the size of the effect "
            "and performance 100 minus the score, so that higher performance is better for "
            "every point, as the map assumes (Ringle & Sarstedt, 2016).")

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


def oriented_points(rows: Sequence[Mapping[str, Any]], names: Mapping[str, str],
                    higher_is_better: bool = True
                    ) -> tuple[list[float], list[float], list[str], list[str]]:
    """Importance, performance and labels of the map's points, and the names of the drivers
    drawn reversed (labelled ``"... (reversed)"``). ``rows`` have ``construct``,
    ``importance`` and ``performance`` (0-100); ``higher_is_better`` False for a target a
    company wants less of (importance: the effect on lowering it)."""
    from analysis.structural.drivers import oriented_drivers

    imp, perf, rev = oriented_drivers([r["importance"] for r in rows],
                                      [r["performance"] for r in rows], higher_is_better)
    shown = [names.get(r["construct"], r["construct"]) for r in rows]
    labels = [f"{s} (reversed)" if v else s for s, v in zip(shown, rev, strict=True)]
    flipped = [s for s, v in zip(shown, rev, strict=True) if v]
    return [float(x) for x in imp], [float(x) for x in perf], labels, flipped


def reversed_sentence(rows: Sequence[Mapping[str, Any]], names: Mapping[str, str],
                      outcome: str, higher_is_better: bool = True) -> str:
    """The caption's sentences on a target a company wants less of and on the drivers drawn
    reversed (empty when neither applies)."""
    sign = 1 if higher_is_better else -1
    lower = "" if higher_is_better else (
        f" {outcome[0].upper()}{outcome[1:]} is an outcome to lower (the instrument says so): "
        f"importance is a driver's effect on lowering {outcome}, the total effect with its "
        "sign reversed.")
    neg = [r for r in rows if sign * r["importance"] < 0]
    if not neg:
        return lower
    parts = [f"{names.get(r['construct'], r['construct']).lower()} (total effect "
             f"{apa(r['importance'], 2)}, performance {apa(r['performance'], 1)})" for r in neg]
    one = len(neg) == 1
    which = "a negative effect on" if higher_is_better else "an effect that raises"
    return (lower + f" {'A driver' if one else 'Drivers'} with {which} {outcome}, "
            + ", ".join(parts) + (", is" if one else ", are")
            + " drawn reversed (\u201cless is better\u201d): importance the size of the effect "
            "and performance 100 minus the score, so that higher performance is better for "
            "every point, as the map assumes (Ringle & Sarstedt, 2016).")

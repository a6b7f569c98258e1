"""The latent profile plot: each profile's standardized means across the profiled constructs.

The usual picture of a latent profile analysis (e.g. Spurk et al., 2020, Fig. 2): constructs on
the horizontal axis, one line per profile through its means in SD units of the whole sample,
a zero line for the sample mean. Lines are told apart by colour (Okabe & Ito's palette, safe
for colour-vision deficiencies), marker and dash, and labelled at their right end, so the plot
reads in grey too. One ``<g class="ek-profile-point">`` per mean (``data-profile``,
``data-construct``, ``data-value``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from markupsafe import Markup

from ..format import apa
from .svg import GREY_LINE, INK, MUTED, FigureInputError, _new_figure, _rc, _save, _Tags

__all__ = ["profile_plot"]

# Okabe & Ito, darkened where needed for contrast on white
_COLORS = ["#005a9c", "#a84300", "#00785a", "#9e3d76", "#6b5a00", "#3d3d3d", "#0072b2",
           "#b35900"]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
_DASHES = ["-", "--", "-.", ":", "-", "--", "-.", ":"]


def profile_plot(means: Sequence[Sequence[float]], constructs: Sequence[str],
                 profiles: Sequence[str], title: str) -> Markup:
    """Standardized means (profiles by constructs) as a line plot.

    Parameters
    ----------
    means : sequence of sequence of float
        ``means[j][i]``: profile ``j``'s mean of construct ``i`` in SD units.
    constructs : sequence of str
        Construct labels (the horizontal axis).
    profiles : sequence of str
        Profile labels (legend and line ends), e.g. ``"Profile 1 (45%)"``.
    title : str
        The figure's title.

    Returns
    -------
    markupsafe.Markup
        The ``<svg>`` element.

    Examples
    --------
    >>> svg = profile_plot([[0.5, -0.2], [-0.6, 0.3]], ["Affective", "Forced"],
    ...                    ["Profile 1", "Profile 2"], "Commitment profiles")
    >>> svg.count('class="ek-profile-point"')
    4
    """
    m = np.asarray(means, dtype=float)
    constructs = [str(c) for c in constructs]
    profiles = [str(p) for p in profiles]
    if m.ndim != 2 or m.shape != (len(profiles), len(constructs)) or m.size == 0:
        raise FigureInputError("profile_plot: means must be profiles x constructs")
    if not np.all(np.isfinite(m)):
        raise FigureInputError("profile_plot: non-finite means")
    tags = _Tags()
    desc = []
    k, d = m.shape
    with _rc():
        fig = _new_figure(6.4, 3.9)
        ax = fig.add_subplot()
        x = np.arange(d)
        ax.axhline(0.0, color=GREY_LINE, linewidth=0.8, zorder=1)
        for j in range(k):
            color = _COLORS[j % len(_COLORS)]
            ax.plot(x, m[j], color=color, linestyle=_DASHES[j % len(_DASHES)], linewidth=1.8,
                    zorder=2, gid=tags("ek-profile", profile=profiles[j]))
            for i in range(d):
                ax.plot([x[i]], [m[j, i]], marker=_MARKERS[j % len(_MARKERS)], color=color,
                        markersize=6.5, linestyle="none", zorder=3,
                        gid=tags("ek-profile-point", profile=profiles[j],
                                 construct=constructs[i], value=round(float(m[j, i]), 4)))
            desc.append(f"{profiles[j]}: " + ", ".join(
                f"{constructs[i]} {apa(m[j, i], 2)}" for i in range(d)))
        ax.set_xticks(x, constructs)
        for label in ax.get_xticklabels():
            label.set_rotation(20 if max(len(c) for c in constructs) > 9 else 0)
            label.set_ha("right" if max(len(c) for c in constructs) > 9 else "center")
        top = float(np.abs(m).max())
        lim = max(1.0, top * 1.15)
        ax.set_ylim(-lim, lim)
        ax.set_xlim(-0.3, d - 0.7)
        ax.set_ylabel("Mean (SD units)")
        ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
        ax.set_axisbelow(True)
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=_COLORS[j % len(_COLORS)],
                          linestyle=_DASHES[j % len(_DASHES)], linewidth=1.8,
                          marker=_MARKERS[j % len(_MARKERS)], markersize=6.5)
                   for j in range(k)]
        ax.legend(handles=handles, labels=profiles, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                  frameon=False, fontsize=9, labelcolor=INK)
        ax.set_title("0 = the sample mean", loc="left", fontsize=9.5, fontweight="normal",
                     color=MUTED)
        fig.suptitle(title, x=0.02, ha="left", fontsize=12, fontweight="bold")
        fig.tight_layout()
        return _save(fig, tags, kind="profiles", title=title, desc="; ".join(desc))

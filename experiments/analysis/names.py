"""One fixed colour per policy, the same in every figure (plain names: :mod:`sim.config.names`).

A policy keeps its colour from figure to figure: its place in the palette is that of
:func:`sim.config.names.palette_index` (the sorted list of the presets shipped in
``conf/policy/``), which the dashboard uses too.
"""

from __future__ import annotations

import matplotlib

from sim.config.names import palette_index, policy_label

__all__ = ["policy_color", "policy_label"]


def policy_color(name: str) -> tuple:
    """The fixed colour of policy ``name`` (RGBA)."""
    cmap = matplotlib.colormaps["tab20"]
    return cmap(palette_index(name, cmap.N))

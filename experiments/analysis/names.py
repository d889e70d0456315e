"""Plain names and one fixed colour per policy, the same in every figure and table.

A policy is shown by its plain name ("identity gating", not ``identity_gating``) and keeps
its colour from figure to figure: colours are assigned from the full list of the policy
presets shipped in ``conf/policy/`` (sorted), not from the policies a figure happens to
show. A name outside that list (a user's own preset) gets a colour from its hash.
"""

from __future__ import annotations

import zlib
from functools import cache
from pathlib import Path

import matplotlib

POLICY_DIR = Path(__file__).resolve().parents[2] / "conf" / "policy"

PLAIN = {
    "none": "no controls",
    "status_quo": "status quo",
    "identity_gating": "identity gating",
    "volume_cap": "volume caps",
    "volume_thresholds": "tightened usage tiers",
    "cross_provider_sharing": "cross-provider sharing",
    "letter_package": "the letter's three remedies",
    "aggregate_volume_reporting": "aggregate volume reporting",
    "nationality_gating": "nationality gating",
    "peer_sharing": "Frontier Model Forum sharing",
    "pooled_detection": "pooled-traffic detection",
    "provider_id_gating_2026": "provider ID checks in force (2026)",
    "reseller_kyc": "reseller customer identification",
    "sanctions_after_attribution": "sanctions after attribution",
}


def policy_label(name: str) -> str:
    """The plain name of policy ``name`` (its identifier with spaces if it has none)."""
    return PLAIN.get(name, name.replace("_", " "))


@cache
def _presets() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in POLICY_DIR.glob("*.yaml")))


def policy_color(name: str) -> tuple:
    """The fixed colour of policy ``name`` (RGBA)."""
    cmap = matplotlib.colormaps["tab20"]
    presets = _presets()
    index = presets.index(name) if name in presets else zlib.crc32(name.encode()) % cmap.N
    return cmap(index % cmap.N)

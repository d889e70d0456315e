"""The options of each config group, and the plain name and palette place of each policy.

A policy is shown by its plain name ("identity gating", not ``identity_gating``) and keeps its
place in the palette from figure to figure: places are assigned from the full, sorted list of
the policy presets shipped in ``conf/policy/``, not from the policies a figure happens to show.
A name outside that list (a user's own preset) gets a place from its hash. The analyses
(``experiments/analysis/names.py``) and the dashboard (``sim/dashboard``) both read these, so a
policy has one name and one colour everywhere.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from .compose import config_dir

PLAIN = {
    "none": "no controls",
    "status_quo": "status quo",
    "identity_gating": "identity gating",
    "identity_gating_target_only": "identity gating, target provider only",
    "volume_cap": "volume caps",
    "volume_thresholds": "tightened usage tiers",
    "cross_provider_sharing": "cross-provider sharing",
    "letter_package": "the letter's three remedies",
    "letter_package_target_only": "the letter's three remedies, target provider only",
    "aggregate_volume_reporting": "aggregate volume reporting",
    "nationality_gating": "nationality gating",
    "peer_sharing": "Frontier Model Forum sharing",
    "pooled_detection": "pooled-traffic detection",
    "provider_id_gating_2026": "provider ID checks in force (2026)",
    "reseller_kyc": "reseller customer identification",
    "sanctions_after_attribution": "sanctions after attribution",
}


def options(group: str) -> list[str]:
    """The options of config group ``group`` (``policy``, ``scenario``, ...), sorted: its YAML files."""
    return sorted(p.stem for p in (Path(config_dir()) / group).glob("*.yaml"))


def policy_label(name: str) -> str:
    """The plain name of policy ``name`` (its identifier with spaces if it has none)."""
    return PLAIN.get(name, name.replace("_", " "))


def palette_index(name: str, size: int) -> int:
    """The fixed place of policy ``name`` in a palette of ``size`` colours."""
    presets = options("policy")
    index = presets.index(name) if name in presets else zlib.crc32(name.encode()) % size
    return index % size

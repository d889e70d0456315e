"""Controls: each a small module, built from the policy config by name."""

from __future__ import annotations

from ..config import PolicyConfig
from ..world.streams import Streams
from .aggregate_reporting import AggregateReporting
from .base import Control, DayContext, Phase, TrafficBatch
from .cluster_detector import ClusterDetector
from .detector import Detector
from .evidence import EvidenceMemory
from .geo_filter import GeoFilter
from .identity_gating import IdentityGating
from .link_analysis import LinkAnalysis
from .shutdown import Shutdown
from .usage_tiers import UsageTiers
from .volume_cap import VolumeCap

# Controls that refuse traffic (their refusals are reported per control).
FILTER_CONTROLS: tuple[str, ...] = ("geo_filter", "volume_cap", "shutdown", "aggregate_reporting", "usage_tiers")
# What can put an account in the review queue (the ``queued_by`` column).
QUEUE_SOURCES: tuple[str, ...] = ("detector", "volume_cap", "link_analysis", "sharing", "aggregate_reporting", "cluster")

__all__ = [
    "FILTER_CONTROLS",
    "QUEUE_SOURCES",
    "Control",
    "DayContext",
    "EvidenceMemory",
    "Phase",
    "TrafficBatch",
    "IdentityGating",
    "build_stack",
]


def build_stack(policy: PolicyConfig, provider: int, streams: Streams, price_per_exchange: float,
                evidence: EvidenceMemory) -> list[Control]:
    """The enabled controls of ``policy`` for one provider, in stack order.

    ``price_per_exchange`` is the provider's list price of an exchange (USD), at which it
    bills its accounts (usage tiers read the spend); ``evidence`` is the provider's memory
    of its accounts' evidence, which the detectors read.

    Each control gets its own named random stream, so switching one on or off
    leaves every other draw unchanged.
    """
    prefix = f"provider/{provider}/"
    builders = {
        "geo_filter": lambda c: GeoFilter(c, streams.hash_key(prefix + "geo_filter")),
        "detector": lambda c: Detector(c, evidence, streams.generator(prefix + "detector")),
        "cluster_detector": lambda c: ClusterDetector(c, policy.detector.weights, evidence,
                                                      streams.generator(prefix + "cluster_detector")),
        "link_analysis": lambda c: LinkAnalysis(c, policy.review.link_priority),
        "usage_tiers": lambda c: UsageTiers(c, price_per_exchange, streams.generator(prefix + "usage_tiers")),
        "volume_cap": lambda c: VolumeCap(c, streams.generator(prefix + "volume_cap")),
        "aggregate_reporting": lambda c: AggregateReporting(c),
        "shutdown": lambda c: Shutdown(c) if provider in c.providers else None,
    }
    stack: list[Control] = []
    for name, build in builders.items():
        cfg = getattr(policy, name)
        control = build(cfg) if cfg.enabled else None
        if control is not None:
            stack.append(control)
    return stack

"""The vocabulary the model speaks in: exit types, identity tiers, capabilities,
indicators, and the records keyed by identity tier."""

from __future__ import annotations

from dataclasses import dataclass

from .fields import INF, nonneg

# Exit (network) types. An account reaches the provider through one exit;
# the provider sees the address, and IP intelligence classifies it with some
# recall per type (geo filter). The names are the keys used in configs.
EXIT_TYPES: tuple[str, ...] = (
    "direct",
    "vpn",
    "cgnat",
    "residential_proxy",
    "mobile_proxy",
    "datacenter",
)
PROXY_TYPES: tuple[str, ...] = ("residential_proxy", "mobile_proxy", "datacenter")

# Identity tiers, weakest to strongest (identity gating).
TIERS: tuple[str, ...] = ("email", "phone", "payment", "document", "organisation")

CAPABILITIES: tuple[str, ...] = ("coding", "agentic", "long_horizon", "other")

# Indicator types an account carries (link analysis, sharing, aggregate caps).
INDICATORS: tuple[str, ...] = ("network", "payment", "identity", "organisation", "device", "template")


@dataclass
class TierCosts:
    """Attacker's price per identity at each tier (USD); CALIBRATION 'Attacker costs'."""

    email: float = nonneg(0.05)  # A
    phone: float = nonneg(0.5)  # R, $0.20-1.00
    payment: float = nonneg(4.0)  # R, stolen/prepaid card, $1-12
    document: float = nonneg(15.0)  # C/R, $8-40
    organisation: float = nonneg(30.0)  # A: document plus a shell organisation


@dataclass
class TierSupply:
    """Black-market identities the operator can buy per day at each tier (C/R: Thomas et al. 2014)."""

    email: float = nonneg(INF)
    phone: float = nonneg(INF)  # R: SMS-verified numbers are a commodity
    payment: float = nonneg(INF)
    document: float = nonneg(2000.0)  # A: AI-generated IDs sell at scale, but passable ones are fewer
    organisation: float = nonneg(200.0)  # A


@dataclass
class TierLeadDays:
    """Extra days to open an account at each tier (verification turnaround)."""

    email: float = nonneg(0.0)
    phone: float = nonneg(0.0)
    payment: float = nonneg(0.0)
    document: float = nonneg(1.0)  # A: vendor turnaround
    organisation: float = nonneg(3.0)  # A



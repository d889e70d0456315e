"""The vocabulary the model speaks in: exit types, identity tiers, capabilities,
indicators, and the records keyed by identity tier."""

from __future__ import annotations

from dataclasses import dataclass

from .fields import INF, UNCERTAINTY, limit, nonneg

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

# Largest provider index a field may name; validation also checks it against the providers configured.
MAX_PROVIDER = 999

# Widest detector score threshold the model accepts: the score is a weighted sum of a few features in
# [0, 1] and log10 volumes, so thresholds beyond it flag everything or nothing.
SCORE_LIMIT = 50.0


@dataclass
class TierCosts:
    """The attacker's price per identity at each tier (USD; CALIBRATION "Attacker costs")."""

    email: float = nonneg(0.05, 100.0, role=UNCERTAINTY, plausible=(0.01, 0.2), source="A",
                          doc="Price of an e-mail address (USD); range chosen here.")
    phone: float = nonneg(0.5, 1e4, role=UNCERTAINTY, plausible=(0.2, 1.0), source="R",
                          doc="Price of an SMS-verified phone number (USD).")
    payment: float = nonneg(4.0, 1e4, role=UNCERTAINTY, plausible=(1.0, 12.0), source="R",
                            doc="Price of a stolen or prepaid card (USD).")
    document: float = nonneg(15.0, 1e4, role=UNCERTAINTY, plausible=(8.0, 40.0), source="R",
                             doc="Price of a fake identity document (USD; C/R: AI-generated IDs sold at $15, one "
                                 "passed an exchange's automated KYC).")
    organisation: float = nonneg(30.0, 1e5, role=UNCERTAINTY, plausible=(10.0, 100.0), source="A",
                                 doc="Price of a document plus a shell organisation (USD); range chosen here.")


@dataclass
class TierSupply:
    """Black-market identities the operator can buy per day at each tier (Thomas et al. 2014)."""

    email: float = limit(INF, role=UNCERTAINTY, plausible=(1e4, 1e6), source="A",
                         doc="E-mail identities on sale per day; unlimited by default; range chosen here, for analyses "
                             "that let the supply bind.")
    phone: float = limit(INF, role=UNCERTAINTY, plausible=(1e4, 1e6), source="A",
                         doc="Phone-verified identities on sale per day; unlimited by default (R: SMS-verified numbers "
                             "are a commodity); range chosen here.")
    payment: float = limit(INF, role=UNCERTAINTY, plausible=(1e4, 1e6), source="A",
                           doc="Payment instruments on sale per day; unlimited by default; range chosen here.")
    document: float = limit(2000.0, role=UNCERTAINTY, plausible=(500.0, 10000.0), source="A",
                            doc="Passable fake documents on sale per day: AI-generated IDs sell at scale, but passable "
                                "ones are fewer; range chosen here.")
    organisation: float = limit(200.0, role=UNCERTAINTY, plausible=(50.0, 1000.0), source="A",
                                doc="Shell organisations on sale per day; range chosen here.")


@dataclass
class TierLeadDays:
    """Extra days to open an account at each tier (verification turnaround)."""

    email: float = nonneg(0.0, 365.0, role=UNCERTAINTY, plausible=(0.0, 0.5), source="A",
                          doc="Days an e-mail verification adds to opening an account; range chosen here.")
    phone: float = nonneg(0.0, 365.0, role=UNCERTAINTY, plausible=(0.0, 0.5), source="A",
                          doc="Days an SMS verification adds; range chosen here.")
    payment: float = nonneg(0.0, 365.0, role=UNCERTAINTY, plausible=(0.0, 0.5), source="A",
                            doc="Days a payment check adds; range chosen here.")
    document: float = nonneg(1.0, 365.0, role=UNCERTAINTY, plausible=(0.5, 3.0), source="A",
                             doc="Days a document check adds (vendor turnaround); range chosen here.")
    organisation: float = nonneg(3.0, 365.0, role=UNCERTAINTY, plausible=(1.0, 14.0), source="A",
                                 doc="Days an organisation check adds (vendor turnaround); range chosen here.")

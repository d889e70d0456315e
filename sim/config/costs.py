"""The costs branch (``costs``): prices the attacker pays, sign-up frictions, and the account market."""

from __future__ import annotations

from dataclasses import dataclass, field

from .domain import TierCosts, TierSupply
from .fields import INF, between, count, nonneg, prob


@dataclass
class DropOff:
    """Legitimate sign-up drop-off at each tier (share who abandon)."""

    email: float = prob(0.0)
    phone: float = prob(0.05)  # A, 0.02-0.10
    payment: float = prob(0.10)  # A
    document: float = prob(0.20)  # C/R, 0.09-0.35
    organisation: float = prob(0.35)  # A


@dataclass
class ReadyAccountsConfig:
    """Ready-made accounts on the market: already verified at the provider's tier and aged,
    usable without the gate's lead time (issue 5: "verified accounts come from suppliers").
    Price and capacity answer the market's enforcement index with the same lag:
    ``price = price_per_account[tier] x (1 + price_elasticity e_bar) x noise``,
    ``capacity = capacity_per_day[tier] / (1 + capacity_elasticity e_bar)``.
    Needs ``costs.market.enabled``. Off by default."""

    enabled: bool = False
    # A: a verified account costs more than the identity behind it (the supplier bears the
    # pass rate and the ageing); range x0.3-x3. Verified phone accounts sold for cents to
    # a dollar (Thomas et al. 2014); KYC-verified accounts for tens of dollars (A).
    price_per_account: TierCosts = field(default_factory=lambda: TierCosts(
        email=0.5, phone=2.0, payment=10.0, document=60.0, organisation=150.0))
    capacity_per_day: TierSupply = field(default_factory=lambda: TierSupply(
        email=INF, phone=20000.0, payment=5000.0, document=500.0, organisation=50.0))  # A
    age_days: float = nonneg(90.0)  # A: accounts are sold aged (0-365)
    price_elasticity: float = nonneg(20.0)  # A: as identities
    capacity_elasticity: float = nonneg(20.0)  # A: as identities
    price_noise_sd: float = nonneg(0.1)  # A: as identities


@dataclass
class MarketConfig:
    """The account market: identity supply whose price and capacity respond to enforcement
    with a lag (Thomas et al. 2014: phone-verified account prices moved with platform
    enforcement). Off: identities at fixed ``costs.identity`` within ``supply_per_day``."""

    enabled: bool = False
    # Enforcement index e = share of the operator's live accounts banned yesterday,
    # smoothed: e_bar <- (1 - smoothing) e_bar + smoothing e, seen after lag_days.
    lag_days: int = count(3)  # A: suppliers notice a ban wave within days
    smoothing: float = between(0.3, 1e-9, 1.0)  # A
    price_elasticity: float = nonneg(20.0)  # A: price x (1 + 20 e_bar): +100% at a 5%/day ban rate
    capacity_elasticity: float = nonneg(20.0)  # A: capacity / (1 + 20 e_bar)
    # Daily capacity of the suppliers at each tier before enforcement (A).
    capacity_per_day: TierSupply = field(default_factory=lambda: TierSupply(
        email=INF, phone=50000.0, payment=50000.0, document=2000.0, organisation=200.0))
    price_noise_sd: float = nonneg(0.1)  # A: day-to-day lognormal noise of the price
    ready_accounts: ReadyAccountsConfig = field(default_factory=ReadyAccountsConfig)


@dataclass
class CostsConfig:
    """Prices the attacker pays (CALIBRATION 'Attacker costs')."""

    identity: TierCosts = field(default_factory=TierCosts)
    signup_dropoff: DropOff = field(default_factory=DropOff)
    proxy_per_gb: dict[str, float] = field(
        default_factory=lambda: {"residential_proxy": 3.0, "mobile_proxy": 8.0, "datacenter": 0.5}
    )
    bytes_per_exchange: float = nonneg(50e3)  # A, 10-200 KB
    output_tokens_per_exchange: float = nonneg(500.0)  # E: 14.4B tokens / 28.8M
    input_output_ratio: float = nonneg(10.0)  # A, 3-30
    output_price_per_mtok: float = nonneg(15.0)  # C, $15-75
    input_price_per_mtok: float = nonneg(3.0)  # C, Sonnet-class list price
    device_cost: float = nonneg(0.0)  # A: emulated fingerprints are free
    market: MarketConfig = field(default_factory=MarketConfig)



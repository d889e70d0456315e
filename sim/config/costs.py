"""The costs branch (``costs``): prices the attacker pays, sign-up frictions, and the account market."""

from __future__ import annotations

from dataclasses import dataclass, field

from .domain import PROXY_TYPES, TierCosts
from .fields import INF, SETTING, UNCERTAINTY, between, count, declared, limit, nonneg, prob


@dataclass
class DropOff:
    """Legitimate sign-up drop-off at each tier (share who abandon)."""

    email: float = prob(0.0, role=UNCERTAINTY, plausible=(0.0, 0.02), source="A",
                        doc="Share of legitimate applicants who abandon at e-mail verification; range chosen here.")
    phone: float = prob(0.05, role=UNCERTAINTY, plausible=(0.02, 0.10), source="A",
                        doc="Share who abandon at phone verification.")
    payment: float = prob(0.10, role=UNCERTAINTY, plausible=(0.05, 0.20), source="A",
                          doc="Share who abandon at a payment check; range chosen here.")
    document: float = prob(0.20, role=UNCERTAINTY, plausible=(0.09, 0.35), source="R",
                           doc="Share who abandon at document KYC (C/R: 74-91% completion reported by KYC vendors).")
    organisation: float = prob(0.35, role=UNCERTAINTY, plausible=(0.2, 0.5), source="A",
                               doc="Share who abandon at organisation verification; range chosen here.")


@dataclass
class ReadyAccountPrices:
    """Price of a ready-made account verified at each tier (USD): above the identity behind it,
    since the supplier bears the pass rate and the ageing. Ranges x0.3-x3 of the defaults."""

    email: float = nonneg(0.5, 1e4, role=UNCERTAINTY, plausible=(0.15, 1.5), source="A",
                          doc="Price of a ready-made e-mail-verified account (USD).")
    phone: float = nonneg(2.0, 1e4, role=UNCERTAINTY, plausible=(0.6, 6.0), source="A",
                          doc="Price of a ready-made phone-verified account (USD; such accounts sold for cents to a "
                              "dollar, Thomas et al. 2014).")
    payment: float = nonneg(10.0, 1e4, role=UNCERTAINTY, plausible=(3.0, 30.0), source="A",
                            doc="Price of a ready-made account verified with a card (USD).")
    document: float = nonneg(60.0, 1e5, role=UNCERTAINTY, plausible=(18.0, 180.0), source="A",
                             doc="Price of a ready-made KYC-verified account (USD; tens of dollars).")
    organisation: float = nonneg(150.0, 1e5, role=UNCERTAINTY, plausible=(45.0, 450.0), source="A",
                                 doc="Price of a ready-made account of a verified organisation (USD).")


@dataclass
class SupplierCapacity:
    """Identities the market's suppliers can sell per day at each tier, before enforcement."""

    email: float = limit(INF, role=UNCERTAINTY, plausible=(1e4, 1e6), source="A",
                         doc="E-mail identities per day; unlimited by default; range chosen here.")
    phone: float = limit(50000.0, role=UNCERTAINTY, plausible=(1e4, 2e5), source="A",
                         doc="Phone-verified identities per day; range chosen here.")
    payment: float = limit(50000.0, role=UNCERTAINTY, plausible=(1e4, 2e5), source="A",
                           doc="Payment instruments per day; range chosen here.")
    document: float = limit(2000.0, role=UNCERTAINTY, plausible=(500.0, 10000.0), source="A",
                            doc="Passable documents per day (as policy.identity_gating.supply_per_day); range chosen "
                                "here.")
    organisation: float = limit(200.0, role=UNCERTAINTY, plausible=(50.0, 1000.0), source="A",
                                doc="Shell organisations per day (as policy.identity_gating.supply_per_day); range "
                                    "chosen here.")


@dataclass
class ReadyAccountCapacity:
    """Ready-made accounts the suppliers can sell per day at each tier, before enforcement.
    Ranges x0.1-x10 of the defaults."""

    email: float = limit(INF, role=UNCERTAINTY, plausible=(1e4, 1e6), source="A",
                         doc="Ready-made e-mail accounts per day; unlimited by default; range chosen here.")
    phone: float = limit(20000.0, role=UNCERTAINTY, plausible=(2000.0, 2e5), source="A",
                         doc="Ready-made phone-verified accounts per day.")
    payment: float = limit(5000.0, role=UNCERTAINTY, plausible=(500.0, 50000.0), source="A",
                           doc="Ready-made card-verified accounts per day.")
    document: float = limit(500.0, role=UNCERTAINTY, plausible=(50.0, 5000.0), source="A",
                            doc="Ready-made KYC-verified accounts per day.")
    organisation: float = limit(50.0, role=UNCERTAINTY, plausible=(5.0, 500.0), source="A",
                                doc="Ready-made accounts of verified organisations per day.")


@dataclass
class ReadyAccountsConfig:
    """Ready-made accounts on the market: already verified at the provider's tier and aged,
    usable without the gate's lead time (verified accounts come from suppliers).
    Price and capacity answer the market's enforcement index with the same lag:
    ``price = price_per_account[tier] x (1 + price_elasticity e_bar) x noise``,
    ``capacity = capacity_per_day[tier] / (1 + capacity_elasticity e_bar)``.
    Needs ``costs.market.enabled``. Off by default."""

    enabled: bool = declared(
        False, role=SETTING, doc="Whether the market also sells ready-made verified accounts (picks the world asked "
                                 "about; needs costs.market.enabled).")
    price_per_account: ReadyAccountPrices = field(default_factory=ReadyAccountPrices)
    capacity_per_day: ReadyAccountCapacity = field(default_factory=ReadyAccountCapacity)
    age_days: float = nonneg(90.0, 3650.0, role=UNCERTAINTY, plausible=(0.0, 365.0), source="A",
                             doc="Age of the accounts sold, in days (C: merchants' accounts had a median age of "
                                 "323 days, Thomas et al. 2013).")
    price_elasticity: float = nonneg(20.0, 1000.0, role=UNCERTAINTY, plausible=(0.0, 50.0), source="A",
                                     doc="Price response to the enforcement index (as identities).")
    capacity_elasticity: float = nonneg(20.0, 1000.0, role=UNCERTAINTY, plausible=(0.0, 50.0), source="A",
                                        doc="Capacity response to the enforcement index (as identities).")
    price_noise_sd: float = nonneg(0.1, 10.0, role=UNCERTAINTY, plausible=(0.0, 0.3), source="A",
                                   doc="Day-to-day lognormal noise of the price (as identities); range chosen here.")


@dataclass
class MarketConfig:
    """The account market: identity supply whose price and capacity respond to enforcement
    with a lag (Thomas et al. 2014: phone-verified account prices moved with platform
    enforcement). Off: identities at fixed ``costs.identity`` within ``supply_per_day``.

    Enforcement index e = share of the operator's live accounts banned yesterday,
    smoothed: ``e_bar <- (1 - smoothing) e_bar + smoothing e``, seen after ``lag_days``.
    """

    enabled: bool = declared(
        False, role=SETTING, doc="Whether identity prices and supply respond to enforcement (picks the world asked "
                                 "about; off: fixed costs.identity within the gate's supply_per_day).")
    lag_days: int = count(3, 0, 3650, role=UNCERTAINTY, plausible=(0, 14), source="A",
                          doc="Days before suppliers see a ban wave.")
    smoothing: float = between(0.3, 1e-9, 1.0, role=UNCERTAINTY, plausible=(0.1, 0.7), source="A",
                               doc="Smoothing of the enforcement index (share of today's value); range chosen here.")
    price_elasticity: float = nonneg(
        20.0, 1000.0, role=UNCERTAINTY, plausible=(0.0, 50.0), source="A",
        doc="Identity price x (1 + elasticity x e_bar): 20 doubles the price at a sustained 5%/day ban rate.")
    capacity_elasticity: float = nonneg(20.0, 1000.0, role=UNCERTAINTY, plausible=(0.0, 50.0), source="A",
                                        doc="Identity capacity / (1 + elasticity x e_bar).")
    capacity_per_day: SupplierCapacity = field(default_factory=SupplierCapacity)
    price_noise_sd: float = nonneg(0.1, 10.0, role=UNCERTAINTY, plausible=(0.0, 0.3), source="A",
                                   doc="Day-to-day lognormal noise of the identity price; range chosen here.")
    ready_accounts: ReadyAccountsConfig = field(default_factory=ReadyAccountsConfig)


@dataclass
class CostsConfig:
    """Prices the attacker pays (CALIBRATION "Attacker costs")."""

    identity: TierCosts = field(default_factory=TierCosts)
    signup_dropoff: DropOff = field(default_factory=DropOff)
    proxy_per_gb: dict[str, float] = nonneg(
        None, 1e4, default_factory=lambda: {"residential_proxy": 3.0, "mobile_proxy": 8.0, "datacenter": 0.5},
        role=UNCERTAINTY,
        plausible={"residential_proxy": (0.89, 8.0), "mobile_proxy": (3.0, 20.0), "datacenter": (0.1, 2.0)},
        source={"residential_proxy": "R", "mobile_proxy": "A", "datacenter": "A"},
        doc="Proxy traffic price per GB by proxy type (" + ", ".join(PROXY_TYPES) + "; USD); the mobile and "
            "datacenter ranges are chosen here.")
    bytes_per_exchange: float = nonneg(50e3, 1e9, role=UNCERTAINTY, plausible=(10e3, 200e3), source="A",
                                       doc="Bytes of proxy traffic per exchange.")
    output_tokens_per_exchange: float = nonneg(
        500.0, 1e6, role=UNCERTAINTY, plausible=(250.0, 1000.0), source="A",
        doc="Output tokens per exchange: E, 14.4B tokens / 28.8M exchanges; range chosen here.")
    input_output_ratio: float = nonneg(10.0, 1000.0, role=UNCERTAINTY, plausible=(3.0, 30.0), source="A",
                                       doc="Input tokens per output token (agentic contexts).")
    output_price_per_mtok: float = nonneg(15.0, 1e4, role=UNCERTAINTY, plausible=(15.0, 75.0), source="C",
                                          doc="API output price (USD per million tokens; Sonnet-class to Opus-class "
                                              "list prices).")
    input_price_per_mtok: float = nonneg(3.0, 1e4, role=UNCERTAINTY, plausible=(3.0, 15.0), source="C",
                                         doc="API input price (USD per million tokens; Sonnet-class to Opus-class "
                                             "list prices).")
    device_cost: float = nonneg(0.0, 1e4, role=UNCERTAINTY, plausible=(0.0, 1.0), source="A",
                                doc="Price of a device fingerprint (USD): emulated fingerprints are free; range chosen "
                                    "here.")
    market: MarketConfig = field(default_factory=MarketConfig)


def price_per_exchange(costs: CostsConfig) -> float:
    """The list API price of one exchange (USD): its output tokens, and ``input_output_ratio``
    times as many input tokens, at the list prices (what the operator pays per served
    exchange and what a provider bills an account)."""
    return (
        costs.output_tokens_per_exchange * costs.output_price_per_mtok
        + costs.output_tokens_per_exchange * costs.input_output_ratio * costs.input_price_per_mtok
    ) / 1e6

"""Typed configuration: the schema Hydra composes into, and its validation.

One module per branch of the tree (one Hydra config group each):
``scenario`` (the world and the campaign), ``attacker`` (the operator's
strategy), ``policy`` (the defenders' controls), ``population`` (the
legitimate users), ``costs`` (prices the attacker pays), ``run`` (fitted
calibration values and numerics). :mod:`.fields` says how a field declares
its allowed values and its role (:mod:`.roles` lists every declared field),
:mod:`.validate` checks them all before a run starts, :mod:`.convert` turns
a composed Hydra config into a :class:`SimConfig`, and :mod:`.compose`
composes one from Python exactly as the command line does.
"""

from .attacker import AttackerConfig, ProxyMix, ResellerRoutingConfig, ResponsesConfig
from .convert import from_hydra
from .costs import (
    CostsConfig,
    DropOff,
    MarketConfig,
    ReadyAccountCapacity,
    ReadyAccountPrices,
    ReadyAccountsConfig,
    SupplierCapacity,
    price_per_exchange,
)
from .domain import CAPABILITIES, EXIT_TYPES, INDICATORS, PROXY_TYPES, TIERS, TierCosts, TierLeadDays, TierSupply
from .fields import (
    INF,
    LEVER,
    ROLES,
    SETTING,
    STRATEGY,
    UNCERTAINTY,
    ConfigError,
    between,
    count,
    declared,
    limit,
    nonneg,
    prob,
)
from .policy import (
    AggregateCaps,
    AggregateReportingConfig,
    BenignReference,
    ClusterDetectorConfig,
    ClusterThresholds,
    DetectorConfig,
    DetectorWeights,
    DistillationReference,
    ExitMatchProb,
    FlagEvidence,
    GeoFilterConfig,
    IdentityGatingConfig,
    LinkAnalysisConfig,
    OwnershipScreenConfig,
    PolicyConfig,
    ResellerKycConfig,
    ReviewConfig,
    SanctionsConfig,
    SharingConfig,
    ShutdownConfig,
    UsageTier,
    UsageTiersConfig,
    VerificationCosts,
    VolumeCapConfig,
)
from .population import PopulationConfig, ReviewBackground, SegmentSpec
from .run import CalibrationConfig, RunConfig
from .scenario import OperatorSpec, ProviderSpec, ResellerConfig, ScenarioConfig
from .schema import SimConfig, bound_providers, consortium_sharing, provider_policies, to_dict, window_days
from .validate import validate

__all__ = [
    "CAPABILITIES", "EXIT_TYPES", "INDICATORS", "INF", "LEVER", "PROXY_TYPES", "ROLES", "SETTING", "STRATEGY", "TIERS",
    "UNCERTAINTY", "bound_providers", "consortium_sharing", "provider_policies",
    "AggregateCaps", "AggregateReportingConfig", "AttackerConfig", "BenignReference", "CalibrationConfig",
    "ClusterDetectorConfig", "ClusterThresholds",
    "ConfigError", "CostsConfig", "DetectorConfig", "DetectorWeights", "DistillationReference", "DropOff",
    "ExitMatchProb", "FlagEvidence",
    "GeoFilterConfig", "IdentityGatingConfig", "LinkAnalysisConfig", "MarketConfig", "OperatorSpec",
    "OwnershipScreenConfig", "PolicyConfig", "PopulationConfig", "ProviderSpec", "ProxyMix",
    "ReadyAccountCapacity", "ReadyAccountPrices", "ReadyAccountsConfig", "ResellerConfig", "ResellerKycConfig",
    "ResellerRoutingConfig", "ResponsesConfig", "ReviewBackground", "ReviewConfig", "RunConfig", "SanctionsConfig", "ScenarioConfig",
    "SegmentSpec", "SharingConfig",
    "ShutdownConfig", "SimConfig", "SupplierCapacity", "TierCosts", "TierLeadDays", "TierSupply",
    "UsageTier", "UsageTiersConfig", "VerificationCosts", "VolumeCapConfig",
    "between", "count", "declared", "from_hydra", "limit", "nonneg", "price_per_exchange", "prob", "to_dict", "validate", "window_days",
]

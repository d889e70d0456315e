"""Validation of a composed config: every range and every cross-field rule.

A bad value fails before a run starts, with a message that names the full
key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

from .domain import CAPABILITIES, INDICATORS, PROXY_TYPES, TIERS
from .fields import ConfigError
from .schema import SimConfig


def _fail(path: str, value: Any, allowed: str) -> ConfigError:
    return ConfigError(f"invalid config: {path}={value!r}; allowed: {allowed}")


def _check_range(path: str, value: Any, meta: dict) -> None:
    lo, hi = meta["range"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(path, value, f"a number in [{lo}, {hi}]")
    if math.isnan(value) or not lo <= value <= hi:
        kind = "an integer" if meta.get("integer") else "a number"
        raise _fail(path, value, f"{kind} in [{lo}, {hi}]")
    if meta.get("integer") and float(value) != int(value):
        raise _fail(path, value, f"an integer in [{lo}, {hi}]")


def _walk(obj: Any, path: str) -> None:
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            sub = f"{path}.{f.name}" if path else f.name
            if "range" in f.metadata:
                _check_range(sub, value, f.metadata)
            _walk(value, sub)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            _walk(item, f"{path}[{i}]")


def _check_share(path: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise _fail(path, value, "a probability in [0, 1]")


def _parse_date(path: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _fail(path, value, "an ISO date, e.g. 2026-04-22") from None


def _check_choice(path: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise _fail(path, value, "one of " + ", ".join(allowed))


def _check_sums_to_one(path: str, values: list[float]) -> None:
    total = sum(values)
    if values and abs(total - 1.0) > 1e-6:
        raise _fail(path, values, f"shares that sum to 1 (they sum to {total:.6g})")


def validate(cfg: SimConfig) -> SimConfig:
    """Check every value against its allowed range and every cross-field rule.

    Raises:
        ConfigError: naming the full key, the value and what is allowed.
    """
    _walk(cfg, "")
    sc = cfg.scenario
    start = _parse_date("scenario.start_date", sc.start_date)
    end = _parse_date("scenario.end_date", sc.end_date)
    if end < start:
        raise _fail("scenario.end_date", sc.end_date, f"a date on or after scenario.start_date={sc.start_date}")
    if not sc.providers:
        raise _fail("scenario.providers", [], "at least one provider")
    n_prov = len(sc.providers)
    for i, op in enumerate(sc.operators):
        key = f"scenario.operators[{i}]"
        if len(op.provider_shares) != n_prov:
            raise _fail(f"{key}.provider_shares", op.provider_shares, f"one share per provider ({n_prov})")
        for j, s in enumerate(op.provider_shares):
            _check_share(f"{key}.provider_shares[{j}]", s)
        _check_sums_to_one(f"{key}.provider_shares", list(op.provider_shares))
        for cap, s in op.capability_mix.items():
            _check_choice(f"{key}.capability_mix", cap, CAPABILITIES)
            _check_share(f"{key}.capability_mix.{cap}", s)
        _check_sums_to_one(f"{key}.capability_mix", list(op.capability_mix.values()))
    _check_sums_to_one("scenario.providers[*].legit_sample_share", [p.legit_sample_share for p in sc.providers])
    mix = cfg.attacker.proxy_mix
    _check_sums_to_one("attacker.proxy_mix", [mix.residential_proxy, mix.mobile_proxy, mix.datacenter])
    segs = cfg.population.segments
    if cfg.population.sample_size > 0:
        if not segs:
            raise _fail("population.segments", [], "at least one segment when population.sample_size > 0")
        _check_sums_to_one("population.segments[*].population_share", [s.population_share for s in segs])
        _check_sums_to_one("population.segments[*].sample_share", [s.sample_share for s in segs])
    for i, s in enumerate(segs):
        if s.vpn_share + s.cgnat_share > 1.0:
            raise _fail(f"population.segments[{i}].vpn_share", s.vpn_share, f"at most 1 - cgnat_share ({1 - s.cgnat_share:g})")
    pol = cfg.policy
    gate = pol.identity_gating
    _check_choice("policy.identity_gating.tier", gate.tier, TIERS)
    screen = gate.ownership_screen
    _check_choice("policy.identity_gating.ownership_screen.min_tier", screen.min_tier, TIERS)
    if gate.reverify_on_flag and not gate.enabled:
        raise _fail("policy.identity_gating.reverify_on_flag", True, "true only with policy.identity_gating.enabled=true")
    if screen.enabled and not gate.enabled:
        raise _fail("policy.identity_gating.ownership_screen.enabled", True, "true only with policy.identity_gating.enabled=true")
    if screen.enabled and TIERS.index(screen.min_tier) > TIERS.index(gate.tier):
        allowed = ", ".join(TIERS[: TIERS.index(gate.tier) + 1])
        raise _fail("policy.identity_gating.ownership_screen.min_tier", screen.min_tier,
                    f"a tier at or below policy.identity_gating.tier={gate.tier} ({allowed}); above it the screen never acts")
    if cfg.costs.market.ready_accounts.enabled and not cfg.costs.market.enabled:
        raise _fail("costs.market.ready_accounts.enabled", True, "true only with costs.market.enabled=true")
    for ind in pol.link_analysis.ban_on:
        _check_choice("policy.link_analysis.ban_on", ind, INDICATORS)
    for ind in pol.link_analysis.review_on:
        _check_choice("policy.link_analysis.review_on", ind, INDICATORS)
    for ind in pol.sharing.indicators:
        _check_choice("policy.sharing.indicators", ind, INDICATORS)
    _check_choice("policy.sharing.action", pol.sharing.action, ("ban", "review"))
    _check_choice("policy.volume_cap.mode", pol.volume_cap.mode, ("throttle", "flag"))
    for j, p in enumerate(pol.sharing.participants):
        if not 0 <= p < n_prov:
            raise _fail(f"policy.sharing.participants[{j}]", p, f"a provider index in [0, {n_prov - 1}]")
    for k, v in cfg.costs.proxy_per_gb.items():
        _check_choice("costs.proxy_per_gb", k, PROXY_TYPES)
        if v < 0:
            raise _fail(f"costs.proxy_per_gb.{k}", v, "a number in [0, inf]")
    _check_choice("run.legit_resolution", cfg.run.legit_resolution, ("day", "hour"))
    rs = sc.resellers
    _check_choice("scenario.resellers.exit_type", rs.exit_type, PROXY_TYPES)
    if rs.enabled and not rs.provider < n_prov:
        raise _fail("scenario.resellers.provider", rs.provider, f"a provider index in [0, {n_prov - 1}]")
    route = cfg.attacker.resellers
    if route.base_share > route.max_share:
        raise _fail("attacker.resellers.base_share", route.base_share, f"at most attacker.resellers.max_share ({route.max_share:g})")
    for ind in pol.aggregate_reporting.cluster_on:
        _check_choice("policy.aggregate_reporting.cluster_on", ind, INDICATORS)
    for j, p in enumerate(pol.shutdown.providers):
        if not 0 <= p < n_prov:
            raise _fail(f"policy.shutdown.providers[{j}]", p, f"a provider index in [0, {n_prov - 1}]")
    return cfg


# Indicator types an account carries (link analysis, sharing).

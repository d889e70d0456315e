"""Validation of a composed config: every field's declared range or choices
(:mod:`.fields`), and every cross-field rule.

A bad value fails before a run starts, with a message that names the full
key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

from .domain import CAPABILITIES, PROXY_TYPES, TIERS
from .fields import ConfigError
from .policy import PolicyConfig, reference_score
from .schema import SimConfig, to_dict


def _fail(path: str, value: Any, allowed: str) -> ConfigError:
    return ConfigError(f"invalid config: {path}={value!r}; allowed: {allowed}")


def _check_range(path: str, value: Any, meta: dict) -> None:
    lo, hi = meta["range"]
    kind = "an integer" if meta.get("integer") else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(path, value, f"{kind} in [{lo}, {hi}]")
    if math.isnan(value) or not lo <= value <= hi or (meta.get("integer") and float(value) != int(value)):
        raise _fail(path, value, f"{kind} in [{lo}, {hi}]")


def _check_declared(path: str, value: Any, meta: dict) -> None:
    """A field's own declaration: its range or its choices, for each value of a dict or a list."""
    if isinstance(value, dict):
        items = [(f"{path}.{k}", v) for k, v in value.items()]
    elif isinstance(value, (list, tuple)):
        items = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
    else:
        items = [(path, value)]
    for sub, v in items:
        if "range" in meta:
            _check_range(sub, v, meta)
        elif meta.get("choices") is not None:
            _check_choice(sub, v, meta["choices"])


def _walk(obj: Any, path: str) -> None:
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            sub = f"{path}.{f.name}" if path else f.name
            _check_declared(sub, value, f.metadata)
            _walk(value, sub)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            _walk(item, f"{path}[{i}]")


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


def _check_usage_tiers(tiers: list, enabled: bool) -> None:
    """The first tier qualifies every account; each later one asks at least as much age and spend."""
    key = "policy.usage_tiers.tiers"
    if enabled and not tiers:
        raise _fail(key, [], "at least one tier when policy.usage_tiers.enabled=true")
    for name in ("min_age_days", "min_spend_usd"):
        values = [getattr(t, name) for t in tiers]
        if values and values[0] != 0:
            raise _fail(f"{key}[0].{name}", values[0], "0: the first tier is every new account's")
        for j in range(1, len(values)):
            if values[j] < values[j - 1]:
                raise _fail(f"{key}[{j}].{name}", values[j],
                            f"at least {key}[{j - 1}].{name}={values[j - 1]:g} (tiers in ascending order)")


MAX_WINDOW_DAYS = 730  # two years: a campaign, not a history (memory and time grow with it)


def _check_policy(pol: PolicyConfig, key: str, n_prov: int) -> None:
    """The cross-field rules of one control stack (``policy`` or ``outside_policy``, named by ``key``)."""
    _check_usage_tiers(pol.usage_tiers.tiers, pol.usage_tiers.enabled)
    pooled = pol.cluster_detector
    benign, distilled = (reference_score(r, pol.detector.weights) for r in (pooled.benign, pooled.distillation))
    if pooled.enabled and distilled <= benign:
        raise _fail(f"{key}.cluster_detector.distillation", to_dict(pooled.distillation),
                    f"traits scoring above those of {key}.cluster_detector.benign under {key}.detector.weights "
                    f"(they score {distilled:g} <= {benign:g})")
    gate = pol.identity_gating
    screen = gate.ownership_screen
    if gate.reverify_on_flag and not gate.enabled:
        raise _fail(f"{key}.identity_gating.reverify_on_flag", True, f"true only with {key}.identity_gating.enabled=true")
    if screen.enabled and not gate.enabled:
        raise _fail(f"{key}.identity_gating.ownership_screen.enabled", True, f"true only with {key}.identity_gating.enabled=true")
    if screen.enabled and TIERS.index(screen.min_tier) > TIERS.index(gate.tier):
        allowed = ", ".join(TIERS[: TIERS.index(gate.tier) + 1])
        raise _fail(f"{key}.identity_gating.ownership_screen.min_tier", screen.min_tier,
                    f"a tier at or below {key}.identity_gating.tier={gate.tier} ({allowed}); above it the screen never acts")
    for j, p in enumerate(pol.sharing.participants):
        if not 0 <= p < n_prov:
            raise _fail(f"{key}.sharing.participants[{j}]", p, f"a provider index in [0, {n_prov - 1}]")
    for j, p in enumerate(pol.shutdown.providers):
        if not 0 <= p < n_prov:
            raise _fail(f"{key}.shutdown.providers[{j}]", p, f"a provider index in [0, {n_prov - 1}]")


def _check_attacker_resolution(cfg: SimConfig) -> None:
    """What an operator advanced a day at a time cannot match hour by hour: refused, one line each.

    A day's requests are planned at its start and sent in one batch; a control or
    agent that changes what an hour's requests get within the day would need them
    hour by hour (the hourly caps and the silent throttle of aggregate reporting read each
    account's planned hours, so one hourly cap in a stack is allowed).
    """
    if cfg.run.attacker_resolution != "day":
        return
    why = "run.attacker_resolution=hour"
    if cfg.scenario.resellers.enabled:
        raise _fail("scenario.resellers.enabled", True, f"false with run.attacker_resolution=day (resellers carry "
                    f"operators' traffic hour by hour), or {why}")
    for key, pol in (("policy", cfg.policy), ("outside_policy", cfg.outside_policy)):
        tiers = pol.usage_tiers
        if not tiers.enabled:
            continue
        for j, t in enumerate(tiers.tiers):
            if t.min_age_days != int(t.min_age_days):
                raise _fail(f"{key}.usage_tiers.tiers[{j}].min_age_days", t.min_age_days,
                            f"a whole number of days with run.attacker_resolution=day (a tier reached within a day), "
                            f"or {why}")
        hourly = [j for j, t in enumerate(tiers.tiers) if math.isfinite(t.hourly_cap)]
        if hourly and pol.volume_cap.enabled and math.isfinite(pol.volume_cap.per_account_hour):
            raise _fail(f"{key}.usage_tiers.tiers[{hourly[0]}].hourly_cap", tiers.tiers[hourly[0]].hourly_cap,
                        f"inf while {key}.volume_cap.per_account_hour is finite with run.attacker_resolution=day "
                        f"(two hourly caps in one stack), or {why}")
        ready = cfg.costs.market.ready_accounts
        if cfg.costs.market.enabled and ready.enabled and ready.age_days != int(ready.age_days):
            raise _fail("costs.market.ready_accounts.age_days", ready.age_days,
                        f"a whole number of days with {key}.usage_tiers and run.attacker_resolution=day "
                        f"(a tier reached within a day), or {why}")


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
    if (end - start).days + 1 > MAX_WINDOW_DAYS:
        latest = start + dt.timedelta(days=MAX_WINDOW_DAYS - 1)
        raise _fail("scenario.end_date", sc.end_date, f"a date at most {MAX_WINDOW_DAYS} days after scenario.start_date "
                    f"(by {latest.isoformat()}): a campaign window of years is not what the model describes")
    if not sc.providers:
        raise _fail("scenario.providers", [], "at least one provider")
    n_prov = len(sc.providers)
    for i, op in enumerate(sc.operators):
        key = f"scenario.operators[{i}]"
        if len(op.provider_shares) != n_prov:
            raise _fail(f"{key}.provider_shares", op.provider_shares, f"one share per provider ({n_prov})")
        _check_sums_to_one(f"{key}.provider_shares", list(op.provider_shares))
        for cap in op.capability_mix:
            _check_choice(f"{key}.capability_mix", cap, CAPABILITIES)
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
    _check_policy(cfg.policy, "policy", n_prov)
    _check_policy(cfg.outside_policy, "outside_policy", n_prov)
    names = ", ".join(f"{i} ({p.name})" for i, p in enumerate(sc.providers))
    for j, p in enumerate(cfg.policy.binds or []):
        if not 0 <= p < n_prov:
            raise _fail(f"policy.binds[{j}]", p, f"a provider index of scenario.providers: {names}")
    if cfg.outside_policy.binds is not None:
        raise _fail("outside_policy.binds", cfg.outside_policy.binds,
                    "null (outside_policy is the stack of the providers policy.binds leaves out)")
    if cfg.costs.market.ready_accounts.enabled and not cfg.costs.market.enabled:
        raise _fail("costs.market.ready_accounts.enabled", True, "true only with costs.market.enabled=true")
    for k in cfg.costs.proxy_per_gb:
        _check_choice("costs.proxy_per_gb", k, PROXY_TYPES)
    rs = sc.resellers
    if rs.enabled and not rs.provider < n_prov:
        raise _fail("scenario.resellers.provider", rs.provider, f"a provider index in [0, {n_prov - 1}]")
    route = cfg.attacker.resellers
    if route.base_share > route.max_share:
        raise _fail("attacker.resellers.base_share", route.base_share, f"at most attacker.resellers.max_share ({route.max_share:g})")
    _check_attacker_resolution(cfg)
    for i, bg in enumerate(cfg.population.review_background):
        key = f"population.review_background[{i}]"
        if not 0 <= bg.provider < n_prov:
            raise _fail(f"{key}.provider", bg.provider, f"a provider index in [0, {n_prov - 1}]")
        if len(bg.priority) != len(bg.accounts_per_day):
            raise _fail(f"{key}.accounts_per_day", bg.accounts_per_day, f"one value per priority bin ({len(bg.priority)})")
    return cfg


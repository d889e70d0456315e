"""Global sensitivity: Sobol indices (Saltelli sampling, SALib) of the outputs to the unknowns.

The evaluation is pluggable: :func:`run_sobol` takes any function from a
table of sample points (one column per factor, values in the factor's own
units) to a table of outputs (one column per output, same rows). The
simulator's evaluator (:class:`SweepEvaluator`) writes each point as a Hydra
config file, runs them all as one multirun of the command line and reads the
collected table; the test evaluator is the Ishigami function, whose indices
are known (tests/test_sensitivity.py).

The factors (:data:`FACTORS`) are unknowns of CALIBRATION.md chosen by
config key; each samples the plausible range and carries the source declared
on its config field (:mod:`sim.config.roles`), so no range is written twice.
A categorical factor (the attacker strategy) is sampled on [0, k) and floored
to one of its k choices, a common way to put a switch into a variance
decomposition.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from sim.config.roles import declaration

Evaluator = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class Factor:
    """One uncertain input.

    Attributes:
        name: short label (used in tables and plots).
        lo, hi: its range (for a choice: ignored, the choices are used).
        key: the config key it sets (for the simulator), or a special key
            handled by :func:`point_config` (:data:`COMPOSITES`).
        source: where the range comes from (the field's source label and description).
        choices: for a categorical factor, its options.
    """

    name: str
    lo: float
    hi: float
    key: str = ""
    source: str = ""
    choices: tuple[str, ...] = field(default_factory=tuple)

    @property
    def bounds(self) -> list[float]:
        return [0.0, float(len(self.choices))] if self.choices else [float(self.lo), float(self.hi)]

    def value(self, u: float):
        """The factor's value at the sampled number ``u`` (a choice for categorical factors)."""
        if self.choices:
            return self.choices[min(int(math.floor(u)), len(self.choices) - 1)]
        return float(u)


# Special keys (:func:`point_config`): a factor that rewrites several config values, sampling the range declared
# on the field named here.
COMPOSITES: dict[str, str] = {
    "@attacker": "attacker.name",  # the strategy config group
    "@proxy_residential_share": "attacker.proxy_mix.residential_proxy",  # the rest split 2:1 mobile:datacenter
    "@vpn_share": "population.segments[*].vpn_share",  # every segment's share, scaled with the casual segment's
    "@demand_tail_alpha": "population.segments[*].demand_tail_alpha",  # every heavy-tailed segment's index
}


def factor(name: str, key: str) -> Factor:
    """The factor ``name`` over the plausible range (or options) declared on ``key``'s config field.

    Raises:
        ValueError: the field declares no plausible range.
    """
    d = declaration(COMPOSITES.get(key, key))
    if d.plausible is None:
        raise ValueError(f"factor {name!r}: {d.key} declares no plausible range; declare one on its field in sim/config/")
    source = f"{d.source}: {d.doc}" if d.source else (d.doc or "")
    if all(isinstance(x, str) for x in d.plausible):
        return Factor(name, 0, 0, key, source, tuple(d.plausible))
    lo, hi = d.plausible
    return Factor(name, lo, hi, key, source)


# The unknowns the answers are screened against, by config key (the CALIBRATION.md unknowns).
FACTORS: tuple[Factor, ...] = tuple(factor(name, key) for name, key in (
    ("attacker strategy", "@attacker"),
    ("residential-proxy detection recall", "policy.geo_filter.match_prob.residential_proxy"),
    ("datacenter/VPN IP detection recall", "policy.geo_filter.match_prob.datacenter"),
    ("residential share of attacker exits", "@proxy_residential_share"),
    ("detector noise (sd of score)", "policy.detector.noise_sd"),
    ("human review capacity per day", "policy.review.capacity_per_day"),
    ("replacement lead time (days)", "attacker.replacement_lead_days"),
    ("SMS-verified phone (USD)", "costs.identity.phone"),
    ("stolen/prepaid card (USD)", "costs.identity.payment"),
    ("fake identity document (USD)", "costs.identity.document"),
    ("residential proxy (USD/GB)", "costs.proxy_per_gb.residential_proxy"),
    ("bytes per exchange", "costs.bytes_per_exchange"),
    ("output price (USD/Mtok)", "costs.output_price_per_mtok"),
    ("input:output token ratio", "costs.input_output_ratio"),
    ("legit VPN share", "@vpn_share"),
    ("legit demand tail index (API users)", "@demand_tail_alpha"),
    ("phone verification drop-off", "costs.signup_dropoff.phone"),
))


def problem(factors: Sequence[Factor]) -> dict:
    """The SALib problem definition."""
    return {"num_vars": len(factors), "names": [f.name for f in factors], "bounds": [f.bounds for f in factors]}


def sample(factors: Sequence[Factor], n: int, seed: int = 0) -> tuple[np.ndarray, pd.DataFrame]:
    """Saltelli (Sobol-sequence) sample without second-order terms: ``n * (D + 2)`` points.

    Returns the raw matrix (for SALib) and the points in the factors' units.
    """
    if n < 2 or n & (n - 1):
        raise ValueError(f"n={n}: the Sobol sequence needs a power of two >= 2 (e.g. 8, 64, 1024)")
    raw = sobol_sample.sample(problem(factors), n, calc_second_order=False, seed=seed)
    points = pd.DataFrame({f.name: [f.value(u) for u in raw[:, j]] for j, f in enumerate(factors)})
    return raw, points


def indices(factors: Sequence[Factor], outputs: pd.DataFrame, seed: int = 0, resamples: int = 200) -> pd.DataFrame:
    """First-order and total Sobol indices with 95% bootstrap half-widths, long form.

    Columns: ``output``, ``parameter``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``, ``variance``.
    An output that does not vary gets NaN indices (nothing to apportion).
    """
    rows = []
    prob = problem(factors)
    for out in outputs.columns:
        y = outputs[out].to_numpy(dtype=float)
        var = float(np.nanvar(y))
        if not np.isfinite(y).all():
            raise ValueError(f"output {out!r} has {int((~np.isfinite(y)).sum())} missing values; "
                             "every sample point needs a value (re-run the failed points)")
        if var <= 1e-18 * max(1.0, float(np.mean(y)) ** 2):
            res = {k: np.full(len(factors), np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            res = sobol_analyze.analyze(prob, y, calc_second_order=False, num_resamples=resamples,
                                        conf_level=0.95, seed=seed)
        for j, f in enumerate(factors):
            rows.append({"output": out, "parameter": f.name, "S1": float(res["S1"][j]), "S1_conf": float(res["S1_conf"][j]),
                         "ST": float(res["ST"][j]), "ST_conf": float(res["ST_conf"][j]), "variance": var})
    return pd.DataFrame(rows)


def run_sobol(factors: Sequence[Factor], evaluate: Evaluator, n: int, seed: int = 0,
              resamples: int = 200) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Sample, evaluate, analyse: returns (points, outputs, indices)."""
    _, points = sample(factors, n, seed)
    outputs = evaluate(points)
    if len(outputs) != len(points):
        raise ValueError(f"the evaluator returned {len(outputs)} rows for {len(points)} points")
    return points, outputs.reset_index(drop=True), indices(factors, outputs.reset_index(drop=True), seed, resamples)


def hinge_sentence(idx: pd.DataFrame, strong: float = 0.1, weak: float = 0.05) -> str:
    """Which unknowns the conclusions hinge on (total index >= ``strong``), and which hardly matter.

    Judged on the total index ST (main effect plus interactions).
    """
    parts = []
    for out, g in idx.groupby("output", sort=False):
        if g["ST"].isna().all():
            parts.append(f"`{out}` did not vary over the ranges")
            continue
        top = g[g["ST"] >= strong].sort_values("ST", ascending=False)
        if top.empty:
            parts.append(f"`{out}` depends on no single unknown with a total index >= {strong:g}")
        else:
            names = ", ".join(f"{r.parameter} (ST {r.ST:.2f} +/- {r.ST_conf:.2f})" for r in top.itertuples())
            parts.append(f"`{out}` hinges on {names}")
    upper = (idx["ST"] + idx["ST_conf"]).groupby(idx["parameter"], sort=False).max()
    negligible = [p for p, v in upper.items() if np.isfinite(v) and v < weak]
    text = "; ".join(parts) + "."
    if negligible:
        text += (f" Over their ranges, {', '.join(negligible)} move no output by more than {weak:g} of its variance "
                 "(upper end of the total index's interval): the conclusions do not depend on them.")
    wide = float(np.nanmedian(idx["ST_conf"])) if idx["ST_conf"].notna().any() else 0.0
    if wide > 0.2:
        text = f"Screening only (median interval half-width {wide:.2f}; increase n): " + text
    return text


# --------------------------------------------------------------------------- the simulator's evaluator


def _set(tree: dict, dotted: str, value) -> None:
    node = tree
    parts = dotted.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


def point_config(factors: Sequence[Factor], row: pd.Series, segments: list[dict]) -> tuple[dict, list[str]]:
    """The config tree (to merge at the root) and the defaults overrides for one sample point.

    ``segments`` is the population's segment list (from ``conf/population/<name>.yaml``):
    segment-level factors rewrite the whole list, which a config file cannot patch element-wise.
    """
    tree: dict = {}
    defaults: list[str] = []
    segs = [dict(s) for s in segments]
    touched = False
    for f in factors:
        v = row[f.name]
        if f.key == "@attacker":
            defaults.append(f"override /attacker: {v}")
        elif f.key == "@proxy_residential_share":
            # The rest of the exits keep the default 2:1 mobile:datacenter split.
            _set(tree, "attacker.proxy_mix", {"residential_proxy": v, "mobile_proxy": (1 - v) * 2 / 3,
                                              "datacenter": (1 - v) / 3})
        elif f.key == "@vpn_share":
            # Scale every segment's VPN share so the casual segment's (the field's default without one) equals v.
            default = declaration(COMPOSITES["@vpn_share"]).value
            base = next((s["vpn_share"] for s in segs if s.get("name") == "casual"), default) or default
            for s in segs:
                s["vpn_share"] = min(s["vpn_share"] * v / base, 1.0 - s.get("cgnat_share", 0.0))
            touched = True
        elif f.key == "@demand_tail_alpha":
            for s in segs:
                if s.get("demand_tail_alpha", 0) > 0:
                    s["demand_tail_alpha"] = v
            touched = True
        else:
            _set(tree, f.key, v)
    if touched:
        _set(tree, "population.segments", segs)
    return tree, defaults


def _flatten(tree: dict, prefix: str = "") -> dict:
    flat: dict = {}
    for k, v in tree.items():
        if isinstance(v, dict):
            flat.update(_flatten(v, f"{prefix}{k}."))
        else:
            flat[f"{prefix}{k}"] = v
    return flat


def match_points(trees: Sequence[tuple[dict, list[str]]], runs: pd.DataFrame) -> list[int | None]:
    """For each sample point (its config tree and defaults), the row of ``runs`` that ran it, by value.

    Matching by config values rather than by the point's name: two points whose
    configs are identical (a factor that changes nothing in this setting, e.g. a
    population factor without a population) are one run, recorded under one name.
    The latest matching run wins; None when no run matches.
    """
    seg_col = runs["population.segments"].map(lambda s: json.loads(s) if isinstance(s, str) else []) \
        if "population.segments" in runs.columns else None
    order = runs["prov.finished_at"].fillna("") if "prov.finished_at" in runs.columns else pd.Series(range(len(runs)))
    found: list[int | None] = []
    for tree, defaults in trees:
        mask = np.ones(len(runs), dtype=bool)
        flat = _flatten({k: v for k, v in tree.items() if k != "population"})
        flat.update(_flatten({"population": {k: v for k, v in tree.get("population", {}).items() if k != "segments"}}))
        for key, value in flat.items():
            if key not in runs.columns:
                mask[:] = False
                break
            col = runs[key]
            if isinstance(value, str):
                mask &= (col == value).to_numpy()
            else:
                mask &= np.isclose(pd.to_numeric(col, errors="coerce").to_numpy(float), float(value), rtol=1e-9, atol=0)
        for d in defaults:
            if d.startswith("override /attacker:"):
                mask &= (runs["attacker.name"] == d.split(":", 1)[1].strip()).to_numpy()
        segs = tree.get("population", {}).get("segments")
        if segs is not None and seg_col is not None:
            want = [(s.get("vpn_share"), s.get("demand_tail_alpha")) for s in segs]
            mask &= seg_col.map(lambda got, want=want: len(got) == len(want) and all(
                math.isclose(g.get("vpn_share", -1), w[0], rel_tol=1e-9) and
                math.isclose(g.get("demand_tail_alpha", -1), w[1], rel_tol=1e-9) for g, w in zip(got, want, strict=True))
            ).to_numpy(bool)
        hits = np.flatnonzero(mask)
        found.append(None if hits.size == 0 else int(hits[np.argmax(order.to_numpy()[hits])]))
    return found


def write_point_file(path: Path, tree: dict, defaults: list[str]) -> None:
    """A Hydra config (``@package _global_``) that sets one sample point."""
    from omegaconf import OmegaConf

    body = OmegaConf.to_yaml(OmegaConf.create(tree))
    head = "# @package _global_\n# One sample point of a sensitivity analysis (experiments/sensitivity.py).\n"
    if defaults:
        head += "defaults:\n" + "".join(f"  - {d}\n" for d in defaults)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(head + body, encoding="utf-8")
    tmp.replace(path)

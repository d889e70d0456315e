"""Global sensitivity: Morris screening or Sobol indices (SALib) of the outputs to the unknowns.

The evaluation is pluggable: :func:`run_sobol` takes any function from a
table of sample points (one column per factor, values in the factor's own
units) to a table of outputs (one column per output, same rows). The
simulator's evaluator (:class:`SweepEvaluator`) writes each point as a Hydra
config file, runs them all as one multirun of the command line and reads the
collected table; the test evaluator is the Ishigami function, whose indices
are known (tests/test_sensitivity.py).

The factors are generated from the declarations (:mod:`sim.config.roles`):
:data:`SELECTION` lists the config keys screened (each an uncertainty or an
attacker strategy), and :func:`declared_factors` reads each one's plausible
range, source and type from its field, so no range is written twice. Encodings:

- a categorical factor (the attacker's strategy preset) is sampled on [0, k)
  and floored to one of its k choices, a common way to put a switch into a
  variance decomposition or a Morris design;
- a positive range spanning a factor of ten or more (budget, supplies, pace)
  is sampled on a log scale: its order of magnitude is what is unknown;
- an integer factor (accounts per identity) is rounded to the nearest integer.

:func:`run_morris` (elementary effects, the screening method) and
:func:`run_sobol` (variance shares, for real use at n >= 64) take the same
factors and evaluators; :func:`policy_sentence` states what one policy's
answers hinge on from either's table.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from sim.config.fields import STRATEGY, UNCERTAINTY
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
        log: sampled on a log scale (the sampled number is ``ln(value)``).
        integer: rounded to the nearest integer.
    """

    name: str
    lo: float
    hi: float
    key: str = ""
    source: str = ""
    choices: tuple[str, ...] = field(default_factory=tuple)
    log: bool = False
    integer: bool = False

    @property
    def bounds(self) -> list[float]:
        """The interval the samplers draw from (``[ln lo, ln hi]`` for a log-scale factor)."""
        if self.choices:
            return [0.0, float(len(self.choices))]
        if self.log:
            return [math.log(self.lo), math.log(self.hi)]
        return [float(self.lo), float(self.hi)]

    def value(self, u: float):
        """The factor's value at the sampled number ``u`` (a choice for categorical factors)."""
        if self.choices:
            return self.choices[min(int(math.floor(u)), len(self.choices) - 1)]
        # exp() of a bound can land a rounding error outside the declared range: clip to it
        v = min(max(math.exp(u), self.lo), self.hi) if self.log else float(u)
        return int(round(v)) if self.integer else v

    def describe(self) -> str:
        """Its range as a report states it: the choices, or ``lo - hi`` with its encoding."""
        if self.choices:
            return " / ".join(self.choices)
        from .tables import fmt_number

        notes = [note for note, on in (("integer", self.integer), ("log scale", self.log)) if on]
        return f"{fmt_number(self.lo)} - {fmt_number(self.hi)}" + (f" ({', '.join(notes)})" if notes else "")


# Special keys (:func:`point_config`): a factor that rewrites several config values, sampling the range declared
# on the field named here.
COMPOSITES: dict[str, str] = {
    "@attacker": "attacker.name",  # the strategy config group
    "@vpn_share": "population.segments[*].vpn_share",  # every segment's share, scaled with the casual segment's
    "@demand_tail_alpha": "population.segments[*].demand_tail_alpha",  # every heavy-tailed segment's index
}


# A positive plausible range at least this wide (hi / lo) is sampled on a log scale by :func:`declared_factors`.
LOG_SPAN = 10.0


def factor(name: str, key: str, log_wide: bool = False) -> Factor:
    """The factor ``name`` over the plausible range (or options) declared on ``key``'s config field.

    ``log_wide``: sample a positive range spanning :data:`LOG_SPAN` or more on a log scale.
    An integer field gives an integer factor.

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
    log = log_wide and lo > 0 and hi / lo >= LOG_SPAN
    return Factor(name, lo, hi, key, source, log=log, integer=d.integer)


# The keys screened (label, config key, whether it acts only on the legitimate population): the
# uncertainties and attacker strategy knobs the answers may hinge on. Ranges, scales and sources come from
# the declarations (:func:`declared_factors`); levers are not here, a policy sets them. The planned pace
# (attacker.pace_per_account_day, 1-500) is left out of the screening: at 1 exchange per account-day the
# fleet runs to 10^5-10^6 accounts and one run takes 30-40 s instead of 1-3 s (measured 2026-12-01), so the
# points at its lowest level would take most of a screening's time; its effect is the best-response search's
# subject (experiments/best_response.py). Add it here for a run on a cluster.
SELECTION: tuple[tuple[str, str, bool], ...] = (
    ("attacker strategy preset", "@attacker", False),
    ("pace above plan before opening more (x)", "attacker.max_pace_multiplier", False),
    ("spare fleet fraction", "attacker.spare_fraction", False),
    ("accounts per identity", "attacker.accounts_per_identity", False),
    ("replacement lead time (days)", "attacker.replacement_lead_days", False),
    ("campaign budget (USD)", "scenario.operators[0].budget_usd", False),
    ("passable documents per day", "policy.identity_gating.supply_per_day.document", False),
    ("fake document pass rate", "policy.identity_gating.fake_document_pass_rate", False),
    ("fake document price (USD)", "costs.identity.document", False),
    ("ready-made accounts per day (document tier)", "costs.market.ready_accounts.capacity_per_day.document", False),
    ("ready-made account price (USD, document tier)", "costs.market.ready_accounts.price_per_account.document", False),
    ("detector noise (sd of score)", "policy.detector.noise_sd", False),
    ("review noise (sd of score)", "policy.review.noise_sd", False),
    ("residential-proxy detection recall", "policy.geo_filter.match_prob.residential_proxy", False),
    ("output price (USD/Mtok)", "costs.output_price_per_mtok", False),
    ("input:output token ratio", "costs.input_output_ratio", False),
    ("legit VPN share", "@vpn_share", True),
    ("legit demand tail index (API users)", "@demand_tail_alpha", True),
    ("phone verification drop-off", "costs.signup_dropoff.phone", True),
)

# The roles a screened key may have: what we do not know, and what the operator chooses.
SCREENED_ROLES = (UNCERTAINTY, STRATEGY)


def declared_factors(selection: Sequence[tuple[str, str, bool]] = SELECTION, population: bool = True) -> tuple[Factor, ...]:
    """The factors of ``selection`` from their declarations: each over its declared plausible range,
    wide positive ranges on a log scale (:data:`LOG_SPAN`), integers rounded.

    ``population``: whether the runs have a legitimate population; without one the factors acting only on it
    are left out (they would move nothing).

    Raises:
        ValueError: a key that is neither an uncertainty nor a strategy, or declares no plausible range
            (one line, naming the key).
    """
    out = []
    for name, key, legit_only in selection:
        if legit_only and not population:
            continue
        d = declaration(COMPOSITES.get(key, key))
        if d.role not in SCREENED_ROLES:
            raise ValueError(f"factor {name!r}: {d.key} is a {d.role}, not one of {', '.join(SCREENED_ROLES)}; "
                             "a policy's levers are set by the policy, not screened")
        out.append(factor(name, key, log_wide=True))
    return tuple(out)


# Every screened factor (with the population): the ranges tests check against the declarations.
FACTORS: tuple[Factor, ...] = declared_factors()


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

    Columns: ``output``, ``parameter``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``, ``variance``, ``undefined``
    (points where the output has no value). An output that does not vary, or has no value at some point
    (e.g. the cost per exchange of a run that harvested nothing), gets NaN indices.
    """
    rows = []
    prob = problem(factors)
    for out in outputs.columns:
        y = outputs[out].to_numpy(dtype=float)
        var = float(np.nanvar(y))
        undefined = int((~np.isfinite(y)).sum())
        if undefined or var <= 1e-18 * max(1.0, float(np.mean(y)) ** 2):
            res = {k: np.full(len(factors), np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            res = sobol_analyze.analyze(prob, y, calc_second_order=False, num_resamples=resamples,
                                        conf_level=0.95, seed=seed)
        for j, f in enumerate(factors):
            rows.append({"output": out, "parameter": f.name, "S1": float(res["S1"][j]), "S1_conf": float(res["S1_conf"][j]),
                         "ST": float(res["ST"][j]), "ST_conf": float(res["ST_conf"][j]), "variance": var,
                         "undefined": undefined})
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


def morris_sample(factors: Sequence[Factor], trajectories: int, seed: int = 0,
                  levels: int = 4) -> tuple[np.ndarray, pd.DataFrame]:
    """Morris one-at-a-time design (SALib): ``trajectories * (D + 1)`` points on a ``levels``-level grid.

    Returns the raw matrix (for SALib) and the points in the factors' units. With 4 levels each step moves
    a factor by 2/3 of its sampled interval, so a two-way choice or a threshold at mid-range always flips.
    """
    from SALib.sample import morris as morris_design

    if trajectories < 2:
        raise ValueError(f"trajectories={trajectories}: Morris needs at least 2 (10-20 screen, 50+ rank closely)")
    raw = morris_design.sample(problem(factors), trajectories, num_levels=levels, seed=seed)
    points = pd.DataFrame({f.name: [f.value(u) for u in raw[:, j]] for j, f in enumerate(factors)})
    return raw, points


def morris_indices(factors: Sequence[Factor], raw: np.ndarray, outputs: pd.DataFrame, seed: int = 0,
                   resamples: int = 200, levels: int = 4) -> pd.DataFrame:
    """Morris statistics per output and factor, long form.

    Columns: ``output``, ``parameter``, ``mu_star`` (mean absolute elementary effect: the output's change, in
    its own units, when the factor moves 2/3 of its sampled interval, divided by 2/3), ``mu_star_conf`` (95% bootstrap
    half-width), ``mu``, ``sigma`` (spread of the effects: interactions or non-linearity), ``undefined``.
    An output that does not vary or lacks a value somewhere gets NaN statistics.
    """
    from SALib.analyze import morris as morris_analyze

    rows = []
    prob = problem(factors)
    for out in outputs.columns:
        y = outputs[out].to_numpy(dtype=float)
        undefined = int((~np.isfinite(y)).sum())
        if undefined or np.nanmax(y) - np.nanmin(y) <= 1e-12 * max(1.0, abs(float(np.nanmean(y)))):
            res = {k: np.full(len(factors), np.nan) for k in ("mu_star", "mu_star_conf", "mu", "sigma")}
        else:
            res = morris_analyze.analyze(prob, raw, y, num_resamples=resamples, conf_level=0.95, num_levels=levels,
                                         seed=seed)
        for j, f in enumerate(factors):
            rows.append({"output": out, "parameter": f.name, "mu_star": float(res["mu_star"][j]),
                         "mu_star_conf": float(res["mu_star_conf"][j]), "mu": float(res["mu"][j]),
                         "sigma": float(res["sigma"][j]), "undefined": undefined})
    return pd.DataFrame(rows)


def run_morris(factors: Sequence[Factor], evaluate: Evaluator, trajectories: int, seed: int = 0,
               resamples: int = 200) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Sample, evaluate, analyse with Morris: returns (points, outputs, statistics)."""
    raw, points = morris_sample(factors, trajectories, seed)
    outputs = evaluate(points).reset_index(drop=True)
    if len(outputs) != len(points):
        raise ValueError(f"the evaluator returned {len(outputs)} rows for {len(points)} points")
    return points, outputs, morris_indices(factors, raw, outputs, seed, resamples)


def measure(idx: pd.DataFrame) -> tuple[str, str]:
    """The importance column of an index table and its interval column: Morris ``mu_star`` or Sobol ``ST``."""
    return ("mu_star", "mu_star_conf") if "mu_star" in idx.columns else ("ST", "ST_conf")


def policy_sentence(policy: str, idx: pd.DataFrame, labels: dict[str, str] | None = None, share: float = 0.5) -> str:
    """One sentence on what ``policy``'s answers hinge on, from its index table (Morris or Sobol).

    For each output: the factor with the largest importance (mu* or ST) and any other within ``share`` of it,
    with their values and intervals, and for Morris the direction where the effects agree on one (a signed
    mean mu at least 0.8 of mu*); an output that did not vary, or lacks values, is said to. ``labels``
    names the outputs (default: their keys).
    """
    col, conf = measure(idx)
    unit = "mu*" if col == "mu_star" else "ST"
    parts = []
    for out, g in idx.groupby("output", sort=False):
        name = (labels or {}).get(out, out)
        if g["undefined"].max() > 0:
            parts.append(f"{name} has no value at {int(g['undefined'].max())} points (not analysed)")
            continue
        if g[col].isna().all():
            parts.append(f"{name} did not vary over the ranges")
            continue
        g = g.sort_values(col, ascending=False)
        top = g[g[col] >= share * g[col].iloc[0]]
        items = [f"{r.parameter} [{unit} {_num(getattr(r, col))} +/- {_num(getattr(r, conf))}{_direction(r, col)}]"
                 for r in top.itertuples()]
        parts.append(f"{name} hinges on {_join(items)}")
    return f"Under `{policy}`, " + "; ".join(parts) + "."


# The Sobol base size documented for real use (indices to about +/-0.1).
SOBOL_REAL_N = 64


def screening_note(method: str, n: int) -> str:
    """What a result of this method and size can be used for (a warning at screening size)."""
    if method == "morris":
        return (f"Screening only: Morris with {n} trajectories ranks the unknowns by mu*; it does not apportion "
                "variance, and factors whose intervals overlap are not ranked apart. Use --method sobol "
                f"--n {SOBOL_REAL_N} --population default before quoting an index.")
    if n < SOBOL_REAL_N:
        return (f"Screening only: Sobol with n = {n}; the intervals span much of [0, 1]. Read the order of the "
                f"leaders at most, and use --n {SOBOL_REAL_N} or more before quoting an index.")
    return f"Sobol with n = {n}: judge the ranking by the intervals."


def _direction(row, col: str) -> str:
    mu = getattr(row, "mu", None)
    if col != "mu_star" or mu is None or not np.isfinite(mu) or not getattr(row, col) > 0:
        return ""
    ratio = mu / getattr(row, col)
    return "; the output rises with it" if ratio >= 0.8 else "; the output falls as it rises" if ratio <= -0.8 else \
        "; no single direction"


def _num(v: float) -> str:
    from .tables import fmt_number

    return f"{v:.2f}" if abs(v) < 10 else fmt_number(v)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --------------------------------------------------------------------------- the simulator's evaluator


def _set(tree: dict, dotted: str, value) -> None:
    node = tree
    parts = dotted.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


_LIST_ITEM = re.compile(r"^(?P<path>[\w.]+)\[(?P<i>\d+)\]\.(?P<rest>[\w.]+)$")


def point_config(factors: Sequence[Factor], row: pd.Series, lists: dict[str, list]) -> tuple[dict, list[str]]:
    """The config tree (to merge at the root) and the defaults overrides for one sample point.

    ``lists`` holds the config's lists that factors patch, by path, as their YAML has them
    (``population.segments`` from ``conf/population/<name>.yaml``, ``scenario.operators`` from the
    scenario's): a config file cannot patch a list element-wise, so a patched list is rewritten whole.
    A list-item factor names its item by index (``scenario.operators[0].budget_usd``).
    """
    tree: dict = {}
    defaults: list[str] = []
    patched: dict[str, list] = {}

    def items(path: str) -> list:
        if path not in lists:
            raise KeyError(f"no list {path} to patch (give it in lists)")
        return patched.setdefault(path, json.loads(json.dumps(lists[path])))

    for f in factors:
        v = row[f.name]
        v = v.item() if hasattr(v, "item") else v
        m = _LIST_ITEM.match(f.key)
        if f.key == "@attacker":
            defaults.append(f"override /attacker: {v}")
        elif f.key == "@vpn_share":
            # Scale every segment's VPN share so the casual segment's (the field's default without one) equals v.
            segs = items("population.segments")
            default = declaration(COMPOSITES["@vpn_share"]).value
            base = next((s["vpn_share"] for s in segs if s.get("name") == "casual"), default) or default
            for s in segs:
                s["vpn_share"] = min(s["vpn_share"] * v / base, 1.0 - s.get("cgnat_share", 0.0))
        elif f.key == "@demand_tail_alpha":
            for s in items("population.segments"):
                if s.get("demand_tail_alpha", 0) > 0:
                    s["demand_tail_alpha"] = v
        elif m:
            _set(items(m["path"])[int(m["i"])], m["rest"], v)
        else:
            _set(tree, f.key, v)
    for path, value in patched.items():
        _set(tree, path, value)
    return tree, defaults


def _flatten(tree: dict, prefix: str = "") -> dict:
    flat: dict = {}
    for k, v in tree.items():
        if isinstance(v, dict):
            flat.update(_flatten(v, f"{prefix}{k}."))
        else:
            flat[f"{prefix}{k}"] = v
    return flat


def _same(want, got) -> bool:
    """Whether a recorded value ``got`` has what ``want`` sets (dict entries ``want`` lacks are ignored)."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and _same(v, got[k]) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(_same(w, g) for w, g in zip(want, got, strict=True))
    if isinstance(want, (bool, str)) or want is None:
        return want == got
    return isinstance(got, (int, float)) and math.isclose(float(got), float(want), rel_tol=1e-9)


def match_points(trees: Sequence[tuple[dict, list[str]]], runs: pd.DataFrame) -> list[int | None]:
    """For each sample point (its config tree and defaults), the row of ``runs`` that ran it, by value.

    Matching by config values rather than by the point's name: two points whose
    configs are identical (a factor that changes nothing in this setting) are one
    run, recorded under one name. A rewritten list (segments, operators) matches
    the recorded list (JSON) on the entries the point sets. The latest matching
    run wins; None when no run matches.
    """
    order = runs["prov.finished_at"].fillna("") if "prov.finished_at" in runs.columns else pd.Series(range(len(runs)))
    parsed: dict[str, list] = {}
    found: list[int | None] = []
    for tree, defaults in trees:
        mask = np.ones(len(runs), dtype=bool)
        for key, value in _flatten(tree).items():
            if key not in runs.columns:
                mask[:] = False
                break
            col = runs[key]
            if isinstance(value, list):
                if key not in parsed:
                    parsed[key] = [json.loads(x) if isinstance(x, str) else x for x in col]
                mask &= np.array([_same(value, got) for got in parsed[key]], dtype=bool)
            elif isinstance(value, str):
                mask &= (col == value).to_numpy()
            else:
                mask &= np.isclose(pd.to_numeric(col, errors="coerce").to_numpy(float), float(value), rtol=1e-9, atol=0)
        for d in defaults:
            if d.startswith("override /attacker:"):
                mask &= (runs["attacker.name"] == d.split(":", 1)[1].strip()).to_numpy()
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

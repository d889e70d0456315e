"""Scenario discovery: under which combinations of the unknowns does a policy reach a target?

The computation behind ``experiments/discover.py``, on saved results only (it never runs
the simulator):

- :func:`lhs_design`: a Latin-hypercube sample of the factors over their declared
  plausible ranges (:func:`experiments.analysis.sensitivity.factor`, so no range is
  written twice);
- :func:`point_overrides`: one sample point as Hydra overrides for a sweep point file
  (list items, e.g. ``scenario.operators[0].budget_usd``, rewrite the scenario's whole
  list, which a config file cannot patch element-wise);
- :func:`success`: which runs reach the target, the comparison taken from the outcome's
  declared direction (``>=`` where higher is better for the defender, ``<=`` where lower is);
- :func:`find_boxes`: PRIM (EMA Workbench) boxes, each chosen on its peeling trajectory as
  the box with the best balance of coverage and density among those whose density reaches the
  density threshold, with its limits
  on the restricted factors, and :func:`box_sentence` stating it in plain words;
- :func:`cart_rules`: a shallow classification tree (scikit-learn) as a cross-check;
- :func:`tradeoff_figure`, :func:`limits_figure`: the peeling trade-off and the box limits.

Coverage: the share of all runs reaching the target that fall in the box; density: the
share of the box's runs that reach it; mass: the share of all runs in the box.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.record import outcomes as registry

from .sensitivity import Factor, factor

# The default factors (label, config key): the identity supply and the gate's pass rate, the ready-made
# account market, the campaign's budget, and the detector's and review's noise.
DEFAULT_FACTORS: tuple[tuple[str, str], ...] = (
    ("passable documents per day", "policy.identity_gating.supply_per_day.document"),
    ("fake document pass rate", "policy.identity_gating.fake_document_pass_rate"),
    ("fake document price (USD)", "costs.identity.document"),
    ("ready-made document-tier accounts per day", "costs.market.ready_accounts.capacity_per_day.document"),
    ("ready-made document-tier account price (USD)", "costs.market.ready_accounts.price_per_account.document"),
    ("campaign budget (USD)", "scenario.operators[0].budget_usd"),
    ("detector noise (sd of score)", "policy.detector.noise_sd"),
    ("review noise (sd of score)", "policy.review.noise_sd"),
)


def factors(keys: Sequence[str] | None = None) -> tuple[Factor, ...]:
    """The factors for ``keys`` (config keys; default :data:`DEFAULT_FACTORS`), over their plausible ranges.

    A key of the default set keeps its label; any other is labelled by its key.
    """
    labels = {k: name for name, k in DEFAULT_FACTORS}
    chosen = [k for _, k in DEFAULT_FACTORS] if keys is None else list(keys)
    return tuple(factor(labels.get(k, k), k) for k in chosen)


def lhs_design(fs: Sequence[Factor], n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` Latin-hypercube points, one column per factor (by name), in the factors' own units.

    A categorical factor takes one of its choices, each an equal share of the unit interval.
    """
    from scipy.stats import qmc

    if n < 2:
        raise ValueError(f"n={n}: a design needs at least 2 points")
    u = qmc.LatinHypercube(d=len(fs), seed=seed).random(n)
    cols = {}
    for j, f in enumerate(fs):
        lo, hi = f.bounds
        cols[f.name] = [f.value(lo + (hi - lo) * v) for v in u[:, j]]
    return pd.DataFrame(cols)


_LIST_ITEM = re.compile(r"^(?P<path>[\w.]+)\[(?P<i>\d+)\]\.(?P<rest>[\w.]+)$")


def point_overrides(fs: Sequence[Factor], row: pd.Series, lists: dict[str, list]) -> list[str]:
    """The Hydra overrides (``key=value``) that set one design point.

    ``lists``: the config's lists that list-item factors patch, by path (e.g.
    ``scenario.operators`` as the scenario's YAML has it); the whole patched list is set.
    """
    import json

    out: list[str] = []
    patched: dict[str, list] = {}
    for f in fs:
        value = row[f.name]
        m = _LIST_ITEM.match(f.key)
        if m:
            path = m["path"]
            if path not in lists:
                raise KeyError(f"{f.key}: no list {path} to patch (give it in lists)")
            items = patched.setdefault(path, json.loads(json.dumps(lists[path])))
            node = items[int(m["i"])]
            *parents, leaf = m["rest"].split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = _plain(value)
        else:
            out.append(f"{f.key}={_text(value)}")
    for path, items in patched.items():
        out.append(f"{path}={_text(items)}")
    return out


def _plain(v):
    return v.item() if hasattr(v, "item") else v


def _text(v) -> str:
    v = _plain(v)
    if isinstance(v, float):
        return "inf" if math.isinf(v) else repr(v)
    if isinstance(v, (list, dict)):
        from omegaconf import OmegaConf

        return _flow(OmegaConf.to_container(OmegaConf.create({"v": v}))["v"])
    return str(v)


def _flow(v) -> str:
    """A value in Hydra's override grammar (flow style: ``[{a: 1}, {b: x}]``)."""
    if isinstance(v, dict):
        return "{" + ",".join(f"{k}:{_flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(_flow(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "inf" if math.isinf(v) and v > 0 else ("-inf" if math.isinf(v) else repr(v))
    if v is None:
        return "null"
    if isinstance(v, str) and not re.fullmatch(r"[A-Za-z_][\w\-]*|\d{4}-\d{2}-\d{2}", v):
        return "'" + v.replace("'", "\\'") + "'"
    return str(v)


@dataclass(frozen=True)
class Target:
    """What counts as success: ``outcome`` compared with ``threshold`` in the declared better direction."""

    outcome: str
    threshold: float
    above: bool

    @classmethod
    def declared(cls, outcome: str, threshold: float, above: bool | None = None) -> Target:
        """The target, ``>=`` if higher is better for the defender, ``<=`` if lower is.

        Raises:
            KeyError: an undeclared outcome.
            ValueError: a descriptive outcome (no better direction) without ``above``.
        """
        o = registry.get(outcome)
        if above is None:
            if o.direction == registry.NONE:
                raise ValueError(f"outcome {outcome!r} has no better direction: say --above or --below")
            above = o.direction == registry.HIGHER
        return cls(outcome, float(threshold), above)

    @property
    def sign(self) -> str:
        return "≥" if self.above else "≤"

    def text(self) -> str:
        o = registry.find(self.outcome)
        label = o.label if o is not None else self.outcome
        return f"{label} {self.sign} {self.threshold:g}"


def success(values: pd.Series | np.ndarray, target: Target) -> np.ndarray:
    """Which runs reach the target (a missing value never does)."""
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        hit = v >= target.threshold if target.above else v <= target.threshold
    return hit & np.isfinite(v)


@dataclass(frozen=True)
class Box:
    """One PRIM box at its chosen point on the peeling trajectory.

    Attributes:
        index: the box's position on its trajectory.
        coverage, density, mass: as in the module docstring.
        limits: for each restricted factor, ``(lo, hi)`` (numbers) or the kept choices (a tuple of str).
        ranges: each restricted factor's full range in the design (same form).
        qp: each restriction's quasi-p value (the larger of its two sides'): the chance of a density
            this high from the restriction alone were the factor irrelevant.
        trajectory: the peeling trajectory (coverage, density, mass, res_dim per step).
        prim_box: EMA's PrimBox (for the figures).
    """

    index: int
    coverage: float
    density: float
    mass: float
    limits: dict
    ranges: dict
    qp: dict
    trajectory: pd.DataFrame
    prim_box: object


def find_boxes(x: pd.DataFrame, y: np.ndarray, density: float = 0.8, max_boxes: int = 2, peel_alpha: float = 0.05,
               mass_min: float = 0.05, significance: float = 0.05) -> list[Box]:
    """PRIM boxes of ``y`` (true: the run reaches the target) over the factors ``x``, at most ``max_boxes``.

    Each box is the point of its peeling trajectory, among those whose density reaches
    ``density``, with the best balance of coverage and density (their harmonic mean; the
    densest point if none reaches it); then each restriction whose quasi-p value (Bryant and
    Lempert 2010, a one-sided binomial test) exceeds ``significance`` is dropped, least
    significant first, where the density stays at least ``density``: peeling a small sample
    also trims factors that make no difference, and a box should name only those that do.
    Boxes after the first cover the cases the earlier ones left. Returns [] when every
    run, or none, reaches the target.
    """
    import logging

    from ema_workbench.analysis import prim

    y = np.asarray(y, dtype=int)
    if y.min() == y.max():
        return []
    logging.getLogger("EMA").setLevel(logging.WARNING)
    p = prim.Prim(x.reset_index(drop=True), y, threshold=density, peel_alpha=peel_alpha, mass_min=mass_min)
    boxes = []
    for _ in range(max_boxes):
        box = p.find_box()
        if box is None:
            break
        traj = box.peeling_trajectory
        if traj["res_dim"].max() == 0:  # a dump box: PRIM found nothing dense enough
            break
        ok = traj[traj["density"] >= density]
        balance = 2 * ok["coverage"] * ok["density"] / (ok["coverage"] + ok["density"])
        i = int(balance.idxmax()) if not ok.empty else int(traj["density"].idxmax())
        box.select(i)
        i = _drop_insignificant(box, significance, float(traj.at[i, "density"]) if ok.empty else density)
        traj = box.peeling_trajectory
        limits, ranges = _restricted(box.box_lims[i], p.box_init)
        qp = {name: max(v for v in sides if v >= 0) for name, sides in box.qp[i].items() if any(v >= 0 for v in sides)}
        boxes.append(Box(i, float(traj.at[i, "coverage"]), float(traj.at[i, "density"]), float(traj.at[i, "mass"]),
                         limits, ranges, {k: float(qp.get(k, np.nan)) for k in limits}, traj.copy(), box))
        if float(traj.at[i, "density"]) < density:
            break
    return boxes


def _drop_insignificant(box, significance: float, density: float) -> int:
    """Drop the selected box's restrictions whose quasi-p value is above ``significance``, least
    significant first, each only if the box's density stays at least ``density``; return the box's index."""
    tried: set[str] = set()
    while True:
        i = box._cur_box
        qps = {name: max(v for v in sides if v >= 0) for name, sides in box.qp[i].items()
               if any(v >= 0 for v in sides) and name not in tried}
        weak = {name: q for name, q in qps.items() if q > significance}
        if not weak:
            return i
        name = max(weak, key=weak.get)
        tried.add(name)
        box.drop_restriction(name)
        if box.peeling_trajectory.at[box._cur_box, "density"] < density:
            box.select(i)  # that restriction is needed for the density: keep it


def _restricted(lim: pd.DataFrame, init: pd.DataFrame) -> tuple[dict, dict]:
    limits, ranges = {}, {}
    for col in lim.columns:
        lo, hi = lim[col].iloc[0], lim[col].iloc[1]
        ilo, ihi = init[col].iloc[0], init[col].iloc[1]
        if isinstance(lo, set):
            if set(lo) != set(ilo):
                limits[col], ranges[col] = tuple(sorted(lo)), tuple(sorted(ilo))
        elif lo > ilo or hi < ihi:
            limits[col], ranges[col] = (float(lo), float(hi)), (float(ilo), float(ihi))
    return limits, ranges


def limit_words(name: str, limit, full) -> str:
    """One restriction in words: ``name < X``, ``name > X``, ``X <= name <= Y`` or ``name is a or b``."""
    from .tables import fmt_number

    if isinstance(limit, tuple) and limit and isinstance(limit[0], str):
        return f"{name} is {' or '.join(limit)}"
    lo, hi = limit
    flo, fhi = full
    if lo > flo and hi < fhi:
        return f"{fmt_number(lo)} ≤ {name} ≤ {fmt_number(hi)}"
    if hi < fhi:
        return f"{name} ≤ {fmt_number(hi)}"
    return f"{name} ≥ {fmt_number(lo)}"


def box_sentence(policy: str, target: Target, box: Box, significance: float = 0.05) -> str:
    """The box in plain words: what the policy achieves, only under which conditions, and how reliably.

    Restrictions supported by their quasi-p value (at most ``significance``) are the conditions;
    the others are named apart as trims the sample does not support.
    """
    order = sorted(box.limits, key=lambda k: box.qp.get(k, np.nan))
    strong = [k for k in order if box.qp.get(k, 1.0) <= significance]
    weak = [k for k in order if k not in strong]
    words = lambda keys: " and ".join(limit_words(k, box.limits[k], box.ranges[k]) for k in keys)  # noqa: E731
    text = f"`{policy}` reaches {target.text()} mainly when {words(strong) or words(weak) or 'anything (no factor restricted)'}"
    if strong and weak:
        text += f" (the box also trims {', '.join(weak)}, by amounts its quasi-p values above {significance:g} do not support)"
    elif weak:
        text += (f" (no restriction has a quasi-p value at most {significance:g}: a hint to test with a larger design, "
                 "not a finding)")
    return (text + f": {box.density:.0%} of the runs in this box reach it (density), and the box holds {box.coverage:.0%} "
            f"of all runs that do (coverage; {box.mass:.0%} of the design falls in it).")


def cart_rules(x: pd.DataFrame, y: np.ndarray, max_depth: int = 3, seed: int = 0) -> str:
    """A shallow classification tree (scikit-learn) of ``y`` over ``x``, as text rules (categoricals one-hot)."""
    from sklearn.tree import DecisionTreeClassifier, export_text

    xx = pd.get_dummies(x, prefix_sep="=", dtype=float)
    leaf = max(3, len(xx) // 20)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=leaf, random_state=seed)
    tree.fit(xx.to_numpy(float), np.asarray(y, dtype=int))
    return export_text(tree, feature_names=list(xx.columns), show_weights=True, decimals=3)


def tradeoff_figure(box: Box, path: Path, title: str) -> Path:
    """PRIM's peeling trade-off (coverage vs density, colour: restricted factors), the chosen box marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = box.prim_box.show_tradeoff()
    ax = fig.axes[0]
    ax.scatter([box.coverage], [box.density], s=160, facecolors="none", edgecolors="red", linewidths=2,
               label="chosen box", zorder=5)
    ax.legend(loc="lower left")
    ax.set_title(title)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def limits_figure(box: Box, path: Path, title: str) -> Path | None:
    """PRIM's box-limits figure of the chosen box (None when it restricts no factor)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not box.limits:
        return None
    plt.close("all")
    res = box.prim_box.inspect(box.index, style="graph")
    fig = plt.gcf() if not res else (res[0][0] if isinstance(res[0], tuple) else res[0])
    if not hasattr(fig, "savefig"):
        fig = plt.gcf()
    fig.suptitle(title)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close("all")
    return path

"""The attacker's best response to a policy: the strategy that does best against it, and the worst case it implies.

Every headline "blocked" figure depends on the attacker assumed. For each policy this
searches the operator's declared strategy knobs (``conf/search/<mode>.yaml``: which
leaves, their span and scale; :mod:`experiments.analysis.search`) with Optuna's TPE
sampler for the strategy that maximises the harvest in the window (or, with
``--objective cost``, minimises the cost per million exchanges among strategies that
reach the target), each trial averaged over the same common-random-number seeds. The
best strategy is then re-run on fresh seeds beside the two presets (``wide_slow``,
``churn``) on those same seeds; the better of the three for the attacker is the
policy's worst case.

Usage (from the repository root)::

    python experiments/best_response.py --policy status_quo                 # quick mode (conf/search/quick.yaml)
    python experiments/best_response.py --policies status_quo,identity_gating
    python experiments/best_response.py --policy identity_gating --objective cost
    python experiments/best_response.py --full --policy letter_package -- hydra/launcher=slurm

Every trial is a set of ordinary content-addressed runs of the sweep machinery
(``distill-sim -m +sweep=best_response``, one strategy point per config file under
the search's sweep folder), on the usual launchers. Running the same command again
resumes: the study (an Optuna journal file in the sweep folder) keeps its told
trials, trials asked but not told are evaluated first, and a run already in the
store is read, never simulated again. Writes ``results/best_response/<stamp>/``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # a script in experiments/ (not an installed package)
    sys.path.insert(0, str(ROOT))

from experiments.analysis import report, sweeps  # noqa: E402
from sim.record import estimates  # noqa: E402
from experiments.analysis import search as sr  # noqa: E402
from experiments.analysis.tables import to_markdown  # noqa: E402

SWEEP = "best_response"
GROUP = "br_strategy"
JOURNAL = "study.journal"
PRESETS = ("wide_slow", "churn")
FOUND = "found"
BUDGET_KEY = "scenario.operators.0.budget_usd"
HARVEST = "exchanges_harvested"
COST = "attacker_cost_per_million_exchanges"
BLOCKED = "campaign_blocked_share"
TARGET = "exchanges_target"
READ = (HARVEST, COST, BLOCKED, TARGET, "attacker_cost_usd", "attacker_accounts_created", "attacker_accounts_banned")
# Read too in the re-evaluation, which may run with the legitimate population (``fresh_overrides``); NaN without it.
COLLATERAL = ("legit_users_wrongly_banned_expected_per_100k", "legit_users_refused_per_100k",
              "legit_exchanges_refused_share", "legit_signups_lost", "defender_cost_usd")


@dataclass(frozen=True)
class Objective:
    """What the attacker optimises: a run outcome, its direction, and whether the target must be reached.

    ``definition`` says how a trial's value is computed (:meth:`SimulatorEvaluator.evaluation`);
    it is part of a search's design hash, so a changed definition never mixes into an old study.
    """

    name: str
    column: str
    direction: str
    needs_target: bool
    label: str
    definition: str


OBJECTIVES: dict[str, Objective] = {
    "harvest": Objective("harvest", HARVEST, sr.MAXIMIZE, False, "exchanges harvested in the window (up to the target)",
                         "mean over seeds of min(harvest, reached share x target), plus under half an exchange "
                         "per seed that falls with the mean cost per million"),
    "cost": Objective("cost", COST, sr.MINIMIZE, True, "attacker cost per million exchanges (target reached)",
                      "mean over seeds of the cost per million; feasible when the mean blocked share is at most "
                      "1 - reached share"),
}
COST_SCALE = 10_000.0  # USD per million exchanges: where the harvest's tie-break bonus halves


@dataclass(frozen=True)
class SearchConfig:
    """One ``conf/search/<name>.yaml``: what is searched, how, and on which seeds (the file says what each means)."""

    name: str
    base_attacker: str
    objective: str
    budget_usd: float | None
    trials: int
    batch: int
    startup_trials: int
    sampler_seed: int
    seeds: tuple[int, ...]
    fresh_seeds: tuple[int, ...]
    overrides: tuple[str, ...]
    fresh_overrides: tuple[str, ...]
    dimensions: Mapping[str, Mapping[str, Any] | None]

    @classmethod
    def load(cls, name: str) -> SearchConfig:
        """Read ``conf/search/<name>.yaml``, or the file ``name`` when it is a path to a YAML file.

        Raises:
            sweeps.SweepError: no such file, a missing or unknown entry, or an unknown objective.
        """
        from omegaconf import OmegaConf

        path = Path(name) if name.endswith(".yaml") else sweeps.CONF / "search" / f"{name}.yaml"
        name = path.stem
        if not path.is_file():
            raise sweeps.SweepError(f"search={name!r}: no {path}; available: {', '.join(sweeps.available_options('search'))}")
        raw = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
        fields = [f.name for f in dataclasses.fields(cls) if f.name != "name"]
        unknown, missing = set(raw) - set(fields), set(fields) - set(raw)
        if unknown or missing:
            raise sweeps.SweepError(f"{path}: unknown entries {sorted(unknown)}, missing {sorted(missing)}")
        if raw["objective"] not in OBJECTIVES:
            raise sweeps.SweepError(f"{path}: objective {raw['objective']!r}, one of {', '.join(OBJECTIVES)}")
        return cls(name=name, **{**raw, "seeds": tuple(raw["seeds"]), "fresh_seeds": tuple(raw["fresh_seeds"]),
                                 "overrides": tuple(raw["overrides"]), "fresh_overrides": tuple(raw["fresh_overrides"])})

    def settings(self) -> sr.SearchSettings:
        return sr.SearchSettings(self.trials, self.batch, self.sampler_seed, self.startup_trials,
                                 OBJECTIVES[self.objective].direction)

    def run_overrides(self, policy: str, extra: Sequence[str]) -> list[str]:
        """The overrides every run of the search takes (the policy, the search's, the budget, the command line's)."""
        budget = [] if self.budget_usd is None else [f"{BUDGET_KEY}={float(self.budget_usd)!r}"]
        return [f"policy={policy}", *self.overrides, *budget, *extra]

    def fresh_run_overrides(self, policy: str, extra: Sequence[str]) -> list[str]:
        """The re-evaluation's overrides: the trials', with ``fresh_overrides`` replacing those of the same key."""
        return merge_overrides(self.run_overrides(policy, extra), self.fresh_overrides)

    def design(self, policy: str, extra: Sequence[str]) -> str:
        """A hash of everything that makes the trials what they are (not their number, not the re-evaluation)."""
        spec = dataclasses.asdict(self)
        for k in ("name", "trials", "fresh_seeds", "fresh_overrides"):
            spec.pop(k)
        text = json.dumps({**spec, "runs": sorted(self.run_overrides(policy, extra)),
                           "definition": OBJECTIVES[self.objective].definition}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:8]


def merge_overrides(base: Sequence[str], new: Sequence[str]) -> list[str]:
    """``base`` with each override of ``new`` replacing the one of the same key (or added after them)."""
    keys = {o.split("=", 1)[0].lstrip("+") for o in new}
    return [o for o in base if o.split("=", 1)[0].lstrip("+") not in keys] + list(new)


def base_values(attacker: str, space: Sequence[sr.Dimension]) -> dict[str, float]:
    """The base preset's values of the leaves that fill a share's rest (from ``conf/attacker/<attacker>.yaml``)."""
    from omegaconf import OmegaConf

    from sim.config.roles import declaration

    conf = OmegaConf.load(sweeps.CONF / "attacker" / f"{attacker}.yaml")
    out = {}
    for key in (r for d in space for r in d.rest):
        value = OmegaConf.select(conf, key.removeprefix("attacker."))
        out[key] = float(value if value is not None else declaration(key).value)
    return out


def point_name(overrides: Sequence[str]) -> str:
    """A point's file name: a hash of what it sets (the same strategy is always the same file)."""
    return "s" + hashlib.sha256("\n".join(overrides).encode()).hexdigest()[:10]


@dataclass
class SimulatorEvaluator:
    """Evaluates strategy points with the simulator, as runs of the sweep machinery.

    Each point is a config file under ``<sweep dir>/points/br_strategy/`` (the base preset
    plus the point's knob values). The evaluator composes each point's config to learn its
    runs' identities, reads the runs already complete in the store, and launches one
    multirun for the points with a run missing: finished runs are never simulated again.

    Attributes:
        sweep_dir: the search's sweep folder (its run store).
        space: the searched dimensions.
        base_attacker: the preset each point starts from.
        run_overrides: the overrides of every run (policy, population, budget...).
        hydra_overrides: Hydra's own (a launcher).
        seeds: the seeds each point runs.
        objective: what the trial's value is.
        jobs: parallel runs.
        simulated: runs this evaluator had the sweep machinery simulate (launched; a failed one counts too).
        replayed: runs it found complete in the store.
        target_fraction: the scenario's share of the target that counts as reached (read when composing).
    """

    sweep_dir: Path
    space: tuple[sr.Dimension, ...]
    base_attacker: str
    run_overrides: tuple[str, ...]
    hydra_overrides: tuple[str, ...]
    seeds: tuple[int, ...]
    objective: Objective
    jobs: int | None = None
    columns: tuple[str, ...] = READ
    simulated: int = 0
    replayed: int = 0
    target_fraction: float = math.nan
    _base: dict = field(default_factory=dict)

    def strategy_overrides(self, point: Mapping[str, Any]) -> list[str]:
        """The overrides of one strategy point: the base preset, then the knobs."""
        if not self._base:
            self._base.update(base_values(self.base_attacker, self.space))
        return [f"attacker={self.base_attacker}", *sr.point_overrides(self.space, point, self._base)]

    def __call__(self, points: Sequence[Mapping[str, Any]]) -> list[sr.Evaluation]:
        named = {point_name(o): o for o in (self.strategy_overrides(p) for p in points)}
        results = self.run_points(named, self.seeds)
        return [self.evaluation(results[point_name(self.strategy_overrides(p))]) for p in points]

    def evaluation(self, runs: pd.DataFrame) -> sr.Evaluation:
        """A trial's value: the objective's mean over the seeds (NaN if a seed's run is missing).

        The harvest counts up to the share of the target that counts as reached
        (``scenario.target_reached_fraction``): the operator stops at its target, so every
        strategy that reaches it ties. TPE ranks trials by their values only, so the cheaper
        must show in the value: it adds less than half an exchange per seed, falling with the
        mean cost per million (harvests are whole exchanges, so their mean over n seeds moves in
        steps of 1/n: the bonus orders ties and never reorders different harvests). Under the
        cost objective a point is feasible when its mean blocked share lets the campaign reach
        the target; the larger harvest wins a tie.
        """
        complete = len(runs) == len(self.seeds) and runs[list(READ)].notna().all().all()
        details = {f"mean_{c}": float(runs[c].mean()) for c in READ if c != TARGET} | {"runs": len(runs)}
        if not complete:
            return sr.Evaluation(math.nan, None, details)
        if self.objective.column == HARVEST:
            reached = runs["target_reached_fraction"] * runs[TARGET]
            cost = float(runs[COST].mean())
            bonus = 0.5 / len(runs) * COST_SCALE / (COST_SCALE + cost)
            return sr.Evaluation(float(runs[HARVEST].clip(upper=reached).mean()) + bonus, None, details, cost)
        constraint = float(runs[BLOCKED].mean() - (1.0 - runs["target_reached_fraction"].iloc[0]))
        return sr.Evaluation(float(runs[COST].mean()), constraint, details, -float(runs[HARVEST].mean()))

    def run_points(self, named: Mapping[str, Sequence[str]], seeds: Sequence[int]) -> dict[str, pd.DataFrame]:
        """Each named point's runs on ``seeds`` (one row per complete run), simulating only the missing ones."""
        search = sweeps.write_points(self.sweep_dir, GROUP, named, "One strategy point of the attacker's "
                                     "best-response search (experiments/best_response.py).")
        identities = self._identities(named, seeds, search)
        found = {k: self._read(i) for k, i in identities.items()}
        todo = sorted({name for (name, _), m in found.items() if m is None})
        self.replayed += sum(m is not None for m in found.values())
        if todo:
            missing = sum(m is None for m in found.values())
            command = sweeps.SweepCommand(SWEEP, (search, f"+{GROUP}={','.join(todo)}", f"seed={','.join(map(str, seeds))}",
                                                  *self.run_overrides, *self.hydra_overrides), self.sweep_dir, self.jobs)
            sweeps.run_sweep(command, log=lambda s: print(f"[search] {missing} runs to simulate; {s}"))
            self.simulated += missing
            found.update({k: self._read(identities[k]) for k, m in found.items() if m is None})
        out = {}
        for name in named:
            rows = [{"seed": s, "run_identity": identities[(name, s)], **found[(name, s)]}
                    for s in seeds if found[(name, s)] is not None]
            out[name] = pd.DataFrame(rows, columns=["seed", "run_identity", *self.columns, "target_reached_fraction"])
        return out

    def _identities(self, named: Mapping[str, Sequence[str]], seeds: Sequence[int], search: str) -> dict[tuple[str, int], str]:
        from sim.config.compose import compose
        from sim.sweeps.store import run_identity

        out: dict[tuple[str, int], str] = {}
        for name, overrides in named.items():
            try:
                cfg = compose([f"+sweep={SWEEP}", search, f"+{GROUP}={name}", *self.run_overrides])
            except Exception as err:  # Hydra's and the schema's errors alike name the key
                raise sweeps.SweepError(f"strategy point {name} ({' '.join(overrides)}) does not compose: {err}") from err
            self.target_fraction = cfg.scenario.target_reached_fraction
            for seed in seeds:  # the seed changes nothing else in a config
                out[(name, seed)] = run_identity(dataclasses.replace(cfg, seed=seed))
        return out

    def _read(self, identity: str) -> dict | None:
        from sim.sweeps.store import RunDirError, read_run, run_dir

        try:
            metrics = read_run(run_dir(self.sweep_dir, identity))["metrics"]
        except RunDirError:
            return None
        return {**{c: _number(metrics.get(c)) for c in self.columns}, "target_reached_fraction": self.target_fraction}


def _number(v: Any) -> float:
    return math.nan if v is None else float(v)


# --------------------------------------------------------------------------- one policy


@dataclass
class PolicyResult:
    """What the search and the re-evaluation found for one policy."""

    policy: str
    sweep_dir: Path
    run_overrides: tuple[str, ...]
    trace: pd.DataFrame
    best: Mapping[str, Any] | None
    in_sample: dict[str, tuple[float, float]]  # the presets on the search seeds: trial value, mean cost per million
    fresh: pd.DataFrame  # one row per (strategy, fresh seed)
    worst: str | None
    seconds: float
    simulated: int
    replayed: int


def search_policy(policy: str, cfg: SearchConfig, space: tuple[sr.Dimension, ...], extra: Sequence[str],
                  hydra: Sequence[str], jobs: int | None, sweep_dir: Path | None = None) -> PolicyResult:
    """Search the best response to ``policy``, then re-evaluate it beside the presets on fresh seeds."""
    start = time.monotonic()
    objective = OBJECTIVES[cfg.objective]
    sweep_dir = sweep_dir or sweeps.read_sweep_dir(SWEEP).with_name(f"{SWEEP}-{policy}-{cfg.design(policy, extra)}")
    evaluator = SimulatorEvaluator(sweep_dir, space, cfg.base_attacker, tuple(cfg.run_overrides(policy, extra)),
                                   tuple(hydra), cfg.seeds, objective, jobs)
    print(f"[search] policy {policy}: {cfg.trials} trials x {len(cfg.seeds)} seeds into {sweep_dir}")
    study = sr.run_search(space, evaluator, cfg.settings(), sweep_dir / JOURNAL, log=lambda s: print(f"{s} ({policy})"))
    best = sr.best(study)
    presets = {p: [f"attacker={p}"] for p in PRESETS}
    on_search_seeds = evaluator.run_points({point_name(o): o for o in presets.values()}, cfg.seeds)
    in_sample = {}
    for p, o in presets.items():
        runs = on_search_seeds[point_name(o)]
        in_sample[p] = (evaluator.evaluation(runs).value, float(runs[COST].mean()))
    named = {FOUND: evaluator.strategy_overrides(best.params)} if best is not None else {}
    named |= presets
    by_file = {point_name(o): o for o in named.values()}
    fresh_runs = dataclasses.replace(evaluator, run_overrides=tuple(cfg.fresh_run_overrides(policy, extra)),
                                     columns=READ + COLLATERAL, simulated=0, replayed=0)
    runs = fresh_runs.run_points(by_file, cfg.fresh_seeds)
    evaluator.simulated += fresh_runs.simulated
    evaluator.replayed += fresh_runs.replayed
    fresh = pd.concat([runs[point_name(o)].assign(strategy=k) for k, o in named.items()], ignore_index=True)
    params = dict(best.params) if best is not None else None
    return PolicyResult(policy, sweep_dir, evaluator.run_overrides, sr.trace(study), params, in_sample,
                        fresh, worst_case(fresh, objective), time.monotonic() - start, evaluator.simulated,
                        evaluator.replayed)


def worst_case(fresh: pd.DataFrame, objective: Objective) -> str | None:
    """The strategy that does best for the attacker on the fresh seeds, by the means over them.

    Strategies that reach the target (mean blocked share within the target's tolerance)
    come first, the cheapest of them; if none does, the largest harvest under the harvest
    objective, the cheapest under the cost objective (as the search ranks its trials).
    """
    if fresh.empty:
        return None
    mean = fresh.groupby("strategy", sort=False)[[HARVEST, COST, BLOCKED]].mean()
    short_of_target = mean[BLOCKED] > 1.0 - fresh["target_reached_fraction"].iloc[0]
    harvest = -mean[HARVEST].where(short_of_target, 0.0) if objective.column == HARVEST else -mean[HARVEST]
    first, second = (harvest, mean[COST]) if objective.column == HARVEST else (mean[COST], harvest)
    order = pd.DataFrame({"short": short_of_target, "a": first, "b": second}).sort_values(["short", "a", "b"], kind="stable")
    return str(order.index[0])


# --------------------------------------------------------------------------- the report


def short(key: str) -> str:
    """A knob's short label (its last part)."""
    return key.rsplit(".", 1)[-1]


def knob_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.3g}"


def strategy_text(params: Mapping[str, Any] | None) -> str:
    if params is None:
        return "none found"
    return ", ".join(f"{short(k)} {knob_text(v)}" for k, v in params.items())


def estimate_text(values: pd.Series, scale: float, digits: int) -> str:
    e = estimates.mean_ci(values, lo=0.0)
    if not math.isfinite(e.value):
        return "n/a"
    text = f"{e.value * scale:.{digits}f}"
    return text + (f" [{e.lo * scale:.{digits}f}, {e.hi * scale:.{digits}f}]" if e.has_interval else "")


def summary_rows(results: Sequence[PolicyResult]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summary table (display) and its numbers: one row per policy."""
    display, numbers = [], []
    for r in results:
        cell = {}
        for strategy in (FOUND, *PRESETS):
            runs = r.fresh[r.fresh["strategy"] == strategy]
            cell[strategy] = (estimate_text(runs[HARVEST], 1e-6, 2), estimate_text(runs[COST], 1e-3, 1))
            for c in (HARVEST, COST, BLOCKED):
                e = estimates.mean_ci(runs[c])
                numbers.append({"policy": r.policy, "strategy": strategy, "outcome": c, "mean": e.value, "lo": e.lo,
                                "hi": e.hi, "n": e.n})
        display.append({
            "policy": r.policy,
            "strategy found": strategy_text(r.best),
            "found: harvest (M)": cell[FOUND][0], "found: cost per M ($k)": cell[FOUND][1],
            "wide_slow: harvest (M)": cell["wide_slow"][0], "wide_slow: cost per M ($k)": cell["wide_slow"][1],
            "churn: harvest (M)": cell["churn"][0], "churn: cost per M ($k)": cell["churn"][1],
            "worst case": r.worst or "n/a",
            "search time": f"{r.seconds / 60:.1f} min ({r.simulated} runs simulated, {r.replayed} read from the store)",
        })
    return pd.DataFrame(display), pd.DataFrame(numbers)


def contrast_lines(r: PolicyResult) -> list[str]:
    """The found strategy against each preset, paired by fresh seed."""
    found = r.fresh[r.fresh["strategy"] == FOUND].set_index("seed")
    lines = []
    for p in PRESETS:
        base = r.fresh[r.fresh["strategy"] == p].set_index("seed")
        common = found.index.intersection(base.index)
        if common.empty:
            continue
        d = estimates.paired_diff_ci(found.loc[common, HARVEST], base.loc[common, HARVEST])
        q = estimates.paired_ratio_ci(found.loc[common, COST], base.loc[common, COST])
        interval = f" [{d.lo * 1e-6:+.2f}, {d.hi * 1e-6:+.2f}]" if d.has_interval else ""
        ratio = f" [{q.lo:.2f}, {q.hi:.2f}]" if q.has_interval else ""
        lines.append(f"- found vs `{p}` (paired over {len(common)} fresh seeds): harvest {d.value * 1e-6:+.2f}M{interval}; "
                     f"cost per million x{q.value:.2f}{ratio}")
    return lines


def knob_table(r: PolicyResult, space: Sequence[sr.Dimension], base: str) -> pd.DataFrame:
    from omegaconf import OmegaConf

    from sim.config.roles import declaration

    conf = OmegaConf.load(sweeps.CONF / "attacker" / f"{base}.yaml")
    preset = {d.key: OmegaConf.select(conf, d.key.removeprefix("attacker.")) for d in space}
    return pd.DataFrame([{
        "knob": f"`{d.key}`",  # a knob outside the attacker preset (a scenario's share) at its declared default
        f"{base}": knob_text(preset[d.key] if preset[d.key] is not None else declaration(d.key).value),
        "found": knob_text(r.best[d.key]) if r.best else "n/a",
        "searched span": d.span_text(),
        "meaning": d.doc,
    } for d in space])


def build_report(results: Sequence[PolicyResult], cfg: SearchConfig, space: Sequence[sr.Dimension], argv: list[str],
                 out_dir: Path) -> tuple[Path, str]:
    from experiments.analysis import plots

    objective = OBJECTIVES[cfg.objective]
    display, numbers = summary_rows(results)
    table_md = report.write_table(out_dir, "summary", numbers, display)
    for r in results:
        r.trace.to_csv(out_dir / f"trace_{r.policy}.csv", index=False)
        r.fresh.to_csv(out_dir / f"fresh_{r.policy}.csv", index=False)
    panels = [("value", 1e-6, "harvest, up to the target (M)")] if objective.column == HARVEST else []
    panels.append((f"mean_{COST}" if objective.column == HARVEST else "value", 1e-3, "cost per M exchanges ($k)"))
    plots.search_traces({r.policy: r.trace for r in results}, {r.policy: r.in_sample for r in results}, panels,
                        out_dir / "trace.png")
    lines = [
        "# The attacker's best response",
        "",
        "## Question",
        "",
        "Against each policy, what does the attacker's best strategy (within the declared strategy space) harvest and "
        "what does it cost, compared with the two hand-set strategies (`wide_slow`, `churn`) every other figure assumes? "
        "The better of the three for the attacker is the policy's worst case.",
        "",
        "## Result",
        "",
        f"Objective: **{objective.label}** ({'maximised' if objective.direction == sr.MAXIMIZE else 'minimised'}). "
        f"Out of sample: mean [95% interval] over {len(cfg.fresh_seeds)} fresh seeds (seeds {cfg.fresh_seeds[0]}-"
        f"{cfg.fresh_seeds[-1]}, the same for the three strategies), harvest in millions of exchanges within the window, "
        "cost in thousands of USD per million exchanges.",
        "",
        table_md,
        "",
        *([f"**Quick mode.** {QUICK_TRADE}", ""] if cfg.name == "quick" else []),
        "![best objective by trial](trace.png)",
        "",
        f"The figure: each trial (dots: means over the {len(cfg.seeds)} search seeds), the best trial so far (line) and "
        "the two presets on the same seeds (dashed)"
        + (": the harvest, and below it the cost per million exchanges by which the trials that reach the target "
           "are ranked." if objective.column == HARVEST else ": the cost per million exchanges of the feasible trials."),
        "",
    ]
    for r in results:
        failed = int((r.trace["state"] == "FAIL").sum()) if len(r.trace) else 0
        lines += [f"## Policy `{r.policy}`", "",
                  f"Worst case: **{r.worst or 'n/a'}**. {len(r.trace)} trials "
                  f"({int(r.trace['feasible'].sum()) if len(r.trace) else 0} feasible{f', {failed} failed' if failed else ''}); "
                  f"search folder `{report.display_path(r.sweep_dir)}`.", ""]
        lines += contrast_lines(r) + [""]
        if objective.column == HARVEST and len(r.trace) and len(r.fresh):
            cap = float((r.fresh["target_reached_fraction"] * r.fresh[TARGET]).iloc[0])
            capped = int((r.trace["value"] >= cap).sum())  # the tie-break bonus only adds
            if capped:
                lines += [f"{capped} of {len(r.trace)} trials reached the target on every search seed: their harvest "
                          "ties at the target, and the search ranks them by their cost per million exchanges (the "
                          "cheapest is the best trial).", ""]
        lines += [to_markdown(knob_table(r, space, cfg.base_attacker)), ""]
    lines += [
        "## Method",
        "",
        f"- Strategy space: {len(space)} leaves declared with the role `strategy` (`sim/config/attacker.py`, "
        f"`docs/parameters.md`), chosen in `conf/search/{cfg.name}.yaml`, each over its declared plausible range or a "
        f"narrower span inside it (the knob tables give each span); the other knobs keep the `{cfg.base_attacker}` "
        "preset's values. The knobs are abstract policy-level parameters "
        "(rates, shares, counts). A knob the model charges nothing for (e.g. a lower chain-of-thought share) is pushed "
        "towards the end of its range that helps the attacker: the worst case is as tight as the declared ranges.",
        f"- Search: Optuna's TPE sampler (multivariate, random until {cfg.startup_trials} trials are told: "
        f"{-(-cfg.startup_trials // cfg.batch) * cfg.batch} random trials in batches; constant liar for "
        f"batches of {cfg.batch}), sampler seed {cfg.sampler_seed}, {cfg.trials} trials; each trial is the mean over "
        f"seeds {list(cfg.seeds)} (common random numbers: every trial meets the same worlds)."
        + (" Under the cost objective a trial is feasible when its mean blocked share lets the campaign reach its "
           "target (`scenario.target_reached_fraction`); the best trial is the best feasible one."
           if objective.needs_target else ""),
        f"- Runs: `{' '.join(results[0].run_overrides) if results else ''}` (budget: "
        f"{'the scenario' + chr(39) + 's' if cfg.budget_usd is None else f'${cfg.budget_usd:,.0f}'}); every trial x seed is "
        "an ordinary content-addressed run of `conf/sweep/best_response.yaml`.",
        "- Re-evaluation: the best trial's strategy and both presets on the fresh seeds"
        + (f", with `{' '.join(cfg.fresh_overrides)}`" if cfg.fresh_overrides else "") + "; intervals are Student-t over "
        "seeds, contrasts paired by seed. The best of many noisy trials is optimistic on its search seeds (the "
        "winner's curse): only the fresh-seed numbers are the estimate.",
        "",
        "## Reproduce",
        "",
        "```",
        report.invocation(__file__, argv),
        "```",
        "",
        "Running it again resumes every search (the studies' journal files and the run stores are in the search folders "
        "above) and simulates only what is missing. Each batch of trials is one multirun of the form:",
        "",
        "```",
        *[f"distill-sim -m +sweep={SWEEP} hydra.sweep.dir={report.display_path(r.sweep_dir)} "
          f"'hydra.searchpath=[file://{report.display_path(r.sweep_dir)}/{sweeps.POINTS_DIR}]' +{GROUP}=<points> "
          f"seed={','.join(map(str, cfg.seeds))} {' '.join(r.run_overrides)}" for r in results],
        "```",
    ]
    md = "\n".join(lines) + "\n"
    return report.write_report(out_dir, md, "The attacker's best response"), table_md


QUICK_TRADE = ("The trials run without legitimate users (`population=none`: the review queue carries its measured "
               "legitimate load), 24 trials over 11 knobs (the first 12 random) on 3 seeds, paces of at least 10 "
               "exchanges per account-day (slower ones mean fleets too large to simulate in minutes); the re-evaluation "
               "runs the found strategy and both presets with the default population on 5 fresh seeds: the strategy "
               "found is a screening of the space, not its optimum, and the intervals rest on 5 seeds. Full mode (`--full`) searches 15 knobs over their "
               "whole declared ranges with the default population, 200 trials x 10 seeds and 30 fresh seeds.")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python experiments/best_response.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--policy", help="one policy preset (conf/policy/)")
    p.add_argument("--policies", help="comma-separated policy presets, or a glob")
    p.add_argument("--search", default="quick",
                   help="the search config: conf/search/<name>.yaml, or a path to one (default: %(default)s)")
    p.add_argument("--full", action="store_true", help="the full search (conf/search/full.yaml): a cluster's work")
    p.add_argument("--objective", choices=sorted(OBJECTIVES), help="override the search config's objective")
    p.add_argument("--trials", type=int, help="override the number of trials (more continue the same study)")
    p.add_argument("--jobs", type=int, default=None, help="parallel runs (default: the launcher's, one per core)")
    p.add_argument("--results", type=Path, default=report.RESULTS, help="results root (default: results/)")
    p.add_argument("overrides", nargs="*", help="extra overrides for every run (a variant gets its own search folder); "
                   "Hydra's own too, e.g. hydra/launcher=slurm")
    args = p.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if bool(args.policy) == bool(args.policies):
        p.error("give --policy NAME or --policies A,B,...")
    return args


def main(argv: list[str] | None = None) -> int:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # its per-trial INFO lines; the search prints its own
    args = parse_args(argv)
    try:
        cfg = SearchConfig.load("full" if args.full else args.search)
        if args.objective:
            cfg = dataclasses.replace(cfg, objective=args.objective)
        if args.trials:
            cfg = dataclasses.replace(cfg, trials=args.trials)
        space = sr.search_space(cfg.dimensions)
        policies = sweeps.expand_options("policy", args.policy or args.policies)
        extra, hydra = sweeps.split_overrides(args.overrides)
        results = [search_policy(p, cfg, space, extra, hydra, args.jobs) for p in policies]
    except (sweeps.SweepError, sr.SearchSpaceError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    out_dir = report.new_results_dir("best_response", args.results)
    path, table_md = build_report(results, cfg, space, args.argv, out_dir)
    print(table_md)
    print(f"\nreport: {path}\n        {path.with_suffix('.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Measure the legitimate review load that a run without legitimate users carries instead.

Runs the reference world (``population=default``, ``policy=status_quo`` unless told
otherwise) for both attacker strategies and a few seeds, records every real legitimate
account that joins a provider's review queue and its priority, and bins them: per provider,
``bins`` priority bins of equal flagged mass, each with its mean priority and the real
accounts it gets per day (averaged over days and runs), and the day-by-day profile of that
load (``day_scale``: each day's flagged mass over the mean day's). What link analysis queues rises
with the day's bans, so it is split (:func:`link_load`): the part legitimate bans set off
joins the bins at the link priority, the part per operator row whose ban spreads becomes
``per_spread``, which an attacker-only run adds in proportion to its own bans. Writes them into
``conf/population/none.yaml`` as ``review_background`` (or prints them with ``--print``).

    python experiments/review_background.py --seeds 4          # ~1 min on 2 cores
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

ROOT = Path(__file__).resolve().parents[1]
NONE_YAML = ROOT / "conf" / "population" / "none.yaml"


def _record(overrides: list[str]) -> tuple[int, list[dict]]:
    """(days simulated, per provider: the priorities and masses of legitimate accounts queued by
    every control but link analysis, and per day the legitimate mass link analysis queued and the
    operators' rows whose bans spread)."""
    from sim import DistillationModel, compose
    from sim.controls import QUEUE_SOURCES
    from sim.controls.link_analysis import LinkAnalysis

    model = DistillationModel(compose(overrides))
    link = QUEUE_SOURCES.index(LinkAnalysis.name)
    seen = [{"priority": [], "mass": [], "day": {}, "link": {}, "spread": {}} for _ in model.providers]

    def watch(provider):
        queue, out = provider.queue, seen[provider.index]
        original = queue.add

        def add(view, rows, priority, mass, source, *args, **kwargs):
            original(view, rows, priority, mass, source, *args, **kwargs)
            table = model.accounts  # a measurement: it may read the label, controls never do
            legit = ~table.is_attacker[rows] & ~table.is_reseller[rows]
            day = model.clock.day
            if source == link:
                out["link"][day] = out["link"].get(day, 0.0) + float(np.asarray(mass, float)[legit].sum())
            else:
                queued = np.asarray(mass, float)[legit]
                out["priority"].append(np.asarray(priority, float)[legit])
                out["mass"].append(queued)
                out["day"][day] = out["day"].get(day, 0.0) + float(queued.sum())

        queue.add = add
        for control in provider.controls:
            if isinstance(control, LinkAnalysis):
                apply = control.apply

                def apply_and_count(ctx, apply=apply):
                    day = model.clock.day
                    out["spread"][day] = out["spread"].get(day, 0) + int(model.accounts.is_attacker[ctx.spread_today].sum())
                    apply(ctx)

                control.apply = apply_and_count

    for provider in model.providers:
        watch(provider)
    model.run_model()
    days = len(model.ledger.days)  # the days simulated to their end (the clock stops at the next day's start)
    result = []
    for out in seen:
        result.append({
            "priority": np.concatenate(out["priority"]) if out["priority"] else np.zeros(0),
            "mass": np.concatenate(out["mass"]) if out["mass"] else np.zeros(0),
            "day": np.array([out["day"].get(d, 0.0) for d in range(days)]),
            "link": np.array([out["link"].get(d, 0.0) for d in range(days)]),
            "spread": np.array([out["spread"].get(d, 0) for d in range(days)], float),
        })
    return days, result


def link_load(link: np.ndarray, spread: np.ndarray) -> tuple[float, float]:
    """Legitimate accounts link analysis queues per day, split as ``a + b x`` with ``x`` the
    operators' rows whose bans spread that day (least squares over days and runs, both
    non-negative): ``a`` is the load legitimate bans set off (carried as a constant), ``b``
    the load per operator row (carried in proportion to the run's own bans)."""
    if link.sum() <= 0:
        return 0.0, 0.0
    if np.ptp(spread) == 0:
        return float(link.mean()), 0.0
    b, a = np.polyfit(spread, link, 1)
    if a < 0:
        return 0.0, float(link.sum() / spread.sum())
    if b < 0:
        return float(link.mean()), 0.0
    return float(a), float(b)


def day_scale(per_day: list[np.ndarray]) -> list[float]:
    """Each day's flagged legitimate mass (every control but link analysis) as a multiple of
    the mean day's, averaged over the runs that reached the day: the background's profile
    over the run (``ReviewBackground.day_scale``)."""
    days = max(d.size for d in per_day)
    total, runs = np.zeros(days), np.zeros(days)
    for d in per_day:
        total[:d.size] += d
        runs[:d.size] += 1
    mean_day = sum(float(d.sum()) for d in per_day) / sum(d.size for d in per_day)
    if mean_day <= 0:
        return []
    return [round(float(x), 4) for x in total / runs / mean_day]


def bin_load(priority: np.ndarray, mass: np.ndarray, bins: int, days: float) -> tuple[list[float], list[float]]:
    """``bins`` bins by priority, (mean priority, real accounts per day) each, finest at the top:
    bin ``j`` holds the accounts whose share of the flagged mass above them lies between
    consecutive points of a geometric grid from 1e-4 to 1, since only the head of the queue
    meets the capacity and its shape there decides who is reviewed."""
    if mass.sum() <= 0:
        return [], []
    order = np.argsort(-priority, kind="stable")
    p, m = priority[order], mass[order]
    above = (np.cumsum(m) - m) / m.sum()
    which = np.searchsorted(np.geomspace(1e-4, 1.0, bins)[:-1], above, side="right")
    pri, per_day = [], []
    for j in range(bins):
        here = which == j
        if m[here].sum() > 0:
            pri.append(round(float(np.average(p[here], weights=m[here])), 4))
            per_day.append(round(float(m[here].sum() / days), 3))
    return pri, per_day


def link_priority(overrides: list[str]) -> float:
    from sim import compose

    return float(compose(overrides).policy.review.link_priority)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--bins", type=int, default=48)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--print", action="store_true", help="print the YAML instead of writing conf/population/none.yaml")
    parser.add_argument("overrides", nargs="*", help="extra overrides of the measured world (default: the reference)")
    args = parser.parse_args(argv)
    tasks = [[*args.overrides, f"attacker={a}", f"seed={s}"] for a in ("wide_slow", "churn") for s in range(args.seeds)]
    results = Parallel(n_jobs=args.jobs)(delayed(_record)(t) for t in tasks)
    n_prov = len(results[0][1])
    total_days = sum(d for d, _ in results)
    lines = []
    for i in range(n_prov):
        parts = [r[1][i] for r in results]
        a, b = link_load(np.concatenate([p["link"] for p in parts]), np.concatenate([p["spread"] for p in parts]))
        p = np.concatenate([x["priority"] for x in parts] + [np.full(1, link_priority(args.overrides))])
        m = np.concatenate([x["mass"] for x in parts] + [np.full(1, a * total_days)])
        pri, per_day = bin_load(p, m, args.bins, total_days)
        scale = day_scale([x["day"] for x in parts])
        lines.append(f"  - {{provider: {i}, priority: {pri}, accounts_per_day: {per_day}, per_spread: {round(b, 4)}, "
                     f"day_scale: {scale}}}")
    command = " ".join(["python experiments/review_background.py", *(argv if argv is not None else sys.argv[1:])])
    block = (f"# The legitimate review load carried instead of the population (sim/controls/review.py):\n"
             f"# measured by `{command}` on {dt.date.today().isoformat()} from population=default under\n"
             f"# {' '.join(args.overrides) or 'policy=status_quo'}; valid while the detector's settings are those.\n"
             "review_background:\n" + "\n".join(lines) + "\n")
    if args.print:
        print(block)
        return 0
    text = NONE_YAML.read_text()
    head = text.split("# The legitimate review load carried instead")[0].rstrip() + "\n"
    NONE_YAML.write_text(head + block)
    print(block)
    print(f"wrote {NONE_YAML.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Scenario discovery: under which combinations of the unknowns does a policy reach a target?

Runs a Latin-hypercube design over the declared plausible ranges of a set of factors
(default: :data:`experiments.analysis.discovery.DEFAULT_FACTORS`: identity supply and the gate's
pass rate, the ready-made account market, the campaign budget, detector and review noise)
under one policy, through the sweep machinery (each point a config file, all points one
resumable multirun on any launcher), then finds with PRIM (EMA Workbench) the boxes of the
factors where the outcome reaches the threshold, cross-checked by a CART tree, and states
each box in plain words. Writes ``results/discover/<stamp>/``: report.md + report.html, the
peeling trade-off and box-limits figures, the design with its outcomes (CSV).

Usage (from the repository root)::

    python experiments/discover.py --policy identity_gating --outcome campaign_blocked_share --threshold 0.5
    python experiments/discover.py --policy identity_gating --outcome campaign_blocked_share --threshold 0.5 \\
        --n 512 --population default                 # full size (a cluster, or a night)
    python experiments/discover.py ... --factors policy.identity_gating.supply_per_day.document,policy.review.capacity_per_day
    python experiments/discover.py ... -- hydra/launcher=slurm

Quick mode (the default): 64 points, attacker only (``population=none``), the reference
45-day window, one seed, the ready-made account market on. The comparison (``>=`` or ``<=``)
follows the outcome's declared better direction. See docs/analyses.md.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # a script in experiments/ (not an installed package)
    sys.path.insert(0, str(ROOT))

from experiments.analysis import discovery as sd  # noqa: E402
from experiments.analysis import report, sweeps  # noqa: E402
from experiments.analysis.tables import fmt_number, to_markdown  # noqa: E402

POINT_GROUP = "disc_point"
MARKET = ("costs.market.enabled=true", "costs.market.ready_accounts.enabled=true")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python experiments/discover.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--policy", required=True, help="policy preset (conf/policy/<name>.yaml)")
    p.add_argument("--outcome", required=True, help="a declared outcome (docs/outcomes.md), e.g. campaign_blocked_share")
    p.add_argument("--threshold", type=float, required=True, help="the target value of the outcome")
    side = p.add_mutually_exclusive_group()
    side.add_argument("--above", dest="above", action="store_true", default=None, help="success is outcome >= threshold "
                      "(default: from the outcome's declared direction)")
    side.add_argument("--below", dest="above", action="store_false", help="success is outcome <= threshold")
    p.add_argument("--factors", help="comma-separated config keys to sample over their plausible ranges (any role; "
                   "levers too); default: identity supply, pass rate, ready-made market, budget, detector/review noise")
    p.add_argument("--n", type=int, default=64, help="design points (default: %(default)s, quick; 512 for real use)")
    p.add_argument("--population", default="none", help="population option (default: %(default)s, attacker only; "
                   "'default' for collateral outcomes)")
    p.add_argument("--no-market", dest="market", action="store_false",
                   help="leave the account market (and its ready-made accounts) off")
    p.add_argument("--density", type=float, default=0.8, help="PRIM's density threshold (default: %(default)s)")
    p.add_argument("--max-boxes", type=int, default=2, help="PRIM boxes to find (default: %(default)s)")
    p.add_argument("--sample-seed", type=int, default=0, help="seed of the Latin hypercube")
    sweeps.add_sweep_arguments(p, "extra Hydra overrides for every run (e.g. scenario.end_date=2026-05-11)")
    p.add_argument("--results", type=Path, default=report.RESULTS, help="results root (default: results/)")
    args = p.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    return args


def scenario_lists(overrides: list[str]) -> dict[str, list]:
    """The scenario's lists (operators, providers) that list-item factors patch, as its YAML has them."""
    from omegaconf import OmegaConf

    name = next((o.split("=", 1)[1] for o in overrides if o.startswith("scenario=")), "qwen_2026")
    conf = OmegaConf.to_container(OmegaConf.load(sweeps.CONF / "scenario" / f"{name}.yaml"))
    return {f"scenario.{k}": v for k, v in conf.items() if isinstance(v, list)}


def run_design(args: argparse.Namespace, factors, design: pd.DataFrame, overrides: list[str], sweep_dir: Path):
    """Write the points, run them as one multirun (finished runs are skipped), return (runs per point, command)."""
    lists = scenario_lists(overrides)
    names = [f"p{i:05d}" for i in range(len(design))]
    points = {n: sd.point_overrides(factors, row, lists) for n, (_, row) in zip(names, design.iterrows(), strict=True)}
    search = sweeps.write_points(sweep_dir, POINT_GROUP, points, "One design point of a scenario discovery "
                                 "(experiments/discover.py).")
    preflight = [sys.executable, "-m", "sim", "--cfg", "job", "+sweep=discover", search, f"+{POINT_GROUP}={names[0]}",
                 *overrides]
    proc = subprocess.run(preflight, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise sweeps.SweepError(f"the first design point does not compose:\n{proc.stderr.strip()[-2000:]}")
    command = sweeps.SweepCommand("discover", (search, f"+{POINT_GROUP}={','.join(names)}", *overrides), sweep_dir,
                                  args.jobs)
    sweeps.run_sweep(command)
    return match_points(sweeps.load_runs(sweep_dir), names), command


def match_points(runs: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """One run per design point (the latest), found by the point named in the run's overrides; in design order."""
    point = runs["overrides"].map(lambda s: (re.search(rf"\+{POINT_GROUP}=(\S+)", s or "") or [None, None])[1])
    runs = runs.copy()  # a collected table has one column per config key: defragment before adding one
    runs["_point"] = point
    latest, _ = sweeps.latest_per_key(runs[runs["_point"].isin(names)], ["_point"])
    missing = sorted(set(names) - set(latest["_point"]))
    if missing:
        raise sweeps.SweepError(f"{len(missing)} design points have no result (e.g. {missing[:5]}); "
                                "re-run the same command to retry them")
    return latest.set_index("_point").loc[names].copy().reset_index()  # defragmented before the index becomes a column


def build_report(args, factors, design, values, target, boxes, cart, base, command, sweep_dir, runs, out_dir) -> Path:
    hit = sd.success(values, target)
    table = design.assign(**{target.outcome: values.to_numpy(), "reaches_target": hit})
    table.to_csv(out_dir / "design.csv", index=False)
    lines = [
        f"# Scenario discovery: `{args.policy}`, {target.text()}",
        "",
        "## Question",
        "",
        f"Under policy `{args.policy}`, for which combinations of the unknowns below does {target.text()} "
        f"(`{target.outcome}` {target.sign} {target.threshold:g}), and which unknowns does that hinge on?",
        "",
        "## Result",
        "",
        f"{int(hit.sum())} of {len(hit)} design points ({hit.mean():.0%}) reach the target.",
        "",
    ]
    if not boxes:
        lines += ["**No box:** " + ("every point reaches the target: it holds over the whole design."
                                    if hit.all() else "no point reaches the target anywhere in the design."
                                    if not hit.any() else "PRIM found no box restricting any factor."), ""]
    for k, box in enumerate(boxes, 1):
        lines += [f"**Box {k}.** {sd.box_sentence(args.policy, target, box)}", ""]
        sd.tradeoff_figure(box, out_dir / f"tradeoff_box{k}.png", f"Box {k}: peeling trade-off")
        lines += [f"![Peeling trade-off, box {k}](tradeoff_box{k}.png)", ""]
        if sd.limits_figure(box, out_dir / f"limits_box{k}.png", f"Box {k}: limits"):
            lines += [f"![Box {k} limits](limits_box{k}.png)", ""]
        limits = pd.DataFrame({
            "factor": list(box.limits),
            "box": [" / ".join(v) if isinstance(v[0], str) else f"{fmt_number(v[0])} – {fmt_number(v[1])}"
                    for v in box.limits.values()],
            "design range": [" / ".join(r) if isinstance(r[0], str) else f"{fmt_number(r[0])} – {fmt_number(r[1])}"
                             for r in box.ranges.values()],
            "quasi-p": [f"{box.qp[n]:.2g}" for n in box.limits],
        })
        lines += [to_markdown(limits), ""]
    n_small = len(hit) < 200
    if n_small:
        lines += [f"**Quick mode: {len(hit)} points, one seed each.** Box limits move by several percent of a range "
                  "between designs of this size; use `--n 512` before quoting a limit.", ""]
    lines += ["## CART cross-check", "",
              "A classification tree (scikit-learn, depth 3; weights: [points missing, points reaching] the target):",
              "", "```", cart.rstrip(), "```", ""]
    ftable = pd.DataFrame({
        "unknown": [f.name for f in factors],
        "range": [" / ".join(f.choices) if f.choices else f"{fmt_number(f.lo)} – {fmt_number(f.hi)}" for f in factors],
        "config key": [f"`{f.key}`" for f in factors],
        "source": [f.source for f in factors],
    })
    lines += [
        "## Design", "",
        f"Reference scenario, policy `{args.policy}`, population `{args.population}`, seed 0 for every point, "
        f"overrides `{' '.join(base) or 'none'}`. {len(design)} Latin-hypercube points (scipy, seed {args.sample_seed}) "
        "over each factor's declared plausible range:", "",
        to_markdown(ftable), "",
        "## Method", "",
        f"- PRIM (EMA Workbench; peel alpha 0.05, minimum mass 0.05) on the binary outcome `{target.outcome}` "
        f"{target.sign} {target.threshold:g}; each box is the point of its peeling trajectory with the best balance "
        f"(harmonic mean) of coverage and density among those whose density is at least {args.density:g}; restrictions "
        "whose quasi-p value (Bryant and Lempert 2010) is above 0.05 are dropped where the density stays above that, and "
        "those kept with a quasi-p value above 0.05 are reported as trims the sample does not support. Coverage: share of the points reaching the target that fall in "
        "the box; density: share of the box's points that reach it. Later boxes cover what earlier ones left.",
        "- The same code path recovers a known box on a synthetic function (tests/test_discover.py).",
        *(["- Quick mode: one seed per point, so run noise is part of the outcome."] if n_small else []),
        "", "Per-point inputs and outcome: `design.csv`.", "",
        *report.reproduce_section(__file__, args.argv, command, sweep_dir, sweeps.code_versions(runs)),
    ]
    return report.write_report(out_dir, "\n".join(lines) + "\n", f"Scenario discovery: {args.policy}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        target = sd.Target.declared(args.outcome, args.threshold, args.above)
        factors = sd.factors(args.factors.split(",") if args.factors else None)
    except (KeyError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    base = [f"population={args.population}", *(MARKET if args.market else ())]
    overrides = [f"policy={args.policy}", *base, *args.overrides]
    design = sd.lhs_design(factors, args.n, args.sample_seed)
    config, _ = sweeps.split_overrides(overrides)
    tag = hashlib.sha256(f"{args.n} {args.sample_seed} {' '.join(sorted(config))} "
                         f"{[(f.key, f.bounds) for f in factors]}".encode()).hexdigest()[:8]
    sweep_dir = args.from_dir or args.sweep_dir or sweeps.read_sweep_dir("discover").with_name(f"discover-{tag}")
    try:
        if args.from_dir:
            runs, command = match_points(sweeps.load_runs(sweep_dir), [f"p{i:05d}" for i in range(args.n)]), None
        else:
            print(f"{args.n} runs into {sweep_dir}; finished runs are skipped")
            runs, command = run_design(args, factors, design, overrides, sweep_dir)
    except sweeps.SweepError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if target.outcome not in runs.columns:
        print(f"error: the runs have no outcome {target.outcome!r}", file=sys.stderr)
        return 1
    values = runs[target.outcome].astype(float)
    hit = sd.success(values, target)
    x = design.copy()
    boxes = sd.find_boxes(x, hit, density=args.density, max_boxes=args.max_boxes)
    cart = sd.cart_rules(x, hit) if 0 < hit.sum() < len(hit) else "(no tree: every point, or none, reaches the target)"
    out_dir = report.new_results_dir("discover", args.results)
    path = build_report(args, factors, design, values, target, boxes, cart, base + list(args.overrides), command,
                        sweep_dir, runs, out_dir)
    print(f"{int(hit.sum())}/{len(hit)} points reach {target.text()}")
    for k, box in enumerate(boxes, 1):
        print(f"box {k}: {sd.box_sentence(args.policy, target, box)}")
    print(f"\nreport: {path}\n        {path.with_suffix('.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

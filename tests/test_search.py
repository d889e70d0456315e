"""The attacker's best-response search: the space from the declarations, the search on a toy objective, resume,
and one tiny real search through the sweep machinery (experiments/best_response.py)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pandas as pd
import pytest

from experiments import best_response as br
from experiments.analysis import search as sr
from sim.config.roles import declaration

# --------------------------------------------------------------------------- the space

TOY_SPACE = {
    "attacker.pace_per_account_day": {"scale": "log"},
    "attacker.accounts_per_identity": {"scale": "log"},
    "attacker.responses.compartmentalise": None,
    "attacker.spare_fraction": None,
}


def test_the_space_is_the_declared_plausible_ranges() -> None:
    space = {d.key: d for d in sr.search_space(TOY_SPACE)}
    pace, ident = space["attacker.pace_per_account_day"], space["attacker.accounts_per_identity"]
    assert (pace.lo, pace.hi) == declaration("attacker.pace_per_account_day").plausible and pace.scale == "log"
    assert not pace.integer
    assert (ident.lo, ident.hi) == declaration("attacker.accounts_per_identity").plausible and ident.integer
    assert space["attacker.responses.compartmentalise"].choices == (False, True)
    narrow = sr.dimension("attacker.cot_share", {"range": [0.2, 0.4]})
    assert (narrow.lo, narrow.hi) == (0.2, 0.4)


@pytest.mark.parametrize(("key", "spec", "says"), [
    ("attacker.footprint", None, "attacker.footprint: declares no plausible range"),
    ("scenario.operators[0].provider_shares", None, "inside a list"),
    ("policy.detector.threshold", None, "not 'strategy'"),
    ("attacker.spare_fraction", {"scale": "log"}, "a log scale needs a range above 0"),
    ("attacker.cot_share", {"range": [0.0, 0.9]}, "not inside the declared plausible range [0.1, 0.6]"),
    ("attacker.accounts_per_payment", {"integer": False}, "integer count"),
    ("attacker.no_such_knob", None, "attacker.no_such_knob"),
    ("attacker.name", None, "not a number or a switch"),
])
def test_a_leaf_that_cannot_be_searched_is_refused_in_one_line(key: str, spec, says: str) -> None:
    with pytest.raises(sr.SearchSpaceError) as err:
        sr.dimension(key, spec)
    message = str(err.value)
    assert says in message and key.split("[")[0] in message and "\n" not in message


def test_a_provider_share_point_composes_and_validates(tmp_path: Path) -> None:
    """The target provider's share of new accounts, the rest split over the others: a point's file sets
    list items (through run.item_overrides) and composes to shares that sum to 1, as the command line would."""
    from experiments.analysis import sweeps
    from sim.config.compose import compose
    from sim.sweeps.store import run_identity

    full = br.SearchConfig.load("full")
    key = "scenario.operators.0.provider_shares.0"
    space = sr.search_space({key: full.dimensions[key]})
    assert (space[0].lo, space[0].hi) == (0.0, 1.0)
    overrides = sr.point_overrides(space, {key: 0.4}, br.base_values("wide_slow", space))
    assert overrides == [f"{key}=0.4", "scenario.operators.0.provider_shares.1=0.3",
                         "scenario.operators.0.provider_shares.2=0.3"]
    search = sweeps.write_points(tmp_path, br.GROUP, {"p": overrides}, "a test point")
    cfg = compose([f"+sweep={br.SWEEP}", search, f"+{br.GROUP}=p"])
    assert cfg.scenario.operators[0].provider_shares == pytest.approx([0.4, 0.3, 0.3])
    assert cfg.run.item_overrides == []
    direct = compose([f"+sweep={br.SWEEP}", "scenario.operators.0.provider_shares=[0.4,0.3,0.3]"])
    assert run_identity(cfg) == run_identity(direct)


def test_an_item_override_naming_no_item_is_refused_in_one_line() -> None:
    from sim.config import ConfigError
    from sim.config.compose import compose

    with pytest.raises(ConfigError, match=r"run\.item_overrides=\['scenario\.operators\.5\.budget_usd=1'\]; allowed") as err:
        compose(['run.item_overrides=["scenario.operators.5.budget_usd=1"]'])
    assert "\n" not in str(err.value)


def test_the_shipped_search_configs_derive_their_spaces() -> None:
    quick, full = br.SearchConfig.load("quick"), br.SearchConfig.load("full")
    assert len(sr.search_space(quick.dimensions)) <= 11 < len(sr.search_space(full.dimensions))
    assert "population=none" in quick.overrides and quick.objective == "harvest" and quick.budget_usd is None
    # the re-evaluation replaces the trials' population and keeps every other override
    assert quick.fresh_run_overrides("none", ["seed=3"]) == ["policy=none", "seed=3", "population=default"]
    assert quick.design("none", []) == dataclasses.replace(quick, fresh_overrides=()).design("none", [])


def test_a_share_and_its_rest_sum_to_one() -> None:
    space = sr.search_space({"attacker.proxy_mix.residential_proxy": {
        "rest": ["attacker.proxy_mix.mobile_proxy", "attacker.proxy_mix.datacenter"]}})
    base = br.base_values("wide_slow", space)
    overrides = dict(o.split("=") for o in sr.point_overrides(space, {"attacker.proxy_mix.residential_proxy": 0.55}, base))
    shares = {k.rsplit(".", 1)[1]: float(v) for k, v in overrides.items()}
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-12)
    assert shares["mobile_proxy"] == pytest.approx(2 * shares["datacenter"])  # wide_slow's 0.2 : 0.1


# --------------------------------------------------------------------------- the search on a toy objective

OPTIMUM = 0.5  # at pace 40, 3 accounts per identity, compartmentalise on, spare 0.2


def toy(point) -> float:
    return (-math.log(point["attacker.pace_per_account_day"] / 40) ** 2 - (point["attacker.accounts_per_identity"] - 3) ** 2 / 10
            + (0.5 if point["attacker.responses.compartmentalise"] else 0.0) - (point["attacker.spare_fraction"] - 0.2) ** 2)


class Toy:
    """The toy objective as an evaluator, counting the points it is asked; raises after ``stop_after`` batches."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.points: list[dict] = []
        self.batches = 0
        self.stop_after = stop_after

    def __call__(self, points):
        if self.stop_after is not None and self.batches >= self.stop_after:
            raise KeyboardInterrupt
        self.batches += 1
        self.points += [dict(p) for p in points]
        return [sr.Evaluation(toy(p)) for p in points]


SETTINGS = sr.SearchSettings(trials=60, batch=5, seed=0, startup_trials=8)


def search(journal: Path, evaluate, settings: sr.SearchSettings = SETTINGS):
    return sr.run_search(sr.search_space(TOY_SPACE), evaluate, settings, journal, log=lambda s: None)


def test_the_search_finds_the_toy_optimum_deterministically(tmp_path: Path) -> None:
    """60 trials in batches of 5: within 0.05 of the maximum, the integer and the switch exact; same trials twice."""
    first = search(tmp_path / "a.journal", Toy())
    best = sr.best(first).params
    assert sr.best(first).value == pytest.approx(OPTIMUM, abs=0.05)
    assert 40 / 1.3 < best["attacker.pace_per_account_day"] < 40 * 1.3
    assert best["attacker.accounts_per_identity"] == 3 and best["attacker.responses.compartmentalise"] is True
    again = sr.trace(search(tmp_path / "b.journal", Toy()))
    pd.testing.assert_frame_equal(sr.trace(first), again)
    assert again["best"].is_monotonic_increasing


def test_an_interrupted_search_goes_on_as_if_it_had_not_stopped(tmp_path: Path) -> None:
    whole = sr.trace(search(tmp_path / "whole.journal", Toy()))
    journal = tmp_path / "cut.journal"
    with pytest.raises(KeyboardInterrupt):  # stopped after 3 batches, the 4th asked and never told
        search(journal, Toy(stop_after=3))
    rest = Toy()
    resumed = sr.trace(search(journal, rest))
    pd.testing.assert_frame_equal(whole, resumed)
    assert len(rest.points) == SETTINGS.trials - 15  # the asked-but-untold batch first, then the rest
    assert rest.points[:5] == [dict(p) for p in whole.loc[15:19, list(TOY_SPACE)].to_dict("records")]


def test_a_finished_search_evaluates_nothing_and_more_trials_continue_it(tmp_path: Path) -> None:
    journal = tmp_path / "s.journal"
    search(journal, Toy(), sr.SearchSettings(trials=30, batch=5, seed=0, startup_trials=8))
    idle = Toy()
    search(journal, idle, sr.SearchSettings(trials=30, batch=5, seed=0, startup_trials=8))
    assert idle.points == []
    more = Toy()
    longer = sr.trace(search(journal, more))
    pd.testing.assert_frame_equal(longer, sr.trace(search(tmp_path / "whole.journal", Toy())))
    assert len(more.points) == 30


def test_a_journal_of_another_space_is_refused(tmp_path: Path) -> None:
    journal = tmp_path / "s.journal"
    search(journal, Toy(), sr.SearchSettings(trials=5, batch=5, seed=0, startup_trials=8))
    with pytest.raises(sr.SearchSpaceError, match="another strategy space"):
        sr.run_search(sr.search_space({"attacker.cot_share": None}), Toy(), SETTINGS, journal, log=lambda s: None)


def test_constraints_and_ties_pick_the_best_trial(tmp_path: Path) -> None:
    """Infeasible points never win; among equal values the lowest tie-break does (a capped harvest, the cost)."""
    def capped(points):
        return [sr.Evaluation(min(p["attacker.cot_share"], 0.4), constraint=p["attacker.cot_share"] - 0.5,
                              tiebreak=-p["attacker.cot_share"]) for p in points]

    study = sr.run_search(sr.search_space({"attacker.cot_share": None}), capped,
                          sr.SearchSettings(trials=20, batch=5, seed=1, startup_trials=5), tmp_path / "c.journal",
                          log=lambda s: None)
    best, frame = sr.best(study), sr.trace(study)
    feasible_at_cap = frame[(frame["attacker.cot_share"] <= 0.5) & (frame["attacker.cot_share"] >= 0.4)]
    assert best.params["attacker.cot_share"] <= 0.5
    if len(feasible_at_cap):
        assert best.params["attacker.cot_share"] == feasible_at_cap["attacker.cot_share"].max()


def test_the_worst_case_is_the_cheapest_strategy_that_reaches_the_target() -> None:
    rows = [("found", 28.8e6, 30e3, 0.0), ("wide_slow", 28.8e6, 26e3, 0.0), ("churn", 20e6, 10e3, 0.3)]
    fresh = pd.DataFrame([{"strategy": s, br.HARVEST: h, br.COST: c, br.BLOCKED: b, "target_reached_fraction": 0.99}
                          for s, h, c, b in rows])
    assert br.worst_case(fresh, br.OBJECTIVES["harvest"]) == "wide_slow"
    assert br.worst_case(fresh, br.OBJECTIVES["cost"]) == "wide_slow"  # churn is cheaper but misses the target
    short = fresh.assign(**{br.BLOCKED: [0.2, 0.25, 0.3], br.HARVEST: [23e6, 21.6e6, 20e6]})
    assert br.worst_case(short, br.OBJECTIVES["harvest"]) == "found"  # nobody reaches it: the largest harvest


def test_the_harvest_value_ranks_ties_by_cost_and_never_reorders_harvests() -> None:
    """At the target every strategy ties; the cheaper must rank higher, and one exchange more must always win."""
    evaluator = br.SimulatorEvaluator(Path("."), (), "wide_slow", (), (), (0, 1, 2), br.OBJECTIVES["harvest"])

    def value(harvests, cost):
        runs = pd.DataFrame({c: [0.0] * 3 for c in br.READ} | {br.HARVEST: harvests, br.COST: [cost] * 3,
                                                              br.TARGET: [28.8e6] * 3, "target_reached_fraction": [0.99] * 3})
        return evaluator.evaluation(runs).value

    cap = 0.99 * 28.8e6
    assert value([28.8e6] * 3, 20e3) > value([28.8e6] * 3, 30e3) > cap
    assert value([28.8e6, 28.8e6, 28.5e6], 1.0) < cap  # one seed short of the target
    assert value([20e6, 20e6, 20e6 + 1], 1e6) > value([20e6] * 3, 1.0)  # a third of an exchange more beats any cost


def test_the_cost_value_is_feasible_only_when_the_target_is_reached() -> None:
    evaluator = br.SimulatorEvaluator(Path("."), (), "wide_slow", (), (), (0, 1), br.OBJECTIVES["cost"])

    def evaluation(blocked):
        runs = pd.DataFrame({c: [1.0] * 2 for c in br.READ} | {br.COST: [20e3, 30e3], br.BLOCKED: blocked,
                                                              "target_reached_fraction": [0.99] * 2})
        return evaluator.evaluation(runs)

    assert evaluation([0.0, 0.0]).value == 25e3 and evaluation([0.0, 0.0]).constraint <= 0
    assert evaluation([0.0, 0.05]).constraint > 0  # a mean blocked share of 2.5% misses the target
    assert br.SearchConfig.load("quick").run_overrides("none", [])[:2] == ["policy=none", "population=none"]
    budget = dataclasses.replace(br.SearchConfig.load("quick"), budget_usd=5e5)
    assert f"{br.BUDGET_KEY}=500000.0" in budget.run_overrides("none", [])
    assert budget.design("none", []) != br.SearchConfig.load("quick").design("none", [])


# --------------------------------------------------------------------------- one tiny real search

TINY_RUNS = ["scenario.end_date=2026-04-29"]  # an 8-day window, attacker only (the search config's population=none)


def test_a_tiny_real_search_runs_resumes_and_replays_from_the_store(tmp_path: Path) -> None:
    """2 trials x 1 seed, population=none, through the sweep machinery; then again (nothing simulated), then
    with the study's journal deleted (the same trials replayed from the run store, nothing simulated)."""
    cfg = br.SearchConfig(name="tiny", base_attacker="wide_slow", objective="harvest", budget_usd=None, trials=2, batch=2,
                          startup_trials=2, sampler_seed=0, seeds=(0,), fresh_seeds=(1000,), overrides=("population=none",), fresh_overrides=(),
                          dimensions={"attacker.pace_per_account_day": {"scale": "log"},
                                      "attacker.responses.compartmentalise": {}})
    space = sr.search_space(cfg.dimensions)
    sweep = tmp_path / "sweep"
    first = br.search_policy("status_quo", cfg, space, TINY_RUNS, [], 1, sweep)
    assert first.simulated == 2 + 2 + 3 and first.replayed == 0  # 2 trials, 2 presets on the search seed, 3 fresh
    assert len(first.trace) == 2 and first.trace["feasible"].all() and first.best is not None
    assert set(first.fresh["strategy"]) == {"found", "wide_slow", "churn"} and first.worst in {"found", "wide_slow", "churn"}
    assert (first.fresh[br.HARVEST] > 0).all()
    again = br.search_policy("status_quo", cfg, space, TINY_RUNS, [], 1, sweep)
    assert again.simulated == 0 and again.replayed == 5
    (sweep / br.JOURNAL).unlink()
    replayed = br.search_policy("status_quo", cfg, space, TINY_RUNS, [], 1, sweep)
    assert replayed.simulated == 0 and replayed.replayed == 7
    pd.testing.assert_frame_equal(first.trace, replayed.trace)
    path, table = br.build_report([replayed], cfg, space, [], tmp_path)
    assert path.is_file() and path.with_suffix(".html").is_file() and (tmp_path / "trace.png").is_file()
    assert "| status_quo |" in table

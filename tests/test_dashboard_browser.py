"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright.

The server runs in a subprocess on a free port of 127.0.0.1, as a reader would start it. The
test picks an attacker-only run (population=none) with a budget that binds (a second or two),
runs it, changes the budget, runs again, and checks that the chart and the numbers changed and that every number shown
equals the command line's for the same overrides (``sim.run(sim.compose(overrides))``). A
refused value shows the command line's one-line message. Skipped when /usr/bin/chromium or
the playwright package is missing (``.ci/run`` installs Chromium; ``playwright install``
downloads a browser, which this project never does).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.dashboard import runs, tables
from sim.dashboard.browser import CHROMIUM, browser_page, dashboard_server, select_option, set_lever

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no {CHROMIUM} (apt-get install chromium)")
pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed (pip install -e '.[test]')")

SHOWN = tables.CAMPAIGN + tables.COST + tables.COLLATERAL


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    with dashboard_server() as served, browser_page(tmp_path_factory.mktemp("profile")) as p:
        p.goto(served.url)
        p.wait_for_selector(".dash-run", timeout=60_000)
        yield p


def _shown_numbers(page) -> dict[str, str]:
    return {k: page.locator(f'tr[data-key="{k}"] td').nth(1).inner_text() for k in SHOWN}


def _harvest_trace(page) -> list[float]:
    """The y values of the harvest chart's first trace, as plotly.js drew them (the chart's frame)."""
    plot = page.frame_locator("iframe.dash-chart").first.locator(".js-plotly-plot")
    return plot.evaluate("el => Array.from(el.data[0].y)")


def _run_and_wait(page, overrides: list[str]) -> None:
    from playwright.sync_api import expect

    command = "distill-sim " + " ".join(overrides)
    expect(page.locator(".dash-command")).to_have_text(command, timeout=30_000)
    page.locator(".dash-run").click()
    page.locator(".dash-progress").wait_for(timeout=30_000)  # the run goes on in the background, with its progress
    page.locator(".dash-shown", has_text=command).wait_for(timeout=60_000)
    page.frame_locator("iframe.dash-chart").first.locator(".js-plotly-plot .scatterlayer").wait_for(timeout=30_000)


def test_a_run_shows_the_command_lines_numbers_and_updates_when_a_lever_changes(page) -> None:
    import sim

    groups = ["scenario=qwen_2026", "attacker=wide_slow", "policy=status_quo", "population=none"]
    select_option(page, "legitimate users", "none")
    # Budgets that bind (the campaign stops short of its target): runs of a second or two.
    set_lever(page, "attacker budget", "100000")
    _run_and_wait(page, [*groups, "scenario.operators.0.budget_usd=100000"])
    first_numbers, first_trace = _shown_numbers(page), _harvest_trace(page)

    set_lever(page, "attacker budget", "300000")
    bound = [*groups, "scenario.operators.0.budget_usd=300000"]
    _run_and_wait(page, bound)
    numbers, trace = _shown_numbers(page), _harvest_trace(page)

    expected = sim.run(sim.compose(bound)).metrics
    assert numbers == {k: tables.fmt(expected[k], k) for k in SHOWN}
    assert numbers != first_numbers and trace != first_trace
    assert trace[-1] == pytest.approx(expected["exchanges_harvested_incl_overrun"], rel=1e-9)


def test_a_refused_value_shows_the_command_lines_one_line_message(page) -> None:
    from playwright.sync_api import expect

    set_lever(page, "detector threshold", "high")
    expect(page.locator(".dash-command")).to_contain_text("policy.detector.threshold=high", timeout=30_000)
    bad = page.locator(".dash-command").inner_text().removeprefix("distill-sim ").split()
    with pytest.raises(runs.Refused) as refused:  # the command line's message: tests/test_dashboard.py
        runs.composed(bad)
    assert "policy.detector.threshold=high" in str(refused.value)
    page.locator(".dash-run").click()
    expect(page.locator(".dash-error")).to_have_text(str(refused.value), timeout=30_000)

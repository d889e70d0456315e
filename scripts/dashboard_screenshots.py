"""Screenshots of the dashboard's three views, for the README: docs/figures/dashboard_{run,compare,results}.png.

    python scripts/dashboard_screenshots.py SWEEP_DIR

SWEEP_DIR is a collected sweep for the Results view, e.g. (15 runs, about a minute on one core)::

    python -m sim -m +sweep=compare_quick attacker=wide_slow 'seed=range(0,3)' \\
        policy=none,status_quo,volume_cap,identity_gating,cross_provider_sharing \\
        hydra.sweep.dir=/tmp/dash_sweep hydra.launcher.n_jobs=1
    python -m sim.sweeps.collect /tmp/dash_sweep

The Run view runs the reference campaign under the status quo (seed 0, the default
population); the Compare view runs the status quo against identity gating on seeds 0-2
without legitimate users. Needs Debian's Chromium (/usr/bin/chromium) and playwright.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from sim.dashboard.browser import browser_page, dashboard_server

FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", help="a collected sweep folder (holds runs.parquet)")
    parser.add_argument("--out", type=Path, default=FIGURES, help=f"where to write the PNGs (default {FIGURES})")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with dashboard_server() as served, tempfile.TemporaryDirectory() as profile, browser_page(Path(profile), height=1800) as page:
        page.goto(served.url)
        page.locator(".dash-run").click()
        page.locator(".dash-shown").wait_for(timeout=180_000)
        page.wait_for_timeout(1500)  # the charts draw after their data arrives
        page.screenshot(path=str(args.out / "dashboard_run.png"), full_page=True)

        page.get_by_role("tab", name="Compare").click()
        page.locator(".dash-compare").click()
        page.locator('.dash-pair tr[data-key="campaign_blocked_share"]').wait_for(timeout=300_000)
        page.screenshot(path=str(args.out / "dashboard_compare.png"), full_page=True)

        page.get_by_role("tab", name="Results").click()
        field = page.locator(".v-text-field", has=page.locator("label", has_text="sweep folder")).locator("input")
        field.fill(args.sweep_dir)
        field.press("Tab")
        page.locator(".dash-open").click()
        page.frame_locator("iframe.dash-chart").last.locator(".js-plotly-plot .scatterlayer").wait_for()
        page.wait_for_timeout(1500)
        points = page.frame_locator("iframe.dash-chart").last.locator(".scatterlayer .point")
        box = points.nth(points.count() // 2).bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # a hover label, as a reader sees it
        page.wait_for_timeout(500)
        page.screenshot(path=str(args.out / "dashboard_results.png"), full_page=True)
    for name in ("run", "compare", "results"):
        print(args.out / f"dashboard_{name}.png")


if __name__ == "__main__":
    main()

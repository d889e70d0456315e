"""Reports are safe to receive (nothing a received file says can run or read files) and good
to send (one self-contained HTML page, no local absolute paths)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from experiments.analysis.report import ROOT, display_path, markdown_to_html, write_report

PAYLOADS = [
    '<img src=x onerror="alert(1)">',
    "<script>alert(1)</script>",
    '![x](y.png"onerror="alert(1))',
    "[click](javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    '[x](a"onmouseover="alert(1))',
    "![x](../../etc/passwd.png)",
    "`<b>code</b>`",
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("where", ["heading", "paragraph", "table", "list"])
def test_no_payload_survives_as_markup(payload: str, where: str) -> None:
    cell = payload.replace("|", "\\|")
    md = {
        "heading": f"## Policy {payload}",
        "paragraph": f"The preset {payload} blocks nothing.",
        "table": f"| policy | blocked |\n|---|---|\n| {cell} | 0% |",
        "list": f"- {payload}\n- other",
    }[where]
    page = markdown_to_html(md)
    body = page.split("<body>", 1)[1]
    assert "<script" not in body and "<img src=x" not in body
    assert not re.search(r"<[^>]+\son\w+\s*=", body), body  # no event-handler attribute in any tag
    assert "javascript:" not in re.sub(r"\([^)]*\)|>[^<]*<", "", body)  # only as visible text, never as a target
    assert not re.search(r'href="(javascript|data):', body) and "../" not in "".join(re.findall(r'src="([^"]*)"', body))


def test_the_html_report_embeds_its_figures(tmp_path: Path) -> None:
    png = tmp_path / "pareto.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 32)
    write_report(tmp_path, "# Results\n\n![Pareto](pareto.png)\n\n*emphasis* and **strong**\n", "t")
    page = (tmp_path / "report.html").read_text()
    assert 'src="data:image/png;base64,' in page and 'src="pareto.png"' not in page
    assert "<em>emphasis</em>" in page and "<strong>strong</strong>" in page


def test_paths_in_reports_are_not_local_absolute_paths(tmp_path: Path) -> None:
    assert display_path(ROOT / "results" / "sweeps" / "compare_quick") == "results/sweeps/compare_quick"
    assert display_path(Path("results/sweeps/x")) == "results/sweeps/x"
    assert not display_path(tmp_path / "sweeps" / "mine").startswith("/")


def test_no_winner_is_named_when_nothing_blocks_and_intervals_stay_feasible() -> None:
    import pandas as pd

    from experiments.analysis import comparison
    from sim.record import estimates

    est = estimates.mean_ci([0.0, 0.0, 0.01, 0.0], lo=0.0, hi=1.0)
    assert est.lo >= 0.0 and est.hi <= 1.0
    assert estimates.mean_ci([0.0, 0.0, 9.0], lo=0.0).lo == 0.0  # a count's interval never goes negative
    assert estimates.feasible_range("campaign_blocked_share", [0.1]) == (0.0, 1.0)
    table = pd.DataFrame({"stratum": ["churn", "churn"], "policy": ["a", "b"],
                          "campaign_blocked_share": [0.0, 0.001], "campaign_blocked_share.lo": [0.0, -0.001],
                          "campaign_blocked_share.hi": [0.0, 0.003], "campaign_blocked_share.n": [10, 10],
                          comparison.HARMED: [1.0, 2.0]})
    (line,) = comparison.headline(table, "a")
    assert "no policy blocks a measurable share" in line and "blocks the most:" not in line


def test_a_received_policy_name_never_reads_a_file_outside_the_presets() -> None:
    from experiments.compare import policy_blurb

    assert policy_blurb("../../../etc/hosts") == "(not a preset of this project)"
    assert policy_blurb("status_quo") and "not a preset" not in policy_blurb("status_quo")


@pytest.mark.parametrize("payload", ['<img src=x onerror="alert(1)">', "[x](javascript:alert(1))", "<script>alert(1)</script>"])
def test_a_comparison_of_received_runs_with_payloads_in_every_config_string_is_safe_and_good_to_send(tmp_path: Path, payload: str) -> None:
    """compare.py --from on a received sweep whose policy, attacker, scenario and population names
    carry a payload: nothing in report.html is markup from them; results come before the method,
    the seed count is warned about (6 < 10) and the reproduce command is there whole."""
    import importlib.util

    import numpy as np
    import pandas as pd

    from .test_compare import synthetic_runs

    runs = synthetic_runs()
    runs["policy.name"] = runs["policy.name"].replace({"strong": payload})
    for column in ("attacker.name", "scenario.name", "population.name"):
        runs[column] = runs[column] + payload
    runs["run_identity"] = [f"r{i:04d}" for i in range(len(runs))]
    sweep = tmp_path / "sweep"
    for ident in runs["run_identity"]:
        day = np.arange(60)
        (sweep / "runs" / ident).mkdir(parents=True)
        pd.DataFrame({"day": day, "attacker_harvested_cum": np.minimum(1e6 * (day + 1), 28_800_000),
                      "legit_users_wrongly_banned_expected": 1.0, "legit_refused_real": 1.0, "legit_requested_real": 100.0,
                      "legit_signups_lost_cum": 10.0 * (day + 1)}).to_parquet(sweep / "runs" / ident / "daily.parquet")
    runs.to_parquet(sweep / "runs.parquet")
    spec = importlib.util.spec_from_file_location("compare_script", ROOT / "experiments" / "compare.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["--from", str(sweep), "--no-collect", "--results", str(tmp_path / "results")]) == 0
    (out,) = (tmp_path / "results" / "compare").iterdir()
    body = (out / "report.html").read_text().split("<body>", 1)[1]
    assert "<script" not in body and "<img src=x" not in body
    assert not re.search(r"<[^>]+\son\w+\s*=", body)
    assert not re.search(r'href="(javascript|data):', body)
    assert "alert(1)" in body  # the names are shown, as text
    md = (out / "report.md").read_text()
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings.index("## Results") < headings.index("## Method") < headings.index("## Reproduce")
    assert "**Warning: only 6 seeds.**" in md
    command = f"python experiments/compare.py --from {sweep} --no-collect --results {tmp_path / 'results'}"
    assert f"```\n{command}\n```" in md.split("## Reproduce", 1)[1]  # whole, on one line


def test_every_preset_has_a_plain_name_and_one_colour_whatever_the_figure_shows() -> None:
    from experiments.analysis import plots
    from sim.config.names import PLAIN, options, policy_label

    presets = options("policy")
    assert set(presets) <= set(PLAIN)  # a plain name written for every shipped preset
    assert policy_label("identity_gating") == "identity gating"
    colours = {p: plots.policy_colors([p])[p] for p in presets}
    assert len(set(colours.values())) == len(presets)  # one colour each
    for shown in (presets[:3], presets[-4:], ["status_quo", "mine"]):
        assert all(plots.policy_colors(shown)[p] == colours.get(p, plots.policy_colors([p])[p]) for p in shown)


def test_a_share_axis_spans_at_least_its_minimum_so_seed_noise_is_not_a_front(tmp_path: Path, monkeypatch) -> None:
    import numpy as np
    import pandas as pd

    from experiments.analysis import plots

    shown = []
    monkeypatch.setattr(plots.plt, "close", shown.append)  # keep the figure to read its axes
    table = pd.DataFrame({"stratum": "churn", "policy": ["status_quo", "identity_gating"],
                          "harmed": [1.0, 2.0], "harmed.lo": [0.5, 1.5], "harmed.hi": [1.5, 2.5],
                          "blocked": [0.00001, 0.00002], "blocked.lo": [0.0, 0.00001], "blocked.hi": [0.00002, 0.00003]})
    plots.pareto(table, np.array([True, True]), "harmed", "blocked", "harmed", "blocked (%)", "t", tmp_path / "p.png",
                 plots.policy_colors(table["policy"]))
    (fig,) = shown
    lo, hi = fig.axes[0].get_ylim()
    assert hi - lo >= plots.MIN_SHARE_SPAN  # percentage points, not the 0.002 the points span

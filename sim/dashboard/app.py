"""The dashboard page (Solara): Run one configuration, Compare two, open a sweep's Results.

``Page`` is what the server serves (``SOLARA_APP=sim.dashboard.app``, see
:mod:`sim.dashboard.server`). The views hold their form state; what they compute comes from
:mod:`sim.dashboard.runs` (composing and simulating, in a background task so the page stays
responsive), :mod:`sim.dashboard.tables` and :mod:`sim.dashboard.results`. Charts are Plotly
figures, so a reader can hover for the exact values.
"""

from __future__ import annotations

import math
import time
from html import escape

import solara
import solara.lab

from sim.config.names import palette_index

from . import levers, results, runs, tables

TITLE = "distill-sim dashboard"
PLOTLY_JS = "/static/assets/plotly.min.js"  # served from Plotly's package (sim.dashboard.server)
CHART_HEIGHT, PARETO_HEIGHT = 330, 500
MIN_BLOCKED_SPAN = 10.0  # percent: the smallest span of the Pareto plot's blocked axis
CSS = """
.dash-table { border-collapse: collapse; font-size: 14px; margin: 4px 0 12px 0; }
.dash-table th, .dash-table td { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; }
.dash-table th { background: #f3f3f3; }
.dash-command { font-family: monospace; font-size: 13px; background: #f6f6f6; padding: 6px; white-space: pre-wrap; }
.dash-hint { color: #555; font-size: 12px; margin: -14px 0 10px 2px; }
"""


def page_of(fig) -> str:
    """A Plotly figure as a page of its own, loading plotly.js from the dashboard's server.

    Why not a figure widget: each widget ships the whole plotly.js bundle (5 MB) to the browser,
    every time one is created; a page that names the script lets the browser load it once.
    """
    return fig.to_html(include_plotlyjs=PLOTLY_JS, full_html=True, config={"displaylogo": False, "responsive": True})


@solara.component
def Chart(page: str, height: int):
    """A chart page (:func:`page_of`) in a frame the width of its column."""
    solara.HTML(tag="iframe", classes=["dash-chart"],
                attributes={"srcdoc": page, "style": f"width: 100%; height: {height + 20}px; border: 0;"})


def _hex(policy: str) -> str:
    """The fixed colour of a policy, as in the analyses' figures (tab20, by the preset's place)."""
    import matplotlib
    from matplotlib.colors import to_hex

    cmap = matplotlib.colormaps["tab20"]
    return to_hex(cmap(palette_index(policy, cmap.N)))


def harvest_figure(single: runs.Single):
    """Cumulative harvest against the campaign's target, per day."""
    import plotly.graph_objects as go

    d, target = single.daily, single.metrics["exchanges_target"]
    fig = go.Figure()
    fig.add_scatter(x=d["day"].tolist(), y=d["attacker_harvested_cum"].tolist(), mode="lines", name="harvested to date")
    fig.add_scatter(x=[d["day"].min(), d["day"].max()], y=[target, target], mode="lines", name="target",
                    line={"dash": "dash", "color": "#888"})
    fig.update_layout(title="cumulative harvest against the target", xaxis_title="day", yaxis_title="exchanges",
                      height=CHART_HEIGHT, margin={"l": 60, "r": 20, "t": 50, "b": 40}, legend={"orientation": "h", "y": -0.2})
    return fig


def accounts_figure(single: runs.Single):
    """The attacker's accounts banned each day, and active at each day's end."""
    import plotly.graph_objects as go

    d = single.daily
    fig = go.Figure()
    fig.add_bar(x=d["day"].tolist(), y=d["attacker_accounts_banned"].tolist(), name="banned that day", marker_color="#d62728")
    fig.add_scatter(x=d["day"].tolist(), y=d["attacker_accounts_active"].tolist(), mode="lines", name="active at day's end",
                    yaxis="y2", line={"color": "#1f77b4"})
    fig.update_layout(title="the attacker's accounts", xaxis_title="day", yaxis={"title": "banned (accounts)"},
                      yaxis2={"title": "active (accounts)", "overlaying": "y", "side": "right"},
                      height=CHART_HEIGHT, margin={"l": 60, "r": 60, "t": 50, "b": 40}, legend={"orientation": "h", "y": -0.2})
    return fig


def pareto_figure(table, stratum: str):
    """Blocked share against legitimate users harmed, one point per arm with its intervals; hover names it."""
    import plotly.graph_objects as go

    sub = table[table["stratum"] == stratum].sort_values(tables.HARMED)
    fig = go.Figure()
    for _, row in sub.iterrows():
        def err(name: str, scale: float):
            lo, hi = row[f"{name}.lo"], row[f"{name}.hi"]
            if lo != lo:  # NaN: one seed, no interval
                return None
            return {"type": "data", "symmetric": False, "array": [(hi - row[name]) * scale], "arrayminus": [(row[name] - lo) * scale]}

        hover = (f"<b>{row['arm']}</b><br>blocked: {results.interval_text(row, results.BLOCKED, tables.fmt)}"
                 f"<br>harmed: {results.interval_text(row, tables.HARMED, tables.fmt)} per 100k real users"
                 f"<br>seeds: {row['seeds']}<extra></extra>")
        fig.add_scatter(x=[row[tables.HARMED]], y=[100 * row[results.BLOCKED]], mode="markers", name=row["arm"],
                        marker={"size": 12, "color": _hex(row["policy"]), "line": {"width": 1, "color": "#333"}},
                        error_x=err(tables.HARMED, 1.0), error_y=err(results.BLOCKED, 100.0), hovertemplate=hover)
    front = sub[sub["pareto"]]
    fig.add_scatter(x=front[tables.HARMED].tolist(), y=(100 * front[results.BLOCKED]).tolist(), mode="lines", name="Pareto front",
                    line={"color": "#999", "dash": "dot"}, hoverinfo="skip")
    # At least 0-10% on the blocked axis: seed noise of a few millionths must not look like a front.
    highs = [row[f"{results.BLOCKED}.hi"] if row[f"{results.BLOCKED}.hi"] == row[f"{results.BLOCKED}.hi"] else row[results.BLOCKED]
             for _, row in sub.iterrows()]
    top = 100 * max(highs, default=0.0)
    fig.update_layout(title=f"blocked share against users harmed (attacker: {stratum})",
                      xaxis_title=tables.HARMED_LABEL, yaxis_title="campaign blocked (%)", height=PARETO_HEIGHT,
                      yaxis={"range": [-0.5, max(MIN_BLOCKED_SPAN, 1.05 * top)]},
                      margin={"l": 70, "r": 20, "t": 60, "b": 50})
    return fig


def throttled(task, every: float = 0.25):
    """A progress callback that sets ``task.progress`` (in %) at most every ``every`` seconds, and at the end.

    Each update re-renders what reads the progress; a run reports every simulated day.
    """
    last = [-math.inf]

    def progress(share: float) -> None:
        now = time.monotonic()
        if now - last[0] >= every or share >= 1:
            last[0] = now
            task.progress = 100 * share

    return progress


@solara.component
def Progress(task, what: str):
    """A running task's progress bar; its own component, so an update re-renders only the bar."""
    solara.ProgressLinear(value=task.progress if task.progress is not None else True)
    solara.Text(f"{task.progress or 0:.0f}% {what}", classes=["dash-progress"])


@solara.component
def Numbers(title: str, metrics: dict, names: tuple[str, ...]):
    """A titled table of one run's outcomes, each with its unit and which direction is better."""
    rows = [{"key": k, "outcome": h, "value": v, "better": b} for k, h, v, b in tables.run_rows(metrics, names)]
    solara.HTML(tag="h4", unsafe_innerHTML=escape(title))
    solara.HTML(tag="div", unsafe_innerHTML=tables.html_table(rows, ["outcome", "value", "better"], key="key"))


@solara.component
def LeverInput(lever: levers.Lever, value: str, on_value, base):
    """One lever: a choice or a text field (any value the command line takes, ``inf`` included)."""
    d = lever.declared
    off = base is not None and lever.switch is not None and not levers.read(base, lever.switch)
    note = " (off under this policy: changing it turns it on)" if off else ""
    if lever.choices:
        solara.Select(label=lever.label + note, value=value, values=list(lever.choices), on_value=on_value)
    else:
        solara.InputText(label=lever.label + note, value=value, on_value=on_value, continuous_update=True)
    solara.HTML(tag="div", unsafe_innerHTML=escape(lever.hint()), classes=["dash-hint"], attributes={"title": d.doc or ""})


@solara.component
def RunView(on_overrides):
    """Pick the groups and levers, run in the background, show the charts and the outcomes."""
    groups, set_groups = solara.use_state(dict(levers.DEFAULT_GROUPS))
    group_list = [f"{g}={groups[g]}" for g in levers.GROUPS]

    def base_of():
        try:
            return runs.composed(group_list), None
        except runs.Refused as err:
            return None, str(err)

    base, base_error = solara.use_memo(base_of, dependencies=group_list)
    values, set_values = solara.use_state(levers.form_values(base) if base is not None else {})
    solara.use_effect(lambda: set_values(levers.form_values(base)) if base is not None else None, dependencies=group_list)
    overrides = levers.overrides(groups, values, base)
    solara.use_effect(lambda: on_overrides(overrides), dependencies=[" ".join(overrides)])

    def work(args: list[str]) -> runs.Single:
        return runs.run_one(args, throttled(task))

    task = solara.lab.use_task(work, dependencies=None, raise_error=False)
    options = levers.group_options()
    with solara.Columns([1, 2]):
        with solara.Column():
            for g in levers.GROUPS:
                solara.Select(label=levers.GROUP_LABELS[g], value=groups[g], values=options[g],
                              on_value=lambda v, g=g: set_groups({**groups, g: v}))
            for lever in levers.LEVERS:
                LeverInput(lever, values.get(lever.key, ""), lambda v, k=lever.key: set_values({**values, k: v}), base)
        with solara.Column():
            solara.HTML(tag="p", unsafe_innerHTML="The same run on the command line:")
            solara.HTML(tag="div", unsafe_innerHTML=escape("distill-sim " + " ".join(overrides)), classes=["dash-command"])
            solara.Button("Run", on_click=lambda: task(overrides), color="primary", disabled=task.pending,
                          classes=["dash-run"])
            if base_error:
                solara.Error(base_error)
            if task.pending:
                Progress(task, "of days simulated")
            elif task.error:
                solara.Error(str(task.exception), classes=["dash-error"])
            shown = task.latest
            # Built once per finished run, not at every render (a progress update re-renders the view).
            charts = solara.use_memo(lambda: shown and (page_of(harvest_figure(shown)), page_of(accounts_figure(shown))),
                                     dependencies=[id(shown)])
            if shown is not None:
                if task.pending:
                    solara.Text("(showing the previous run until this one finishes)")
                solara.Text("run: distill-sim " + " ".join(shown.overrides), classes=["dash-shown"])
                for html in charts:
                    Chart(html, CHART_HEIGHT)
                with solara.Columns([1, 1]):
                    Numbers("campaign", shown.metrics, tables.CAMPAIGN)
                    with solara.Column():
                        Numbers("the attacker's cost", shown.metrics, tables.COST)
                        Numbers("collateral on legitimate users", shown.metrics, tables.COLLATERAL)


@solara.component
def CompareView(run_overrides: list[str]):
    """Two configurations on the same seeds; A, B and the paired B - A per outcome."""
    a, set_a = solara.use_state("policy=status_quo population=none")
    b, set_b = solara.use_state("policy=identity_gating population=none")
    seeds, set_seeds = solara.use_state("0 1 2")

    def work(a_text: str, b_text: str, seeds_text: str) -> runs.Pair:
        return runs.run_pair(runs.parse_overrides(a_text), runs.parse_overrides(b_text), runs.parse_seeds(seeds_text), throttled(task))

    task = solara.lab.use_task(work, dependencies=None, raise_error=False)
    solara.HTML(tag="p", unsafe_innerHTML="Overrides as on the command line (<code>distill-sim ...</code>); both run on "
                "the same seeds (common random numbers: seed s is the same world under A and B).")
    with solara.Columns([1, 1]):
        with solara.Column():
            solara.HTML(tag="h4", unsafe_innerHTML="configuration A")
            solara.InputTextArea("configuration A", value=a, on_value=set_a, continuous_update=True, rows=2)
            solara.Button("A = the Run view's configuration",
                          on_click=lambda: set_a(" ".join(o for o in run_overrides if not o.startswith("seed="))),
                          text=True)
        with solara.Column():
            solara.HTML(tag="h4", unsafe_innerHTML="configuration B")
            solara.InputTextArea("configuration B", value=b, on_value=set_b, continuous_update=True, rows=2)
    solara.InputText("seeds (e.g. 0 1 2 or 0-4)", value=seeds, on_value=set_seeds, continuous_update=True)
    solara.Button("Compare", on_click=lambda: task(a, b, seeds), color="primary", disabled=task.pending,
                  classes=["dash-compare"])
    if task.pending:
        Progress(task, "of runs done")
    elif task.error:
        solara.Error(str(task.exception), classes=["dash-error"])
    pair = task.latest
    if pair is not None:
        table = tables.pair_table(pair.runs)
        seeds_note = ("means over seeds with 95% intervals; B - A paired by seed" if len(pair.seeds) >= 2
                      else "one seed: no intervals")
        solara.HTML(tag="p", unsafe_innerHTML=f"A: <code>{escape(' '.join(pair.a))}</code><br>B: <code>{escape(' '.join(pair.b))}"
                    f"</code><br>seeds: {' '.join(map(str, pair.seeds))} ({seeds_note})")
        solara.HTML(tag="div", unsafe_innerHTML=tables.html_table(table.to_dict("records"),
                                                                   ["outcome", "A", "B", "B - A", "better"], key="key"),
                    classes=["dash-pair"])


@solara.component
def ResultsView():
    """A collected sweep folder: the comparison table and the interactive Pareto plot."""
    folder, set_folder = solara.use_state("")
    opened, set_opened = solara.use_state(None)
    stratum, set_stratum = solara.use_state(None)
    error, set_error = solara.use_state("")

    def open_folder() -> None:
        try:
            table = results.summary(results.read_runs(folder))
        except results.NotASweep as err:
            set_error(str(err))
            return
        set_error("")
        set_opened(table)
        set_stratum(str(table["stratum"].iloc[0]))

    solara.HTML(tag="p", unsafe_innerHTML="A sweep folder collected with <code>python -m sim.sweeps.collect DIR</code> "
                "(it holds <code>runs.parquet</code>).")
    with solara.Row():
        solara.InputText("sweep folder", value=folder, on_value=set_folder, continuous_update=True)
        solara.Button("Open", on_click=open_folder, color="primary", classes=["dash-open"])
    if error:
        solara.Error(error, classes=["dash-error"])
    pareto = solara.use_memo(lambda: None if opened is None else page_of(pareto_figure(opened, stratum)),
                             dependencies=[id(opened), stratum])
    if opened is not None:
        strata = sorted(str(s) for s in opened["stratum"].unique())
        with solara.Row(style={"align-items": "center"}):
            solara.Text("attacker strategy:")
            solara.ToggleButtonsSingle(value=stratum, values=strata, on_value=set_stratum)
        sub = opened[opened["stratum"] == stratum].sort_values(results.BLOCKED, ascending=False)
        rows = [{"arm": r["arm"], "seeds": r["seeds"],
                 **{tables.heading(n): results.interval_text(r, n, tables.fmt) for n in results.SHOWN},
                 "on the Pareto front": "yes" if r["pareto"] else ""}
                for _, r in sub.iterrows()]
        columns = ["arm", "seeds", *[tables.heading(n) for n in results.SHOWN], "on the Pareto front"]
        Chart(pareto, PARETO_HEIGHT)
        solara.HTML(tag="div", unsafe_innerHTML=tables.html_table(rows, columns, key="arm"), classes=["dash-sweep"])


@solara.component
def Page():
    """The dashboard: three tabs sharing the Run view's configuration."""
    run_overrides, set_run_overrides = solara.use_state([])
    solara.Title(TITLE)
    solara.Style(CSS)
    with solara.Column(style={"padding": "12px", "max-width": "1500px"}):
        solara.HTML(tag="h2", unsafe_innerHTML=TITLE)
        solara.HTML(tag="p", unsafe_innerHTML="Simulate a distillation campaign against AI model APIs and the controls "
                    "that could stop it (docs/model.md); every number below is one the command line gives.")
        with solara.lab.Tabs():
            with solara.lab.Tab("Run"):
                RunView(set_run_overrides)
            with solara.lab.Tab("Compare"):
                CompareView(run_overrides)
            with solara.lab.Tab("Results"):
                ResultsView()

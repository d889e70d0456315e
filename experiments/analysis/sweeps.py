"""Running a sweep through the command line, collecting it, and loading its tables.

The analyses never import the simulator: a sweep is ``distill-sim -m
+sweep=<name> [overrides]`` in a subprocess (Hydra multirun with the joblib
launcher, content-addressed run folders, resumable), then ``python -m
sim.sweeps.collect SWEEP_DIR`` writes ``SWEEP_DIR/runs.parquet`` (see docs/sweeps.md).
Points that are not a grid (a table's rows, each with its own overrides) are
config files written under ``SWEEP_DIR/points/`` (:func:`write_points`) and run
as one more axis of the same multirun.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import shlex
import subprocess
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.sweeps.files import DAILY_FILE, RUNS_DIR, TABLE_FILE

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "conf"
POINTS_DIR = "points"  # under a sweep folder: the config files of program-written sweep points


class SweepError(RuntimeError):
    """A sweep could not be run, collected or read."""


@dataclass(frozen=True)
class SweepCommand:
    """One multirun of the command line: the sweep config, its overrides, where it writes."""

    sweep: str
    overrides: tuple[str, ...]
    sweep_dir: Path
    jobs: int | None = None

    def argv(self) -> list[str]:
        """The command line, with the launcher's worker count when given."""
        args = [sys.executable, "-m", "sim", "-m", f"+sweep={self.sweep}", f"hydra.sweep.dir={self.sweep_dir}"]
        if self.jobs is not None:
            args.append(f"hydra.launcher.n_jobs={self.jobs}")
        return args + list(self.overrides)

    def shell(self) -> str:
        """The same command as a user would type it (``distill-sim ...``)."""
        return shlex.join(["distill-sim", *self.argv()[3:]])


def add_sweep_arguments(parser: argparse.ArgumentParser, overrides_help: str) -> None:
    """The flags of an experiment that runs one sweep: ``--jobs``, ``--sweep-dir``, ``--from`` and extra overrides."""
    parser.add_argument("--jobs", type=int, default=None, help="parallel runs (default: the launcher's, one per core)")
    parser.add_argument("--sweep-dir", type=Path, help="where the runs go (default: the sweep config's hydra.sweep.dir, "
                        "with a suffix per set of extra overrides)")
    parser.add_argument("--from", dest="from_dir", type=Path, metavar="SWEEP_DIR",
                        help="analyse the runs already in SWEEP_DIR (collects it first); runs nothing")
    parser.add_argument("overrides", nargs="*", help=f"{overrides_help}; Hydra's own too, e.g. hydra/launcher=slurm for a cluster")


def available_options(group: str) -> list[str]:
    """Names of the options of a config group (``conf/<group>/*.yaml``)."""
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def expand_options(group: str, spec: str) -> list[str]:
    """Expand ``a,b,c`` or a glob (``*``, ``glob(*)``, ``glob(*,exclude=[x])``-free forms) to option names.

    Raises:
        SweepError: naming an option that does not exist in ``conf/<group>/``.
    """
    spec = spec.strip()
    if spec.startswith("glob(") and spec.endswith(")"):
        spec = spec[5:-1]
    known = available_options(group)
    names: list[str] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        if any(ch in part for ch in "*?["):
            names += [k for k in known if fnmatch.fnmatch(k, part) and k not in names]
        elif part in known:
            if part not in names:
                names.append(part)
        else:
            raise SweepError(f"{group}={part!r} is not an option; available: {', '.join(known)}")
    return names


def read_sweep_params(sweep: str) -> dict[str, str]:
    """The ``hydra.sweeper.params`` of ``conf/sweep/<sweep>.yaml`` (as strings)."""
    from omegaconf import OmegaConf  # a config reader, not the model

    path = CONF / "sweep" / f"{sweep}.yaml"
    if not path.is_file():
        raise SweepError(f"sweep={sweep!r}: no {path}; available: {', '.join(available_options('sweep'))}")
    conf = OmegaConf.load(path)
    params = OmegaConf.select(conf, "hydra.sweeper.params") or {}
    return {str(k): str(v) for k, v in params.items()}


def seed_list(spec: str) -> list[int]:
    """The seeds of a sweep config's ``seed`` axis: ``range(a,b)`` (or ``range(a,b,step)``) or a comma list."""
    spec = spec.strip()
    if spec.startswith("range(") and spec.endswith(")"):
        return list(range(*(int(v) for v in spec[6:-1].split(","))))
    return [int(v) for v in spec.split(",")]


def read_sweep_dir(sweep: str) -> Path:
    """The default ``hydra.sweep.dir`` of a sweep config (relative to the repository)."""
    from omegaconf import OmegaConf

    conf = OmegaConf.load(CONF / "sweep" / f"{sweep}.yaml")
    value = OmegaConf.select(conf, "hydra.sweep.dir")
    if value is None:
        raise SweepError(f"conf/sweep/{sweep}.yaml sets no hydra.sweep.dir")
    return ROOT / str(value)


def split_overrides(overrides: Sequence[str]) -> tuple[list[str], list[str]]:
    """``overrides`` split into those that change the runs' configs and Hydra's own (``hydra...``: launcher, paths)."""
    hydra = [o for o in overrides if o.lstrip("+~").startswith("hydra")]
    return [o for o in overrides if o not in hydra], hydra


def variant_dir(sweep_dir: Path, overrides: Sequence[str]) -> Path:
    """``sweep_dir``, or ``<sweep_dir>-<hash>`` when overrides change the runs' configs.

    Runs with other overrides go to their own folder, so that two variants never mix in
    one table; Hydra's own settings (a launcher) change no run and keep the folder.
    """
    config, _ = split_overrides(overrides)
    if not config:
        return Path(sweep_dir)
    tag = hashlib.sha256(" ".join(sorted(config)).encode()).hexdigest()[:8]
    return Path(sweep_dir).with_name(f"{Path(sweep_dir).name}-{tag}")


def point_file(overrides: Sequence[str], about: str) -> str:
    """A Hydra config (``@package _global_``) that applies ``overrides`` as the command line would.

    ``group=option`` (a folder of ``conf/``) becomes a defaults override; ``key=value``
    sets the value as Hydra's override parser reads it. A key through a list item
    (``scenario.operators.0.provider_shares.1``), which a config file cannot set (Hydra merges
    dicts and replaces lists), goes to ``run.item_overrides``, applied when the config is composed.

    Raises:
        SweepError: an override that is not a plain ``group=option`` or ``key=value``.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import OverrideType
    from omegaconf import OmegaConf

    parser = OverridesParser.create()
    defaults: list[str] = []
    tree: dict = {}
    items: list[str] = []
    for text in overrides:
        o = parser.parse_override(text)
        if o.type != OverrideType.CHANGE or o.package is not None or o.is_sweep_override():
            raise SweepError(f"point override {text!r}: allowed are group=option and key=value, one value each")
        key, value = o.key_or_group, o.value()
        if (CONF / key).is_dir():
            defaults.append(f"override /{key}: {value}")
            continue
        if any(part.isdigit() for part in key.split(".")):
            items.append(text)
            continue
        node = tree
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    if items:
        tree.setdefault("run", {})["item_overrides"] = items
    head = f"# @package _global_\n# {about}\n"
    if defaults:
        head += "defaults:\n" + "".join(f"  - {d}\n" for d in defaults)
    return head + (OmegaConf.to_yaml(OmegaConf.create(tree)) if tree else "")


def write_points(sweep_dir: Path, group: str, points: Mapping[str, Sequence[str]], about: str) -> str:
    """Write one config file per point under ``SWEEP_DIR/points/<group>/``; return the search path override.

    With that override (``hydra.searchpath=[file://...]``), ``+<group>=<name>`` picks a point
    and ``+<group>=<name>,<name>,...`` makes the points one more axis of a multirun.

    Args:
        sweep_dir: the sweep folder.
        group: the config group the points form.
        points: the overrides of each point, by name (a name is a file name).
        about: one line for each file's header: what the points are.
    """
    folder = Path(sweep_dir) / POINTS_DIR
    for name, overrides in points.items():
        path = folder / group / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(point_file(overrides, about), encoding="utf-8")
        tmp.replace(path)
    return f"hydra.searchpath=[file://{folder.resolve()}]"


def run_sweep(command: SweepCommand, log=print) -> None:
    """Run the multirun; its progress lines go to this process's stdout.

    A sweep whose runs partly failed exits non-zero; that is reported as a
    warning (the collected table says which runs are there), not raised.
    """
    log(f"running: {command.shell()}")
    proc = subprocess.run(command.argv(), cwd=ROOT, check=False)
    if proc.returncode != 0:
        warnings.warn(f"the sweep exited with status {proc.returncode}: some runs failed or are missing "
                      f"(re-run the same command to retry them); analysing the runs that finished", stacklevel=2)


def run_or_load(from_dir: Path | None, plan: Callable[[], SweepCommand]) -> tuple[pd.DataFrame, Path, SweepCommand | None]:
    """An analysis' runs: those already in ``from_dir`` (its ``--from``), or else those of the sweep
    ``plan()`` describes, run (or resumed) first. Returns the runs, their sweep folder and the
    command that ran them (``None`` with ``--from``), which the report's reproduce section names."""
    command = None
    if from_dir is None:
        command = plan()
        run_sweep(command)
        from_dir = command.sweep_dir
    return load_runs(from_dir), Path(from_dir), command


def collect(sweep_dir: Path) -> Path:
    """``python -m sim.sweeps.collect SWEEP_DIR``; returns the table's path."""
    proc = subprocess.run([sys.executable, "-m", "sim.sweeps.collect", str(sweep_dir)], cwd=ROOT, check=False,
                          capture_output=True, text=True)
    table = Path(sweep_dir) / TABLE_FILE
    if proc.returncode not in (0, 1) or not table.is_file():
        raise SweepError(f"collecting {sweep_dir} failed (status {proc.returncode}): {proc.stderr.strip()}")
    if proc.returncode == 1:
        warnings.warn(f"collect reported bad or failed runs in {sweep_dir}:\n{proc.stderr.strip()}", stacklevel=2)
    return table


def load_runs(sweep_dir: Path, collect_first: bool = True) -> pd.DataFrame:
    """The sweep's table of runs (collected first unless told not to)."""
    sweep_dir = Path(sweep_dir)
    if collect_first and (sweep_dir / RUNS_DIR).is_dir():
        collect(sweep_dir)
    path = sweep_dir / TABLE_FILE
    if not path.is_file():
        raise SweepError(f"{path} not found: run the sweep first, or collect it with `python -m sim.sweeps.collect {sweep_dir}`")
    table = pd.read_parquet(path)
    if table.empty:
        raise SweepError(f"{path} has no runs")
    return table


def latest_per_key(runs: pd.DataFrame, key: Sequence[str]) -> tuple[pd.DataFrame, int]:
    """One run per ``key`` (the most recently finished), and how many were dropped.

    A sweep folder keeps runs of earlier configurations (e.g. before a preset
    changed): they have other identities but the same policy and seed.
    """
    order = "prov.finished_at" if "prov.finished_at" in runs.columns else "run_identity"
    ordered = runs.sort_values(order, kind="stable")
    kept = ordered.drop_duplicates(list(key), keep="last").sort_index()
    return kept, len(runs) - len(kept)


def load_daily(sweep_dir: Path, identities: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    """The daily series of the given runs, long form with a ``run_identity`` column.

    Columns a run's file lacks (an older model version) are left out for that run.
    """
    import pyarrow.parquet as pq

    frames = []
    for ident in identities:
        path = Path(sweep_dir) / RUNS_DIR / ident / DAILY_FILE
        if not path.is_file():
            warnings.warn(f"no daily series for run {ident} ({path})", stacklevel=2)
            continue
        have = set(pq.read_schema(path).names)
        frame = pd.read_parquet(path, columns=[c for c in columns if c in have])
        frame["run_identity"] = ident
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*columns, "run_identity"])
    return pd.concat(frames, ignore_index=True)


def code_versions(runs: pd.DataFrame) -> list[str]:
    """The distinct ``git commit (+dirty)`` values the runs were produced by."""
    if "prov.git_commit" not in runs.columns:
        return []
    dirty = runs.get("prov.git_dirty", pd.Series(False, index=runs.index))
    labels = {f"{c or 'unknown'}{' (dirty)' if d else ''}" for c, d in zip(runs["prov.git_commit"], dirty, strict=True)}
    return sorted(labels)

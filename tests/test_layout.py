"""The package layout keeps its import rules (docs/architecture.md), ships its configs, and
carries no issue numbers in code.

Layers, lowest first: ``config`` < ``world`` < ``controls`` < ``agents`` < ``record`` <
``model`` < ``runner``. A module may import its own package and the layers below it. The sweep
machinery imports only ``config`` at module level (a sweep's launching process never builds a
model); ``experiments/analysis`` reads results and never imports the simulation at all.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"

LAYERS = ("config", "world", "controls", "agents", "record", "model", "runner")
# Everything a layer may import (its own package is always allowed).
ALLOWED: dict[str, set[str]] = {layer: set(LAYERS[:i]) for i, layer in enumerate(LAYERS)}
ALLOWED.update({
    "sweeps": {"config"},  # module level only; the job imports the runner inside the function that runs it
    "app": {"config", "sweeps", "record"},
    "campaigns": {"config", "world", "runner"},
    "interop": {"config", "record", "runner"},  # adapters for other tools: the runner only inside the function that runs an experiment
    "dashboard": {"config", "record", "sweeps", "runner"},  # the browser page; no other layer may import it
    "__init__": set(),  # imports lazily, on attribute access
    "__main__": {"app"},
    "conf": set(),
})
# Layers that may name a higher layer's types for annotations (under TYPE_CHECKING) but never
# import it at run time: the package top (lazy API), the sweep machinery (a RunResult it writes),
# the record (it summarises a finished model).
TYPES_ONLY_UPWARD = ("__init__", "sweeps", "record")
SIMULATION = ("sim.world", "sim.agents", "sim.controls", "sim.record.metrics", "sim.record.ledger", "sim.model", "sim.runner", "sim.campaigns", "mesa")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(path: Path, module_level_only: bool, types_too: bool = True) -> list[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved).

    ``module_level_only``: leave out imports inside functions and classes (done when called);
    ``types_too``: include imports under ``if TYPE_CHECKING:`` (never done at run time).
    """
    tree = ast.parse(path.read_text())
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    tops = [n for n in tree.body if types_too or not _type_checking_block(n)]
    if module_level_only:
        tops = [n for n in tops if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    nodes = [n for top in tops for n in ast.walk(top)]
    names = []
    for node in nodes:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            names.append(prefix)
            names += [f"{prefix}.{a.name}" for a in node.names]  # `from . import store` imports a module
    return names


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _sim_modules() -> list[Path]:
    return sorted(p for p in SIM.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", _sim_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_module_imports_only_the_layers_below_it(path: Path) -> None:
    module = _module_name(path)
    layer = _layer(module)
    allowed = ALLOWED[layer] | {layer}
    module_level_only = layer in ("sweeps", "app", "__init__")
    bad = sorted({
        name for name in _imports(path, module_level_only, types_too=layer not in TYPES_ONLY_UPWARD)
        if name.startswith("sim.") and _layer(name) not in allowed
    })
    if layer == "record" and path.name == "outcomes.py":  # read by the analysis package: no simulation at all
        bad += [n for n in _imports(path, False) if n.startswith(SIMULATION)]
    assert not bad, f"{module} ({layer}) may import only {sorted(allowed)}; it imports {bad}"


def test_the_analysis_package_never_imports_the_simulation() -> None:
    for path in sorted((ROOT / "experiments" / "analysis").glob("*.py")):
        bad = [n for n in _imports(path, False) if n.startswith(SIMULATION)]
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}: analyses read saved results only"


def test_the_layer_rules_would_catch_a_violation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checker itself: a control importing an agent is reported (a probe module in a copy
    of the tree's shape under tmp_path, never in the source tree)."""
    probe = tmp_path / "sim" / "controls" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("from ..agents.operator import Operator\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    names = _imports(probe, False)
    assert "sim.agents.operator" in names
    assert _layer("sim.agents.operator") not in ALLOWED[_layer("sim.controls.probe")] | {"controls"}


def test_every_package_is_installed_and_carries_its_configs() -> None:
    """pyproject.toml lists every package under sim/ (a plain ``pip install .`` would drop a
    missing one) and installs conf/ as sim.conf with its YAML files."""
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = set(tool["packages"])
    on_disk = {_module_name(p) for p in SIM.rglob("__init__.py") if "__pycache__" not in p.parts}
    assert on_disk <= packages, f"not in pyproject.toml [tool.setuptools] packages: {sorted(on_disk - packages)}"
    missing_init = [str(d.relative_to(ROOT)) for d in SIM.rglob("*") if d.is_dir() and d.name != "__pycache__" and not (d / "__init__.py").exists()]
    assert not missing_init, f"package folders without __init__.py: {missing_init}"
    groups = {"sim.conf" + ".".join(("", *d.relative_to(ROOT / "conf").parts)).rstrip(".")
              for d in [ROOT / "conf", *(ROOT / "conf").rglob("*")] if d.is_dir() and d.name != "__pycache__"}
    assert tool["package-dir"]["sim.conf"] == "conf"
    assert groups <= packages, f"config folders not installed: {sorted(groups - packages)}"
    assert tool["package-data"]["*"] == ["*.yaml"]


ISSUE_NUMBER = re.compile(r"\b[Ii]ssue[ -]?\d+|_issue\d|GitHub issue")


def test_no_issue_numbers_in_code() -> None:
    """Comments and names say why the code is as it is now, not which ticket brought it."""
    roots = ("sim", "experiments", "tests", "conf", "hydra_plugins", "scripts", ".ci")
    hits = []
    for root in roots:
        for path in sorted((ROOT / root).rglob("*")):
            if path.suffix not in {".py", ".yaml", ".sh", ""} or not path.is_file() or "__pycache__" in path.parts:
                continue
            for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if ISSUE_NUMBER.search(line) and path.name != "test_layout.py":
                    hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not hits, "issue numbers in code:\n" + "\n".join(hits)

"""Agents see the world through narrow interfaces (sim/agents/world.py), never the model class.

Checked on the source (AST): no agent module imports ``sim.model``, touches
``self.model`` (the Mesa link) or reads a ``cfg`` off the world; what an agent asks
of the world is a member of the protocol it is given; the holders of accounts
never read the identity gate or its configuration beyond the published sign-up
terms. And at run time: the model offers every member of the protocols.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from sim.agents.world import DefenderWorld, World
from sim.config import IdentityGatingConfig
from sim.controls.identity_gating import SignUpTerms
from sim.model import DistillationModel

from .conftest import ATTACKER_ONLY, cfg

AGENTS = Path(__file__).resolve().parents[1] / "sim" / "agents"
HOLDERS = ("operator.py", "population.py", "reseller.py")  # hold accounts: see World
DEFENDERS = ("provider.py", "consortium.py")  # see DefenderWorld
WORLD_NAMES = {"world", "model"}


def _members(protocol: type) -> set[str]:
    return {name for cls in protocol.__mro__ if cls.__module__ == "sim.agents.world"
            for name in vars(cls) if not name.startswith("_")}


def _is_world(node: ast.AST) -> bool:
    """``world``, ``model``, ``self.world`` or ``self.model``."""
    if isinstance(node, ast.Name):
        return node.id in WORLD_NAMES
    return isinstance(node, ast.Attribute) and node.attr in WORLD_NAMES and isinstance(node.value, ast.Name) and node.value.id == "self"


def model_imports(source: str) -> list[str]:
    """Imports of ``sim.model`` (relative or absolute, type-checking ones included)."""
    bad = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module == "model" and node.level == 2 or module in ("sim.model", "sim"):
                names = [a.name for a in node.names]
                if module != "sim" or "model" in names or "DistillationModel" in names:
                    bad.append(f"from {'.' * node.level}{module} import {', '.join(names)}")
        elif isinstance(node, ast.Import):
            bad += [a.name for a in node.names if a.name.startswith("sim.model")]
    return bad


def mesa_model_uses(source: str) -> list[int]:
    """Lines that reach through ``self.model`` (the Mesa link) instead of ``self.world``."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Attribute) and node.attr == "model"
            and isinstance(node.value, ast.Name) and node.value.id == "self"]


def world_requests(source: str) -> set[str]:
    """Every attribute an agent asks of the world (``world.x``, ``self.world.x``)."""
    return {node.attr for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Attribute) and _is_world(node.value)}


def attributes(source: str) -> set[str]:
    return {node.attr for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Attribute)}


# What a holder of accounts may never name: the provider's gate, and the gate's
# configuration beyond what the sign-up terms publish.
GATE_INTERNALS = (
    {f.name for f in dataclasses.fields(IdentityGatingConfig)} - {f.name for f in dataclasses.fields(SignUpTerms)}
) | {"gating", "ownership_pass_prob", "screens_ownership"}


def _source(name: str) -> str:
    return (AGENTS / name).read_text()


def _agent_modules() -> list[str]:
    return sorted(p.name for p in AGENTS.glob("*.py") if p.name not in ("__init__.py", "world.py"))


def test_every_agent_module_is_classified() -> None:
    assert set(_agent_modules()) == {*HOLDERS, *DEFENDERS, "traits.py", "day_plan.py"}  # the last two: arithmetic only


@pytest.mark.parametrize("name", ["world.py", *_agent_modules()])
def test_no_agent_module_imports_the_model(name: str) -> None:
    assert not model_imports(_source(name)), f"sim/agents/{name} imports the model: use sim.agents.world"


@pytest.mark.parametrize("name", _agent_modules())
def test_agents_talk_to_the_world_not_the_mesa_model(name: str) -> None:
    source = _source(name)
    assert not mesa_model_uses(source), f"sim/agents/{name} uses self.model at lines {mesa_model_uses(source)}"
    assert "cfg" not in world_requests(source), f"sim/agents/{name} reads the run's configuration off the world"


@pytest.mark.parametrize("name", [*HOLDERS, *DEFENDERS])
def test_agents_ask_the_world_only_what_their_protocol_lists(name: str) -> None:
    allowed = _members(DefenderWorld if name in DEFENDERS else World)
    extra = world_requests(_source(name)) - allowed
    assert not extra, f"sim/agents/{name} asks the world for {sorted(extra)}, not in its protocol"


@pytest.mark.parametrize("name", HOLDERS)
def test_holders_of_accounts_never_read_the_identity_gate(name: str) -> None:
    # ``enabled`` is also a reseller's own KYC switch; the operator has no switch of that name.
    forbidden = GATE_INTERNALS if name == "operator.py" else GATE_INTERNALS - {"enabled"}
    used = attributes(_source(name)) & forbidden
    assert not used, f"sim/agents/{name} reads identity-gating internals {sorted(used)}"


def test_the_checks_would_catch_a_violation() -> None:
    """The checkers themselves, on code that breaks each rule."""
    assert model_imports("if TYPE_CHECKING:\n    from ..model import DistillationModel\n")
    assert model_imports("from sim.model import DistillationModel\n")
    assert not model_imports("from .world import World\nfrom ..config import TIERS\n")
    assert mesa_model_uses("def f(self):\n    return self.model.accounts\n") == [2]
    assert "cfg" in world_requests("def f(self):\n    return self.world.cfg.policy\n")
    assert "cfg" in world_requests("def f(model):\n    return model.cfg.run\n")
    leak = "def f(self, gate):\n    return gate.cfg.fake_document_pass_rate, gate.enabled, self.x.supply_per_day\n"
    assert attributes(leak) & GATE_INTERNALS == {"fake_document_pass_rate", "enabled", "supply_per_day"}
    assert "sign_up_terms" in world_requests("def f(self):\n    return self.world.sign_up_terms\n") - _members(World)


def test_the_model_offers_every_member_of_the_protocols() -> None:
    model = DistillationModel(cfg(*ATTACKER_ONLY, "scenario.resellers.enabled=true", "costs.market.enabled=true"))
    missing = sorted(name for name in _members(DefenderWorld) if not hasattr(model, name))
    assert not missing, f"DistillationModel lacks {missing}"
    desks = {"sign_up_terms", "verify_identities", "screen_ownership", "observe_new", "serve", "ban", "enqueue"}
    assert all(hasattr(model.providers[0], name) for name in desks)
    assert all(hasattr(model.resellers[0], name) for name in ("price_markup", "can_accept", "accept"))

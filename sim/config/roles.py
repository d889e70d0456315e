"""Every declared leaf of the configuration: its role, what it allows, the range analyses sample, and its source.

The declarations live on the dataclass fields (:mod:`.fields`); this module
only reads them, in the split exploratory modelling uses (EMA Workbench):
*uncertainties* (what we do not know about the world or the attacker's
situation), *levers* (what a policy sets), the attacker's *strategy*, and run
*settings*. Sensitivity factors, the parameter table ``docs/parameters.md``
and adapters for other tools are derived from here::

    from sim.config.roles import parameters, uncertainties

    [p.key for p in uncertainties()][:2]   # ['scenario.providers[0].real_users', ...]

Lists of dataclasses (``scenario.providers``, ``scenario.operators``,
``population.segments``) are expanded by index from a composed config (their
count and values come from the YAML); dicts of numbers
(``costs.proxy_per_gb``) by key. :func:`declaration` reads one field's
declaration from the schema alone, without composing anything.

It imports neither the model, the agents nor the controls: the analysis
package reads it, and importing it stays cheap (the reference config is
composed only when asked for).

Command line: ``python -m sim.config.roles`` prints the parameter table;
``--write`` writes it to ``docs/parameters.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import math
import re
import sys
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fields import LEVER, ROLES, SETTING, STRATEGY, UNCERTAINTY
from .schema import MIRRORS, SimConfig

DOCS = Path(__file__).resolve().parents[2] / "docs" / "parameters.md"


@dataclass(frozen=True)
class Parameter:
    """One declared leaf of the configuration.

    Attributes:
        key: full key, list items by index (``scenario.providers[0].real_users``), dict entries by
            key (``costs.proxy_per_gb.residential_proxy``); ``[*]`` for a list item read from the
            schema alone (:func:`declaration`).
        type: the field's type as written (``float``, ``int``, ``bool``, ``str``, ``list[str]``).
        value: its value in the config enumerated (the dataclass default for :func:`declaration`;
            None where the schema has none).
        role: uncertainty, lever, strategy or setting (None: undeclared, which tests refuse).
        range: the validity range of a numeric leaf (for a list of numbers, of each element).
        integer: whether it must be an integer.
        no_limit: whether ``inf`` is allowed and means no limit.
        choices: the values a choice allows (for a list, each element).
        plausible: the span analyses sample, ``(lo, hi)``; for a choice, the options they try.
        source: C, R, E, A (the world) or S, I (a rule's setting).
        doc: what it is, and where its default and range come from.
    """

    key: str
    type: str
    value: Any
    role: str | None
    range: tuple[float, float] | None = None
    integer: bool = False
    no_limit: bool = False
    choices: tuple[str, ...] | None = None
    plausible: tuple | None = None
    source: str | None = None
    doc: str | None = None

    @property
    def numeric(self) -> bool:
        """Whether the leaf holds numbers (a number, or a list of numbers)."""
        return bool(re.fullmatch(r"(list\[)?(int|float)\]?", self.type))

    @property
    def branch(self) -> str:
        """The top-level branch it belongs to ("" for a top-level key such as ``seed``)."""
        head = re.split(r"[.\[]", self.key, maxsplit=1)
        return head[0] if len(head) > 1 else ""


def parameters(cfg: SimConfig | None = None) -> list[Parameter]:
    """Every declared leaf of ``cfg`` (default: the reference config, ``compose([])``), in schema order."""
    if cfg is None:
        cfg = _reference()
    return [p for p in _leaves(cfg, type(cfg), "") if p.branch not in MIRRORS]


def uncertainties(cfg: SimConfig | None = None) -> list[Parameter]:
    """The leaves we do not know about the world or the attacker's situation."""
    return [p for p in parameters(cfg) if p.role == UNCERTAINTY]


def levers(cfg: SimConfig | None = None) -> list[Parameter]:
    """The leaves a policy sets."""
    return [p for p in parameters(cfg) if p.role == LEVER]


def strategy(cfg: SimConfig | None = None) -> list[Parameter]:
    """The leaves the operator chooses."""
    return [p for p in parameters(cfg) if p.role == STRATEGY]


def settings(cfg: SimConfig | None = None) -> list[Parameter]:
    """Run mechanics and the values that pick the question asked."""
    return [p for p in parameters(cfg) if p.role == SETTING]


def declaration(key: str) -> Parameter:
    """The declaration of one leaf, read from the schema alone (nothing is composed).

    ``key`` as in :attr:`Parameter.key`; a list item by ``[*]`` or any index
    (``population.segments[*].vpn_share``), or by a dotted index as an override writes it
    (``scenario.operators.0.provider_shares.1``: one element of a list of numbers, with the
    list's declaration). ``value`` is the dataclass default.

    Raises:
        KeyError: ``key`` names no leaf of the schema (the message names the key and where it failed).
    """
    cls: Any = SimConfig
    parts = re.findall(r"[^.\[\]]+|\[[^\]]*\]", key)
    i = 0
    while i < len(parts):
        name = parts[i]
        fields = {f.name: f for f in dataclasses.fields(cls)}
        if name not in fields:
            raise KeyError(f"{key}: {name!r} is not a key of {cls.__name__} ({', '.join(fields)})")
        f, kind = fields[name], _hints(cls)[name]
        item = _list_item(kind)
        if dataclasses.is_dataclass(kind):
            cls, i = kind, i + 1
        elif item is not None and dataclasses.is_dataclass(item):
            if i + 1 >= len(parts) or not (parts[i + 1].startswith("[") or parts[i + 1].isdigit()):
                raise KeyError(f"{key}: {name!r} is a list; name an item, e.g. {name}[*] or {name}.0")
            cls, i = item, i + 2
        elif item is not None and i + 2 == len(parts) and parts[i + 1].isdigit():  # one element of a list of numbers
            default = _default(f) or []
            at = int(parts[i + 1])
            return _parameter(key, _type_name(item), default[at] if at < len(default) else None, f.metadata)
        elif typing.get_origin(kind) is dict:
            if i + 2 != len(parts):
                raise KeyError(f"{key}: {name!r} is a dict of numbers; name one entry, e.g. {name}.<key>")
            entry = parts[i + 1]
            default = _default(f) or {}
            return _parameter(key, _type_name(typing.get_args(kind)[1]), default.get(entry), f.metadata, entry)
        else:
            if i + 1 != len(parts):
                raise KeyError(f"{key}: {name!r} is a leaf; nothing lies below it")
            return _parameter(key, _type_name(kind), _default(f), f.metadata)
    raise KeyError(f"{key}: a branch, not a leaf")


def _leaves(obj: Any, cls: type, path: str) -> Iterator[Parameter]:
    hints = _hints(cls)
    for f in dataclasses.fields(cls):
        key = f"{path}.{f.name}" if path else f.name
        kind, value = hints[f.name], getattr(obj, f.name)
        item = _list_item(kind)
        if dataclasses.is_dataclass(kind):
            yield from _leaves(value, kind, key)
        elif item is not None and dataclasses.is_dataclass(item):
            for i, element in enumerate(value):
                yield from _leaves(element, item, f"{key}[{i}]")
        elif typing.get_origin(kind) is dict:
            entry_type = _type_name(typing.get_args(kind)[1])
            for k, v in value.items():
                yield _parameter(f"{key}.{k}", entry_type, v, f.metadata, k)
        else:
            yield _parameter(key, _type_name(kind), value, f.metadata)


def _parameter(key: str, type_name: str, value: Any, meta: Mapping, entry: str | None = None) -> Parameter:
    plausible, source = meta.get("plausible"), meta.get("source")
    if entry is not None:  # a dict entry: its own range and source where the field gives them per key
        plausible = plausible.get(entry) if isinstance(plausible, Mapping) else plausible
        source = source.get(entry) if isinstance(source, Mapping) else source
    choices = meta.get("choices")
    return Parameter(
        key=key, type=type_name, value=value, role=meta.get("role"), range=meta.get("range"),
        integer=bool(meta.get("integer")), no_limit=bool(meta.get("no_limit")),
        choices=tuple(choices) if choices is not None else None,
        plausible=tuple(plausible) if plausible is not None else None, source=source, doc=meta.get("doc"),
    )


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING and f.default != "???":  # "???": omegaconf's MISSING
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _list_item(kind: Any) -> Any:
    return typing.get_args(kind)[0] if typing.get_origin(kind) is list else None


def _type_name(kind: Any) -> str:
    return kind.__name__ if isinstance(kind, type) else str(kind).replace("typing.", "")


def _reference() -> SimConfig:
    from .compose import compose

    return compose([])


# --------------------------------------------------------------------------- the parameter table

_ROLE_TEXT = {
    UNCERTAINTY: "what we do not know about the world or the attacker's situation",
    LEVER: "what a policy sets",
    STRATEGY: "what the operator chooses",
    SETTING: "run mechanics, and values that pick the question asked",
}
_SOURCE_TEXT = ("**C** confirmed, **R** reported (single or weaker source), **E** arithmetic on C/R figures, "
                "**A** assumption (for a range: chosen here where no source gives one); for a rule's settings, "
                "**S** stated by the rule's source, **I** our interpretation")


def markdown(cfg: SimConfig | None = None) -> str:
    """The parameter table (``docs/parameters.md``): one section per branch, one row per leaf."""
    if cfg is None:
        cfg = _reference()
    params = parameters(cfg)
    counts = ", ".join(f"{sum(p.role == r for p in params)} {r}" for r in ROLES)
    lines = [
        "# Parameters",
        "",
        "Every leaf of the configuration: its value in the reference configuration, what the model allows, "
        "its role, the range analyses sample (plausible) and the source of both. Generated from the declarations "
        "on the config dataclasses (`sim/config/`) by `python -m sim.config.roles --write`: edit those, not this "
        "file (`tests/test_parameters.py` checks that it is current).",
        "",
        f"Reference configuration: scenario `{cfg.scenario.name}`, attacker `{cfg.attacker.name}`, policy "
        f"`{cfg.policy.name}`, population `{cfg.population.name}`, seed {cfg.seed} (`compose([])`, with its "
        "fitted calibration). Lists (providers, operators, segments) are expanded by index as it has them; "
        f"dicts of numbers by key. {len(params)} leaves: {counts}.",
        "",
        "Roles: " + "; ".join(f"**{r}**, {t}" for r, t in _ROLE_TEXT.items()) + ".",
        "",
        f"Sources: {_SOURCE_TEXT}.",
    ]
    for branch in dict.fromkeys(p.branch for p in params):
        lines += ["", f"## {f'`{branch}`' if branch else 'Top level'}", "",
                  "| key | reference | allowed | role | plausible | source | description |",
                  "|---|---|---|---|---|---|---|"]
        lines += [_row(p) for p in params if p.branch == branch]
        for mirror in (m for m, of in MIRRORS.items() if of == branch):
            lines += ["", f"## `{mirror}`", "",
                      f"The same keys, ranges, roles and sources as `{branch}` (not repeated here): the control stack of "
                      f"the providers that `policy.binds` leaves out, unread while it is null. It is composed from the "
                      f"`{branch}` group: `{branch}@{mirror}=<option>` picks its preset (reference: "
                      f"`{getattr(cfg, mirror).name}`), `{mirror}.<key>=value` sets one of its keys."]
    return "\n".join(lines) + "\n"


def _row(p: Parameter) -> str:
    cells = [f"`{p.key}`", _value_text(p.value), _allowed_text(p), p.role or "", _plausible_text(p),
             p.source or "", p.doc or ""]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _number(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if v.is_integer() and abs(v) < 1e15:
            return f"{int(v):,}"
        return f"{v:.6g}"
    return str(v)


def _value_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return f"`{v}`"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_number(x) for x in v) + "]"
    return _number(v)


def _allowed_text(p: Parameter) -> str:
    each = "each " if p.type.startswith("list") else ""
    if p.range is not None:
        lo, hi = p.range
        kind = "integer " if p.integer else ""
        text = f"{each}{kind}in [{_number(lo)}, {_number(hi)}]"
        return text + " (inf: no limit)" if p.no_limit else text
    if p.choices is not None:
        return f"{each}one of " + ", ".join(p.choices)
    return {"bool": "true, false", "str": "text"}.get(p.type, p.type)


def _plausible_text(p: Parameter) -> str:
    if p.plausible is None:
        return ""
    if all(isinstance(x, str) for x in p.plausible):
        return ", ".join(p.plausible)
    lo, hi = p.plausible
    return f"{_number(lo)} – {_number(hi)}"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the parameter table, or write it to ``docs/parameters.md`` with ``--write``."""
    parser = argparse.ArgumentParser(prog="python -m sim.config.roles", description=main.__doc__)
    parser.add_argument("--write", action="store_true", help=f"write the table to {DOCS}")
    args = parser.parse_args(argv)
    text = markdown()
    if args.write:
        DOCS.write_text(text, encoding="utf-8")
        print(f"wrote {DOCS}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""From a composed Hydra config to a validated :class:`SimConfig`."""

from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import typing
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from .fields import ConfigError
from .schema import SimConfig
from .validate import validate


def from_hydra(cfg: DictConfig | dict) -> SimConfig:
    """Turn a composed Hydra config into a validated :class:`SimConfig`.

    Keys Hydra adds (``hydra``) and top-level keys that are not part of the
    model (a sweep's bookkeeping) are ignored; everything else must match the
    schema. A key added with ``+`` below a model branch (``+policy.detector.treshold=5``,
    which Hydra accepts even on a typed config) is refused with a did-you-mean.

    A config Hydra composed onto the schema (``conf/config.yaml`` starts from
    it) is already typed and checked by OmegaConf, field by field: it is
    converted directly (~10 ms). Anything else (a plain dict, an untyped
    DictConfig) is merged onto the schema first (~100 ms), which fills
    defaults and raises on a typo'd key or a wrong type.
    """
    if isinstance(cfg, DictConfig):
        cfg = _apply_item_overrides(cfg)
    if isinstance(cfg, DictConfig) and _typed_as_schema(cfg):
        refuse_unknown_keys(cfg)
        return validate(SimConfig(**{name: _field_value(cfg, name) for name in _FIELDS}))
    if isinstance(cfg, DictConfig):
        container = OmegaConf.to_container(cfg, resolve=True)
    else:
        container = dict(cfg)
    container = {k: v for k, v in container.items() if k in _FIELDS}
    merged = OmegaConf.merge(_schema(), container)  # merge leaves its inputs untouched
    return validate(OmegaConf.to_object(merged))


_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(SimConfig))
ITEM_OVERRIDES = "run.item_overrides"


def _apply_item_overrides(cfg: DictConfig) -> DictConfig:
    """``cfg`` with the overrides of :data:`ITEM_OVERRIDES` applied as Hydra applies the command line's,
    and that list emptied (a copy; ``cfg`` itself when there are none)."""
    items = OmegaConf.select(cfg, ITEM_OVERRIDES)
    if not items:
        return cfg
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra.core.override_parser.overrides_parser import OverridesParser

    cfg = copy.deepcopy(cfg)
    OmegaConf.update(cfg, ITEM_OVERRIDES, [], merge=False)
    try:
        ConfigLoaderImpl._apply_overrides_to_config(OverridesParser.create().parse_overrides(list(items)), cfg)
    except Exception as err:  # Hydra's parse and key errors: one line naming the item
        raise ConfigError(f"invalid config: {ITEM_OVERRIDES}={list(items)!r}; allowed: key=value overrides of "
                          f"existing list items ({' '.join(str(err).split())})") from None
    return cfg


def refuse_unknown_keys(cfg: DictConfig) -> None:
    """Raise :class:`ConfigError` on the first key below a model branch that the schema does not declare.

    Hydra adds a key written with ``+`` (``+policy.detector.treshold=5``) even to a typed
    config, where it would be ignored; a sweep runs this on every point before launching.
    Top-level keys outside the schema (a sweep's bookkeeping) are left alone.
    """
    for name in _FIELDS:
        if name in cfg and isinstance(node := cfg._get_node(name), DictConfig):
            _refuse_unknown_keys(node, _field_types()[name], name)


def _typed_as_schema(cfg: DictConfig) -> bool:
    """Whether ``cfg`` was built on the schema: its root and every branch carry their dataclass type."""
    if OmegaConf.get_type(cfg) is not SimConfig:
        return False
    hints = _field_types()
    return all(
        name in cfg and (not isinstance(node := cfg._get_node(name), DictConfig) or OmegaConf.get_type(node) is hints[name])
        for name in _FIELDS
    )


@functools.cache
def _field_types() -> dict[str, Any]:
    """SimConfig's field types, resolved once (the annotations are strings here)."""
    return typing.get_type_hints(SimConfig)


def _field_value(cfg: DictConfig, name: str) -> Any:
    """One top-level field of a schema-typed config as a plain value or dataclass instance."""
    node = cfg._get_node(name)
    return OmegaConf.to_object(node) if isinstance(node, DictConfig) else cfg[name]


@functools.cache
def _schema() -> DictConfig:
    """The typed schema as an OmegaConf node, built once per process (~50 ms)."""
    return OmegaConf.structured(SimConfig)


def _refuse_unknown_keys(node: DictConfig, cls: type, path: str) -> None:
    """Raise on the first key of ``node`` that its dataclass ``cls`` does not declare."""
    hints = _hints(cls)
    for key in node.keys():
        sub = f"{path}.{key}"
        if key not in hints:
            close = difflib.get_close_matches(str(key), list(hints), n=1)
            hint = f" (did you mean {path}.{close[0]}?)" if close else ""
            raise ConfigError(f"invalid config: {sub}={node._get_node(key)._value()!r}; allowed: a key of {path}: "
                              f"{', '.join(hints)}{hint}")
        kind, child = hints[key], node._get_node(key)
        if dataclasses.is_dataclass(kind) and isinstance(child, DictConfig):
            _refuse_unknown_keys(child, kind, sub)
        elif typing.get_origin(kind) is list and isinstance(child, ListConfig):
            (item,) = typing.get_args(kind)
            if dataclasses.is_dataclass(item):
                for i, element in enumerate(child):
                    if isinstance(element, DictConfig):
                        _refuse_unknown_keys(element, item, f"{sub}[{i}]")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """A dataclass's field types, resolved once (the annotations are strings here)."""
    return typing.get_type_hints(cls)

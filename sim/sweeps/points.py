"""Composing many sweep points cheaply: one full composition per distinct set of group choices.

Why: Hydra composes every job's config from scratch (the defaults tree, every YAML file, the
schema: ~0.2 s here), yet the points of a sweep mostly differ in values (``seed=3``,
``policy.detector.threshold=4.5``), not in config-group choices (``policy=none``). Hydra
itself composes a config in two steps: the defaults tree of the group choices, then the value
overrides applied to the result, one after another (``ConfigLoaderImpl._apply_overrides_to_config``).
:class:`PointComposer` does the first step once per distinct set of group choices and the
second on a copy for each point, which gives the same config as a full composition.

Used in the launching process by the sweeper's pre-launch check
(``hydra_plugins/distill_sim_sweeper``) and in a worker by a job that runs several points
(:mod:`sim.sweeps.batch`).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from omegaconf import DictConfig, OmegaConf, open_dict

from ..config.compose import refuse_non_boolean_switches


class PointComposer:
    """The composed configs of sweep points, reusing one composition per set of group choices.

    Args:
        loader: Hydra's config loader (the launching process's, or the one a launcher
            ships to its workers).
        master: a config carrying ``hydra.overrides.hydra`` and ``hydra.job.config_name``
            of the sweep (the launching process's config, or a job's Hydra config).
        keep_hydra: keep the ``hydra`` node in the composed configs (the sweeper checks
            it); a job drops it, as Hydra does before calling the task function.
    """

    def __init__(self, loader: ConfigLoaderImpl, master: DictConfig, *, keep_hydra: bool = True) -> None:
        self.loader = loader
        self.master = master
        self.keep_hydra = keep_hydra
        self.parser = OverridesParser.create(config_loader=loader)
        # The config groups as the sweep sees them: the loader's own repository lacks the folders
        # that ``hydra.searchpath`` adds (e.g. the point files of a sensitivity analysis), which
        # Hydra adds to a fresh repository for each composition.
        _, self.repository = loader._parse_overrides_and_create_caching_repo(
            str(master.hydra.job.config_name), [str(o) for o in master.hydra.overrides.hydra])
        self.bases: dict[tuple[str, ...], DictConfig] = {}

    def split(self, overrides: Sequence[str]) -> tuple[tuple[str, ...], list[Override]]:
        """A point's group choices (as written) and its value overrides (parsed), in order."""
        parsed = self.parser.parse_overrides(list(overrides))
        is_group = [self.repository.group_exists(o.key_or_group) for o in parsed]
        groups = tuple(o.input_line for o, g in zip(parsed, is_group, strict=True) if g)
        return groups, [o for o, g in zip(parsed, is_group, strict=True) if not g]

    def add_base(self, groups: tuple[str, ...], cfg: DictConfig) -> None:
        """Reuse ``cfg``, composed elsewhere from exactly ``groups``, for points with those choices."""
        self.bases[groups] = self._trim(cfg)

    def compose(self, overrides: Sequence[str]) -> DictConfig:
        """The config of the point ``overrides``, as Hydra would compose it (a fresh copy)."""
        groups, values = self.split(overrides)
        refuse_non_boolean_switches(values)
        if groups not in self.bases:
            self.bases[groups] = self._trim(self.loader.load_sweep_config(master_config=self.master, sweep_overrides=list(groups)))
        cfg = copy.deepcopy(self.bases[groups])
        if "hydra" in cfg:
            OmegaConf.set_readonly(cfg.hydra, False)
        ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
        return cfg

    def _trim(self, cfg: DictConfig) -> DictConfig:
        if not self.keep_hydra and "hydra" in cfg:
            cfg = copy.deepcopy(cfg)
            with open_dict(cfg):
                del cfg["hydra"]
        return cfg

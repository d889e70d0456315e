"""The YAML config tree, importable as ``sim.conf`` so that an installed package carries it
(see pyproject.toml); nothing here runs."""

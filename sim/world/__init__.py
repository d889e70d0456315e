"""The world the agents act in: the account table, indicators, clock, random streams,
the account market and sanctions. Imports only :mod:`sim.config`."""

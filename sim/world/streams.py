"""One seed, one tree of random streams.

Every agent and every control draws from its own child of one
:class:`numpy.random.SeedSequence`. A child is addressed by a stable name
(``"operator/qwen"``, ``"provider/0/detector"``), not by the order in which it
was created, so switching a control on or off never reshuffles anyone else's
draws: policy comparisons use common random numbers.
"""

from __future__ import annotations

import zlib

import numpy as np


class Streams:
    """Named children of one root seed."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """The child seed sequence named ``name`` (stable across configs)."""
        key = zlib.crc32(name.encode("utf-8"))
        return np.random.SeedSequence(entropy=self.seed, spawn_key=(key,))

    def generator(self, name: str) -> np.random.Generator:
        """A fresh generator on the child stream named ``name``."""
        return np.random.default_rng(self.seed_sequence(name))

    def hash_key(self, name: str) -> np.uint64:
        """A 64-bit key for counter-based draws (see :func:`hashed_uniform`)."""
        return np.uint64(self.seed_sequence(name).generate_state(1, np.uint64)[0])


_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def hashed_uniform(ids: np.ndarray, key: np.uint64) -> np.ndarray:
    """Uniform [0, 1) numbers that depend only on ``(id, key)`` (splitmix64).

    Used where one draw must belong to a shared object rather than to an
    account: every account behind the same network exit sees the same
    classification of that exit, however many accounts share it and in
    whatever order they appear.
    """
    with np.errstate(over="ignore"):
        z = ids.astype(np.uint64) ^ key
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)

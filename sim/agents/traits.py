"""Per-account traffic traits drawn around a mean (shared by attackers and legitimate users)."""

from __future__ import annotations

import numpy as np

TRAIT_CONCENTRATION = 10.0  # Beta(m*k, (1-m)*k): per-account spread around the mean m; A


def beta_trait(rng: np.random.Generator, mean: float, n: int) -> np.ndarray:
    """``n`` values in [0, 1] with mean ``mean`` (constant at the ends 0 and 1)."""
    if mean <= 0.0 or mean >= 1.0:
        return np.full(n, min(max(mean, 0.0), 1.0))
    k = TRAIT_CONCENTRATION
    return rng.beta(mean * k, (1.0 - mean) * k, size=n)

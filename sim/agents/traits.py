"""Per-account traffic traits drawn around a mean (shared by attackers and legitimate users)."""

from __future__ import annotations

import numpy as np


def beta_trait(rng: np.random.Generator, mean: float, n: int, concentration: float) -> np.ndarray:
    """``n`` values in [0, 1] with mean ``mean``: ``Beta(mean x k, (1 - mean) x k)`` with
    ``k = concentration`` (the larger ``k``, the closer accounts stay to the mean);
    constant at the ends 0 and 1."""
    if mean <= 0.0 or mean >= 1.0:
        return np.full(n, min(max(mean, 0.0), 1.0))
    k = concentration
    return rng.beta(mean * k, (1.0 - mean) * k, size=n)

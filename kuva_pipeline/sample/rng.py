"""Random draws that stay byte-stable across numpy versions.

numpy only promises stream compatibility for the bit generator itself, not for
`Generator.choice`, `poisson` or `normal`, whose algorithms may change between
releases. Every draw here is built from `Generator.random()` (53-bit uniforms
straight from PCG64) with plain arithmetic and no transcendental functions, so
a seed gives the same sample files on any platform and numpy 1.x or 2.x.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator for one named part of the sample (a source, a month...)."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, key])))


def uniform(rng: np.random.Generator, size: int | None = None) -> np.ndarray | float:
    return rng.random(size)


def randint(rng: np.random.Generator, low: int, high: int, size: int | None = None):
    """Integers in [low, high) (a scalar int when size is None)."""
    u = rng.random(size)
    out = low + np.floor(u * (high - low)).astype(np.int64)
    return int(out) if size is None else out


def weighted(rng: np.random.Generator, weights: Sequence[float], size: int | None = None):
    """Indexes drawn with the given (unnormalised) weights."""
    cum = np.cumsum(np.asarray(weights, dtype=np.float64))
    cum /= cum[-1]
    u = rng.random(size)
    idx = np.searchsorted(cum, u, side="right")
    idx = np.minimum(idx, len(cum) - 1)
    return int(idx) if size is None else idx


def pick(rng: np.random.Generator, items: Sequence, weights: Sequence[float] | None = None):
    """One item, uniformly or by weight."""
    if weights is None:
        return items[randint(rng, 0, len(items))]
    return items[weighted(rng, weights)]


def stochastic_round(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """floor(x + u): integer counts whose mean is x, without a Poisson sampler."""
    x = np.asarray(x, dtype=np.float64)
    return np.floor(x + rng.random(x.shape)).astype(np.int64)


def permutation(rng: np.random.Generator, n: int) -> np.ndarray:
    """A permutation of range(n) from sorting uniforms (stable tie-break by index)."""
    return np.argsort(rng.random(n), kind="stable")


def b32_id(rng: np.random.Generator, length: int) -> str:
    """A lowercase base32 token like the ids of Linked Events and Respa."""
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    idx = np.floor(rng.random(length) * 32).astype(np.int64)
    return "".join(alphabet[i] for i in idx)

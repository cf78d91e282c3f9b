"""Samplers that draw the points v_i around each instance.

Each instance gets its own random stream, derived from the run seed and the instance's
index. Scores then do not depend on how instances are chunked, and every layer of a run
sees the same samples (common random numbers).
"""

from collections.abc import Sequence

import numpy as np

from linearity_core.errors import LinearityError

# Bytes of float32 distances one knn block may hold; bounds memory for any reference size.
KNN_BLOCK_BYTES = 64 * 2**20
# Extra float32 candidates re-ranked exactly in float64, so near-ties sort as an exact search.
KNN_RERANK_EXTRA = 8


def infer_feature_range(X_train: np.ndarray) -> np.ndarray:
    """Per-feature ``[min, max]`` of a reference set, shape ``(n_features, 2)``.

    >>> infer_feature_range(np.array([[0.0, 2.0], [1.0, -1.0]])).tolist()
    [[0.0, 1.0], [-1.0, 2.0]]
    """
    X = np.asarray(X_train)
    if X.ndim < 2 or len(X) == 0:
        raise LinearityError("X_train must be a non-empty batch of instances, shape (n, ...)")
    flat = X.reshape(len(X), -1)  # (n, n_features)
    return np.stack([flat.min(axis=0), flat.max(axis=0)], axis=1)


def instance_generators(
    seed: int | None, indices: Sequence[int] | np.ndarray
) -> list[np.random.Generator]:
    """One independent generator per instance, from ``(seed, index)``.

    With ``seed=None`` a fresh entropy is drawn, so results differ between calls.
    """
    root = np.random.SeedSequence().entropy if seed is None else seed
    return [np.random.default_rng([int(root), int(i)]) for i in indices]  # type: ignore[arg-type]


def step_table(size: int, dtype: np.dtype | type = np.int32) -> np.ndarray:
    """Draw j in ``0..2*size-1`` maps to step ``-(j+1)`` below ``size``, else ``j-size+1``."""
    return np.concatenate([-np.arange(1, size + 1), np.arange(1, size + 1)]).astype(dtype)


def _draws(rng: np.random.Generator, n_samples: int, n_features: int, size: int) -> np.ndarray:
    dtype = np.uint16 if 2 * size <= 2**16 else np.int64  # small ints draw fastest
    return rng.integers(0, 2 * size, size=(n_samples, n_features), dtype=dtype)


def grid_samples(
    x: np.ndarray,
    feature_range: np.ndarray,
    rngs: Sequence[np.random.Generator],
    *,
    n_samples: int,
    epsilon: float,
    res: int,
    clip: bool = False,
) -> np.ndarray:
    """Grid samples ``v = x + s * k * delta`` around each instance, alibi's semantics.

    ``delta_j = |max_j - min_j| / res``; returns ``(n, n_samples, *x.shape[1:])``.

    >>> x = np.zeros((1, 3), np.float32)
    >>> fr = np.array([[0.0, 1.0]] * 3)
    >>> v = grid_samples(x, fr, instance_generators(0, [0]), n_samples=2, epsilon=0.04, res=100)
    >>> v.shape, bool(np.all(np.abs(v) > 0))
    ((1, 2, 3), True)
    """
    n, shape = len(x), x.shape[1:]
    flat = x.reshape(n, -1)  # (n, n_features)
    fr = np.asarray(feature_range, dtype=np.float64).reshape(-1, 2)
    if len(fr) != flat.shape[1]:
        raise LinearityError(
            f"feature_range has {len(fr)} rows but x has {flat.shape[1]} features; "
            "infer it with infer_feature_range(X_train) on data shaped like x"
        )
    if len(rngs) != n:
        raise LinearityError(f"need one generator per instance: {len(rngs)} for {n} instances")
    size = max(2, round(epsilon * res))
    delta = (np.abs(fr[:, 1] - fr[:, 0]) / float(res)).astype(x.dtype)  # (n_features,)
    table = step_table(size, x.dtype)
    samples = np.empty((n, n_samples, flat.shape[1]), dtype=x.dtype)
    for i, rng in enumerate(rngs):  # in place: this runs for every chunk of every run
        np.multiply(
            np.take(table, _draws(rng, n_samples, flat.shape[1], size)), delta, out=samples[i]
        )
        samples[i] += flat[i]
    if clip:
        np.clip(samples, fr[:, 0].astype(x.dtype), fr[:, 1].astype(x.dtype), out=samples)
    return samples.reshape((n, n_samples, *shape))


class KnnIndex:
    """Exact Euclidean k-nearest-neighbour search over a fixed reference set.

    One blockwise matrix product for all queries, instead of a tree refitted per instance.
    Deterministic: it needs no random numbers.

    >>> ref = np.arange(10, dtype=np.float32).reshape(10, 1)
    >>> KnnIndex(ref).neighbours(np.array([[3.2]], np.float32), 2).tolist()
    [[3, 4]]
    """

    def __init__(self, X_ref: np.ndarray):
        X = np.asarray(X_ref)
        if X.ndim < 2 or len(X) == 0:
            raise LinearityError("knn needs a non-empty reference set X_train of shape (n, ...)")
        self.data = X
        self.flat = X.reshape(len(X), -1).astype(np.float32)  # (n_ref, n_features)
        self.sq_norms = np.einsum("ij,ij->i", self.flat, self.flat)  # (n_ref,)

    def __len__(self) -> int:
        return len(self.flat)

    def neighbours(self, x: np.ndarray, k: int) -> np.ndarray:
        """Indices of the ``k`` nearest reference points, nearest first, ``(n, k)``."""
        if k > len(self):
            raise LinearityError(
                f"knn needs at least nb_samples={k} reference points, X_train has {len(self)}"
            )
        q = np.asarray(x, dtype=np.float32).reshape(len(x), -1)  # (n, n_features)
        if q.shape[1] != self.flat.shape[1]:
            raise LinearityError(
                f"x has {q.shape[1]} features but X_train has {self.flat.shape[1]}"
            )
        m = min(k + KNN_RERANK_EXTRA, len(self))
        block = max(1, KNN_BLOCK_BYTES // (4 * len(self)))
        out = np.empty((len(q), k), dtype=np.int64)
        for start in range(0, len(q), block):
            qb = q[start : start + block]  # (b, n_features)
            d2 = self.sq_norms[None, :] - 2.0 * (qb @ self.flat.T)  # (b, n_ref), ||q||² dropped
            cand = np.argpartition(d2, m - 1, axis=1)[:, :m] if m < len(self) else None
            if cand is None:
                cand = np.broadcast_to(np.arange(len(self)), d2.shape)
            diff = self.flat[cand].astype(np.float64) - qb[:, None, :]  # (b, m, n_features)
            exact = np.einsum("bmf,bmf->bm", diff, diff)
            order = np.lexsort((cand, exact), axis=1)[:, :k]  # ties broken by index
            out[start : start + block] = np.take_along_axis(cand, order, axis=1)
        return out

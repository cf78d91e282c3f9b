"""Laying out a forward batch and reading scores back from it, shared by every path:
the alibi-compatible function, the engine's chunks and the probes.

A batch is position-major (all instances, then each sample, then each superposition), so
that one matrix product per layer turns outputs into the differences the measure needs.
"""

from collections.abc import Callable
from typing import Any

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.measure.config import LOG_EPS, Agg, MeasureConfig
from linearity_core.measure.sampling import KnnIndex, grid_samples, instance_generators

# Tolerance on row sums when checking that classifier outputs are probabilities.
PROB_ATOL = 1e-3
# float32 holds magnitudes up to about 3.4e38; larger finite float64 values become inf.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_instances(
    x: np.ndarray, input_shape: tuple[int, ...] | None = None, float32: bool = False
) -> np.ndarray:
    """Validate a batch of instances and return it as float32 (float64 is kept, unless
    ``float32``: then values past float32's range are refused, not turned into inf)."""
    arr = np.asarray(x)
    if arr.ndim < 2:
        raise LinearityError(f"x must be a batch of instances, shape (n, ...); got {arr.shape}")
    if len(arr) == 0:
        raise LinearityError("x is empty: pass at least one instance")
    if not np.issubdtype(arr.dtype, np.number):
        raise LinearityError(f"x must be numeric, got dtype {arr.dtype}")
    # A sum is non-finite if any element is (no temporary the size of x); then look closely.
    if not np.isfinite(arr.sum(dtype=np.float64)) and not np.all(np.isfinite(arr)):
        raise LinearityError("x contains NaN or inf; clean or drop those instances first")
    if float32 and arr.dtype.itemsize > 4 and np.abs(arr).max() > FLOAT32_MAX:
        raise LinearityError(
            f"x holds values up to {np.abs(arr).max():.3g}, beyond float32's range "
            f"(±{FLOAT32_MAX:.3g}) in which models compute; rescale the data first"
        )
    if input_shape is not None:
        check_input_shape(arr, input_shape)
    if float32 or arr.dtype != np.float64:
        return arr.astype(np.float32, copy=False)
    return arr


def check_input_shape(x: np.ndarray, input_shape: tuple[int, ...]) -> None:
    if tuple(x.shape[1:]) != tuple(input_shape):
        raise LinearityError(
            f"x has instance shape {x.shape[1:]} but the model expects {tuple(input_shape)}"
        )


def forward_inputs(x: np.ndarray, samples: np.ndarray, alphas: np.ndarray, agg: Agg) -> np.ndarray:
    """One forward batch, position-major: all instances, then each sample, then each
    superposition.

    ``x`` is ``(c, *shape)``, ``samples`` is ``(c, n, *shape)``; returns
    ``(p * c, *shape)`` with ``p = 1 + n + m`` and ``m = 1`` (global) or ``n`` (pairwise), so
    that outputs reshape to ``(p, c * n_out)`` for one matrix product per layer.
    """
    c, n, shape = samples.shape[0], samples.shape[1], samples.shape[2:]
    m = 1 if agg == "global" else n
    a = alphas.astype(x.dtype)
    batch = np.empty((1 + n + m, c, *shape), dtype=x.dtype)  # written in place: no copies
    batch[0] = x
    batch[1 : 1 + n] = np.swapaxes(samples, 0, 1)
    if agg == "global":
        # einsum, not tensordot: BLAS threads would keep spinning and starve TensorFlow.
        np.einsum("s,s...->...", a, batch[1 : 1 + n], out=batch[1 + n])
    else:
        np.multiply(a[1], batch[1 : 1 + n], out=batch[1 + n :])
        batch[1 + n :] += a[0] * x
    return batch.reshape((-1, *shape))


def difference_weights(alphas: np.ndarray, n: int, agg: Agg) -> np.ndarray:
    """Rows ``w`` with ``w @ f(outputs of one instance)`` = superposed output minus output
    of the superposed input, ``(m, 1 + n + m)``; one row (global) or one per sample.

    >>> difference_weights(np.array([0.5, 0.5]), 2, "global").tolist()
    [[0.0, 0.5, 0.5, -1.0]]
    """
    a = np.asarray(alphas, dtype=np.float64)
    if agg == "global":
        return np.concatenate([[0.0], a, [-1.0]])[None, :]
    w = np.zeros((n, 1 + 2 * n))
    w[:, 0] = a[0]
    w[np.arange(n), 1 + np.arange(n)] = a[1]
    w[np.arange(n), 1 + n + np.arange(n)] = -1.0
    return w


def scores_from_outputs(
    out: np.ndarray, c: int, n: int, alphas: np.ndarray, agg: Agg, log: bool
) -> np.ndarray:
    """Per-instance scores from the outputs of one :func:`forward_inputs` batch, ``(c,)``."""
    y = out.reshape(len(out) // c, c, -1).astype(np.float64)  # (p, c, n_out)
    if log:
        y = np.log(y + LOG_EPS)
    diff = np.einsum("mp,pcf->mcf", difference_weights(alphas, n, agg), y)  # (m, c, n_out)
    return np.linalg.norm(diff, axis=-1).mean(axis=0)


def check_probabilities(out: np.ndarray) -> None:
    """Classifier outputs must be probabilities; otherwise the log is meaningless."""
    flat = out.reshape(len(out), -1)
    if np.any(flat < 0) or not np.allclose(flat.sum(axis=1), 1.0, atol=PROB_ATOL):
        raise LinearityError(
            "model_type='classifier' needs probabilities (non-negative rows that sum to 1), "
            "but predict_fn returned other values; use model_type='regressor' for logits "
            "or other real-valued outputs"
        )


Sampler = Callable[[int, int, np.ndarray], np.ndarray]


def sampler(
    x: np.ndarray, config: MeasureConfig, feature_range: np.ndarray | None, knn: KnnIndex | None
) -> Sampler:
    """``draw(start, stop, indices)``: the samples around ``x[start:stop]``,
    ``(stop - start, n_samples, *shape)``; ``indices`` seed the grid's per-instance streams.

    knn neighbours are searched once for all of ``x``, in one blockwise product, before
    any chunk is drawn.
    """
    if config.method == "knn":
        if knn is None:
            raise LinearityError("method='knn' needs X_train, the set to take neighbours from")
        neighbours = knn.neighbours(x, config.n_samples)  # (n, n_samples)

        def nearest(start: int, stop: int, indices: np.ndarray) -> np.ndarray:
            return knn.data[neighbours[start:stop]].astype(x.dtype, copy=False)

        return nearest
    if feature_range is None:
        raise LinearityError("method='grid' needs feature_range or X_train to infer it from")
    fr = feature_range

    def grid(start: int, stop: int, indices: np.ndarray) -> np.ndarray:
        rngs = instance_generators(config.seed, indices)
        return grid_samples(
            x[start:stop],
            fr,
            rngs,
            n_samples=config.n_samples,
            epsilon=config.epsilon,
            res=config.res,
            clip=config.clip,
        )

    return grid


# The spread of a layer's outputs is taken over this many of the samples: enough for its
# scale, and nearly free (more rows of the same matrix product; all of them cost a pass).
SPREAD_SAMPLES = 4


def spread_samples(key: Any) -> int:
    return min(int(key.n_samples), SPREAD_SAMPLES)


def reduction_weights(key: Any) -> np.ndarray:
    """Rows whose product with one instance's outputs ``(p, f)`` gives, first, the
    measure's differences (``difference_weights``), then ``f(M(v_k)) - f(M(x))`` for the
    first ``spread_samples`` samples: the spread is the RMS of their norms.

    >>> from linearity_core.measure.probes import ProbeKey
    >>> reduction_weights(ProbeKey(None, 2, (0.5, 0.5), "global", False, (1,))).tolist()
    [[0.0, 0.5, 0.5, -1.0], [-1.0, 1.0, 0.0, 0.0], [-1.0, 0.0, 1.0, 0.0]]
    """
    diff = difference_weights(np.asarray(key.alphas), key.n_samples, key.agg)
    k = spread_samples(key)
    moves = np.zeros((k, diff.shape[1]))
    moves[:, 0] = -1.0
    moves[np.arange(k), 1 + np.arange(k)] = 1.0
    return np.concatenate([diff, moves])

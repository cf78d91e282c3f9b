"""The linearity measure over any predict function, with alibi's public signatures.

``L(x) = || sum_i a_i f(M(v_i)) - f(M(sum_i a_i v_i)) ||`` (global) or the mean over
samples of the pairwise version; ``f = log`` for a classifier's probabilities.
Alibi users switch by changing one import; ``seed`` is new.
"""

from collections.abc import Callable

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.measure.config import LOG_EPS, Agg, MeasureConfig, Method, ModelType
from linearity_core.measure.sampling import (
    KnnIndex,
    grid_samples,
    infer_feature_range,
    instance_generators,
)

PredictFn = Callable[[np.ndarray], np.ndarray]
# Inputs sent to predict_fn at once; keeps memory bounded for large x.
PREDICT_BATCH = 4096
# Tolerance on row sums when checking that classifier outputs are probabilities.
PROB_ATOL = 1e-3


def check_instances(x: np.ndarray, input_shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Validate a batch of instances and return it as float32 (float64 is kept)."""
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
    if input_shape is not None:
        check_input_shape(arr, input_shape)
    return arr if arr.dtype == np.float64 else arr.astype(np.float32, copy=False)


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


def score_instances(
    predict_fn: PredictFn,
    x: np.ndarray,
    config: MeasureConfig,
    model_type: ModelType,
    feature_range: np.ndarray | None = None,
    knn: KnnIndex | None = None,
) -> np.ndarray:
    """Scores of every instance of ``x`` under ``predict_fn``, ``(n,)``."""
    check_model_type(model_type)
    x = check_instances(x)
    alphas = config.resolved_alphas()
    chunk = max(1, PREDICT_BATCH // config.inputs_per_instance)
    draw = sampler(x, config, feature_range, knn)
    scores = np.empty(len(x), dtype=np.float64)
    for start in range(0, len(x), chunk):
        xc = x[start : start + chunk]
        samples = draw(start, start + len(xc), np.arange(start, start + len(xc)))
        out = np.asarray(predict_fn(forward_inputs(xc, samples, alphas, config.agg)))
        if model_type == "classifier":
            check_probabilities(out)
        scores[start : start + len(xc)] = scores_from_outputs(
            out, len(xc), config.n_samples, alphas, config.agg, log=model_type == "classifier"
        )
    return scores


def check_model_type(model_type: str) -> None:
    if model_type not in ("classifier", "regressor"):
        raise LinearityError(f"unknown model_type {model_type!r}; use classifier or regressor")


def _alibi_config(
    method: Method,
    agg: Agg,
    nb_samples: int,
    epsilon: float,
    res: int,
    alphas: np.ndarray | None,
    seed: int | None,
) -> MeasureConfig:
    """Alibi's argument names, parsed into our validated config."""
    return MeasureConfig(
        method=method,
        agg=agg,
        n_samples=nb_samples,
        epsilon=epsilon,
        res=res,
        alphas=None if alphas is None else tuple(np.ravel(alphas)),
        seed=seed,
    )


def linearity_measure(
    predict_fn: PredictFn,
    x: np.ndarray,
    feature_range: np.ndarray | list | None = None,
    method: Method = "grid",
    X_train: np.ndarray | None = None,
    epsilon: float = 0.04,
    nb_samples: int = 10,
    res: int = 100,
    alphas: np.ndarray | None = None,
    agg: Agg = "global",
    model_type: ModelType = "classifier",
    seed: int | None = None,
) -> np.ndarray:
    """Linearity score of ``predict_fn`` around each instance of ``x`` (lower is more linear).

    Same signature and defaults as ``alibi.confidence.linearity_measure``, plus ``seed``.

    Parameters
    ----------
    predict_fn, x
        Batch of inputs -> outputs (probabilities for a classifier); instances ``(n, ...)``.
    feature_range, X_train
        Per-feature ``[min, max]`` (else inferred from ``X_train``); knn's neighbours.
    method, agg
        ``"grid"`` or ``"knn"`` samples; ``"global"`` or ``"pairwise"`` superposition.
    epsilon, res, nb_samples
        Grid steps reach ``max(2, round(epsilon * res))`` units of ``range / res``; samples.
    alphas, model_type
        Coefficients (default ``1/n`` or ``(0.5, 0.5)``); ``"classifier"`` reads ``log``.
    seed
        Seeds each instance's own random stream; None draws fresh entropy.

    >>> lin = linearity_measure(lambda v: 2 * v, np.ones((3, 4)), X_train=np.eye(4),
    ...                         model_type="regressor", seed=0)
    >>> bool(np.all(lin < 1e-6))
    True
    """
    config = _alibi_config(method, agg, nb_samples, epsilon, res, alphas, seed)
    knn = KnnIndex(check_instances(X_train)) if method == "knn" and X_train is not None else None
    if feature_range is None and method == "grid" and X_train is not None:
        feature_range = infer_feature_range(X_train)
    fr = None if feature_range is None else np.asarray(feature_range, dtype=np.float64)
    return score_instances(predict_fn, x, config, model_type, fr, knn)


class LinearityMeasure:
    """Alibi's ``LinearityMeasure``: ``fit`` on reference data, then ``score``.

    Unlike alibi, the default feature range (``[0, 1]`` per feature, used when not fitted)
    has one row per *flattened* feature, so images work unfitted too.

    Parameters
    ----------
    method, epsilon, nb_samples, res, alphas, model_type, agg, seed, verbose
        As ``linearity_measure`` (but ``agg="pairwise"``, as alibi); verbose prints nothing.
    """

    def __init__(
        self,
        method: Method = "grid",
        epsilon: float = 0.04,
        nb_samples: int = 10,
        res: int = 100,
        alphas: np.ndarray | None = None,
        model_type: ModelType = "classifier",
        agg: Agg = "pairwise",
        verbose: bool = False,
        seed: int | None = None,
    ):
        self.config = _alibi_config(method, agg, nb_samples, epsilon, res, alphas, seed)
        check_model_type(model_type)
        self.model_type: ModelType = model_type
        self.verbose = verbose
        self.is_fit = False
        self.feature_range: np.ndarray | None = None
        self.knn: KnnIndex | None = None

    def fit(self, X_train: np.ndarray) -> "LinearityMeasure":
        X = check_instances(X_train)
        self.X_train = X
        self.feature_range = infer_feature_range(X)
        if self.config.method == "knn":
            self.knn = KnnIndex(X)
        self.is_fit = True
        return self

    def score(self, predict_fn: PredictFn, x: np.ndarray) -> np.ndarray:
        x = check_instances(x)
        fr = self.feature_range
        if fr is None:
            n_features = int(np.prod(x.shape[1:]))
            fr = np.tile([0.0, 1.0], (n_features, 1))  # (n_features, 2)
        return score_instances(predict_fn, x, self.config, self.model_type, fr, self.knn)

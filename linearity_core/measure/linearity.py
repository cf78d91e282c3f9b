"""The linearity measure over any predict function, with alibi's public signatures.

``L(x) = || sum_i a_i f(M(v_i)) - f(M(sum_i a_i v_i)) ||`` (global) or the mean over
samples of the pairwise version; ``f = log`` for a classifier's probabilities.
Alibi users switch by changing one import; ``seed`` is new.
"""

from collections.abc import Callable

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.measure.config import Agg, MeasureConfig, Method, ModelType
from linearity_core.measure.forward import (
    check_instances,
    check_probabilities,
    forward_inputs,
    sampler,
    scores_from_outputs,
)
from linearity_core.measure.sampling import KnnIndex, infer_feature_range

PredictFn = Callable[[np.ndarray], np.ndarray]
# Inputs sent to predict_fn at once; keeps memory bounded for large x.
PREDICT_BATCH = 4096


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

"""A regressor's answer to "does linearity flag mistakes?": how a layer's score follows
each instance's prediction error, by rank correlation and by quarters of the error."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linearity_core.measure.results import RunResult

QUARTER_NAMES = ("smallest errors", "second quarter", "third quarter", "largest errors")


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's correlation (ties take average ranks); NaN when either is constant.

    >>> rank_correlation(np.array([1.0, 2.0, 3.0]), np.array([10.0, 30.0, 20.0]))
    0.5
    """
    ra = pd.Series(a).rank().to_numpy()
    rb = pd.Series(b).rank().to_numpy()
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


@dataclass(frozen=True)
class ErrorSummary:
    """Per layer: the rank correlation of score and error; per (layer, error quarter):
    the mean score."""

    table: pd.DataFrame  # layer, kind, correlation, reads
    by_quarter: pd.DataFrame  # layer, quarter, mean

    @property
    def best_layer(self) -> str:
        strength = self.table["correlation"].abs()
        if strength.isna().all():
            return str(self.table["layer"].iloc[-1])
        return str(self.table["layer"].iloc[int(np.nanargmax(strength))])


def error_summary(result: RunResult) -> ErrorSummary:
    """How each layer's score follows the prediction error (needs a regression run)."""
    errors = np.asarray(result.errors, dtype=np.float64)
    edges = np.quantile(errors, [0.25, 0.5, 0.75])
    quarter = np.searchsorted(edges, errors, side="right")
    linear = result.linear_layers()
    rows, means = [], []
    for j, layer in enumerate(result.layers):
        scores = result.scores[:, j]
        if linear[j]:
            rows.append((layer.name, layer.kind, np.nan, "linear: all 0"))
        else:
            r = rank_correlation(scores, errors)
            reads = (
                ""
                if np.isnan(r)
                else "larger errors less linear"
                if r > 0
                else "larger errors more linear"
            )
            rows.append((layer.name, layer.kind, r, reads))
        for q, name in enumerate(QUARTER_NAMES):
            chosen = scores[quarter == q]
            means.append((layer.name, name, float(chosen.mean()) if len(chosen) else np.nan))
    table = pd.DataFrame(rows, columns=["layer", "kind", "correlation", "reads"])
    return ErrorSummary(table, pd.DataFrame(means, columns=["layer", "quarter", "mean"]))

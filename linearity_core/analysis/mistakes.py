"""Does linearity flag the model's mistakes? Per layer, the AUROC of the score as a
detector of misclassified instances, with a bootstrap interval."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linearity_core.measure.results import RunResult

# Below this many mistakes (or correct answers) an AUROC says little; the view says so.
MIN_MISTAKES = 10
BOOTSTRAP = 1000


def auroc(scores: np.ndarray, positive: np.ndarray) -> float:
    """P(score of a random positive > score of a random negative), ties counting one half.

    The Mann-Whitney statistic from average ranks; NaN when a class is empty.

    >>> auroc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([False, False, True, True]))
    0.75
    >>> auroc(np.ones(4), np.array([True, False, True, False]))
    0.5
    """
    positive = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])  # 0-based rank of each value's first
    average_rank = first + (counts + 1) / 2  # 1-based average rank of each distinct value
    rank_sum = average_rank[inverse][positive].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def bootstrap_interval(
    scores: np.ndarray, positive: np.ndarray, rng: np.random.Generator, n: int = BOOTSTRAP
) -> tuple[float, float]:
    """The 95% percentile interval of the AUROC over ``n`` resamples of the instances."""
    values = [
        auroc(scores[idx], positive[idx])
        for idx in rng.integers(0, len(scores), size=(n, len(scores)))
    ]
    low, high = np.nanpercentile(values, [2.5, 97.5])
    return float(low), float(high)


@dataclass(frozen=True)
class MistakeSummary:
    """Per layer: AUROC, its interval, and how many mistakes it rests on."""

    table: pd.DataFrame  # layer, kind, auroc, low, high
    n_mistakes: int
    n_correct: int

    @property
    def too_few(self) -> bool:
        return min(self.n_mistakes, self.n_correct) < MIN_MISTAKES

    @property
    def best_layer(self) -> str:
        return str(self.table["layer"].iloc[int(np.nanargmax(self.table["auroc"]))])


def mistake_summary(result: RunResult, seed: int = 0, n_boot: int = BOOTSTRAP) -> MistakeSummary:
    """How well each layer's score separates misclassified instances from correct ones.

    Higher AUROC: mistakes are less linear there. Needs a classifier's predictions.
    """
    wrong = result.predicted != result.labels  # (n,)
    rng = np.random.default_rng(seed)
    rows = []
    for j, layer in enumerate(result.layers):
        scores = result.scores[:, j]
        low, high = bootstrap_interval(scores, wrong, rng, n_boot)
        rows.append((layer.name, layer.kind, auroc(scores, wrong), low, high))
    table = pd.DataFrame(rows, columns=["layer", "kind", "auroc", "low", "high"])
    return MistakeSummary(table, int(wrong.sum()), int((~wrong).sum()))

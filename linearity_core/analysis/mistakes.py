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

    table: pd.DataFrame  # layer, kind, auroc, low, high, reads
    n_mistakes: int
    n_correct: int

    @property
    def too_few(self) -> bool:
        return min(self.n_mistakes, self.n_correct) < MIN_MISTAKES

    @property
    def best_layer(self) -> str:
        """Where the score separates mistakes best, in either direction: an AUROC of 0.3
        tells as much as 0.7 (mistakes are then the *more* linear ones)."""
        distance = (self.table["auroc"] - 0.5).abs()
        if distance.isna().all():
            return str(self.table["layer"].iloc[-1])
        return str(self.table["layer"].iloc[int(np.nanargmax(distance))])


def mistake_summary(result: RunResult, seed: int = 0, n_boot: int = BOOTSTRAP) -> MistakeSummary:
    """How well each layer's score separates misclassified instances from correct ones.

    Above 0.5 mistakes are less linear there, below it more linear; ``reads`` says which,
    when the 95% interval excludes 0.5. Needs a classifier's predictions.
    """
    wrong = result.predicted != result.labels  # (n,)
    linear = result.linear_layers()  # their ranking is rounding noise: no spurious AUROC
    rows = []
    for j, layer in enumerate(result.layers):
        scores = result.scores[:, j]
        if linear[j]:
            rows.append((layer.name, layer.kind, np.nan, np.nan, np.nan, "linear: all 0"))
            continue
        # The same resamples for every layer: layers with equal scores get equal intervals.
        low, high = bootstrap_interval(scores, wrong, np.random.default_rng(seed), n_boot)
        reads = (
            "mistakes less linear"
            if low > 0.5
            else "mistakes more linear"
            if high < 0.5
            else "no clear difference"
        )
        rows.append((layer.name, layer.kind, auroc(scores, wrong), low, high, reads))
    table = pd.DataFrame(rows, columns=["layer", "kind", "auroc", "low", "high", "reads"])
    return MistakeSummary(table, int(wrong.sum()), int((~wrong).sum()))

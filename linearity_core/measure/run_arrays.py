"""The arrays of a run being filled chunk by chunk, in any order, and the result they make."""

from dataclasses import dataclass

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.measure.config import RunConfig
from linearity_core.measure.executors import ChunkResult
from linearity_core.measure.probes import Probe
from linearity_core.measure.results import RunResult, Timings


@dataclass(frozen=True)
class Provenance:
    """What a run is about, for people: dataset id, model label and class names."""

    dataset: str = ""
    model: str = ""
    class_names: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class RunArrays:
    """Per planned instance: its scores, scales, spreads, prediction, error, and whether
    it is done."""

    scores: np.ndarray  # (n, n_layers)
    scales: np.ndarray  # (n, n_layers)
    spreads: np.ndarray  # (n, n_layers)
    predicted: np.ndarray  # (n,)
    errors: np.ndarray  # (n,)
    done: np.ndarray  # (n,) bool

    @classmethod
    def empty(cls, n: int, n_layers: int) -> "RunArrays":
        def zeros() -> np.ndarray:
            return np.zeros((n, n_layers), np.float64)

        return cls(
            zeros(),
            zeros(),
            zeros(),
            np.full(n, -1, np.int64),
            np.full(n, np.nan),
            np.zeros(n, bool),
        )

    def put(self, part: ChunkResult, targets: np.ndarray | None) -> None:
        """A finished chunk; ``targets`` ``(c, k)`` make its regression errors."""
        rows = slice(part.start, part.stop)
        self.scores[rows] = part.out.scores
        self.scales[rows] = part.out.scales
        self.spreads[rows] = part.out.spreads
        self.predicted[rows] = part.predicted
        if targets is not None:
            final = part.out.final.reshape(len(targets), -1)
            if final.shape[1] == targets.shape[1]:
                self.errors[rows] = np.sqrt(((final - targets) ** 2).mean(axis=1))
        self.done[rows] = True

    def restore(self, resume: RunResult, config: RunConfig, idx: np.ndarray) -> None:
        """Mark the instances of a partial result of this run as done, with its arrays."""
        if resume.config != config or resume.scores.shape[1] != self.scores.shape[1]:
            raise LinearityError("the partial result to resume comes from another run")
        position = {int(i): k for k, i in enumerate(idx)}
        rows = np.array([position.get(int(i), -1) for i in resume.indices], dtype=np.int64)
        if (rows < 0).any():
            raise LinearityError("the partial result to resume has instances this run does not")
        self.scores[rows] = resume.scores
        self.scales[rows] = np.asarray(resume.scales)
        self.spreads[rows] = np.asarray(resume.spreads)
        self.predicted[rows] = resume.predicted
        self.errors[rows] = np.asarray(resume.errors)
        self.done[rows] = True

    def result(
        self,
        config: RunConfig,
        idx: np.ndarray,
        labels: np.ndarray,
        probe: Probe,
        timings: Timings,
        about: Provenance,
        created: str,
    ) -> RunResult:
        """The finished instances so far, as a result (partial until all are done)."""
        rows = np.flatnonzero(self.done)
        return RunResult(
            config=config,
            indices=idx[rows],
            labels=labels[rows],
            predicted=self.predicted[rows],
            scores=self.scores[rows],
            layers=probe.layers,
            timings=timings,
            partial=len(rows) < len(self.done),
            n_planned=len(self.done),
            dataset=about.dataset,
            model=about.model,
            class_names=tuple(about.class_names),
            created_at=created,
            scales=self.scales[rows],
            spreads=self.spreads[rows],
            errors=self.errors[rows],
        )

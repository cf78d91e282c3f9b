"""Where a run's chunks are scored: what a chunk needs, and the in-process executor.

A ``ChunkPlan`` holds everything needed to score any chunk (instances, their stream
indices, the feature range or knn neighbours), so a chunk can run anywhere, in any order.
"""

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from linearity_core.measure.config import MeasureConfig
from linearity_core.measure.forward import forward_inputs, sampler
from linearity_core.measure.probes import Probe, ProbeOutput


@dataclass(frozen=True)
class ChunkResult:
    """What the probe made of ``x[start:stop]`` and the predicted labels ``(c,)``."""

    start: int
    stop: int
    out: ProbeOutput
    predicted: np.ndarray
    sampling_s: float = 0.0
    forward_s: float = 0.0


@dataclass(frozen=True)
class ChunkPlan:
    """Everything needed to score any chunk of a run, wherever it runs."""

    x: np.ndarray  # (n, *shape) the instances
    indices: np.ndarray  # (n,) their positions in the dataset: they seed their streams
    measure: MeasureConfig
    feature_range: np.ndarray | None  # grid
    neighbours: np.ndarray | None = None  # (n, n_samples) knn: rows of reference
    reference: np.ndarray | None = field(default=None, repr=False)

    def samples(self, start: int, stop: int) -> np.ndarray:
        """The samples around ``x[start:stop]``, ``(c, n_samples, *shape)``."""
        if self.neighbours is not None and self.reference is not None:
            return self.reference[self.neighbours[start:stop]].astype(self.x.dtype, copy=False)
        draw = sampler(self.x, self.measure, self.feature_range, None)
        return draw(start, stop, self.indices[start:stop])

    def part(self, start: int, stop: int) -> "ChunkPlan":
        """Only what chunk ``start:stop`` needs, to send it elsewhere: its instances and,
        for knn, only its neighbours' rows."""
        x, idx = self.x[start:stop], self.indices[start:stop]
        if self.neighbours is not None and self.reference is not None:
            rows, local = np.unique(self.neighbours[start:stop], return_inverse=True)
            local = local.reshape(stop - start, -1)
            return ChunkPlan(x, idx, self.measure, None, local, self.reference[rows])
        return ChunkPlan(x, idx, self.measure, self.feature_range)

    def forward_batch(self, start: int, stop: int) -> np.ndarray:
        """One forward batch, laid out as ``forward_inputs`` lays it out."""
        alphas = self.measure.resolved_alphas()
        samples = self.samples(start, stop)
        return forward_inputs(self.x[start:stop], samples, alphas, self.measure.agg)


@dataclass(frozen=True)
class ChunkWork:
    """The chunks of a run still to score: where they come from, the probe that scores
    them, their ``(start, stop)`` bounds, and when to stop (polled between chunks)."""

    plan: ChunkPlan
    probe: Probe
    bounds: Sequence[tuple[int, int]]
    should_stop: Callable[[], bool]


class Executor(Protocol):
    """Scores the chunks of a run and yields their results as they finish (any order)."""

    def map_chunks(self, work: ChunkWork) -> Iterator[ChunkResult]: ...


class LocalExecutor:
    """In process, in order. The next chunk's samples are drawn on a worker thread while
    TensorFlow runs this one."""

    def map_chunks(self, work: ChunkWork) -> Iterator[ChunkResult]:
        plan, probe, bounds, should_stop = work.plan, work.probe, work.bounds, work.should_stop
        if not bounds:
            return

        def prepare(start: int, stop: int) -> tuple[np.ndarray, float]:
            t0 = time.perf_counter()
            return plan.forward_batch(start, stop), time.perf_counter() - t0

        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(prepare, *bounds[0])
            for k, (start, stop) in enumerate(bounds):
                if should_stop():
                    return
                batch, sampling_s = pending.result()
                if k + 1 < len(bounds):
                    pending = pool.submit(prepare, *bounds[k + 1])
                t1 = time.perf_counter()
                out = probe(batch)
                forward_s = time.perf_counter() - t1
                predicted = out.predicted(probe.predicts_labels)
                yield ChunkResult(start, stop, out, predicted, sampling_s, forward_s)

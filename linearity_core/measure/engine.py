"""Streaming linearity runs: chunks -> partial results -> final ``RunResult``.

Instances are processed in chunks sized to a memory budget. Each chunk is an independent
unit of work (every instance has its own random stream), handed to an executor: the local
one below, or a remote one. Chunks may finish in any order; after each, the engine yields
a snapshot holding exactly the finished instances. A run can be stopped between chunks
(its result is then partial) and resumed later from such a partial result.
"""

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.measure.config import MeasureConfig, RunConfig
from linearity_core.measure.executors import ChunkPlan, ChunkWork, Executor, LocalExecutor
from linearity_core.measure.linearity import check_input_shape, check_instances
from linearity_core.measure.probes import ensure_built, layer_probe, model_input_shape
from linearity_core.measure.results import RunResult, Timings
from linearity_core.measure.sampling import KnnIndex, infer_feature_range

# Activations of one chunk stay under this; peak memory is then flat in the instance count.
DEFAULT_MEMORY_BUDGET = 512 * 2**20
# Small models would fit a whole run in one chunk; cap it so progress stays visible.
MAX_CHUNK = 256


@dataclass(frozen=True)
class Provenance:
    """What a run is about, for people: dataset id, model label and class names."""

    dataset: str = ""
    model: str = ""
    class_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunProgress:
    """A snapshot after a chunk. ``result`` holds the instances finished so far."""

    chunks_done: int
    chunks_total: int
    instances_done: int
    n_instances: int
    elapsed_s: float
    eta_s: float | None
    result: RunResult
    done: bool = False
    stopped: bool = False
    from_cache: bool = False

    @property
    def fraction(self) -> float:
        return self.instances_done / max(1, self.n_instances)


def chunk_bounds(n: int, chunk: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``0..n`` in chunks of ``chunk``.

    >>> chunk_bounds(5, 2)
    [(0, 2), (2, 4), (4, 5)]
    """
    return [(start, min(start + chunk, n)) for start in range(0, n, chunk)]


def run_linearity(
    model: Any,
    x: np.ndarray,
    labels: np.ndarray,
    config: RunConfig,
    *,
    indices: Sequence[int] | np.ndarray | None = None,
    feature_range: np.ndarray | None = None,
    x_reference: np.ndarray | None = None,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    chunk_size: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    resume: RunResult | None = None,
    executor: Executor | None = None,
    about: Provenance = Provenance(),
) -> Iterator[RunProgress]:
    """Score every selected layer of ``model`` around each instance of ``x``, streaming.

    Yields a ``RunProgress`` after every chunk; the last one has ``done=True``.

    Parameters
    ----------
    model
        A Keras model with one input; an unbuilt Sequential is built for ``x``.
    x, labels
        The instances ``(n, *input_shape)`` and their true labels ``(n,)``.
    config
        The measure, the layers (None: all) and whether the output is read as logits.
    indices
        The instances' positions in their dataset; they seed the per-instance random
        streams, so an instance scores the same in any run. Default ``0..n-1``.
    feature_range, x_reference
        Grid sampling's per-feature ``(min, max)``, or the reference set it is inferred
        from; knn takes its neighbours from ``x_reference``.
    memory_budget, chunk_size
        Chunks are sized so that their activations fit ``memory_budget`` bytes, unless
        ``chunk_size`` fixes the number of instances per chunk.
    should_stop
        Polled between chunks; True ends the run with a partial result.
    resume
        A partial result of this same run: its instances are not scored again. Pass the
        ``chunk_size`` it was computed with to get bit-identical final scores.
    executor
        Where chunks are scored; default ``LocalExecutor()``.
    about
        Dataset, model and class names recorded in the result.
    """
    started, created = time.perf_counter(), datetime.now(UTC).isoformat(timespec="seconds")
    x = check_instances(x)
    ensure_built(model, x.shape[1:])
    check_input_shape(x, model_input_shape(model))
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    idx = np.arange(len(x)) if indices is None else np.asarray(indices, dtype=np.int64)
    if len(labels) != len(x) or len(idx) != len(x):
        raise LinearityError(
            f"x has {len(x)} instances but labels has {len(labels)} and indices {len(idx)}"
        )
    plan = chunk_plan(x, idx, config.measure, feature_range, x_reference)
    probe = layer_probe(model, config, x.shape[1:])
    n = len(x)
    chunk = chunk_size or min(MAX_CHUNK, max(1, memory_budget // probe.bytes_per_instance()))
    chunk = min(chunk, n)
    bounds = chunk_bounds(n, chunk)
    scores = np.zeros((n, len(probe.layers)), dtype=np.float64)
    predicted = np.full(n, -1, dtype=np.int64)
    done = np.zeros(n, dtype=bool)
    if resume is not None:
        _restore(resume, config, idx, scores, predicted, done)
    todo = [(a, b) for a, b in bounds if not done[a:b].all()]
    timings = {"sampling": 0.0, "forward": 0.0}
    chunks_done = len(bounds) - len(todo)

    def snapshot(*, stopped: bool) -> RunProgress:
        elapsed = time.perf_counter() - started
        n_done = int(done.sum())
        eta = elapsed / n_done * (n - n_done) if n_done else None
        rows = np.flatnonzero(done)
        result = RunResult(
            config=config,
            indices=idx[rows],
            labels=labels[rows],
            predicted=predicted[rows],
            scores=scores[rows],
            layers=probe.layers,
            timings=Timings(elapsed, timings["sampling"], timings["forward"], chunks_done, chunk),
            partial=n_done < n,
            n_planned=n,
            dataset=about.dataset,
            model=about.model,
            class_names=tuple(about.class_names),
            created_at=created,
        )
        finished = n_done == n or stopped
        return RunProgress(
            chunks_done, len(bounds), n_done, n, elapsed, eta, result, finished, stopped
        )

    stop = should_stop or (lambda: False)
    work = ChunkWork(plan, probe, todo, stop)
    for part in (executor or LocalExecutor()).map_chunks(work):
        scores[part.start : part.stop] = part.scores
        predicted[part.start : part.stop] = part.predicted
        done[part.start : part.stop] = True
        timings["sampling"] += part.sampling_s
        timings["forward"] += part.forward_s
        chunks_done += 1
        yield snapshot(stopped=False)
    if not done.all():
        yield snapshot(stopped=True)
    elif not todo:  # everything came from ``resume``: still one final snapshot
        yield snapshot(stopped=False)


def chunk_plan(
    x: np.ndarray,
    idx: np.ndarray,
    measure: MeasureConfig,
    feature_range: np.ndarray | None,
    x_reference: np.ndarray | None,
) -> ChunkPlan:
    """Feature range, or knn neighbours, computed once for the whole run."""
    if measure.method == "knn":
        if x_reference is None:
            raise LinearityError("method='knn' needs reference data (X_train) for neighbours")
        knn = KnnIndex(x_reference)
        neighbours = knn.neighbours(x, measure.n_samples)  # (n, n_samples)
        return ChunkPlan(x, idx, measure, None, neighbours, knn.data)
    if feature_range is None:
        if x_reference is None:
            raise LinearityError("grid sampling needs a feature_range or reference data")
        feature_range = infer_feature_range(x_reference)
    return ChunkPlan(x, idx, measure, np.asarray(feature_range, np.float64))


def _restore(
    resume: RunResult,
    config: RunConfig,
    idx: np.ndarray,
    scores: np.ndarray,
    predicted: np.ndarray,
    done: np.ndarray,
) -> None:
    """Mark the instances of a partial result of this run as done, with their scores."""
    if resume.config != config or resume.scores.shape[1] != scores.shape[1]:
        raise LinearityError("the partial result to resume comes from another run")
    position = {int(i): k for k, i in enumerate(idx)}
    rows = np.array([position.get(int(i), -1) for i in resume.indices], dtype=np.int64)
    if (rows < 0).any():
        raise LinearityError("the partial result to resume has instances this run does not")
    scores[rows] = resume.scores
    predicted[rows] = resume.predicted
    done[rows] = True


def compute_run(*args: Any, **kwargs: Any) -> RunResult:
    """Run to the end and return the final result (no progress reporting); takes
    ``run_linearity``'s arguments."""
    last = deque(run_linearity(*args, **kwargs), maxlen=1)
    return last[0].result

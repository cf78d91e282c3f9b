"""Streaming linearity runs: chunks -> partial results -> final ``RunResult``.

Instances are processed in chunks sized to a memory budget. Each chunk is an independent
unit of work (every instance has its own random stream), handed to an executor: the local
one below, or a remote one. Chunks may finish in any order; after each, the engine yields
a snapshot holding exactly the finished instances. A run can be stopped between chunks
(its result is then partial) and resumed later from such a partial result.
"""

import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict, Unpack

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.measure.config import MeasureConfig, RunConfig
from linearity_core.measure.executors import ChunkPlan, ChunkWork, Executor, LocalExecutor
from linearity_core.measure.forward import check_instances
from linearity_core.measure.probes import Probe, layer_probe
from linearity_core.measure.results import RunResult, Timings
from linearity_core.measure.run_arrays import Provenance, RunArrays
from linearity_core.measure.sampling import KnnIndex, infer_feature_range

# Small models would fit a whole run in one chunk; cap it so progress stays visible.
MAX_CHUNK = 256
# The first chunk is small: its bars are on screen while the rest is computed.
FIRST_CHUNK = 8


def default_memory_budget() -> int:
    """Bytes one chunk's activations may take: ``$LINEARITY_MEMORY_MB``, default 512 MB.
    Peak memory is then flat in the instance count."""
    raw = os.environ.get("LINEARITY_MEMORY_MB", "512")
    try:
        return max(1, int(float(raw) * 2**20))
    except ValueError:
        raise LinearityError(f"LINEARITY_MEMORY_MB must be a number, got {raw!r}") from None


def chunk_size_for(probe: Probe, budget: int) -> int:
    """Instances per chunk within ``budget``; refused when even one does not fit."""
    need = probe.bytes_per_instance()
    if need > budget:
        raise LinearityError(
            f"one instance needs about {need / 2**20:,.0f} MB in a chunk ({probe.key.per_instance} "
            f"forward inputs through every layer), more than the memory budget of "
            f"{budget / 2**20:,.0f} MB; use fewer samples or smaller inputs, or raise "
            "LINEARITY_MEMORY_MB"
        )
    return min(MAX_CHUNK, max(1, budget // need))


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
    """``[(start, stop), ...]`` covering ``0..n`` in chunks of ``chunk``; the first is at
    most ``FIRST_CHUNK``, so the first bars come at once.

    >>> chunk_bounds(5, 2)
    [(0, 2), (2, 4), (4, 5)]
    >>> chunk_bounds(40, 32)
    [(0, 8), (8, 40)]
    """
    first = min(chunk, FIRST_CHUNK, n)
    return [(0, first)] + [(s, min(s + chunk, n)) for s in range(first, n, chunk)]


def run_linearity(
    model: Any,
    x: np.ndarray,
    labels: np.ndarray,
    config: RunConfig,
    *,
    indices: Sequence[int] | np.ndarray | None = None,
    feature_range: np.ndarray | None = None,
    x_reference: np.ndarray | None = None,
    targets: np.ndarray | None = None,
    memory_budget: int | None = None,
    chunk_size: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    resume: RunResult | None = None,
    executor: Executor | None = None,
    about: Provenance | None = None,
) -> Iterator[RunProgress]:
    """Score every selected layer of ``model`` around each instance of ``x``, streaming.

    Yields a ``RunProgress`` after every chunk; the last one has ``done=True``.

    Parameters
    ----------
    model
        A Keras model with one input (Sequential, functional, nested; ``None``
        dimensions take ``x``'s shape), or an ``OnnxModel``.
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
    targets
        A regression dataset's targets ``(n,)`` or ``(n, k)``: each instance's
        prediction error is recorded beside its scores.
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
    x = check_instances(x, float32=True)
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    idx = np.arange(len(x)) if indices is None else np.asarray(indices, dtype=np.int64)
    if len(labels) != len(x) or len(idx) != len(x):
        raise LinearityError(
            f"x has {len(x)} instances but labels has {len(labels)} and indices {len(idx)}"
        )
    plan = chunk_plan(x, idx, config.measure, feature_range, x_reference)
    probe = layer_probe(model, config, x.shape[1:])
    n = len(x)
    budget = memory_budget or default_memory_budget()
    chunk = min(chunk_size or chunk_size_for(probe, budget), n)
    bounds = chunk_bounds(n, chunk)
    arrays = RunArrays.empty(n, len(probe.layers))
    earlier = Timings(sittings=0)
    if resume is not None:
        arrays.restore(resume, config, idx)
        earlier = resume.timings
    todo = [(a, b) for a, b in bounds if not arrays.done[a:b].all()]
    timings = {"sampling": earlier.sampling_s, "forward": earlier.forward_s}
    chunks_done, resumed_with = len(bounds) - len(todo), int(arrays.done.sum())
    y_true = None if targets is None else np.asarray(targets, np.float64).reshape(n, -1)

    def snapshot(*, stopped: bool) -> RunProgress:
        sitting = time.perf_counter() - started
        n_done = int(arrays.done.sum())
        scored_now = n_done - resumed_with  # the rate of this sitting gives the ETA
        eta = sitting / scored_now * (n - n_done) if scored_now else None
        total = earlier.total_s + sitting
        spent = Timings(
            total, timings["sampling"], timings["forward"], chunks_done, chunk, earlier.sittings + 1
        )
        result = arrays.result(config, idx, labels, probe, spent, about or Provenance(), created)
        finished = n_done == n or stopped
        return RunProgress(
            chunks_done, len(bounds), n_done, n, total, eta, result, finished, stopped
        )

    stop = should_stop or (lambda: False)
    work = ChunkWork(plan, probe, todo, stop)
    for part in (executor or LocalExecutor()).map_chunks(work):
        arrays.put(part, None if y_true is None else y_true[part.start : part.stop])
        timings["sampling"] += part.sampling_s
        timings["forward"] += part.forward_s
        chunks_done += 1
        yield snapshot(stopped=False)
    if not arrays.done.all():
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


class RunOptions(TypedDict, total=False):
    """The keyword arguments ``compute_run`` passes on to ``run_linearity``."""

    indices: Sequence[int] | np.ndarray | None
    feature_range: np.ndarray | None
    x_reference: np.ndarray | None
    targets: np.ndarray | None
    memory_budget: int | None
    chunk_size: int | None
    executor: Executor | None
    about: Provenance | None


def compute_run(
    model: Any, x: np.ndarray, labels: np.ndarray, config: RunConfig, **options: Unpack[RunOptions]
) -> RunResult:
    """Run to the end and return the final result (no progress reporting); the options
    are ``run_linearity``'s."""
    return deque(run_linearity(model, x, labels, config, **options), maxlen=1)[0].result

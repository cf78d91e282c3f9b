"""Streaming linearity runs: chunks -> partial results -> final ``RunResult``.

Instances are processed in chunks sized to a memory budget. After each chunk the engine
yields a snapshot, so a UI can redraw its charts; a run can be stopped between chunks and
then ends in a result marked partial.
"""

import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from linearity_core.config import RunConfig
from linearity_core.errors import LinearityError
from linearity_core.measure import check_input_shape, check_instances, forward_inputs, sampler
from linearity_core.probes import LayerProbe, ensure_built, model_input_shape
from linearity_core.results import RunResult, Timings
from linearity_core.sampling import KnnIndex, infer_feature_range

# Activations of one chunk stay under this; peak memory is then flat in the instance count.
DEFAULT_MEMORY_BUDGET = 512 * 2**20
# Small models would fit a whole run in one chunk; cap it so progress stays visible.
MAX_CHUNK = 256
# A probe traces a graph once; reuse it for every run on the same model and measure.
_PROBES: "weakref.WeakKeyDictionary[Any, dict[tuple, LayerProbe]]" = weakref.WeakKeyDictionary()
_PROBES_LOCK = threading.Lock()


@dataclass(frozen=True)
class RunProgress:
    """A snapshot after a chunk. ``result`` holds the instances done so far."""

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


def layer_probe(model: Any, config: RunConfig, input_shape: tuple[int, ...]) -> LayerProbe:
    """The probe for ``model`` and ``config``'s measure, built once and then reused."""
    m = config.measure
    key = (config.layers, m.n_samples, tuple(m.resolved_alphas().tolist()), m.agg, config.logits)
    with _PROBES_LOCK:  # two sessions may ask at once; build and trace each probe once
        probes = _PROBES.setdefault(model, {})
        if key not in probes:
            probe = LayerProbe(
                model, config.layers, n_samples=m.n_samples, alphas=m.resolved_alphas(),
                agg=m.agg, logits=config.logits, input_shape=input_shape,
            )  # fmt: skip
            probe(np.zeros((probe.per_instance, *probe.input_shape), np.float32))  # trace
            probes[key] = probe
        return probes[key]


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
    dataset: str = "",
    model_name: str = "",
    class_names: Sequence[str] = (),
) -> Iterator[RunProgress]:
    """Score every selected layer of ``model`` around each instance of ``x``, streaming.

    ``indices`` name the instances (their positions in the dataset) and seed their random
    streams; ``x_reference`` gives the grid's feature range (unless ``feature_range`` is
    given) and knn's neighbours. The last snapshot has ``done=True``.
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
    m = config.measure
    knn = None
    if m.method == "knn":
        if x_reference is None:
            raise LinearityError("method='knn' needs reference data (X_train) for neighbours")
        knn = KnnIndex(x_reference)
    elif feature_range is None:
        if x_reference is None:
            raise LinearityError("grid sampling needs a feature_range or reference data")
        feature_range = infer_feature_range(x_reference)
    draw = sampler(x, m, feature_range, knn)
    probe = layer_probe(model, config, x.shape[1:])
    alphas = m.resolved_alphas()
    n = len(x)
    chunk = chunk_size or min(MAX_CHUNK, max(1, memory_budget // probe.bytes_per_instance()))
    chunk = min(chunk, n)
    bounds = [(start, min(start + chunk, n)) for start in range(0, n, chunk)]
    scores = np.zeros((n, len(probe.layers)), dtype=np.float64)
    predicted = np.full(n, -1, dtype=np.int64)
    sampling_s = forward_s = 0.0

    def forward_batch(start: int, stop: int) -> tuple[np.ndarray, float]:
        t0 = time.perf_counter()
        samples = draw(start, stop, idx[start:stop])
        return forward_inputs(x[start:stop], samples, alphas, m.agg), time.perf_counter() - t0

    def snapshot(done_n: int, chunks_done: int, *, done: bool, stopped: bool) -> RunProgress:
        elapsed = time.perf_counter() - started
        eta = elapsed / done_n * (n - done_n) if done_n else None
        result = RunResult(
            config=config, indices=idx[:done_n], labels=labels[:done_n],
            predicted=predicted[:done_n], scores=scores[:done_n], layers=probe.layers,
            timings=Timings(elapsed, sampling_s, forward_s, chunks_done, chunk),
            partial=done_n < n, n_planned=n, dataset=dataset, model=model_name,
            class_names=tuple(class_names), created_at=created,
        )  # fmt: skip
        return RunProgress(chunks_done, len(bounds), done_n, n, elapsed, eta, result, done, stopped)

    # The next chunk's samples are drawn on a worker thread while TensorFlow runs this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(forward_batch, *bounds[0])
        for k, (start, stop) in enumerate(bounds):
            if should_stop is not None and should_stop():
                yield snapshot(start, k, done=True, stopped=True)
                return
            batch, prepare_s = pending.result()
            if k + 1 < len(bounds):
                pending = pool.submit(forward_batch, *bounds[k + 1])
            t1 = time.perf_counter()
            scores[start:stop], predicted[start:stop] = probe(batch)
            sampling_s += prepare_s
            forward_s += time.perf_counter() - t1
            yield snapshot(stop, k + 1, done=stop == n, stopped=False)


def compute_run(*args: Any, **kwargs: Any) -> RunResult:
    """Run to the end and return the final result (no progress reporting)."""
    last = deque(run_linearity(*args, **kwargs), maxlen=1)
    return last[0].result

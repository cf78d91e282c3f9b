"""Cached runs on a dataset: the one entry point the dashboard and the CLI share.

A run with the same config, data, model weights and measure version is served from the
store without recomputing; otherwise it streams from the engine and is stored when it
finishes (a stopped run is never stored).
"""

from collections.abc import Callable, Iterator
from typing import Any

from linearity_core.config import RunConfig
from linearity_core.datasets import Dataset, select_instances
from linearity_core.engine import RunProgress, run_linearity
from linearity_core.sampling import infer_feature_range
from linearity_core.store import RunStore, run_key


def run_key_for(dataset: Dataset, model_fingerprint: str, config: RunConfig) -> str:
    return run_key(config, dataset.id, dataset.fingerprint, model_fingerprint)


def cached_progress(result: Any) -> RunProgress:
    n = len(result.indices)
    return RunProgress(result.timings.n_chunks, result.timings.n_chunks, n, n,
                       result.timings.total_s, 0.0, result, done=True, from_cache=True)  # fmt: skip


def stream_cached_run(
    store: RunStore,
    dataset: Dataset,
    model: Any,
    model_fingerprint: str,
    model_label: str,
    config: RunConfig,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[RunProgress]:
    """Snapshots of the run: one from the store if cached, else one per chunk."""
    key = run_key_for(dataset, model_fingerprint, config)
    cached = store.load(key)
    if cached is not None:
        yield cached_progress(cached)
        return
    x_split, y_split = dataset.split(config.split)
    idx = select_instances(y_split, n_instances=config.n_instances, per_class=config.per_class,
                           seed=config.measure.seed)  # fmt: skip
    for snap in run_linearity(
        model, x_split[idx], y_split[idx], config, indices=idx,
        feature_range=infer_feature_range(x_split) if config.measure.method == "grid" else None,
        x_reference=dataset.x_train if config.measure.method == "knn" else None,
        should_stop=should_stop, dataset=dataset.id, model_name=model_label,
        class_names=dataset.class_names,
    ):  # fmt: skip
        if snap.done and not snap.stopped:
            fingerprints = {"model_fingerprint": model_fingerprint,
                            "data_fingerprint": dataset.fingerprint}  # fmt: skip
            store.save(key, snap.result, extra=fingerprints)
        yield snap

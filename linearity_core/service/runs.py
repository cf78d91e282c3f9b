"""Runs and trainings as background jobs: what the pages, the CLI and notebooks submit.

A run's job id is its run key. A stored run is answered at once; otherwise the job streams
the engine, checkpoints every finished chunk (so a restart or a stop can resume with
identical scores) and stores the finished run.
"""

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from linearity_core.data.datasets import Dataset, select_instances
from linearity_core.errors import LinearityError
from linearity_core.measure.config import RunConfig
from linearity_core.measure.engine import Executor, Provenance, RunProgress, run_linearity
from linearity_core.measure.results import RunResult
from linearity_core.models.store import ModelRef, ModelStore
from linearity_core.service.compute import default_executor
from linearity_core.service.jobs import Job, JobContext, JobService, job_service
from linearity_core.service.runstore import RunStore, run_key
from linearity_core.service.selection import ModelHandle

log = logging.getLogger(__name__)


def run_key_for(dataset: Dataset, model_fingerprint: str, config: RunConfig) -> str:
    return run_key(config, dataset.id, dataset.fingerprint, model_fingerprint)


def cached_progress(result: RunResult) -> RunProgress:
    """The snapshot of a stored run: done, and marked as coming from the cache."""
    n, chunks = len(result.indices), result.timings.n_chunks
    return RunProgress(chunks, chunks, n, n, result.timings.total_s, 0.0, result, True, False, True)


def run_title(handle: ModelHandle, dataset: Dataset, config: RunConfig) -> str:
    count = f"{config.per_class}/class" if config.per_class else f"{config.n_instances}"
    return f"Run · {handle.label} · {dataset.spec.name} · {count}"


def submit_run(
    dataset: Dataset,
    handle: ModelHandle,
    config: RunConfig,
    *,
    page: str = "layers",
    service: JobService | None = None,
    store: RunStore | None = None,
    executor: Executor | None = None,
) -> Job:
    """The job computing this run: the one already queued or running, a done one at once
    when the run is stored, else a new one.

    Parameters
    ----------
    dataset, handle, config
        What to run: instances of ``dataset`` chosen by ``config``, scored on the model.
    page
        Where the dashboard shows this run (the sidebar links to it).
    service, store, executor
        Defaults: the process's job service, the home's run store, in-process chunks.
    """
    service = service or job_service()
    store = store or RunStore()
    key = run_key_for(dataset, handle.fingerprint, config)
    title = run_title(handle, dataset, config)
    job = service.get(key)
    if job is not None and job.active:
        return job
    stored = store.load(key, config)
    if stored is not None:
        return service.finished(key, "run", title, page, cached_progress(stored))

    def work(ctx: JobContext) -> RunProgress:
        return compute_stored_run(
            store, key, dataset, handle, config, ctx.report, ctx.should_stop, executor, ctx
        )

    return service.submit(key, "run", title, page, work)


def compute_stored_run(
    store: RunStore,
    key: str,
    dataset: Dataset,
    handle: ModelHandle,
    config: RunConfig,
    report: Callable[[RunProgress], None],
    should_stop: Callable[[], bool],
    executor: Executor | None = None,
    ctx: JobContext | None = None,
) -> RunProgress:
    """Compute a run, resuming from its checkpoint, checkpointing every chunk; store it."""
    x_split, y_split = dataset.split(config.split)
    m = config.measure
    idx = select_instances(
        y_split, n_instances=config.n_instances, per_class=config.per_class, seed=m.seed
    )
    resume = store.load_partial(key, config)
    last = None
    for snap in run_linearity(
        handle.model,
        x_split[idx],
        y_split[idx],
        config,
        indices=idx,
        x_reference=dataset.sampling_reference(config),  # grid infers its feature range
        should_stop=should_stop,
        resume=resume,
        chunk_size=resume.timings.chunk_size if resume is not None else None,
        executor=executor or default_executor(),
        about=Provenance(dataset.id, handle.label, dataset.class_names),
    ):
        last = snap
        if not snap.done or snap.stopped:  # checkpoint first: what is shown is kept
            _try(partial(store.save_partial, key, snap.result), "checkpoint")
        report(snap)
    if last is None:
        raise LinearityError("the run produced no result")
    if last.stopped:
        if ctx is not None:
            ctx.stopped = True
        return last
    ref = {k: handle.meta[k] for k in ("arch", "epochs", "seed") if k in handle.meta}
    extra = {
        "model_fingerprint": handle.fingerprint,
        "data_fingerprint": dataset.fingerprint,
        "model_ref": ref or None,  # how the CLI can make the same model again
    }
    problem = _try(partial(store.save, key, last.result, extra=extra), "store")
    if problem and ctx is not None:
        ctx.job.note = f"The run finished but could not be stored: {problem}"
    store.drop_partial(key)
    return last


def _try(write: Callable[[], Any], what: str) -> str | None:
    """Writing to the store may fail (read-only, full disk): say so, keep the result."""
    try:
        write()
    except OSError as exc:
        log.warning("run %s could not be written: %s", what, exc)
        return f"{exc.strerror or exc} ({getattr(exc, 'filename', '') or 'run store'})"
    return None


def training_job_id(ref: ModelRef) -> str:
    return f"train:{ref.slug}"


def submit_training(
    ref: ModelRef,
    dataset: Dataset,
    *,
    service: JobService | None = None,
    store: ModelStore | None = None,
) -> Job:
    """The job training ``ref``: the one already going, a done one when the model is
    stored, else a new one. Its snapshots are ``TrainingProgress``; its result the
    stored model's metadata."""
    service = service or job_service()
    store = store or ModelStore()
    job_id, title = training_job_id(ref), f"Train · {ref.label} · {dataset.spec.name}"
    job = service.get(job_id)
    if job is not None and job.active:
        return job
    meta = store.meta(ref)
    if meta is not None:
        return service.finished(job_id, "training", title, "model", meta)

    def work(ctx: JobContext) -> dict[str, Any] | None:
        try:
            return store.get_or_train(ref, dataset, ctx.report, ctx.should_stop)[1]
        except LinearityError:
            if not ctx.should_stop():
                raise
            ctx.stopped = True
            return None

    return service.submit(job_id, "training", title, "model", work)

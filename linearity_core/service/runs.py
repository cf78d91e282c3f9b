"""Runs as background jobs: what the pages, the CLI and notebooks submit.

A run is planned once (``plan_run``: its key, dataset, model, config and instances) and
then executed (``execute_run``), which resumes from its checkpoint, checkpoints every
finished chunk (so a restart or a stop can resume with identical scores) and stores the
finished run. A run's job id is its key; a stored run is answered at once.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from linearity_core import defaults
from linearity_core.data.datasets import Dataset, select_instances
from linearity_core.errors import LinearityError
from linearity_core.measure.config import MeasureConfig, RunConfig
from linearity_core.measure.engine import Executor, Provenance, RunProgress, run_linearity
from linearity_core.measure.results import RunResult
from linearity_core.service.compute import default_executor
from linearity_core.service.job import PYTHON_CLIENT, Job, JobContext, Outcome
from linearity_core.service.jobs import JobService, job_service
from linearity_core.service.runinfo import config_label
from linearity_core.service.runstore import RunStore, run_key
from linearity_core.service.selection import ModelHandle
from linearity_core.service.urls import Page, View

__all__ = [
    "RunJob",
    "RunPlan",
    "RunProgress",
    "RunState",
    "execute_run",
    "notebook_config",
    "plan_run",
    "submit_run",
]
log = logging.getLogger(__name__)
RunJob = Job[RunProgress, RunProgress]


def run_key_for(dataset: Dataset, model_fingerprint: str, config: RunConfig) -> str:
    return run_key(config, dataset.id, dataset.fingerprint, model_fingerprint)


@dataclass(frozen=True, eq=False)
class RunPlan:
    """A run, decided once before anything is computed: what it is keyed by, what it
    scores, on which model, and which instances of the split."""

    key: str
    dataset: Dataset
    handle: ModelHandle
    config: RunConfig
    indices: np.ndarray = field(repr=False)


def plan_run(dataset: Dataset, handle: ModelHandle, config: RunConfig) -> RunPlan:
    """The plan of ``config`` on ``handle``'s model and ``dataset``."""
    _, y_split = dataset.split(config.split)
    idx = select_instances(
        y_split,
        n_instances=config.n_instances,
        per_class=config.per_class,
        seed=config.measure.seed,
    )
    return RunPlan(run_key_for(dataset, handle.fingerprint, config), dataset, handle, config, idx)


def cached_progress(result: RunResult) -> RunProgress:
    """The snapshot of a stored run: done, and marked as coming from the cache."""
    n, chunks = len(result.indices), result.timings.n_chunks
    return RunProgress(chunks, chunks, n, n, result.timings.total_s, 0.0, result, True, False, True)


def notebook_config(output: str | None = None) -> RunConfig:
    """The notebook's per-layer run: what the Layers page and the lesson open with."""
    return RunConfig(
        measure=MeasureConfig(
            n_samples=defaults.N_SAMPLES, epsilon=defaults.EPSILON, res=defaults.RES, seed=0
        ),
        n_instances=defaults.N_INSTANCES,
        output=output,
    )


def run_title(handle: ModelHandle, dataset: Dataset, config: RunConfig) -> str:
    return f"Run · {handle.label} · {dataset.spec.name} · {config_label(config)}"


def execute_run(
    plan: RunPlan,
    store: RunStore,
    *,
    report: Callable[[RunProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    executor: Executor | None = None,
    part_of: str = "",
) -> Outcome[RunProgress]:
    """Compute a planned run, resuming from its checkpoint and checkpointing every chunk;
    store it when it finishes (``part_of`` names the analysis it belongs to). The outcome
    says whether it stopped early and, when the store could not keep it, why."""
    x_split, y_split = plan.dataset.split(plan.config.split)
    resume = store.load_partial(plan.key, plan.config)
    last, problem = None, None
    for snap in run_linearity(
        plan.handle.model,
        x_split[plan.indices],
        y_split[plan.indices],
        plan.config,
        indices=plan.indices,
        x_reference=plan.dataset.sampling_reference(plan.config),  # grid: its feature range
        should_stop=should_stop,
        resume=resume,
        chunk_size=resume.timings.chunk_size if resume is not None else None,
        executor=executor or default_executor(),
        about=Provenance(plan.dataset.id, plan.handle.label, plan.dataset.class_names),
    ):
        last = snap
        if not snap.done or snap.stopped:  # checkpoint first: what is shown is kept
            problem = _try(partial(store.save_partial, plan.key, snap.result), "checkpoint")
        if report is not None:
            report(snap)
    if last is None:
        raise LinearityError("the run produced no result")
    if last.stopped:
        note = f"Its progress could not be kept: {problem}" if problem else None
        return Outcome(last, stopped=True, note=note)
    extra = {
        "model_fingerprint": plan.handle.fingerprint,
        "data_fingerprint": plan.dataset.fingerprint,
        "model_ref": plan.handle.ref or None,  # how the CLI can make the same model again
        "model_key": plan.handle.key,
        "part_of": part_of or None,
    }
    problem = _try(partial(store.save, plan.key, last.result, extra=extra), "store")
    store.drop_partial(plan.key)
    note = f"Computed, not stored: {problem}. It is shown here but not kept." if problem else None
    return Outcome(last, note=note)


def _try(write: Callable[[], Any], what: str) -> str | None:
    """Writing to the store may fail (read-only, full disk): say so, keep the result."""
    try:
        write()
    except OSError as exc:
        log.warning("run %s could not be written: %s", what, exc)
        reason = "the disk is full" if exc.errno == 28 else exc.strerror or str(exc)
        return f"{reason} ({getattr(exc, 'filename', '') or 'run store'})"
    return None


@dataclass(frozen=True)
class RunState:
    """What a page shows for a run before anyone presses Run again: the job computing
    it (or that computed it in this process), else the stored run, else a checkpoint."""

    job: RunJob | None = None
    stored: RunResult | None = None
    checkpoint: RunResult | None = None


def run_state(plan: RunPlan, service: JobService | None = None) -> RunState:
    service, store = service or job_service(), RunStore()
    job = service.get(plan.key)
    if job is not None:
        return RunState(job=job)
    stored = store.load(plan.key, plan.config)
    if stored is not None:
        return RunState(stored=stored)
    return RunState(checkpoint=store.load_partial(plan.key, plan.config))


def submit_run(
    dataset: Dataset,
    handle: ModelHandle,
    config: RunConfig,
    *,
    page: Page = "layers",
    client: str = PYTHON_CLIENT,
    service: JobService | None = None,
    store: RunStore | None = None,
    executor: Executor | None = None,
) -> RunJob:
    """The job computing this run: the one already queued or running, a done one at once
    when the run is stored, else a new one.

    Parameters
    ----------
    dataset, handle, config
        What to run: instances of ``dataset`` chosen by ``config``, scored on the model.
    page
        Where the dashboard shows this run (the sidebar links to it).
    client
        Who asks (a browser session, the CLI); waiting jobs are served in turn by client.
    service, store, executor
        Defaults: the process's job service, the home's run store, in-process chunks.
    """
    service, store = service or job_service(), store or RunStore()
    plan = plan_run(dataset, handle, config)
    title = run_title(handle, dataset, config)
    view = View(page, handle.selection, config)
    job = service.get(plan.key)
    if job is not None and job.active and not job.stopping:
        return job
    stored = store.load(plan.key, config)
    if stored is not None:
        return service.finished(plan.key, "run", title, view, cached_progress(stored))

    def work(ctx: JobContext[RunProgress]) -> Outcome[RunProgress]:
        return execute_run(
            plan, store, report=ctx.report, should_stop=ctx.should_stop, executor=executor
        )

    return service.submit(plan.key, "run", title, view, work, client)

"""Trainings as background jobs: the built-in models, trained and stored on the server."""

from typing import Any

from linearity_core.data.datasets import Dataset
from linearity_core.errors import LinearityError
from linearity_core.models.store import ModelRef, ModelStore
from linearity_core.models.training import TrainingProgress
from linearity_core.service.job import PYTHON_CLIENT, Job, JobContext, Outcome
from linearity_core.service.jobs import JobService, job_service
from linearity_core.service.selection import Selection
from linearity_core.service.urls import View

ModelMeta = dict[str, Any]
TrainingJob = Job[TrainingProgress, ModelMeta | None]


def training_job_id(ref: ModelRef) -> str:
    return f"train:{ref.slug}"


def submit_training(
    ref: ModelRef,
    dataset: Dataset,
    *,
    client: str = PYTHON_CLIENT,
    service: JobService | None = None,
    store: ModelStore | None = None,
) -> TrainingJob:
    """The job training ``ref``: the one already going, a done one when the model is
    stored, else a new one. Its snapshots are ``TrainingProgress``; its result the
    stored model's metadata (None when it was stopped)."""
    service, store = service or job_service(), store or ModelStore()
    job_id, title = training_job_id(ref), f"Train · {ref.label} · {dataset.spec.name}"
    view = View("model", Selection(ref.dataset, ref.arch, ref.epochs, ref.seed))
    job = service.get(job_id)
    if job is not None and job.active and not job.stopping:
        return job
    meta = store.meta(ref)
    if meta is not None:
        return service.finished(job_id, "training", title, view, meta)

    def work(ctx: JobContext[TrainingProgress]) -> Outcome[ModelMeta | None]:
        try:
            return Outcome(store.get_or_train(ref, dataset, ctx.report, ctx.should_stop)[1])
        except LinearityError:
            if not ctx.should_stop():
                raise
            return Outcome(None, stopped=True)

    return service.submit(job_id, "training", title, view, work, client)

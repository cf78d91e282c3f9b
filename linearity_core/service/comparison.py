"""Compare activations, as one job: the seed CNN's ReLU, tanh, sigmoid and
no-activation variants, each trained as needed, then scored with one run config (the
same instances and samples for every variant), reported as each run finishes."""

from dataclasses import dataclass, field

from linearity_core.data.datasets import Dataset
from linearity_core.errors import LinearityError
from linearity_core.hashing import content_hash
from linearity_core.measure.config import RunConfig
from linearity_core.measure.executors import Executor
from linearity_core.measure.results import RunResult
from linearity_core.models.store import ModelRef, ModelStore
from linearity_core.models.training import TrainingProgress
from linearity_core.service.analyses import (
    stored_or_run,
    stored_runs,
    stub_handle,
    submit_analysis,
)
from linearity_core.service.job import PYTHON_CLIENT, Job, JobContext, Outcome
from linearity_core.service.jobs import JobService, job_service
from linearity_core.service.runs import plan_run
from linearity_core.service.runstore import RunStore
from linearity_core.service.selection import Selection, load_model
from linearity_core.service.urls import View

ACTIVATION_VARIANTS = ("seed_cnn", "seed_cnn_tanh", "seed_cnn_sigmoid", "seed_cnn_linear")


@dataclass(frozen=True)
class ComparisonProgress:
    """The variants' labels, their runs finished so far (in the same order) and the
    variant being trained or scored now."""

    labels: tuple[str, ...]
    results: tuple[RunResult, ...] = field(default=())
    fraction: float = 0.0
    stage: str = ""


ComparisonJob = Job[ComparisonProgress, ComparisonProgress]


def variant_refs(dataset: Dataset, epochs: int, seed: int = 0) -> list[ModelRef]:
    return [ModelRef(arch, dataset.id, epochs, seed) for arch in ACTIVATION_VARIANTS]


def comparison_job_id(dataset: Dataset, refs: list[ModelRef], config: RunConfig) -> str:
    slugs = (r.slug for r in refs)
    return "compare:" + content_hash(*slugs, dataset.fingerprint, repr(config), length=16)


def stored_comparison(
    dataset: Dataset, refs: list[ModelRef], config: RunConfig, store: RunStore | None = None
) -> ComparisonProgress | None:
    """Every variant's run from the stores, when each model and its run are there."""
    models, results = ModelStore(), []
    for ref in refs:
        meta = models.meta(ref)
        selection = Selection(dataset.id, ref.arch, ref.epochs, ref.seed)
        found = (
            None
            if meta is None
            else stored_runs([plan_run(dataset, stub_handle(meta, selection), config)], store)
        )
        if found is None:
            return None
        results.append(found[0])
    return ComparisonProgress(tuple(r.label for r in refs), tuple(results), 1.0, "done")


def submit_comparison(
    dataset: Dataset,
    refs: list[ModelRef],
    config: RunConfig,
    *,
    client: str = PYTHON_CLIENT,
    service: JobService | None = None,
    store: RunStore | None = None,
    executor: Executor | None = None,
) -> ComparisonJob:
    """The job that trains each of ``refs`` unless stored and runs ``config`` on it."""
    service, store = service or job_service(), store or RunStore()
    job_id = comparison_job_id(dataset, refs, config)
    labels = tuple(r.label for r in refs)
    title = f"Compare activations · {len(refs)} models · {refs[0].epochs} epochs"
    view = View(
        "overlay", Selection(dataset.id, refs[0].arch, refs[0].epochs, refs[0].seed), config
    )
    step = 1.0 / len(refs)

    def work(ctx: JobContext[ComparisonProgress]) -> Outcome[ComparisonProgress]:
        results: list[RunResult] = []
        for k, ref in enumerate(refs):

            def training(p: TrainingProgress, k: int = k, ref: ModelRef = ref) -> None:
                done = tuple(results)
                stage = f"training {ref.label}"
                ctx.report(ComparisonProgress(labels, done, (k + 0.5 * p.fraction) * step, stage))

            ModelStore().get_or_train(ref, dataset, training, ctx.should_stop)
            handle = load_model(Selection(dataset.id, ref.arch, ref.epochs, ref.seed), dataset)
            if handle is None:
                raise LinearityError(f"{ref.label} could not be made")
            ctx.report(
                ComparisonProgress(labels, tuple(results), (k + 0.5) * step, f"scoring {ref.label}")
            )
            result = stored_or_run(plan_run(dataset, handle, config), store, ctx, job_id, executor)
            if result is None:
                return Outcome(ComparisonProgress(labels, tuple(results)), stopped=True)
            results.append(result)
            ctx.report(ComparisonProgress(labels, tuple(results), (k + 1) * step))
        return Outcome(ComparisonProgress(labels, tuple(results), 1.0, "done"))

    return submit_analysis(service, job_id, title, view, work, client)

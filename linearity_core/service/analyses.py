"""Analyses made of several runs, as jobs: every run in them is an ordinary cached run, so
a sweep shares its runs with the Layers page and comes back from the store at once. The
runs are stored as part of their analysis, so the Runs page groups them under it."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from linearity_core.analysis.sweep import sweep_configs
from linearity_core.data.datasets import Dataset
from linearity_core.errors import LinearityError
from linearity_core.hashing import content_hash
from linearity_core.measure.config import RunConfig
from linearity_core.measure.executors import Executor
from linearity_core.measure.results import RunResult
from linearity_core.models.store import ModelRef, ModelStore
from linearity_core.models.training import TrainingProgress
from linearity_core.service.job import PYTHON_CLIENT, Job, JobContext, Outcome
from linearity_core.service.jobs import JobService, Progress, job_service
from linearity_core.service.runs import RunPlan, execute_run, plan_run
from linearity_core.service.runstore import RunStore
from linearity_core.service.selection import ModelHandle, Selection, load_model
from linearity_core.service.urls import View


@dataclass(frozen=True)
class SweepProgress:
    """Where a sweep stands: the runs finished so far, in epsilon order."""

    epsilons: tuple[float, ...]
    results: tuple[RunResult, ...] = field(default=())
    fraction: float = 0.0


SweepJob = Job[SweepProgress, SweepProgress]
P = TypeVar("P", bound=Progress)


def submit_analysis(
    service: JobService,
    job_id: str,
    title: str,
    view: View,
    work: Callable[[JobContext[P]], Outcome[P]],
    client: str,
) -> Job[P, P]:
    """The analysis job under ``job_id``: the one going on, else a new one (one per id)."""
    job = service.get(job_id)
    if job is not None and job.active and not job.stopping:
        return job
    return service.submit(job_id, "analysis", title, view, work, client)


def stored_or_run(
    plan: RunPlan,
    store: RunStore,
    ctx: JobContext[Any],
    part_of: str,
    executor: Executor | None = None,
    report: Callable[[Any], None] | None = None,
) -> RunResult | None:
    """The planned run from the store, else computed (and stored as part of ``part_of``);
    None when the job was stopped before it finished."""
    found = store.load(plan.key, plan.config)
    if found is not None:
        return found
    outcome = execute_run(
        plan, store, report=report, should_stop=ctx.should_stop, executor=executor, part_of=part_of
    )
    return None if outcome.stopped else outcome.result.result


def sweep_plans(
    dataset: Dataset, handle: ModelHandle, config: RunConfig, epsilons: tuple[float, ...]
) -> list[RunPlan]:
    return [plan_run(dataset, handle, c) for c in sweep_configs(config, epsilons)]


def sweep_job_id(plans: list[RunPlan]) -> str:
    return "sweep:" + content_hash(*(p.key for p in plans), length=16)


def stored_runs(plans: list[RunPlan], store: RunStore | None = None) -> list[RunResult] | None:
    """Every planned run from the store, or None when one of them is missing."""
    store = store or RunStore()
    results = []
    for plan in plans:
        found = store.load(plan.key, plan.config)
        if found is None:
            return None
        results.append(found)
    return results


def stored_sweep(
    dataset: Dataset, handle: ModelHandle, config: RunConfig, epsilons: tuple[float, ...]
) -> SweepProgress | None:
    """The whole sweep from the store, when every one of its runs is there."""
    results = stored_runs(sweep_plans(dataset, handle, config, epsilons))
    return None if results is None else SweepProgress(epsilons, tuple(results), 1.0)


def submit_sweep(
    dataset: Dataset,
    handle: ModelHandle,
    config: RunConfig,
    epsilons: tuple[float, ...],
    *,
    client: str = PYTHON_CLIENT,
    service: JobService | None = None,
    store: RunStore | None = None,
) -> SweepJob:
    """The job running ``config`` at each epsilon (stored runs are reused)."""
    service, store = service or job_service(), store or RunStore()
    plans = sweep_plans(dataset, handle, config, epsilons)
    job_id = sweep_job_id(plans)
    title = f"Sweep · {handle.label} · ε {min(epsilons):g}-{max(epsilons):g} · {len(epsilons)} runs"
    options = (("low", min(epsilons)), ("high", max(epsilons)), ("count", len(epsilons)))
    view = View("sweep", handle.selection, config, options)

    def work(ctx: JobContext[SweepProgress]) -> Outcome[SweepProgress]:
        results: list[RunResult] = []
        for k, plan in enumerate(plans):

            def report(snap: object, k: int = k) -> None:
                inner = float(getattr(snap, "fraction", 0.0))
                ctx.report(SweepProgress(epsilons, tuple(results), (k + inner) / len(plans)))

            done = stored_or_run(plan, store, ctx, job_id, report=report)
            if done is None:
                return Outcome(SweepProgress(epsilons, tuple(results), k / len(plans)), True)
            results.append(done)
            ctx.report(SweepProgress(epsilons, tuple(results), len(results) / len(plans)))
        return Outcome(SweepProgress(epsilons, tuple(results), 1.0))

    return submit_analysis(service, job_id, title, view, work, client)


@dataclass(frozen=True)
class EvolutionProgress:
    """The per-layer runs of each epoch's checkpoint so far, and each epoch's accuracy."""

    epochs: tuple[int, ...]
    results: tuple[RunResult, ...] = field(default=())
    accuracies: tuple[float, ...] = field(default=())
    fraction: float = 0.0
    stage: str = ""


EvolutionJob = Job[EvolutionProgress, EvolutionProgress]


def evolution_job_id(dataset: Dataset, ref: ModelRef, config: RunConfig) -> str:
    return "evolution:" + content_hash(ref.slug, dataset.fingerprint, repr(config), length=16)


def stored_evolution(
    dataset: Dataset, ref: ModelRef, config: RunConfig, store: RunStore | None = None
) -> EvolutionProgress | None:
    """The whole evolution from the stores, when every epoch's model and run are there."""
    store, models = store or RunStore(), ModelStore()
    epochs = tuple(range(ref.epochs + 1))
    results, accuracies = [], []
    for epoch in epochs:
        selection = Selection(dataset.id, ref.arch, epoch, ref.seed)
        meta = models.meta(selection.model_ref())
        if meta is None:
            return None
        found = stored_runs([plan_run(dataset, stub_handle(meta, selection), config)], store)
        if found is None:
            return None
        results.append(found[0])
        accuracies.append(float(meta["test_accuracy"]))
    return EvolutionProgress(epochs, tuple(results), tuple(accuracies), 1.0, "done")


def stub_handle(meta: dict, selection: Selection) -> ModelHandle:
    """A handle that knows a stored model's fingerprint without loading it (for keys)."""
    return ModelHandle(None, meta["model_fingerprint"], meta["label"], meta, selection)


def submit_evolution(
    dataset: Dataset,
    ref: ModelRef,
    config: RunConfig,
    *,
    client: str = PYTHON_CLIENT,
    service: JobService | None = None,
    store: RunStore | None = None,
    executor: Executor | None = None,
) -> EvolutionJob:
    """The job that trains ``ref`` (keeping every epoch) and runs ``config`` on each
    checkpoint 0..N: the same instances and the same samples at every epoch."""
    service, store = service or job_service(), store or RunStore()
    job_id = evolution_job_id(dataset, ref, config)
    epochs = tuple(range(ref.epochs + 1))
    title = f"Evolution · {ref.label} · {config.n_instances or config.per_class} instances"
    selection = Selection(dataset.id, ref.arch, ref.epochs, ref.seed)
    view = View("evolution", selection, config, (("epochs", ref.epochs),))

    def work(ctx: JobContext[EvolutionProgress]) -> Outcome[EvolutionProgress]:
        def training(p: TrainingProgress) -> None:
            ctx.report(EvolutionProgress(epochs, fraction=0.5 * p.fraction, stage="training"))

        ModelStore().get_or_train(ref, dataset, training, ctx.should_stop)
        results: list[RunResult] = []
        accuracies: list[float] = []
        for epoch in epochs:
            at_epoch = Selection(dataset.id, ref.arch, epoch, ref.seed)
            handle = load_model(at_epoch, dataset)
            if handle is None:  # stored before epochs were kept: train that far once
                ModelStore().get_or_train(ref.at_epoch(epoch), dataset, None, ctx.should_stop)
                handle = load_model(at_epoch, dataset)
            if handle is None:
                raise LinearityError(f"epoch {epoch} of {ref.label} could not be made")
            result = stored_or_run(plan_run(dataset, handle, config), store, ctx, job_id, executor)
            if result is None:
                partial = EvolutionProgress(epochs, tuple(results), tuple(accuracies))
                return Outcome(partial, stopped=True)
            results.append(result)
            accuracies.append(float(handle.meta["test_accuracy"]))
            fraction = 0.5 + 0.5 * len(results) / len(epochs)
            ctx.report(EvolutionProgress(epochs, tuple(results), tuple(accuracies), fraction))
        return Outcome(EvolutionProgress(epochs, tuple(results), tuple(accuracies), 1.0, "done"))

    return submit_analysis(service, job_id, title, view, work, client)

"""Analyses made of several runs, as jobs: every run in them is an ordinary cached run, so
a sweep shares its runs with the Layers page and comes back from the store at once."""

from dataclasses import dataclass, field

from linearity_core.analysis.sweep import sweep_configs
from linearity_core.data.datasets import Dataset
from linearity_core.errors import LinearityError
from linearity_core.hashing import content_hash
from linearity_core.measure.config import RunConfig
from linearity_core.measure.executors import Executor
from linearity_core.measure.results import RunResult
from linearity_core.models.store import ModelRef, ModelStore
from linearity_core.models.training import TrainingProgress
from linearity_core.service.jobs import Job, JobContext, JobService, job_service
from linearity_core.service.runs import compute_stored_run, run_key_for
from linearity_core.service.runstore import RunStore
from linearity_core.service.selection import ModelHandle, Selection, load_model


@dataclass(frozen=True)
class SweepProgress:
    """Where a sweep stands: the runs finished so far, in epsilon order."""

    epsilons: tuple[float, ...]
    results: tuple[RunResult, ...] = field(default=())
    fraction: float = 0.0


def sweep_job_id(
    dataset: Dataset, handle: ModelHandle, config: RunConfig, epsilons: tuple[float, ...]
) -> str:
    keys = [run_key_for(dataset, handle.fingerprint, c) for c in sweep_configs(config, epsilons)]
    return "sweep:" + content_hash(*keys, length=16)


def stored_sweep(
    dataset: Dataset,
    handle: ModelHandle,
    config: RunConfig,
    epsilons: tuple[float, ...],
    store: RunStore | None = None,
) -> SweepProgress | None:
    """The whole sweep from the store, when every one of its runs is there."""
    store = store or RunStore()
    results = []
    for run_config in sweep_configs(config, epsilons):
        found = store.load(run_key_for(dataset, handle.fingerprint, run_config), run_config)
        if found is None:
            return None
        results.append(found)
    return SweepProgress(epsilons, tuple(results), 1.0)


def submit_sweep(
    dataset: Dataset,
    handle: ModelHandle,
    config: RunConfig,
    epsilons: tuple[float, ...],
    *,
    service: JobService | None = None,
    store: RunStore | None = None,
) -> Job:
    """The job running ``config`` at each epsilon (stored runs are reused)."""
    service, store = service or job_service(), store or RunStore()
    configs = sweep_configs(config, epsilons)
    keys = [run_key_for(dataset, handle.fingerprint, c) for c in configs]
    job_id = sweep_job_id(dataset, handle, config, epsilons)
    title = f"Sweep · {handle.label} · {len(epsilons)} epsilons"

    def work(ctx: JobContext) -> SweepProgress:
        results: list[RunResult] = []
        for k, (run_config, key) in enumerate(zip(configs, keys, strict=True)):
            done = store.load(key, run_config)
            if done is None:

                def report(snap: object, k: int = k) -> None:
                    inner = float(getattr(snap, "fraction", 0.0))
                    ctx.report(SweepProgress(epsilons, tuple(results), (k + inner) / len(keys)))

                last = compute_stored_run(
                    store, key, dataset, handle, run_config, report, ctx.should_stop
                )
                if last.stopped:
                    ctx.stopped = True
                    break
                done = last.result
            results.append(done)
            ctx.report(SweepProgress(epsilons, tuple(results), len(results) / len(keys)))
        return SweepProgress(epsilons, tuple(results), len(results) / len(keys))

    job = service.get(job_id)
    if job is not None and job.active:
        return job
    return service.submit(job_id, "analysis", title, "sweep", work)


@dataclass(frozen=True)
class EvolutionProgress:
    """The per-layer runs of each epoch's checkpoint so far, and each epoch's accuracy."""

    epochs: tuple[int, ...]
    results: tuple[RunResult, ...] = field(default=())
    accuracies: tuple[float, ...] = field(default=())
    fraction: float = 0.0
    stage: str = ""


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
        meta = models.meta(ref.at_epoch(epoch))
        if meta is None:
            return None
        key = run_key_for(dataset, meta["model_fingerprint"], config)
        found = store.load(key, config)
        if found is None:
            return None
        results.append(found)
        accuracies.append(float(meta["test_accuracy"]))
    return EvolutionProgress(epochs, tuple(results), tuple(accuracies), 1.0, "done")


def submit_evolution(
    dataset: Dataset,
    ref: ModelRef,
    config: RunConfig,
    *,
    service: JobService | None = None,
    store: RunStore | None = None,
    executor: Executor | None = None,
) -> Job:
    """The job that trains ``ref`` (keeping every epoch) and runs ``config`` on each
    checkpoint 0..N: the same instances and the same samples at every epoch."""
    service, store = service or job_service(), store or RunStore()
    job_id = evolution_job_id(dataset, ref, config)
    epochs = tuple(range(ref.epochs + 1))
    title = f"Evolution · {ref.label} · {config.n_instances or config.per_class} instances"

    def work(ctx: JobContext) -> EvolutionProgress:
        def training(p: TrainingProgress) -> None:
            ctx.report(EvolutionProgress(epochs, fraction=0.5 * p.fraction, stage="training"))

        ModelStore().get_or_train(ref, dataset, training, ctx.should_stop)
        results: list[RunResult] = []
        accuracies: list[float] = []
        for epoch in epochs:
            selection = Selection(dataset.id, ref.arch, epoch, ref.seed)
            handle = load_model(selection, dataset)
            if handle is None:  # stored before epochs were kept: train that far once
                ModelStore().get_or_train(ref.at_epoch(epoch), dataset, None, ctx.should_stop)
                handle = load_model(selection, dataset)
            if handle is None:
                raise LinearityError(f"epoch {epoch} of {ref.label} could not be made")
            key = run_key_for(dataset, handle.fingerprint, config)
            result = store.load(key, config)
            if result is None:
                last = compute_stored_run(
                    store,
                    key,
                    dataset,
                    handle,
                    config,
                    lambda s: None,
                    ctx.should_stop,
                    executor,
                )
                if last.stopped:
                    ctx.stopped = True
                    break
                result = last.result
            results.append(result)
            accuracies.append(float(handle.meta["test_accuracy"]))
            fraction = 0.5 + 0.5 * len(results) / len(epochs)
            ctx.report(EvolutionProgress(epochs, tuple(results), tuple(accuracies), fraction))
        return EvolutionProgress(epochs, tuple(results), tuple(accuracies), 1.0, "done")

    job = service.get(job_id)
    if job is not None and job.active:
        return job
    return service.submit(job_id, "analysis", title, "evolution", work)

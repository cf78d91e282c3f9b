"""What each CLI command does: the same job service, stores and checks as the dashboard."""

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from linearity_core.errors import LinearityError
from linearity_core.measure.config import MeasureConfig, RunConfig
from linearity_core.paths import import_tensorflow_quietly

POLL_S = 0.2  # how often the CLI looks at a job's progress
CLIENT = "cli"  # the CLI is one client of the job service, served in turn with others


class Progress:
    """A redrawn bar on a terminal; in a log, one line per 10% (not thousands of redraws)."""

    def __init__(self, stream: Any = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.tenths = -1

    def show(self, fraction: float, text: str) -> None:
        if self.tty:
            filled = int(30 * fraction)
            bar = f"[{'#' * filled}{'.' * (30 - filled)}]"
            self.stream.write(f"\r{bar} {100 * fraction:5.1f}% {text}")
            if fraction >= 1:
                self.stream.write("\n")
        elif int(10 * fraction) > self.tenths:
            self.tenths = int(10 * fraction)
            self.stream.write(f"{100 * fraction:5.1f}% {text}\n")
        self.stream.flush()


def watch(job: Any, describe: Callable[[Any], str]) -> Any:
    """Show a job's progress until it ends; its result, or its error as LinearityError."""
    from linearity_core.service.jobs import job_service

    progress, service, seen = Progress(), job_service(), None
    while True:
        finished = service.wait(job.id, timeout=POLL_S)
        if job.snapshot is not None and job.snapshot is not seen:
            seen = job.snapshot
            progress.show(job.fraction, describe(seen))
        if not finished.active:
            break
    if job.state == "failed":
        raise LinearityError(job.error or "the job failed")
    if job.state == "cancelled":
        raise LinearityError("the job was stopped")
    return job.result


def cmd_datasets(args: argparse.Namespace) -> int:
    from linearity_core.service.catalog import list_datasets

    for spec in list_datasets().values():
        state = "available offline" if spec.available() else "needs a download"
        print(f"{spec.id:<28} {spec.name:<26} {state}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from linearity_core.models.architectures import ARCHITECTURES
    from linearity_core.models.store import ModelStore
    from linearity_core.models.uploads import list_uploads

    print("architectures:")
    for arch in ARCHITECTURES.values():
        print(f"  {arch.id:<18} {arch.description}")
    print("trained models in the store:")
    for meta in ModelStore().list():
        print(
            f"  {meta['arch']:<18} dataset={meta['dataset']} epochs={meta['epochs']} "
            f"seed={meta['seed']} test_accuracy={meta['test_accuracy']:.4f}"
        )
    print("uploaded models (pass as --model upload:ID):")
    for upload in list_uploads().values():
        print(f"  upload:{upload.id:<14} {upload.filename} (read as {upload.reading})")
    return 0


def selected_model(args: argparse.Namespace, model_seed: int) -> tuple[Any, Any]:
    """The selected dataset and model; a built-in one is trained first (as a job) when it
    is not stored."""
    from linearity_core.service.catalog import load_dataset
    from linearity_core.service.selection import Selection, load_model
    from linearity_core.service.training import submit_training

    selection = Selection(args.dataset, args.model, args.epochs, model_seed, args.output)
    if args.epochs < 0:
        raise LinearityError(f"epochs must be 0 or more, got {args.epochs}")
    ref = None if selection.is_upload else selection.model_ref()  # a bad name fails first
    import_tensorflow_quietly()
    dataset = load_dataset(args.dataset)
    if ref is not None:
        job = submit_training(ref, dataset, client=CLIENT)
        if job.active:
            sys.stderr.write(f"training {ref.label} on {args.dataset}\n")
            watch(
                job, lambda p: f"epoch {p.epoch}/{p.epochs} loss {p.loss:.3f} acc {p.accuracy:.3f}"
            )
    handle = load_model(selection, dataset)
    if handle is None:
        raise LinearityError(f"{args.model} could not be trained")
    return dataset, handle


def cmd_train(args: argparse.Namespace) -> int:
    if args.model.startswith("upload:"):
        raise LinearityError("an uploaded model is not trained here; `run` takes it as it is")
    _, handle = selected_model(args, args.seed)
    print(f"test accuracy: {handle.meta['test_accuracy']:.4f}")
    return 0


def run_config(args: argparse.Namespace, epsilon: float | None = None) -> RunConfig:
    layers = None if args.layers == "all" else tuple(s.strip() for s in args.layers.split(","))
    measure = MeasureConfig(
        method=args.method,
        agg=args.agg,
        n_samples=args.samples,
        epsilon=args.epsilon if epsilon is None else epsilon,
        res=args.res,
        seed=args.seed,
    )
    return RunConfig(
        measure=measure,
        layers=layers,
        logits=args.logits,
        n_instances=None if args.per_class else args.instances,
        per_class=args.per_class,
        output=args.output,
    )


def cmd_run(args: argparse.Namespace) -> int:
    from linearity_core.service.runs import submit_run

    config = run_config(args)
    choose_executor(args)
    dataset, handle = selected_model(args, args.model_seed)
    job = submit_run(dataset, handle, config, client=CLIENT)
    cached = not job.active
    last = watch(job, lambda p: f"{p.instances_done}/{p.n_instances} instances")
    if cached:
        Progress().show(1.0, f"{last.n_instances}/{last.n_instances} instances (from cache)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    last.result.to_frame().to_csv(out / "scores.csv", index=False)
    (out / "run.json").write_text(last.result.to_json(key=job.id))
    for row in last.result.layer_summary().itertuples():
        print(f"{row.layer:<20} {row.mean:.5f} ± {row.sem:.5f}")
    print(f"wrote {out / 'scores.csv'} and {out / 'run.json'}")
    if job.note:
        sys.stderr.write(f"linearity: warning: {job.note}\n")
    return 0


def choose_executor(args: argparse.Namespace) -> None:
    """--executor/--ray-address over RAY_ADDRESS; `--executor ray` alone starts a private
    local cluster."""
    from linearity_core.service import compute

    if args.executor == "local":
        compute.use_ray(None)
    elif args.executor == "ray" or args.ray_address:
        compute.use_ray(args.ray_address or os.environ.get("RAY_ADDRESS") or compute.LOCAL)
    target = compute.compute_target()
    if target.kind == "ray":
        compute.default_executor()  # join now, within its bound, before any work
        sys.stderr.write(f"computing on {compute.compute_target().label}\n")


def cmd_report(args: argparse.Namespace) -> int:
    from linearity_core.service.reports import comparison_report_html, run_report_html

    if args.compare:
        document = comparison_report_html(args.run, args.compare, args.url)
    else:
        document = run_report_html(args.run, args.url)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(document, encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size / 2**20:.1f} MB)")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "datasets": cmd_datasets,
    "models": cmd_models,
    "train": cmd_train,
    "run": cmd_run,
    "report": cmd_report,
}

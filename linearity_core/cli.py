"""The command-line interface analysts script against (see README for the contract)."""

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from linearity_core import defaults
from linearity_core.errors import LinearityError
from linearity_core.measure.config import MeasureConfig, RunConfig
from linearity_core.paths import import_tensorflow_quietly

POLL_S = 0.2  # how often the CLI looks at a job's progress


class Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


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
    from linearity_core.data.datasets import list_datasets

    for spec in list_datasets().values():
        state = "available offline" if spec.available() else "needs a download"
        print(f"{spec.id:<16} {spec.name:<22} {state}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from linearity_core.models.architectures import ARCHITECTURES
    from linearity_core.models.store import ModelStore

    print("architectures:")
    for arch in ARCHITECTURES.values():
        print(f"  {arch.id:<18} {arch.description}")
    print("trained models in the store:")
    for meta in ModelStore().list():
        print(
            f"  {meta['arch']:<18} dataset={meta['dataset']} epochs={meta['epochs']} "
            f"seed={meta['seed']} test_accuracy={meta['test_accuracy']:.4f}"
        )
    return 0


def trained_model(args: argparse.Namespace) -> tuple[Any, Any]:
    """The selected dataset and model, trained first (as a job) when it is not stored."""
    from linearity_core.data.datasets import load_dataset
    from linearity_core.service.runs import submit_training
    from linearity_core.service.selection import Selection, load_model

    seed = args.seed if getattr(args, "model_seed", None) is None else args.model_seed
    selection = Selection(args.dataset, args.model, args.epochs, seed)
    ref = selection.model_ref()  # checks the model name before loading any data
    if args.epochs < 0:
        raise LinearityError(f"epochs must be 0 or more, got {args.epochs}")
    import_tensorflow_quietly()
    dataset = load_dataset(args.dataset)
    job = submit_training(ref, dataset)
    if job.active:
        sys.stderr.write(f"training {ref.label} on {args.dataset}\n")
        watch(job, lambda p: f"epoch {p.epoch}/{p.epochs} loss {p.loss:.3f} acc {p.accuracy:.3f}")
    handle = load_model(selection, dataset)
    if handle is None:
        raise LinearityError(f"{ref.label} could not be trained")
    return dataset, handle


def cmd_train(args: argparse.Namespace) -> int:
    _, handle = trained_model(args)
    print(f"test accuracy: {handle.meta['test_accuracy']:.4f}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from linearity_core.service.runs import submit_run

    layers = None if args.layers == "all" else tuple(s.strip() for s in args.layers.split(","))
    measure = MeasureConfig(
        method=args.method,
        agg=args.agg,
        n_samples=args.samples,
        epsilon=args.epsilon,
        res=args.res,
        seed=args.seed,
    )
    config = RunConfig(
        measure=measure,
        layers=layers,
        logits=args.logits,
        n_instances=None if args.per_class else args.instances,
        per_class=args.per_class,
    )
    choose_executor(args)
    dataset, handle = trained_model(args)
    job = submit_run(dataset, handle, config)
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
        sys.stderr.write(f"computing on {target.label}\n")


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


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> Parser:
    parser = Parser(prog="linearity", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    sub.add_parser("datasets", help="list datasets and whether each is available offline")
    sub.add_parser("models", help="list architectures and trained models")
    for name in ("train", "run"):
        p = sub.add_parser(name, help=f"{name} a model" if name == "train" else "score a model")
        p.add_argument("--dataset", default=defaults.DATASET)
        p.add_argument("--model", default=defaults.MODEL)
        p.add_argument("--epochs", type=int, default=defaults.EPOCHS)
        p.add_argument("--seed", type=int, default=defaults.MODEL_SEED)
    run = sub.choices["run"]
    run.add_argument("--layers", default="all", help="'all' or comma-separated layer names")
    count = run.add_mutually_exclusive_group()
    count.add_argument("--instances", type=positive_int, default=defaults.N_INSTANCES)
    count.add_argument("--per-class", type=positive_int, default=None)
    run.add_argument("--samples", type=positive_int, default=defaults.N_SAMPLES)
    run.add_argument("--epsilon", type=float, default=defaults.EPSILON)
    run.add_argument("--res", type=positive_int, default=defaults.RES)
    run.add_argument("--method", choices=["grid", "knn"], default="grid")
    run.add_argument("--agg", choices=["global", "pairwise"], default="global")
    run.add_argument("--logits", action="store_true", help="score pre-softmax logits")
    run.add_argument("--out", required=True, help="folder for scores.csv and run.json")
    run.add_argument(
        "--executor",
        choices=["local", "ray"],
        default=None,
        help="where chunks are scored (default: ray when RAY_ADDRESS is set, else local)",
    )
    run.add_argument(
        "--ray-address", default=None, help="host:port of a Ray cluster, or 'local' for a new one"
    )
    run.add_argument(
        "--model-seed", type=int, default=None, help="seed of the model's weights (default --seed)"
    )
    report = sub.add_parser("report", help="write a self-contained HTML report of a run")
    report.add_argument("run", help="a run key (Runs page) or the run.json that `run` wrote")
    report.add_argument("--out", required=True, help="the HTML file to write")
    report.add_argument("--compare", default=None, help="a second run, for a comparison")
    report.add_argument("--url", default="", help="the dashboard's address, for its link")
    return parser


COMMANDS = {
    "datasets": cmd_datasets,
    "models": cmd_models,
    "train": cmd_train,
    "run": cmd_run,
    "report": cmd_report,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except LinearityError as exc:
        sys.stderr.write(f"linearity: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("\nlinearity: interrupted\n")
        return 130
    except Exception as exc:  # no traceback for users; the message says what failed
        sys.stderr.write(f"linearity: failed: {type(exc).__name__}: {exc}\n")
        return 1

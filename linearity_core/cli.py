"""The command-line interface analysts script against (see README for the contract)."""

import argparse
import sys
from pathlib import Path
from typing import Any, NoReturn

from linearity_core.config import MeasureConfig, RunConfig
from linearity_core.errors import LinearityError


class Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def progress_bar(fraction: float, text: str) -> None:
    filled = int(30 * fraction)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {100 * fraction:5.1f}% {text}")
    if fraction >= 1:
        sys.stderr.write("\n")
    sys.stderr.flush()


def cmd_datasets(args: argparse.Namespace) -> int:
    from linearity_core.datasets import list_datasets

    for spec in list_datasets().values():
        state = "available offline" if spec.available() else "needs a download"
        print(f"{spec.id:<16} {spec.name:<22} {state}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from linearity_core.architectures import ARCHITECTURES
    from linearity_core.modelstore import ModelStore

    print("architectures:")
    for arch in ARCHITECTURES.values():
        print(f"  {arch.id:<18} {arch.description}")
    print("trained models in the store:")
    for meta in ModelStore().list():
        print(f"  {meta['arch']:<18} dataset={meta['dataset']} epochs={meta['epochs']} "
              f"seed={meta['seed']} test_accuracy={meta['test_accuracy']:.4f}")  # fmt: skip
    return 0


def trained_model(dataset_id: str, arch: str, epochs: int, seed: int) -> tuple[Any, Any, Any]:
    from linearity_core.architectures import ARCHITECTURES
    from linearity_core.datasets import load_dataset
    from linearity_core.modelstore import ModelRef, ModelStore

    if arch not in ARCHITECTURES:
        raise LinearityError(f"unknown model {arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    dataset = load_dataset(dataset_id)
    ref = ModelRef(arch, dataset_id, epochs, seed)
    store = ModelStore()
    if not store.has(ref) and epochs > 0:
        sys.stderr.write(f"training {ref.label} on {dataset_id}\n")

    def report(p: Any) -> None:
        progress_bar(p.fraction, f"epoch {p.epoch}/{p.epochs} loss {p.loss:.3f} "
                                 f"acc {p.accuracy:.3f}")  # fmt: skip

    model, meta = store.get_or_train(ref, dataset, on_progress=report)
    return dataset, model, meta


def cmd_train(args: argparse.Namespace) -> int:
    _, _, meta = trained_model(args.dataset, args.model, args.epochs, args.seed)
    print(f"test accuracy: {meta['test_accuracy']:.4f}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from linearity_core.runs import stream_cached_run
    from linearity_core.store import RunStore

    layers = None if args.layers == "all" else tuple(s.strip() for s in args.layers.split(","))
    measure = MeasureConfig(method=args.method, agg=args.agg, n_samples=args.samples,
                            epsilon=args.epsilon, res=args.res, seed=args.seed)  # fmt: skip
    config = RunConfig(measure=measure, layers=layers, logits=args.logits,
                       n_instances=None if args.per_class else args.instances,
                       per_class=args.per_class)  # fmt: skip
    dataset, model, meta = trained_model(args.dataset, args.model, args.epochs, args.seed)
    last = None
    for last in stream_cached_run(RunStore(), dataset, model, meta["model_fingerprint"],
                                  meta["label"], config):  # fmt: skip
        progress_bar(last.fraction, f"{last.instances_done}/{last.n_instances} instances"
                     + (" (from cache)" if last.from_cache else ""))  # fmt: skip
    assert last is not None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    last.result.to_frame().to_csv(out / "scores.csv", index=False)
    (out / "run.json").write_text(last.result.to_json())
    summary = last.result.layer_summary()
    for row in summary.itertuples():
        print(f"{row.layer:<20} {row.mean:.5f} ± {row.sem:.5f}")
    print(f"wrote {out / 'scores.csv'} and {out / 'run.json'}")
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
        p.add_argument("--dataset", default="fashion_mnist")
        p.add_argument("--model", default="seed_cnn")
        p.add_argument("--epochs", type=int, default=5)
        p.add_argument("--seed", type=int, default=0)
    run = sub.choices["run"]
    run.add_argument("--layers", default="all", help="'all' or comma-separated layer names")
    count = run.add_mutually_exclusive_group()
    count.add_argument("--instances", type=positive_int, default=100)
    count.add_argument("--per-class", type=positive_int, default=None)
    run.add_argument("--samples", type=positive_int, default=20)
    run.add_argument("--epsilon", type=float, default=0.04)
    run.add_argument("--res", type=positive_int, default=100)
    run.add_argument("--method", choices=["grid", "knn"], default="grid")
    run.add_argument("--agg", choices=["global", "pairwise"], default="global")
    run.add_argument("--logits", action="store_true", help="score pre-softmax logits")
    run.add_argument("--out", required=True, help="folder for scores.csv and run.json")
    return parser


COMMANDS = {"datasets": cmd_datasets, "models": cmd_models, "train": cmd_train, "run": cmd_run}


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

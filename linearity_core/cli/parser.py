"""The CLI's arguments: one line and exit code 2 for a bad one."""

import argparse
import sys
from typing import NoReturn

from linearity_core import defaults


class Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _selection(p: argparse.ArgumentParser, seed_help: str) -> None:
    p.add_argument("--dataset", default=defaults.DATASET)
    p.add_argument(
        "--model", default=defaults.MODEL, help="an architecture, or upload:ID (see `models`)"
    )
    p.add_argument("--epochs", type=int, default=defaults.EPOCHS, help="a built-in model's")
    p.add_argument("--output", default=None, help="which output of a multi-output model")
    p.add_argument("--seed", type=int, default=defaults.MODEL_SEED, help=seed_help)


def _measure(p: argparse.ArgumentParser, epsilon: bool = True) -> None:
    count = p.add_mutually_exclusive_group()
    count.add_argument("--instances", type=positive_int, default=defaults.N_INSTANCES)
    count.add_argument("--per-class", type=positive_int, default=None)
    p.add_argument("--samples", type=positive_int, default=defaults.N_SAMPLES)
    if epsilon:
        p.add_argument("--epsilon", type=float, default=defaults.EPSILON)
    p.add_argument("--res", type=positive_int, default=defaults.RES)
    p.add_argument("--method", choices=["grid", "knn"], default="grid")
    p.add_argument("--agg", choices=["global", "pairwise"], default="global")
    p.add_argument("--layers", default="all", help="'all' or comma-separated layer names")
    p.add_argument("--logits", action="store_true", help="score pre-softmax logits")
    p.add_argument(
        "--model-seed",
        type=int,
        default=defaults.MODEL_SEED,
        help="seed of a built-in model's initial weights (default 0, the notebook's)",
    )
    p.add_argument(
        "--executor",
        choices=["local", "ray"],
        default=None,
        help="where chunks are scored (default: ray when RAY_ADDRESS is set, else local)",
    )
    p.add_argument(
        "--ray-address", default=None, help="host:port of a Ray cluster, or 'local' for a new one"
    )


def build_parser() -> Parser:
    parser = Parser(prog="linearity", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    sub.add_parser("datasets", help="list datasets and whether each is available offline")
    sub.add_parser("models", help="list architectures, trained models and uploads")
    train = sub.add_parser("train", help="train a built-in model")
    _selection(train, "seed of the model's initial weights and shuffles")
    sample_seed = "seed of the samples and of which instances are scored (not the model's)"
    run = sub.add_parser("run", help="score a model")
    _selection(run, sample_seed)
    _measure(run)
    run.add_argument("--out", required=True, help="folder for scores.csv and run.json")
    sweep = sub.add_parser("sweep", help="per-layer linearity against epsilon")
    _selection(sweep, sample_seed)
    _measure(sweep, epsilon=False)
    sweep.add_argument("--low", type=float, default=0.005)
    sweep.add_argument("--high", type=float, default=0.5)
    sweep.add_argument("--count", type=positive_int, default=7)
    mistakes = sub.add_parser("mistakes", help="does linearity flag mistakes? AUROC by layer")
    _selection(mistakes, sample_seed)
    _measure(mistakes)
    imported = sub.add_parser(
        "import", help="add a model (.keras, .onnx) or a dataset (.npz, .zip of class folders)"
    )
    imported.add_argument("file")
    imported.add_argument("--dataset", default=defaults.DATASET, help="to check a model against")
    imported.add_argument("--name", default=None, help="a dataset's name in the pickers")
    imported.add_argument(
        "--reading",
        choices=["auto", "probabilities", "logits"],
        default="auto",
        help="how a model's output is read when it does not end in a softmax",
    )
    report = sub.add_parser("report", help="write a self-contained HTML report of a run")
    report.add_argument("run", help="a run key (Runs page) or the run.json that `run` wrote")
    report.add_argument("--out", required=True, help="the HTML file to write")
    report.add_argument("--compare", default=None, help="a second run, for a comparison")
    report.add_argument("--url", default="", help="the dashboard's address, for its link")
    return parser

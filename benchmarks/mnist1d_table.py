"""MNIST-1D's table, reproduced: test accuracy of the three built-in MNIST-1D models,
trained the dashboard's way (the dataset's recipe: Adam at 1e-2, batch 100, the
notebook's 5 epochs of 30 passes = the paper's 6,000 steps), next to the paper's
figures (Greydanus, "Scaling down deep learning", 2020). Goal: each within 4 points,
and logistic < MLP < CNN. Then the linearity of logistic regression: every layer before
the softmax is float noise.

    python benchmarks/mnist1d_table.py
"""

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["LINEARITY_HOME"] = tempfile.mkdtemp(prefix="mnist1d-bench-")  # stores nothing of yours
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from linearity_core import defaults  # noqa: E402

PAPER = {"logistic": 0.32, "mlp": 0.68, "cnn1d": 0.94}
GOAL_POINTS = 4.0
SEEDS = (0, 1)


def main() -> int:
    from linearity_core.data.datasets import load_dataset
    from linearity_core.measure.config import MeasureConfig, RunConfig
    from linearity_core.models.training import train
    from linearity_core.service.runs import plan_run
    from linearity_core.service.selection import ModelHandle, Selection

    data = load_dataset("mnist1d")
    recipe = data.spec.training
    print(
        f"MNIST-1D: {len(data.x_train):,} training and {len(data.x_test):,} test signals of "
        f"length {data.input_shape[0]}; Adam {recipe.learning_rate:g}, batch "
        f"{recipe.batch_size}, {defaults.EPOCHS} epochs x {recipe.repeats} passes = "
        f"{defaults.EPOCHS * recipe.repeats * len(data.x_train) // recipe.batch_size:,} steps"
    )
    print(
        f"{'model':10} {'paper':>6} "
        + " ".join(f"{'seed ' + str(s):>7}" for s in SEEDS)
        + f" {'mean':>6} {'off by':>7} {'train s':>8}"
    )
    means, ok = {}, True
    trained = {}
    for arch, paper in PAPER.items():
        accs, took = [], 0.0
        for seed in SEEDS:
            started = time.perf_counter()
            model = train(arch, data, epochs=defaults.EPOCHS, seed=seed)
            took += time.perf_counter() - started
            accs.append(model.test_accuracy)
            trained.setdefault(arch, model.model)
        means[arch] = sum(accs) / len(accs)
        off = 100 * (means[arch] - paper)
        ok &= abs(off) <= GOAL_POINTS
        print(
            f"{arch:10} {paper:6.0%} "
            + " ".join(f"{a:7.1%}" for a in accs)
            + f" {means[arch]:6.1%} {off:+6.1f}p {took / len(SEEDS):8.1f}"
        )
    ranked = means["logistic"] < means["mlp"] < means["cnn1d"]
    print(
        f"ranking logistic < MLP < CNN: {'yes' if ranked else 'NO'}; "
        f"every model within {GOAL_POINTS:g} points: {'yes' if ok else 'NO'}"
    )

    from linearity_core.service.runs import execute_run
    from linearity_core.service.runstore import RunStore

    model = trained["logistic"]
    handle = ModelHandle(model, "bench-logistic", "logistic", {}, Selection("mnist1d", "logistic"))
    config = RunConfig(measure=MeasureConfig(n_samples=20, seed=0), n_instances=500)
    result = execute_run(plan_run(data, handle, config), RunStore()).result.result
    linear = result.linear_layers()
    ratio = (result.scores / result.scales.clip(1e-30)).max(axis=0)
    print("linearity of the trained logistic regression, 500 test signals, 20 samples:")
    for name, is_linear, mean, r in zip(
        result.layer_names, linear, result.scores.mean(axis=0), ratio, strict=True
    ):
        print(
            f"  {name:8} mean L {mean:10.3g}  max L/scale {r:9.2g}  "
            + ("float noise (linear)" if is_linear else "bends")
        )
    before_softmax = bool(linear[:-1].all()) and not bool(linear[-1])
    print(f"every layer before the softmax is float noise: {'yes' if before_softmax else 'NO'}")
    return 0 if ranked and ok and before_softmax else 1


if __name__ == "__main__":
    sys.exit(main())

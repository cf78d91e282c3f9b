"""Findings beyond the notebook, on its seed CNN trained 5 epochs and real Fashion-MNIST.

Every number comes from the same job service the dashboard uses (so the runs are stored
and the pages show them at once afterwards), with the notebook's measure (grid, global,
20 samples, epsilon 0.04, res 100, seed 0) on 1,000 test images:
1. mistakes: the AUROC of each layer's score as a detector of misclassification;
2. evolution: the mean score of softmax and conv_2 at epochs 0 to 5;
3. epsilon sweep: where relu_1 leaves ±10% of its value at epsilon 0.04.

    python benchmarks/findings.py          # trains the model unless it is stored
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linearity_core import MeasureConfig, RunConfig, Selection, load_dataset
from linearity_core.analysis.mistakes import mistake_summary
from linearity_core.analysis.sweep import growth, lattice_floor, sweep_epsilons, sweep_frame
from linearity_core.service.analyses import submit_evolution, submit_sweep
from linearity_core.service.jobs import job_service
from linearity_core.service.runs import submit_run
from linearity_core.service.selection import load_model
from linearity_core.service.training import submit_training

EPOCHS = 5
CONFIG = RunConfig(measure=MeasureConfig(n_samples=20, seed=0), n_instances=1000)


def finished(job):
    done = job_service().wait(job.id)
    if done.state != "done":
        raise SystemExit(f"{job.title}: {done.state} {done.error or ''}")
    return done.result


def main() -> None:
    data = load_dataset("fashion_mnist")
    selection = Selection("fashion_mnist", "seed_cnn", EPOCHS)
    finished(submit_training(selection.model_ref(), data))
    handle = load_model(selection, data)
    print(f"seed CNN, {EPOCHS} epochs: test accuracy {handle.meta['test_accuracy']:.4f}")

    result = finished(submit_run(data, handle, CONFIG)).result
    summary = mistake_summary(result)
    print(f"\n1. Mistakes: {summary.n_mistakes} of {len(result.indices)} misclassified")
    print(summary.table.to_string(index=False))
    peak = summary.table.loc[summary.table["auroc"].idxmax()]
    interval = f"[{peak['low']:.3f}, {peak['high']:.3f}]"
    print(f"highest AUROC: {peak['layer']} {peak['auroc']:.3f} {interval}")
    print(f"farthest from 0.5 (best separation, either way): {summary.best_layer}")
    print(f"largest score of each layer: {result.scores.max(axis=0).round(7).tolist()}")

    evolution = finished(submit_evolution(data, selection.model_ref(), CONFIG))
    print("\n2. Evolution (mean L; test accuracy)")
    for epoch, run, accuracy in zip(
        evolution.epochs, evolution.results, evolution.accuracies, strict=True
    ):
        means = run.layer_summary().set_index("layer")["mean"]
        print(
            f"epoch {epoch}: softmax {means['softmax']:.5f}  conv_2 {means['conv_2']:.5f}  "
            f"accuracy {accuracy:.4f}"
        )

    epsilons = sweep_epsilons(0.005, 0.5, 13)
    sweep = finished(submit_sweep(data, handle, CONFIG, epsilons))
    frame = sweep_frame(epsilons, list(sweep.results))
    relu_1 = frame[frame["layer"] == "relu_1"].set_index("epsilon")["mean"]
    print("\n3. Epsilon sweep, relu_1 mean L by epsilon")
    print(relu_1.to_string(float_format=lambda v: f"{v:.5f}"))
    rates = growth(frame, lattice_floor(CONFIG.measure.res)).set_index("layer")
    row = rates.loc["relu_1"]
    print(
        f"relu_1 grows like epsilon^{row['slope']:.2f} and reaches half its largest mean "
        f"at epsilon {row['half_at']:.4g}"
    )
    print(rates[["slope", "half_at"]].to_string(float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()

"""The command line, run as analysts run it: `python -m linearity_core ...`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from linearity_core.service.runstore import RunStore

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, home):
    env = {**os.environ, "LINEARITY_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [sys.executable, "-m", "linearity_core", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def small_run(dataset, model, out, home, *more):
    """A six-instance, two-sample run of ``model`` (untrained built-ins) into ``out``."""
    selection = ["--dataset", dataset, "--model", model]
    if not model.startswith("upload:"):
        selection += ["--epochs", "0"]
    return cli(
        "run", *selection, "--instances", "6", "--samples", "2", *more, "--out", str(out), home=home
    )


def test_train_then_run_writes_files_and_stores_the_run(tiny_dataset, linearity_home, tmp_path):
    listed = cli("datasets", home=linearity_home)
    assert listed.returncode == 0 and tiny_dataset in listed.stdout
    mlp_1 = ["--dataset", tiny_dataset, "--model", "mlp", "--epochs", "1"]
    trained = cli("train", *mlp_1, "--seed", "0", home=linearity_home)
    assert trained.returncode == 0, trained.stderr
    assert "test accuracy:" in trained.stdout and "epoch 1/1" in trained.stderr
    models = cli("models", home=linearity_home)
    assert "seed_cnn" in models.stdout and f"dataset={tiny_dataset} epochs=1" in models.stdout
    out = tmp_path / "out"
    run_args = [
        "run",
        *mlp_1,
        "--instances",
        "12",
        "--samples",
        "3",
        "--layers",
        "dense_1,relu_1,softmax",
    ]
    run = cli(*run_args, "--out", str(out), home=linearity_home)
    assert run.returncode == 0, run.stderr
    frame = pd.read_csv(out / "scores.csv")
    assert {"instance", "label", "predicted", "layer", "score"} <= set(frame.columns)
    assert len(frame) == 12 * 3
    assert frame.groupby("layer").score.max()["dense_1"] <= 1e-5  # a linear layer scores 0
    doc = json.loads((out / "run.json").read_text())
    assert doc["config"]["measure"]["n_samples"] == 3
    assert [layer["name"] for layer in doc["layers"]] == ["dense_1", "relu_1", "softmax"]
    assert {"layer_summary", "class_summary", "timings"} <= set(doc)
    stored = RunStore(linearity_home / "runs").list().runs
    assert len(stored) == 1 and stored[0].dataset == tiny_dataset
    assert "Traceback" not in run.stderr and "cuda" not in run.stderr.lower()  # no TF chatter
    # In a log (stderr is a pipe here) progress is a line per 10%, not a redrawn bar.
    report = cli(
        "report", str(out / "run.json"), "--out", str(tmp_path / "r.html"), home=linearity_home
    )
    assert report.returncode == 0, report.stderr
    assert report.stdout.startswith(f"wrote {tmp_path / 'r.html'} (") and "MB)" in report.stdout
    by_key = cli("report", stored[0].key, "--out", str(tmp_path / "k.html"), home=linearity_home)
    assert by_key.returncode == 0 and "--model mlp --epochs 1" in (tmp_path / "k.html").read_text()
    progress = [line for line in run.stderr.splitlines() if "instances" in line]
    assert progress and len(progress) <= 11 and "\r" not in run.stderr
    again = cli(*run_args, "--out", str(out), home=linearity_home)
    assert "from cache" in again.stderr
    # --seed redraws the samples and instances; the model stays the one trained above.
    reseeded = cli(*run_args, "--seed", "7", "--out", str(tmp_path / "seven"), home=linearity_home)
    assert reseeded.returncode == 0 and "training" not in reseeded.stderr
    assert (
        json.loads((tmp_path / "seven" / "run.json").read_text())["config"]["measure"]["seed"] == 7
    )


def test_import_adds_a_model_and_a_dataset_that_run_and_models_take(
    tiny_dataset, linearity_home, tmp_path
):
    from linearity_core.models.training import build_model
    from linearity_core.service.catalog import load_dataset

    data = load_dataset(tiny_dataset)
    build_model("mlp", data.input_shape, 3, seed=2).save(tmp_path / "mine.keras")
    added = cli(
        "import", str(tmp_path / "mine.keras"), "--dataset", tiny_dataset, home=linearity_home
    )
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]  # the id to pass, as the last line
    assert key.startswith("upload:")
    assert f"{key} " in cli("models", home=linearity_home).stdout  # listed, to pass on
    out = tmp_path / "out"
    run = small_run(tiny_dataset, key, out, linearity_home)
    assert run.returncode == 0, run.stderr
    assert json.loads((out / "run.json").read_text())["model"] == "Uploaded: mine.keras"
    refused = cli("import", str(tmp_path / "mine.keras.gz"), home=linearity_home)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    zipped = tmp_path / "bad.npz"
    zipped.write_bytes(b"PK not really")
    bad = cli("import", str(zipped), home=linearity_home)
    assert bad.returncode == 2 and "bad.npz was refused" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    npz = cli(
        "import",
        str(linearity_home / "datasets" / f"{tiny_dataset[4:]}.npz"),
        "--name",
        "again",
        home=linearity_home,
    )
    assert npz.returncode == 0 and npz.stdout.strip().splitlines()[-1].startswith("npz:again-")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--out", "x", "--samples", "0"], "--samples: must be at least 1"),
        (["run", "--out", "x", "--method", "tree"], "invalid choice: 'tree'"),
        (["run", "--out", "x", "--instances", "5", "--per-class", "2"], "not allowed with"),
        (["run"], "the following arguments are required: --out"),
        (["train", "--model", "resnet"], "unknown model 'resnet'"),
        (["run", "--dataset", "imagenet", "--out", "x"], "unknown dataset 'imagenet'"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(args, message, linearity_home):
    result = cli(*args, home=linearity_home)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in result.stderr


def test_a_run_that_cannot_be_stored_still_writes_its_files(tiny_dataset, linearity_home, tmp_path):
    """Finding 6: with an unwritable run store a whole run was computed, then thrown away."""
    (linearity_home / "runs").write_text("not a folder")  # unwritable, even for root
    out = tmp_path / "out"
    run = small_run(tiny_dataset, "mlp", out, linearity_home)
    assert run.returncode == 0, run.stderr
    assert len(pd.read_csv(out / "scores.csv")) == 6 * 9  # the MLP's nine layers
    assert "warning: Computed, not stored" in run.stderr  # one true message for the outcome


def test_an_unreachable_ray_cluster_is_one_clear_error(tiny_dataset, linearity_home, tmp_path):
    untrained = ["--dataset", tiny_dataset, "--model", "mlp", "--epochs", "0"]
    ray_args = ["--ray-address", "127.0.0.1:9", "--out", str(tmp_path / "o")]
    run = cli("run", *untrained, *ray_args, home=linearity_home)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1  # one line: where, why, what to do
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("linearity: error: cannot reach the Ray cluster at 127.0.0.1:9")


def test_on_ray_the_cli_prints_only_its_own_lines(tiny_dataset, linearity_home, tmp_path):
    """Ray's own warnings (raylet, worker start-up) stay out of the CLI's stderr."""
    pytest.importorskip("ray")
    run = small_run(tiny_dataset, "mlp", tmp_path / "o", linearity_home, "--executor", "ray")
    assert run.returncode == 0, run.stderr
    lines = run.stderr.strip().splitlines()
    assert lines[0].startswith("computing on Ray at a private local Ray cluster")
    ours = ("computing on", "training", " ", "1")  # where, what, progress lines ("100.0% ...")
    assert all(line.startswith(ours) for line in lines), lines

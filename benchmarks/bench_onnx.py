"""The ONNX path against the Keras path on the same network (the seed CNN, its weights
written into an ONNX graph) and the same work, as ratios measured in one run; and each
against its own bare forward pass of the same inputs.

    python benchmarks/bench_onnx.py
"""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from linearity_core import MeasureConfig, RunConfig  # noqa: E402

N, N_SAMPLES, REPEATS = 600, 20, 2


def main():
    import keras
    import tensorflow as tf

    from linearity_core.measure.engine import compute_run
    from linearity_core.measure.onnx_model import OnnxModel
    from linearity_core.models.architectures import ARCHITECTURES
    from tests.core.onnx_graphs import seed_cnn_onnx

    keras.utils.set_random_seed(0)
    model = ARCHITECTURES["seed_cnn"].build((28, 28, 1), 10)
    onnx = OnnxModel(seed_cnn_onnx(model))
    rng = np.random.default_rng(0)
    x = rng.random((N, 28, 28, 1)).astype(np.float32)
    config = RunConfig(measure=MeasureConfig(n_samples=N_SAMPLES, seed=0), n_instances=N)
    inputs = N * config.measure.inputs_per_instance
    keras_fn = tf.function(lambda b: model(b, training=False))
    session = onnx.session(list(onnx.heads))

    def keras_floor(batch):
        block = rng.random((batch, 28, 28, 1)).astype(np.float32)
        keras_fn(block)
        start = time.perf_counter()
        for _ in range(-(-inputs // batch)):
            keras_fn(block)
        return time.perf_counter() - start

    def onnx_floor(batch):
        block = onnx.adapt(rng.random((batch, 28, 28, 1)).astype(np.float32))
        session.run(None, {onnx.input_name: block})
        start = time.perf_counter()
        for _ in range(-(-inputs // batch)):
            session.run(None, {onnx.input_name: block})
        return time.perf_counter() - start

    for m in (model, onnx):  # trace and warm both
        compute_run(m, x[:20], np.zeros(20), config, x_reference=x)
    best = {"keras": np.inf, "onnx": np.inf, "keras floor": np.inf, "onnx floor": np.inf}
    for _ in range(REPEATS):  # alternated, so both see the same machine
        for name, m, floor in (("keras", model, keras_floor), ("onnx", onnx, onnx_floor)):
            start = time.perf_counter()
            result = compute_run(m, x, np.zeros(N), config, x_reference=x)
            best[name] = min(best[name], time.perf_counter() - start)
            batch = result.timings.chunk_size * config.measure.inputs_per_instance
            best[f"{name} floor"] = min(best[f"{name} floor"], floor(batch))
    print(", ".join(f"{k} {v:.2f} s" for k, v in best.items()))
    rows = (
        ("ONNX run / Keras run (same network, same work)", best["onnx"] / best["keras"], "<= 1.0"),
        ("Keras run / its bare forward pass", best["keras"] / best["keras floor"], "<= 1.25"),
        ("ONNX run / its bare forward pass", best["onnx"] / best["onnx floor"], "<= 1.25"),
    )
    for name, value, target in rows:
        print(f"{name:<58} {value:8.2f}   target {target}")


if __name__ == "__main__":
    main()

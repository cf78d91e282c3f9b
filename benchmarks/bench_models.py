"""Real architectures the analyst brings, as ratios measured in one run: the all-layer
run against a bare forward pass of the same inputs, and the chunk-size memory estimate
against the peak measured for one chunk.

    python benchmarks/bench_models.py
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.rss import peak_growth
from benchmarks.timing import pass_seconds
from linearity_core import MeasureConfig, RunConfig

N_SAMPLES = 20
MODELS = {"seed_cnn": (28, 28, 1), "mobilenet_v2": (96, 96, 3), "resnet50": (64, 64, 3)}


def build(name):
    import keras

    keras.utils.set_random_seed(0)
    shape = MODELS[name]
    if name == "seed_cnn":
        from linearity_core.models.architectures import ARCHITECTURES

        return ARCHITECTURES["seed_cnn"].build(shape, 10)
    if name == "mobilenet_v2":
        return keras.applications.MobileNetV2(input_shape=shape, weights=None, classes=10)
    return keras.applications.ResNet50(input_shape=shape, weights=None, classes=10)


def peak_child(name, chunk):
    """One chunk of ``chunk`` instances through the probe: peak RSS growth and estimate."""
    from linearity_core.measure.probes import ProbeKey, build_probe

    shape = MODELS[name]
    key = ProbeKey.of(RunConfig(measure=MeasureConfig(n_samples=N_SAMPLES)), shape)
    probe = build_probe(build(name), key)
    rng = np.random.default_rng(0)
    probe(rng.random((key.per_instance, *shape)).astype(np.float32))  # trace, warm
    batch = rng.random((key.per_instance * chunk, *shape)).astype(np.float32)
    measured, _ = peak_growth(lambda: probe(batch))
    print(json.dumps({"measured": measured, "estimate": probe.bytes_per_instance() * chunk}))


def peak(name, chunk):
    out = subprocess.run(
        [sys.executable, __file__, "--peak", name, str(chunk)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_against_floor(name, n=40):
    """Seconds of the all-layer run and of a bare compiled forward pass of its inputs."""
    import tensorflow as tf

    from linearity_core.measure.engine import compute_run
    from linearity_core.measure.probes import clear_probes

    model, shape = build(name), MODELS[name]
    rng = np.random.default_rng(0)
    x = rng.random((n, *shape)).astype(np.float32)
    config = RunConfig(measure=MeasureConfig(n_samples=N_SAMPLES, seed=0), n_instances=n)
    clear_probes()
    compute_run(model, x[:2], np.zeros(2), config, x_reference=x)  # trace the probe once
    # The least any all-layer measure costs: every layer's output computed and read once.
    every = keras_every_layer(model)
    forward = tf.function(lambda b: model(b, training=False))
    inputs = n * config.measure.inputs_per_instance
    best_run = best_floor = best_read = float("inf")
    for _ in range(2):  # alternate, so all see the same machine
        start = time.perf_counter()
        result = compute_run(model, x, np.zeros(n), config, x_reference=x)
        best_run = min(best_run, time.perf_counter() - start)
        batch = result.timings.chunk_size * config.measure.inputs_per_instance
        best_floor = min(best_floor, pass_seconds(forward, shape, inputs, batch))
        best_read = min(best_read, pass_seconds(every, shape, inputs, batch))
    return best_run, best_floor, best_read, len(result.layers), result.timings.chunk_size


def keras_every_layer(model):
    """A compiled pass that returns one sum per layer output: nothing can be fused away."""
    import keras
    import tensorflow as tf

    outputs = [layer.output for layer in model.layers[1:]]
    every = keras.Model(model.inputs, outputs)
    return tf.function(lambda b: [tf.reduce_sum(o) for o in every(b, training=False)])


def main():
    for name in ("mobilenet_v2", "resnet50"):
        run_s, floor_s, read_s, layers, chunk = run_against_floor(name)
        print(
            f"{name} {MODELS[name]}: all {layers} layers {run_s:.2f} s, bare forward "
            f"{floor_s:.2f} s, every layer's output read once {read_s:.2f} s (chunks of {chunk})"
        )
        print(f"{'  all-layer run / bare forward pass':<58} {run_s / floor_s:8.2f}   target <= 1.2")
        print(f"{'  every layer read once / bare forward pass':<58} {read_s / floor_s:8.2f}")
        print(f"{'  all-layer run / every layer read once':<58} {run_s / read_s:8.2f}")
    for name in MODELS:
        found = peak(name, 8)
        ratio = found["estimate"] / found["measured"]
        print(
            f"{name}: one chunk of 8, measured {found['measured'] / 2**20:.0f} MiB, estimated "
            f"{found['estimate'] / 2**20:.0f} MiB"
        )
        print(f"{'  chunk memory estimate / measured peak':<58} {ratio:8.2f}   target 0.67-1.5")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--peak":
        peak_child(sys.argv[2], int(sys.argv[3]))
    else:
        main()

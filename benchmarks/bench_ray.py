"""What Ray adds and costs, as ratios measured in one run.

The per-class workload on the output layer (seed CNN after 1 epoch, real Fashion-MNIST,
PER_CLASS test images per class, 20 samples) on a private local Ray cluster of 2 CPUs,
each actor running TensorFlow on one thread:
1. throughput of two actors over one (warm actors: the model and its probe are loaded);
2. per-chunk overhead: one actor against an in-process run that also uses one TensorFlow
   thread (a child process, since TensorFlow fixes its threads when it starts).
Each timing is the best of REPEATS. Skipped, with a message, when Ray is not installed.

    python benchmarks/bench_ray.py
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from linearity_core import MeasureConfig, RunConfig  # noqa: E402
from linearity_core.data.datasets import select_instances  # noqa: E402
from linearity_core.measure.engine import compute_run  # noqa: E402
from linearity_core.measure.sampling import infer_feature_range  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_jobs import trained_seed_cnn  # noqa: E402

PER_CLASS = 300
REPEATS = 2
CONFIG = RunConfig(
    measure=MeasureConfig(n_samples=20, seed=0), per_class=PER_CLASS, layers=("softmax",)
)


def workload():
    data, handle = trained_seed_cnn()
    idx = select_instances(data.y_test, n_instances=None, per_class=PER_CLASS, seed=0)
    x, y = data.x_test[idx], data.y_test[idx]
    return handle.model, x, y, idx, infer_feature_range(data.x_test)


def timed(model, x, y, idx, fr, executor=None):
    """Best of REPEATS seconds, and the run's chunk count."""
    best, result = float("inf"), None
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        result = compute_run(model, x, y, CONFIG, indices=idx, feature_range=fr, executor=executor)
        best = min(best, time.perf_counter() - t0)
    assert result is not None
    return best, result.timings.n_chunks


def local_child() -> None:
    """In-process run with one TensorFlow thread; prints its seconds as JSON."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    model, x, y, idx, fr = workload()
    compute_run(model, x[:8], y[:8], CONFIG, indices=idx[:8], feature_range=fr)  # trace
    seconds, chunks = timed(model, x, y, idx, fr)
    print(json.dumps({"seconds": seconds, "chunks": chunks}))


def main() -> None:
    try:
        import ray
    except ImportError:
        print("skipped: Ray is not installed (pip install -r requirements-ray.txt)")
        return
    from linearity_core.service import compute
    from linearity_core.service.ray_executor import RayExecutor

    model, x, y, idx, fr = workload()  # trains once, before anything is timed
    child = subprocess.run(
        [sys.executable, __file__, "--local-child"], capture_output=True, text=True, check=True
    )
    local = json.loads(child.stdout.strip().splitlines()[-1])
    compute.use_ray(compute.LOCAL, num_cpus=2)
    t0 = time.perf_counter()
    compute.default_executor()
    print(f"private local cluster joined in {time.perf_counter() - t0:.1f} s")
    seconds = {}
    for actors in (1, 2):
        executor = RayExecutor(actors=actors, threads=1, idle_release_s=0)
        t0 = time.perf_counter()
        compute_run(
            model, x[:8], y[:8], CONFIG, indices=idx[:8], feature_range=fr, executor=executor
        )
        print(
            f"{actors} actor(s) started, loaded the model, traced: {time.perf_counter() - t0:.1f} s"
        )
        seconds[actors], chunks = timed(model, x, y, idx, fr, executor)
        executor.release()  # frees its CPUs for the next pool
    ray.shutdown()
    n = len(x)
    print(
        f"{n} instances, {chunks} chunks: local 1 thread {local['seconds']:.2f} s, "
        f"Ray 1 actor {seconds[1]:.2f} s, Ray 2 actors {seconds[2]:.2f} s"
    )
    overhead_s = (seconds[1] - local["seconds"]) / chunks
    print(
        f"chunk throughput, 1 actor: {chunks / seconds[1]:.2f} chunks/s "
        f"({n / seconds[1]:.0f} instances/s)"
    )
    print(f"per-chunk overhead: {1000 * overhead_s:.0f} ms")
    speedup = seconds[1] / seconds[2]
    overhead = seconds[1] / local["seconds"]
    print(f"{'throughput, 2 actors / 1 actor':<50} {speedup:8.2f}   target >= 1.7")
    print(f"{'time, Ray 1 actor / local 1 thread':<50} {overhead:8.2f}   target <= 1.10")


if __name__ == "__main__":
    local_child() if "--local-child" in sys.argv else main()

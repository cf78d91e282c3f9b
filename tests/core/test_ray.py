"""Chunks on a Ray cluster give exactly the scores of a local run.

One private local cluster for the session (``address="local"``, 2 CPUs: a plain
``ray.init()`` would join a leftover cluster). The actors run TensorFlow on as many threads
as this process, so float32 kernels sum in the same order and scores are compared with
``np.array_equal``.
"""

import os
import random
import time
from dataclasses import replace

import numpy as np
import pytest

from linearity_core import LinearityError, MeasureConfig, RunConfig
from linearity_core.measure.engine import compute_run, run_linearity
from linearity_core.measure.executors import LocalExecutor
from linearity_core.service import compute

ray = pytest.importorskip("ray")  # requirements.txt pins it: `make test` has it
N = 40


@pytest.fixture(scope="module")
def seed_cnn():
    import keras

    from linearity_core.models.architectures import ARCHITECTURES

    keras.utils.set_random_seed(0)
    return ARCHITECTURES["seed_cnn"].build((28, 28, 1), 10)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.random((N, 28, 28, 1)).astype(np.float32)
    reference = rng.random((300, 28, 28, 1)).astype(np.float32)
    return x, rng.integers(0, 10, N), reference


@pytest.fixture(scope="module")
def executor():
    """Two actors with this process's TensorFlow thread count, on a private cluster."""
    import tensorflow as tf

    from linearity_core.service.ray_executor import RayExecutor

    compute.use_ray(compute.LOCAL, num_cpus=2)
    compute.default_executor()  # joins the cluster
    threads = tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count() or 1
    ex = RayExecutor(actors=2, threads=threads, cpus_per_actor=1, idle_release_s=0)
    yield ex
    ex.release()
    ray.shutdown()
    compute.use_ray(None)


def config(method="grid", agg="global"):
    measure = MeasureConfig(method=method, agg=agg, n_samples=4, seed=5)
    return RunConfig(measure=measure, n_instances=N)


def run(model, data, cfg, **kw):
    x, y, reference = data
    return compute_run(model, x, y, cfg, x_reference=reference, chunk_size=8, **kw)


@pytest.mark.parametrize("agg", ["global", "pairwise"])
@pytest.mark.parametrize("method", ["grid", "knn"])
def test_ray_equals_local(seed_cnn, data, executor, method, agg):
    local = run(seed_cnn, data, config(method, agg))
    remote = run(seed_cnn, data, config(method, agg), executor=executor)
    assert np.array_equal(local.scores, remote.scores)
    assert np.array_equal(local.predicted, remote.predicted)
    assert np.array_equal(local.indices, remote.indices)
    assert local.scores[:, -1].mean() > 0  # the softmax is scored: equality is not 0 == 0


def test_an_onnx_model_on_ray_equals_local(seed_cnn, data, executor):
    """The actors are built from the ONNX file's bytes, as from a .keras file's."""
    from linearity_core.measure.onnx_model import OnnxModel
    from tests.core.onnx_graphs import seed_cnn_onnx

    model = OnnxModel(seed_cnn_onnx(seed_cnn))
    local = run(model, data, config())
    remote = run(model, data, config(), executor=executor)
    assert np.array_equal(local.scores, remote.scores)
    assert np.array_equal(local.predicted, remote.predicted)


class Shuffled(LocalExecutor):
    """Chunks finish in a random order, as on a cluster."""

    def map_chunks(self, work):
        order = list(work.bounds)
        random.Random(1).shuffle(order)
        assert order != list(work.bounds)
        return super().map_chunks(replace(work, bounds=order))


def test_shuffled_completion_gives_the_same_result(seed_cnn, data):
    in_order = run(seed_cnn, data, config())
    shuffled = run(seed_cnn, data, config(), executor=Shuffled())
    assert np.array_equal(in_order.scores, shuffled.scores)


def test_stop_keeps_exactly_the_finished_rows(seed_cnn, data, executor):
    full = run(seed_cnn, data, config())
    x, y, reference = data
    seen = []
    snaps = run_linearity(
        seed_cnn,
        x,
        y,
        config(),
        x_reference=reference,
        chunk_size=8,
        executor=executor,
        should_stop=lambda: len(seen) >= 2,
    )
    for snap in snaps:
        seen.append(snap)
    last = seen[-1]
    assert last.stopped and last.result.partial
    assert 2 * 8 <= len(last.result.indices) < N
    rows = np.searchsorted(full.indices, last.result.indices)
    assert np.array_equal(full.scores[rows], last.result.scores)


def test_a_killed_actor_is_restarted_and_its_chunk_retried(seed_cnn, data, executor):
    full = run(seed_cnn, data, config())
    x, y, reference = data
    killed = []

    def kill_once():
        if not killed and executor.actors:
            killed.append(ray.get(executor.actors[0].pid.remote()))
            ray.kill(executor.actors[0], no_restart=False)
        return False

    snaps = list(
        run_linearity(
            seed_cnn,
            x,
            y,
            config(),
            x_reference=reference,
            chunk_size=8,
            executor=executor,
            should_stop=kill_once,
        )
    )
    last = snaps[-1]
    assert killed and last.done and not last.stopped
    assert ray.get(executor.actors[0].pid.remote()) != killed[0]  # a new process
    assert np.array_equal(full.scores, last.result.scores)


def test_an_unreachable_cluster_fails_within_seconds():
    cluster = compute.RayCluster("127.0.0.1:9")  # the discard port: nothing listens
    started = time.monotonic()
    with pytest.raises(LinearityError) as err:
        cluster.connect()
    assert time.monotonic() - started < 10
    assert "cannot reach the Ray cluster at 127.0.0.1:9" in str(err.value)
    assert "unset RAY_ADDRESS" in str(err.value)
    assert not cluster.describe().ok and "cannot reach" in cluster.describe().label


def test_a_bad_address_is_named():
    with pytest.raises(LinearityError, match="is not host:port"):
        compute.check_reachable("my-cluster")

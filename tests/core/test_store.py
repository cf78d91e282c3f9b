"""Run store: round trip, content keys, corruption and concurrent writers."""

import json
import threading

import numpy as np
import pytest

from linearity_core import MeasureConfig, RunConfig
from linearity_core.results import LayerInfo, RunResult, Timings
from linearity_core.store import RunStore, run_key


def make_result(seed=0, n=30) -> RunResult:
    rng = np.random.default_rng(seed)
    return RunResult(
        config=RunConfig(measure=MeasureConfig(n_samples=4, seed=seed), n_instances=n),
        indices=np.arange(n), labels=rng.integers(0, 3, n), predicted=rng.integers(0, 3, n),
        scores=rng.random((n, 2)),
        layers=(LayerInfo("conv", "Conv2D", (4, 4, 2), "linear"),
                LayerInfo("softmax", "Activation", (3,), "activation", "classifier")),
        timings=Timings(1.5, 0.1, 1.2, 3, 10), n_planned=n, dataset="toy", model="m",
        class_names=("a", "b", "c"), created_at="2026-11-29T10:00:00+00:00",
    )  # fmt: skip


def test_round_trip_keeps_everything(tmp_path):
    store = RunStore(tmp_path)
    result = make_result()
    store.save("k1", result)
    loaded = store.load("k1")
    assert loaded is not None
    for name, arr in result.arrays().items():
        np.testing.assert_array_equal(getattr(loaded, name), arr)
    assert loaded.config == result.config
    assert loaded.layers == result.layers
    assert loaded.timings == result.timings
    assert loaded.class_names == result.class_names
    assert [r.key for r in store.list()] == ["k1"]


def test_key_changes_with_every_input():
    cfg = RunConfig()
    base = run_key(cfg, "fashion_mnist", "data0", "model0")
    assert base == run_key(RunConfig(), "fashion_mnist", "data0", "model0")
    other_seed = RunConfig(measure=MeasureConfig(n_samples=20, seed=1))
    variants = [
        run_key(other_seed, "fashion_mnist", "data0", "model0"),
        run_key(cfg, "mnist", "data0", "model0"),
        run_key(cfg, "fashion_mnist", "data1", "model0"),
        run_key(cfg, "fashion_mnist", "data0", "model1"),
    ]
    assert len({base, *variants}) == 5


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip"])
def test_a_corrupt_entry_is_never_served(tmp_path, damage, caplog):
    store = RunStore(tmp_path)
    store.save("k", make_result())
    path = store.path("k")
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a zip file")
    else:  # valid zip, but the scores no longer match their checksum
        meta = store.meta("k")
        assert meta is not None
        tampered = make_result(seed=1)
        np.savez(path, **tampered.arrays(), meta=np.array(json.dumps(meta)))
    assert store.load("k") is None
    assert "corrupt" in caplog.text
    assert not path.exists()  # the next run recomputes and writes a fresh entry
    store.save("k", make_result())
    assert store.load("k") is not None


def test_two_writers_to_one_key_leave_one_valid_entry(tmp_path):
    store = RunStore(tmp_path)
    results = [make_result(seed=s, n=2000) for s in range(2)]
    barrier = threading.Barrier(2)

    def write(result):
        barrier.wait()
        for _ in range(5):
            store.save("same", result)

    threads = [threading.Thread(target=write, args=(r,)) for r in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loaded = store.load("same")
    assert loaded is not None
    assert any(np.array_equal(loaded.scores, r.scores) for r in results)
    assert [p.name for p in tmp_path.iterdir()] == ["same.npz"]  # no temporary files left


def test_delete(tmp_path):
    store = RunStore(tmp_path)
    store.save("k", make_result())
    assert store.delete("k") and store.load("k") is None and not store.delete("k")

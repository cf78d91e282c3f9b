"""Run store: round trip, content keys, corruption and concurrent writers."""

import dataclasses
import json
import threading

import numpy as np
import pytest

from linearity_core import MeasureConfig, RunConfig
from linearity_core.measure.results import LayerInfo, RunResult, Timings
from linearity_core.service.runstore import RunStore, entry_checksum, run_key


def read_meta(path):
    with np.load(path) as data:
        return json.loads(str(data["meta"]))


def rewrite(path, meta, result=None, keep_checksum=False):
    """Write an entry with edited metadata; with a checksum recomputed unless asked not to."""
    arrays = (result or make_result()).arrays()
    if not keep_checksum:
        meta["checksum"] = entry_checksum(meta, arrays)
    np.savez(path, **arrays, meta=np.array(json.dumps(meta)))


def make_result(seed=0, n=30) -> RunResult:
    rng = np.random.default_rng(seed)
    return RunResult(
        config=RunConfig(measure=MeasureConfig(n_samples=4, seed=seed), n_instances=n),
        indices=np.arange(n),
        labels=rng.integers(0, 3, n),
        predicted=rng.integers(0, 3, n),
        scores=rng.random((n, 2)),
        layers=(
            LayerInfo("conv", "Conv2D", (4, 4, 2), "linear"),
            LayerInfo("softmax", "Activation", (3,), "activation", "classifier"),
        ),
        timings=Timings(1.5, 0.1, 1.2, 3, 10),
        n_planned=n,
        dataset="toy",
        model="m",
        class_names=("a", "b", "c"),
        created_at="2026-11-29T10:00:00+00:00",
    )


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
    assert [r.key for r in store.list().runs] == ["k1"]


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
        tampered = make_result(seed=1)
        np.savez(path, **tampered.arrays(), meta=np.array(json.dumps(read_meta(path))))
    assert store.load("k") is None
    assert "unusable" in caplog.text
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


def test_the_checksum_covers_the_metadata(tmp_path):
    """Finding 4: swapping two layer names made a stored run label one layer's scores
    with another's name."""
    store = RunStore(tmp_path)
    store.save("k", make_result())
    meta = read_meta(store.path("k"))
    meta["layers"][0]["name"], meta["layers"][1]["name"] = "softmax", "conv"
    rewrite(store.path("k"), meta, keep_checksum=True)
    assert store.load("k") is None


def test_an_entry_is_served_only_for_its_own_key_and_config(tmp_path):
    """Finding 4: run A's file copied to run B's key served A's rows for B's request."""
    store = RunStore(tmp_path)
    a, b = make_result(seed=0, n=50), make_result(seed=1, n=60)
    store.save("a", a)
    store.path("b").write_bytes(store.path("a").read_bytes())
    assert store.load("b", b.config) is None
    store.save("a", a)
    assert store.load("a", b.config) is None  # right key, but another config
    store.save("a", a)
    assert store.load("a", a.config) is not None


@pytest.mark.parametrize(
    "damage",
    [
        lambda m: m.update(created_at=0),
        lambda m: m.pop("timings"),
        lambda m: m["config"]["measure"].pop("res"),
        lambda m: m.update(layers="x"),
    ],
)
def test_one_damaged_entry_does_not_hide_the_others(tmp_path, damage):
    """Finding 5: an entry with a valid checksum but broken metadata crashed the listing."""
    store = RunStore(tmp_path)
    store.save("good", make_result())
    store.save("bad", make_result(seed=1))
    meta = read_meta(store.path("bad"))
    damage(meta)
    rewrite(store.path("bad"), meta)
    listing = store.list()
    assert [r.key for r in listing.runs] == ["good"]
    assert listing.damaged == ["bad.npz"]


def test_recovery_never_crashes_on_what_it_cannot_remove(tmp_path):
    """Finding 6: a directory at an entry's path made the recovery's unlink raise."""
    store = RunStore(tmp_path)
    store.path("k").mkdir(parents=True)
    assert store.load("k") is None  # unusable, and its removal failed quietly
    assert store.path("k").is_dir()
    assert store.list().damaged == ["k.npz"]


def test_an_unwritable_store_raises_oserror_for_the_caller_to_report(tmp_path):
    blocked = tmp_path / "runs"
    blocked.write_text("a file where the store's folder should be")  # read-only as root too
    with pytest.raises(OSError):
        RunStore(blocked).save("k", make_result())


def test_checkpoints_hold_partial_runs_apart_from_finished_ones(tmp_path):
    store = RunStore(tmp_path)
    full = make_result()
    partial = dataclasses.replace(
        full,
        partial=True,
        indices=full.indices[:10],
        labels=full.labels[:10],
        predicted=full.predicted[:10],
        scores=full.scores[:10],
    )
    store.save_partial("k", partial)
    assert store.load("k") is None and store.list().runs == []
    resumed = store.load_partial("k", full.config)
    assert resumed is not None and resumed.partial
    np.testing.assert_array_equal(resumed.scores, full.scores[:10])
    store.drop_partial("k")
    assert store.load_partial("k", full.config) is None


def test_info_names_what_it_could_not_read(tmp_path):
    from linearity_core.errors import LinearityError

    store = RunStore(tmp_path)
    store.save("k1", make_result())
    assert store.info("k1").n_planned == 30
    assert store.info("absent") is None
    store.path("k1").write_bytes(store.path("k1").read_bytes()[:200])
    with pytest.raises(LinearityError, match="the stored run k1 cannot be read"):
        store.info("k1")


def test_entries_of_an_older_format_are_counted_not_called_damaged(tmp_path):
    store = RunStore(tmp_path)
    store.save("new", make_result())
    store.save("old", make_result(seed=2))
    meta = read_meta(store.path("old"))
    meta["format"] = 2
    rewrite(store.path("old"), meta)
    listing = store.list()
    assert [r.key for r in listing.runs] == ["new"]
    assert (listing.damaged, listing.outdated) == ([], 1)
    assert store.load("old") is None  # a miss: it is computed again


def test_a_deleted_run_is_restored_bit_for_bit_and_the_trash_is_emptied_later(tmp_path):
    import os
    import time

    store = RunStore(tmp_path)
    store.save("k1", make_result())
    before = store.path("k1").read_bytes()
    assert store.delete("k1") and store.load("k1") is None and store.list().runs == []
    assert store.restore("k1") and store.path("k1").read_bytes() == before
    store.delete("k1")
    old = time.time() - 8 * 24 * 3600
    os.utime(store.trash_path("k1"), (old, old))
    store.tidy()
    assert not store.restore("k1")  # a week on, the trash was emptied

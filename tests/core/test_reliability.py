"""What a bad day brings: a cluster address that answers but is not Ray, writers racing
on one model, a full disk, odd inputs, one client's long queue, Run pressed while a job
stops, temp files of killed writes. Each gets its sentence and nothing is lost."""

import io
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from linearity_core.errors import LinearityError
from linearity_core.service.jobs import JobService, Outcome
from linearity_core.service.urls import View

ROOT = Path(__file__).resolve().parents[2]


class Listener:
    """A TCP listener on a free port: an HTTP server that answers, or a silent one."""

    def __init__(self, http: bool):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port, self.http, self.open = self.sock.getsockname()[1], http, []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.open.append(conn)
            if self.http:
                conn.recv(1024)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"


def test_an_address_that_answers_but_is_not_ray_is_refused_at_once():
    from linearity_core.service.compute import RayCluster

    cluster = RayCluster(Listener(http=True).address)
    start = time.monotonic()
    with pytest.raises(LinearityError, match="answers, but not as a Ray cluster does"):
        cluster.connect()
    assert time.monotonic() - start < 5


def test_a_join_that_hangs_blocks_no_one_and_fails_within_its_bound(monkeypatch):
    from linearity_core.service import compute

    monkeypatch.setenv("LINEARITY_RAY_JOIN_S", "1")
    monkeypatch.setattr(compute, "CONNECT_TIMEOUT_S", 30.0)  # a handshake that never returns
    monkeypatch.setattr(compute.check_reachable, "__defaults__", (30.0,))
    cluster = compute.RayCluster(Listener(http=False).address)
    cluster.connect_soon()
    start = time.monotonic()
    assert "joining" in cluster.describe().label  # the sidebar asks: answered at once
    assert time.monotonic() - start < 0.5
    with pytest.raises(LinearityError, match="within 1 s"):
        cluster.connect()
    assert time.monotonic() - start < 3
    assert not cluster.describe().ok  # the sidebar now says why


def test_the_cli_fails_on_a_non_ray_address_in_seconds(tiny_dataset, linearity_home, tmp_path):
    listener = Listener(http=True)
    env = {**os.environ, "LINEARITY_HOME": str(linearity_home), "RAY_ADDRESS": listener.address}
    args = ["run", "--dataset", tiny_dataset, "--model", "mlp", "--epochs", "0"]
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "linearity_core", *args, "--out", str(tmp_path / "o")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and time.monotonic() - start < 60
    (line,) = done.stderr.strip().splitlines()
    assert "answers, but not as a Ray cluster does" in line


def writer_script(home, rounds):
    return (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from linearity_core.models.store import ModelStore, ModelRef\n"
        "from linearity_core.models.training import build_model\n"
        f"store = ModelStore({str(home)!r}); ref = ModelRef('mlp', 'toy', 1, 0)\n"
        "model = build_model('mlp', (6, 6, 1), 3, seed=0)\n"
        f"for _ in range({rounds}):\n"
        "    store.save(ref, model, {'test_accuracy': 0.5})\n"
    )


def test_two_writers_and_a_reader_lose_no_model(tmp_path):
    """Finding 3: a reader paired one writer's model with the other's metadata, judged
    the entry corrupt and deleted it; the writers then died."""
    from linearity_core.models.store import ModelRef, ModelStore

    home = tmp_path / "models"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", writer_script(home, 50)], env=env, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    store, ref, seen, missing = ModelStore(home), ModelRef("mlp", "toy", 1, 0), 0, 0
    while any(w.poll() is None for w in writers):
        if store.meta(ref) is not None:
            seen += 1
            missing += store.load(ref) is None  # a whole, verified entry or a miss: never half
        time.sleep(0.05)
    errors = [w.stderr.read().decode() for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    assert seen > 0 and missing == 0
    assert store.load(ref) is not None  # the entry survived every round


def test_a_full_disk_is_said_and_nothing_half_written_is_listed(tiny_dataset, monkeypatch):
    import errno

    from linearity_core import paths
    from linearity_core.data import registry, user
    from linearity_core.service.catalog import accept_dataset, load_dataset
    from linearity_core.service.runs import execute_run, plan_run
    from linearity_core.service.runstore import RunStore
    from linearity_core.service.selection import Selection, load_model
    from tests.app.ui import small_config

    data = load_dataset(tiny_dataset)
    handle = load_model(Selection(tiny_dataset, "mlp", 0), data)
    raw = (registry.user_datasets_dir() / f"{tiny_dataset[4:]}.npz").read_bytes()
    before = set(registry.list_datasets())

    def full(path, write, durable=True):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(paths, "atomic_write", full)
    monkeypatch.setattr(user, "atomic_write", full)
    import linearity_core.service.runstore as runstore

    monkeypatch.setattr(runstore, "atomic_write", full)
    outcome = execute_run(plan_run(data, handle, small_config()), RunStore())
    assert outcome.note.startswith("Computed, not stored: the disk is full")
    assert len(outcome.result.result.indices) == 10  # the result is still shown
    with pytest.raises(LinearityError, match="could not be saved \\(the disk is full\\)"):
        accept_dataset(raw, "again.npz", "again")
    assert set(registry.list_datasets()) == before  # nothing half-written is listed


def test_a_model_that_cannot_be_saved_says_why(tmp_path, monkeypatch):
    import errno

    from linearity_core.models.store import ModelRef, ModelStore
    from linearity_core.models.training import build_model

    model = build_model("mlp", (6, 6, 1), 3, seed=0)

    def full(self, path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(type(model), "save", full)
    with pytest.raises(LinearityError, match=r"could not be saved .*the disk is full"):
        ModelStore(tmp_path).save(ModelRef("mlp", "toy", 1, 0), model, {})
    assert list(tmp_path.iterdir()) == []  # no staging folder left behind


def npz(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


GOOD = {
    "x_train": np.zeros((6, 4, 4)),
    "y_train": np.arange(6) % 3,
    "x_test": np.zeros((3, 4, 4)),
    "y_test": np.arange(3) % 3,
}


@pytest.mark.parametrize(
    ("override", "sentence"),
    [
        ({"class_names": np.array(["a", "b", "a"])}, "names 'a' more than once"),
        ({"class_names": np.array("abc")}, r"a list of names.*shape \(\)"),
        ({"class_names": np.array([["a", "b", "c"]])}, r"shape \(1, 3\)"),
        ({"x_train": np.full((6, 4, 4), 1e39)}, "beyond float32's range"),
    ],
)
def test_odd_inputs_are_refused_at_load_with_their_sentence(override, sentence):
    from linearity_core.data.npz import read_npz

    with pytest.raises(LinearityError, match=sentence):
        read_npz(npz(**{**GOOD, **override}))


def test_float64_values_past_float32_are_refused_by_the_engine_too():
    from linearity_core.measure.forward import check_instances

    with pytest.raises(LinearityError, match="beyond float32's range"):
        check_instances(np.full((2, 3), 1e39), float32=True)


def held(gate):
    def work(ctx):
        gate.wait(timeout=30)
        return Outcome(ctx.job.id)

    return work


def test_one_clients_long_queue_does_not_starve_another():
    service, gate, order = JobService(workers=1), threading.Event(), []

    def recorded(name):
        def work(ctx):
            order.append(name)
            gate.wait(timeout=30)
            return Outcome(name)

        return work

    blocker = service.submit("first", "run", "first", View("layers"), held(gate), client="a")
    for k in range(9):
        service.submit(f"a{k}", "run", "a", View("layers"), recorded(f"a{k}"), client="a")
    other = service.submit("b0", "run", "b", View("layers"), recorded("b0"), client="b")
    assert service.queue_position(other) == 2  # after at most one of a's runs
    with pytest.raises(LinearityError, match="10 of your jobs are waiting"):
        service.submit("a-too-many", "run", "a", View("layers"), held(gate), client="a")
    gate.set()
    for job in [blocker, other]:
        service.wait(job.id, timeout=30)
    service.wait("a8", timeout=30)
    assert order.index("b0") <= 1


def test_run_pressed_while_a_job_stops_starts_it_again_once_the_stop_lands():
    service, gate, ran = JobService(workers=1), threading.Event(), []

    def work(ctx):
        ran.append(1)
        gate.wait(timeout=30)
        return Outcome(len(ran), stopped=ctx.should_stop())

    first = service.submit("k", "run", "k", View("layers"), work)
    while first.state != "running":
        time.sleep(0.01)
    service.cancel("k")
    again = service.submit("k", "run", "k", View("layers"), work)  # pressed while stopping
    assert again is not first and again.state == "queued"
    gate.set()
    assert service.wait("k", timeout=30).state == "done"
    assert first.state == "cancelled" and len(ran) == 2  # the press was not lost


def test_temp_files_of_killed_writes_are_cleaned_on_start(linearity_home):
    from linearity_core.service.prewarm import tidy_home
    from linearity_core.service.runstore import RunStore

    runs = RunStore().root
    (runs / "partial").mkdir(parents=True)
    old, fresh = runs / ".k.npz.abc.tmp", runs / ".j.npz.def.tmp"
    for path in (old, fresh, runs / "partial" / ".p.npz.x.tmp"):
        path.write_bytes(b"half")
    hour_ago = time.time() - 7200
    for path in (old, runs / "partial" / ".p.npz.x.tmp"):
        os.utime(path, (hour_ago, hour_ago))
    tidy_home()
    assert not old.exists() and not (runs / "partial" / ".p.npz.x.tmp").exists()
    assert fresh.exists()  # may belong to a write still going

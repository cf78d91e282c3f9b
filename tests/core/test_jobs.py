"""Background jobs: one job per piece of work, a bounded FIFO pool, stop, resume, failure."""

import threading

import numpy as np
import pytest

import linearity_core.measure.engine as engine
from linearity_core import MeasureConfig, RunConfig
from linearity_core.data.datasets import load_dataset
from linearity_core.errors import LinearityError
from linearity_core.measure.executors import LocalExecutor
from linearity_core.models.store import ModelRef, ModelStore
from linearity_core.service.jobs import JobService, Outcome
from linearity_core.service.runs import execute_run, plan_run, run_key_for, submit_run
from linearity_core.service.runstore import RunStore
from linearity_core.service.selection import Selection, load_model
from linearity_core.service.training import submit_training
from linearity_core.service.urls import View

LAYERS = View("layers")


@pytest.fixture
def setup(tiny_dataset):
    dataset = load_dataset(tiny_dataset)
    handle = load_model(Selection(tiny_dataset, "mlp", 0), dataset)
    return dataset, handle


def config(n=30, seed=0, samples=3):
    return RunConfig(measure=MeasureConfig(n_samples=samples, seed=seed), n_instances=n)


class PausingExecutor(LocalExecutor):
    """Holds the run after `after` chunks until released: 'while it runs' made exact."""

    def __init__(self, after):
        self.after, self.reached, self.go = after, threading.Event(), threading.Event()

    def map_chunks(self, work):
        for k, part in enumerate(super().map_chunks(work)):
            yield part
            if k + 1 == self.after:
                self.reached.set()
                self.go.wait(timeout=30)


@pytest.fixture
def engine_calls(monkeypatch):
    calls = []
    real = engine.run_linearity

    def counting(*args, **kwargs):
        calls.append(1)
        yield from real(*args, **kwargs)

    import linearity_core.service.runs as runs

    monkeypatch.setattr(runs, "run_linearity", counting)
    return calls


def test_the_same_run_submitted_twice_is_one_job_and_one_computation(setup, engine_calls):
    dataset, handle = setup
    service = JobService(workers=1)
    a = submit_run(dataset, handle, config(), service=service)
    b = submit_run(dataset, handle, config(), service=service)
    assert a is b
    done = service.wait(a.id, timeout=60)
    assert done.state == "done" and done.result.result.scores.shape == (30, 9)
    c = submit_run(dataset, handle, config(), service=service)  # stored: answered at once
    assert c.state == "done" and c.result.from_cache
    np.testing.assert_array_equal(c.result.result.scores, done.result.result.scores)
    assert engine_calls == [1]


def test_jobs_wait_in_fifo_order_and_the_pool_is_bounded():
    service = JobService(workers=1)
    gate, order, running = threading.Event(), [], []

    def work(name):
        def run(ctx):
            running.append(name)
            assert len([j for j in service.jobs() if j.state == "running"]) == 1
            gate.wait(timeout=30)
            order.append(name)
            return Outcome(None)

        return run

    jobs = [service.submit(name, "run", name, LAYERS, work(name)) for name in "abc"]
    service.wait("a", timeout=0.5)
    assert [j.state for j in jobs] == ["running", "queued", "queued"]
    assert [service.queue_position(j) for j in jobs] == [None, 1, 2]
    gate.set()
    for job in jobs:
        assert service.wait(job.id, timeout=30).state == "done"
    assert order == ["a", "b", "c"]


def test_a_failure_is_captured_with_its_message_and_the_service_goes_on():
    service = JobService(workers=1)

    def broken(ctx):
        raise LinearityError("the model expects 32x32 images")

    def crashing(ctx):
        raise RuntimeError("boom")

    failed = service.wait(service.submit("x", "run", "x", LAYERS, broken).id, timeout=10)
    assert (failed.state, failed.error) == ("failed", "the model expects 32x32 images")
    crashed = service.wait(service.submit("y", "run", "y", LAYERS, crashing).id, timeout=10)
    assert (crashed.state, crashed.error) == ("failed", "RuntimeError: boom")
    answer = service.submit("z", "run", "z", LAYERS, lambda ctx: Outcome(42))
    after = service.wait(answer.id, timeout=10)
    assert (after.state, after.result) == ("done", 42)
    again = service.submit("x", "run", "x", LAYERS, lambda ctx: Outcome("retried"))  # replaces it
    assert service.wait(again.id, timeout=10).result == "retried"


def test_cancel_keeps_the_partial_result_and_stores_no_finished_run(setup, monkeypatch):
    dataset, handle = setup
    service, store = JobService(workers=1), RunStore()
    monkeypatch.setattr(engine, "MAX_CHUNK", 5)  # six chunks of five instances
    cfg, pause = config(), PausingExecutor(after=2)
    job = submit_run(dataset, handle, cfg, service=service, executor=pause)
    assert pause.reached.wait(timeout=30)
    assert job.state == "running" and job.snapshot.instances_done == 10
    service.cancel(job.id)
    pause.go.set()
    done = service.wait(job.id, timeout=30)
    assert done.state == "cancelled"
    partial = done.result.result
    assert partial.partial and len(partial.indices) == 10
    key = run_key_for(dataset, handle.fingerprint, cfg)
    assert store.load(key) is None and store.list().runs == []
    checkpoint = store.load_partial(key, cfg)
    assert checkpoint is not None and len(checkpoint.indices) == len(partial.indices)


def test_a_run_resumes_after_a_crash_with_identical_scores(setup, monkeypatch):
    dataset, handle = setup
    monkeypatch.setattr(engine, "MAX_CHUNK", 4)
    cfg = config(n=30, seed=4)
    plan = plan_run(dataset, handle, cfg)
    key = plan.key
    whole = execute_run(plan, RunStore()).result
    crashed_store = RunStore(RunStore().root.parent / "crashed")

    class Crash(Exception):
        pass

    def crash_after_three(snap):
        if snap.chunks_done == 3:
            raise Crash  # the process dies mid-run: only the checkpoint survives

    with pytest.raises(Crash):
        execute_run(plan, crashed_store, report=crash_after_three)
    assert len(crashed_store.load_partial(key, cfg).indices) == 12
    scored = []
    resumed = execute_run(plan, crashed_store, report=lambda s: scored.append(s.chunks_done)).result
    assert scored == [4, 5, 6, 7, 8]  # the three checkpointed chunks were not computed again
    np.testing.assert_array_equal(resumed.result.scores, whole.result.scores)
    np.testing.assert_array_equal(resumed.result.predicted, whole.result.predicted)
    assert crashed_store.load(key, cfg) is not None and crashed_store.load_partial(key, cfg) is None


def test_training_is_a_job_with_progress_history(tiny_dataset):
    dataset = load_dataset(tiny_dataset)
    service = JobService(workers=1)
    ref = ModelRef("mlp", tiny_dataset, epochs=2, seed=0)
    job = submit_training(ref, dataset, service=service)
    assert submit_training(ref, dataset, service=service) is job
    done = service.wait(job.id, timeout=120)
    assert done.state == "done", done.error
    assert done.snapshot.epoch_end and done.snapshot.epoch == 2
    assert len(done.snapshot.history["val_accuracy"]) == 2
    assert done.result["model_fingerprint"] == ModelStore().meta(ref)["model_fingerprint"]
    again = submit_training(ref, dataset, service=service)
    assert again.state == "done" and again.result["epochs"] == 2

"""Chunks scored on a Ray cluster by a pool of warm actors.

Each actor holds TensorFlow with a fixed number of threads, the models it has been sent
(as ``.keras`` bytes: no shared disk, no pickled Keras objects) and their traced probes,
so a second run on the same model starts at once. The driver keeps about two chunks in
flight per actor and collects them with a timeout, so Stop and progress stay responsive.
A chunk ships only its own instances (and, for knn, only its neighbours' rows); grid
samples are drawn on the actor from the same per-instance streams as in process, so the
scores equal a local run's exactly.
"""

import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterator
from typing import Any

from linearity_core.errors import LinearityError
from linearity_core.measure.executors import ChunkPlan, ChunkResult, ChunkWork
from linearity_core.measure.probes import ProbeKey
from linearity_core.models.payload import model_fingerprint, model_from_payload, model_payload

IN_FLIGHT_PER_ACTOR = 2
WAIT_S = 0.2  # how long the driver waits for a chunk before checking Stop again
MODELS_PER_ACTOR = 3  # models (and their probes) an actor keeps warm
TASK_RETRIES = 2  # a chunk whose actor died is retried on the restarted actor


class ChunkWorker:
    """A Ray actor: scores chunks of any model it is sent, keeping recent ones warm.

    It runs two calls at once (``max_concurrency``), as the local executor does: one
    chunk's samples are drawn while the other's forward pass holds TensorFlow.
    """

    def __init__(self, threads: int):
        from linearity_core.paths import import_tensorflow_quietly

        import_tensorflow_quietly()
        import tensorflow as tf

        # Before TensorFlow runs anything: one actor per CPU, not one thread pool per core.
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        self.models: OrderedDict[str, Any] = OrderedDict()
        self._loading = threading.Lock()  # one load per model, whichever call asks first
        self._forward = threading.Lock()  # one forward pass at a time on these threads

    def pid(self) -> int:
        return os.getpid()

    def _model(self, fingerprint: str, payload_refs: list[Any]) -> Any:
        if fingerprint not in self.models:
            import ray

            kind, data = ray.get(payload_refs[0])  # a nested ref: fetched only when needed
            self.models[fingerprint] = model_from_payload(kind, data)
            while len(self.models) > MODELS_PER_ACTOR:
                self.models.popitem(last=False)
        self.models.move_to_end(fingerprint)
        return self.models[fingerprint]

    def score(
        self, fingerprint: str, payload_refs: list[Any], key: ProbeKey, part: ChunkPlan
    ) -> ChunkResult:
        from linearity_core.measure.probes import probe_for

        with self._loading:
            model = self._model(fingerprint, payload_refs)
        probe = probe_for(model, key)
        t0 = time.perf_counter()
        batch = part.forward_batch(0, len(part.x))
        sampling_s = time.perf_counter() - t0
        with self._forward:
            t1 = time.perf_counter()
            out = probe(batch)
            forward_s = time.perf_counter() - t1
        predicted = out.predicted(probe.predicts_labels)
        return ChunkResult(0, len(part.x), out, predicted, sampling_s, forward_s)


class RayExecutor:
    """Scores chunks on a pool of Ray actors; reuses them across runs, releases them idle.

    ``ray.init`` must have been called (see ``service.compute``). Each actor runs
    TensorFlow on ``threads`` threads and reserves ``cpus_per_actor`` CPUs (default:
    ``threads``); ``actors`` defaults to the cluster's CPUs divided by that. Scores equal
    an in-process run's bit for bit when the actors use as many TensorFlow threads as that
    process: float32 convolutions sum in another order for another thread count.
    """

    def __init__(
        self,
        actors: int | None = None,
        threads: int = 1,
        cpus_per_actor: float | None = None,
        gpus_per_actor: float = 0.0,
        idle_release_s: float = 600.0,
    ):
        self.threads = threads
        self.cpus_per_actor = threads if cpus_per_actor is None else cpus_per_actor
        self.gpus_per_actor = gpus_per_actor
        self.idle_release_s = idle_release_s
        self._wanted = actors
        self._actors: list[Any] = []
        self._models: OrderedDict[str, Any] = OrderedDict()  # fingerprint -> ObjectRef
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._busy = 0

    @property
    def actors(self) -> list[Any]:
        """The live actor handles (tests kill one to see its chunk retried)."""
        return list(self._actors)

    def _pool(self) -> list[Any]:
        import ray

        if not self._actors:
            cpus = int(ray.cluster_resources().get("CPU", 1))
            n = self._wanted or max(1, int(cpus // self.cpus_per_actor))
            actor = ray.remote(ChunkWorker).options(
                num_cpus=self.cpus_per_actor,
                num_gpus=self.gpus_per_actor,
                max_concurrency=IN_FLIGHT_PER_ACTOR,
                max_restarts=TASK_RETRIES,
                max_task_retries=TASK_RETRIES,
            )
            self._actors = [actor.remote(self.threads) for _ in range(n)]
        return self._actors

    def _payload_ref(self, model: Any) -> tuple[str, Any]:
        import ray

        fingerprint = model_fingerprint(model)
        if fingerprint not in self._models:
            self._models[fingerprint] = ray.put(model_payload(model))
            while len(self._models) > MODELS_PER_ACTOR:
                self._models.popitem(last=False)
        self._models.move_to_end(fingerprint)
        return fingerprint, self._models[fingerprint]

    def release(self) -> None:
        """Kill the actors now (they are made again by the next run)."""
        import ray

        with self._lock:
            if self._busy:
                return
            for actor in self._actors:
                ray.kill(actor)
            self._actors, self._models = [], OrderedDict()

    def _touch(self, busy: int) -> None:
        with self._lock:
            self._busy += busy
            if self._timer is not None:
                self._timer.cancel()
            if not self._busy and self.idle_release_s > 0:
                self._timer = threading.Timer(self.idle_release_s, self.release)
                self._timer.daemon = True
                self._timer.start()

    def map_chunks(self, work: ChunkWork) -> Iterator[ChunkResult]:
        import ray

        probe = work.probe
        self._touch(+1)
        try:
            with self._lock:
                actors = self._pool()
                fingerprint, payload_ref = self._payload_ref(probe.model)
            yield from self._collect(actors, fingerprint, payload_ref, probe.key, work)
        except ray.exceptions.RayTaskError as exc:
            if isinstance(exc.cause, LinearityError):
                raise exc.cause from None  # the user's mistake, said as it would be locally
            raise LinearityError(f"a Ray worker failed to score a chunk: {exc.cause}") from exc
        except ray.exceptions.RayError as exc:
            raise LinearityError(f"the Ray cluster failed to score a chunk: {exc}") from exc
        finally:
            self._touch(-1)

    def _collect(
        self,
        actors: list[Any],
        fingerprint: str,
        payload_ref: Any,
        key: ProbeKey,
        work: ChunkWork,
    ) -> Iterator[ChunkResult]:
        import ray

        queue = deque(work.bounds)
        in_flight: dict[Any, tuple[int, int, int]] = {}  # ref -> (start, stop, actor)
        load = [0] * len(actors)
        try:
            while queue or in_flight:
                while queue and min(load) < IN_FLIGHT_PER_ACTOR:
                    a = load.index(min(load))
                    start, stop = queue.popleft()
                    part = work.plan.part(start, stop)
                    ref = actors[a].score.remote(fingerprint, [payload_ref], key, part)
                    in_flight[ref] = (start, stop, a)
                    load[a] += 1
                if work.should_stop():
                    return
                ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=WAIT_S)
                for ref in ready:
                    start, stop, a = in_flight.pop(ref)
                    load[a] -= 1
                    r = ray.get(ref)
                    yield ChunkResult(start, stop, r.out, r.predicted, r.sampling_s, r.forward_s)
        finally:
            for ref in in_flight:  # Stop or failure: drop what is queued (a running chunk
                ray.cancel(ref)  # finishes; its result is not waited for)

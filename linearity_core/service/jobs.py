"""Background jobs: work that outlives the page that started it.

One ``JobService`` per process (``job_service()``) owns every run and training. Pages,
the CLI and notebooks submit, watch and cancel; they never compute. A job's id comes from
what it computes, so the same work submitted twice is one job. Compute jobs run on a small
pool of worker threads (``LINEARITY_WORKERS``, default 1); the rest wait in FIFO order.
"""

import logging
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from linearity_core.errors import LinearityError
from linearity_core.paths import linearity_home

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
JobKind = Literal["run", "training", "analysis"]
FINISHED: tuple[JobState, ...] = ("done", "failed", "cancelled")
# Finished jobs remembered for watchers (their results are in the stores anyway).
HISTORY = 20


def default_workers() -> int:
    """Concurrent compute jobs: ``$LINEARITY_WORKERS``, default 1 (2 cores here)."""
    raw = os.environ.get("LINEARITY_WORKERS", "1")
    try:
        workers = int(raw)
    except ValueError:
        raise LinearityError(f"LINEARITY_WORKERS must be a whole number, got {raw!r}") from None
    if workers < 1:
        raise LinearityError(f"LINEARITY_WORKERS must be at least 1, got {workers}")
    return workers


@dataclass
class JobContext:
    """What running work sees: where to report progress and whether to stop."""

    job: "Job"
    stopped: bool = False  # the work set it: it ended early because it was asked to

    def report(self, snapshot: Any) -> None:
        self.job.snapshot = snapshot

    def should_stop(self) -> bool:
        return self.job.cancel_requested.is_set()


Work = Callable[[JobContext], Any]


@dataclass(eq=False)
class Job:
    """One unit of background work and everything a watcher needs to show it.

    ``snapshot`` is the latest progress (a ``RunProgress`` or ``TrainingProgress``),
    replaced, never mutated, so any thread may read it at any time.
    """

    id: str
    kind: JobKind
    title: str
    page: str  # url path of the page that shows it
    work: Work | None = field(default=None, repr=False)
    state: JobState = "queued"
    snapshot: Any = None
    result: Any = None
    error: str | None = None
    note: str | None = None  # e.g. why a finished run could not be stored
    link: dict[str, str] = field(default_factory=dict)  # query parameters of its view
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    cancel_requested: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def active(self) -> bool:
        return self.state not in FINISHED

    @property
    def fraction(self) -> float:
        if self.state == "done":
            return 1.0
        return float(getattr(self.snapshot, "fraction", 0.0))


class JobService:
    """Runs jobs on ``workers`` threads, one job per id, in the order they came.

    Parameters
    ----------
    workers
        How many jobs compute at once; the others wait, first come first served.

    >>> service = JobService(workers=1)
    >>> job = service.submit("sum", "run", "Add", "layers", lambda ctx: 1 + 1)
    >>> service.wait(job.id, timeout=10).result
    2
    >>> service.submit("sum", "run", "Add", "layers", lambda ctx: 3) is job  # same work
    True
    """

    def __init__(self, workers: int = 1):
        self.workers = workers
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._queue: deque[Job] = deque()
        self._changed = threading.Condition()
        self._threads = [
            threading.Thread(target=self._serve, name=f"linearity-job-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, job_id: str, kind: JobKind, title: str, page: str, work: Work) -> Job:
        """Queue ``work`` under ``job_id``, or return the job that already has that id
        (queued, running or done). A failed or cancelled job is replaced by a new one."""
        with self._changed:
            existing = self._jobs.get(job_id)
            if existing is not None and existing.state not in ("failed", "cancelled"):
                return existing
            job = Job(job_id, kind, title, page, work)
            self._remember(job)
            self._queue.append(job)
            self._changed.notify_all()
            return job

    def finished(self, job_id: str, kind: JobKind, title: str, page: str, result: Any) -> Job:
        """A job that is done already (its result came from a store), so watchers see it."""
        with self._changed:
            existing = self._jobs.get(job_id)
            if existing is not None and existing.active:
                return existing
            now = time.time()
            job = Job(job_id, kind, title, page, None, "done", None, result)
            job.started = job.finished = now
            self._remember(job)
            return job

    def _remember(self, job: Job) -> None:
        self._jobs.pop(job.id, None)
        self._jobs[job.id] = job
        finished = [j for j in self._jobs.values() if not j.active]
        for old in finished[: max(0, len(finished) - HISTORY)]:
            del self._jobs[old.id]

    def get(self, job_id: str) -> Job | None:
        with self._changed:
            return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        """Every remembered job, oldest first."""
        with self._changed:
            return list(self._jobs.values())

    def queue_position(self, job: Job) -> int | None:
        """1 for the next job to start; None when it is not waiting."""
        with self._changed:
            return next((k + 1 for k, j in enumerate(self._queue) if j is job), None)

    def cancel(self, job_id: str) -> bool:
        """Stop a job: a queued one never starts, a running one stops at its next chunk
        (or batch). Returns False when there is nothing to stop."""
        with self._changed:
            job = self._jobs.get(job_id)
            if job is None or not job.active:
                return False
            job.cancel_requested.set()
            if job.state == "queued":
                self._queue.remove(job)
                self._finish(job, "cancelled")
            return True

    def wait(self, job_id: str, timeout: float | None = None) -> Job:
        """Block until the job has finished (or ``timeout`` seconds passed); returns it."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while True:
                job = self._jobs.get(job_id)
                if job is None:
                    raise LinearityError(f"no job {job_id!r}")
                left = None if deadline is None else deadline - time.monotonic()
                if not job.active or (left is not None and left <= 0):
                    return job
                self._changed.wait(timeout=left)

    def _finish(self, job: Job, state: JobState) -> None:
        job.state = state
        job.finished = time.time()
        job.work = None  # drop what the work closed over (models, datasets)
        self._changed.notify_all()

    def _serve(self) -> None:
        while True:
            with self._changed:
                while not self._queue:
                    self._changed.wait()
                job = self._queue.popleft()
                job.state, job.started = "running", time.time()
            self._run(job)

    def _run(self, job: Job) -> None:
        assert job.work is not None
        context = JobContext(job)
        try:
            result = job.work(context)
        except LinearityError as exc:
            job.error = str(exc)
            state: JobState = "failed"
        except Exception as exc:  # a job must never take the server down
            log.exception("job %s failed", job.id)
            job.error = f"{type(exc).__name__}: {exc}"
            state = "failed"
        else:
            job.result = result
            state = "cancelled" if context.stopped else "done"
        with self._changed:
            self._finish(job, state)


_services: dict[Path, JobService] = {}
_services_lock = threading.Lock()


def job_service() -> JobService:
    """The process's job service (one per ``LINEARITY_HOME``, so tests stay apart)."""
    home = linearity_home()
    with _services_lock:
        if home not in _services:
            _services[home] = JobService(default_workers())
        return _services[home]

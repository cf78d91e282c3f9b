"""Background jobs: work that outlives the page that started it.

One ``JobService`` per process (``job_service()``) owns every run and training. Pages,
the CLI and notebooks submit, watch and cancel; they never compute. A job's id comes from
what it computes, so the same work submitted twice is one job. Compute jobs run on a small
pool of worker threads (``LINEARITY_WORKERS``, default 1). Waiting jobs are served in
turn across clients (each browser session, the CLI, Python), first come first served
within a client, so one client's long queue cannot starve another's single run.
"""

import logging
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from linearity_core.errors import LinearityError
from linearity_core.paths import linearity_home
from linearity_core.service.job import (
    FINISHED,
    PYTHON_CLIENT,
    Job,
    JobContext,
    JobKind,
    JobState,
    Outcome,
    P,
    Progress,
    R,
    Work,
)
from linearity_core.service.turns import Turns
from linearity_core.service.urls import View

__all__ = [
    "FINISHED",
    "PYTHON_CLIENT",
    "Job",
    "JobContext",
    "JobService",
    "Outcome",
    "Progress",
    "job_service",
]
log = logging.getLogger(__name__)
# Finished jobs remembered for watchers (their results are in the stores anyway).
HISTORY = 20


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise LinearityError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise LinearityError(f"{name} must be at least 1, got {value}")
    return value


def default_workers() -> int:
    """Concurrent compute jobs: ``$LINEARITY_WORKERS``, default 1 (2 cores here)."""
    return _env_int("LINEARITY_WORKERS", 1)


def queue_limit() -> int:
    """Jobs one client may have waiting: ``$LINEARITY_QUEUE_LIMIT``, default 10."""
    return _env_int("LINEARITY_QUEUE_LIMIT", 10)


class JobService:
    """Runs jobs on ``workers`` threads, one job per id, in turn across clients.

    Parameters
    ----------
    workers
        How many jobs compute at once; the others wait.
    limit
        How many jobs one client may have waiting (default ``queue_limit()``).

    >>> service = JobService(workers=1)
    >>> job = service.submit("sum", "run", "Add", View("layers"), lambda ctx: Outcome(1 + 1))
    >>> service.wait(job.id, timeout=10).result
    2
    >>> service.submit("sum", "run", "Add", View("layers"), lambda ctx: Outcome(3)) is job
    True
    """

    def __init__(self, workers: int = 1, limit: int | None = None):
        self.workers = workers
        self.limit = queue_limit() if limit is None else limit
        self._jobs: OrderedDict[str, Job[Any, Any]] = OrderedDict()
        self._turns = Turns()
        self._changed = threading.Condition()
        self._threads = [
            threading.Thread(target=self._serve, name=f"linearity-job-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(
        self,
        job_id: str,
        kind: JobKind,
        title: str,
        view: View,
        work: Work[P, R],
        client: str = PYTHON_CLIENT,
    ) -> Job[P, R]:
        """Queue ``work`` under ``job_id``, or return the job that already has that id
        (queued, running or done). A failed or cancelled job is replaced by a new one; so
        is one that is stopping, and the new one starts once the stop has landed."""
        with self._changed:
            existing = self._jobs.get(job_id)
            if existing is not None and existing.active and not existing.stopping:
                return existing
            if existing is not None and existing.state == "done":
                return existing
            waiting = self._turns.waiting(client)
            if waiting >= self.limit:
                raise LinearityError(
                    f"{waiting} of your jobs are waiting already, the most one session "
                    "may queue; stop one or wait for one to start (LINEARITY_QUEUE_LIMIT sets "
                    "the bound)"
                )
            after = existing if existing is not None and existing.active else None
            job: Job[P, R] = Job(job_id, kind, title, view, work, client, after=after)
            self._remember(job)
            self._turns.push(job)
            self._changed.notify_all()
            return job

    def finished(
        self, job_id: str, kind: JobKind, title: str, view: View, result: R
    ) -> Job[Any, R]:
        """A job that is done already (its result came from a store), so watchers see it."""
        with self._changed:
            existing = self._jobs.get(job_id)
            if existing is not None and existing.active:
                return existing
            now = time.time()
            job: Job[Any, R] = Job(job_id, kind, title, view, None, state="done", result=result)
            job.started = job.finished = now
            self._remember(job)
            return job

    def _remember(self, job: Job[Any, Any]) -> None:
        self._jobs.pop(job.id, None)
        self._jobs[job.id] = job
        finished = [j for j in self._jobs.values() if not j.active]
        for old in finished[: max(0, len(finished) - HISTORY)]:
            del self._jobs[old.id]

    def get(self, job_id: str) -> Job[Any, Any] | None:
        with self._changed:
            return self._jobs.get(job_id)

    def jobs(self) -> list[Job[Any, Any]]:
        """Every remembered job, oldest first."""
        with self._changed:
            return list(self._jobs.values())

    def queue_position(self, job: Job[Any, Any]) -> int | None:
        """1 for the next job to start; None when it is not waiting."""
        with self._changed:
            return next((k + 1 for k, j in enumerate(self._turns.order()) if j is job), None)

    def cancel(self, job_id: str) -> bool:
        """Stop a job: a queued one never starts, a running one stops at its next chunk
        (or batch). Returns False when there is nothing to stop."""
        with self._changed:
            job = self._jobs.get(job_id)
            if job is None or not job.active:
                return False
            job.cancel_requested.set()
            if job.state == "queued" and self._turns.remove(job):
                self._finish(job, "cancelled")
            return True

    def wait(self, job_id: str, timeout: float | None = None) -> Job[Any, Any]:
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

    def _finish(self, job: Job[Any, Any], state: JobState) -> None:
        job.state = state
        job.finished = time.time()
        job.work = None  # drop what the work closed over (models, datasets)
        self._changed.notify_all()

    def _next(self) -> Job[Any, Any]:
        while (job := self._turns.pop()) is None:
            self._changed.wait()
        return job

    def _serve(self) -> None:
        while True:
            with self._changed:
                job = self._next()
                while job.after is not None and job.after.active:
                    self._changed.wait()  # the job it replaces is still landing its stop
                job.after = None
                if job.cancel_requested.is_set():  # stopped while it waited for that
                    self._finish(job, "cancelled")
                    continue
                job.state, job.started = "running", time.time()
            self._run(job)

    def _run(self, job: Job[Any, Any]) -> None:
        assert job.work is not None
        try:
            outcome = job.work(JobContext(job))
        except LinearityError as exc:
            job.error = str(exc)
            state: JobState = "failed"
        except Exception as exc:  # a job must never take the server down
            log.exception("job %s failed", job.id)
            job.error = f"{type(exc).__name__}: {exc}"
            state = "failed"
        else:
            job.result, job.note = outcome.result, outcome.note
            state = "cancelled" if outcome.stopped else "done"
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

"""What a job is: its kind and state, what it reports and returns, and where it is shown.

A job is typed by what it reports (``P``, a snapshot with a ``fraction``) and what it
returns (``R``): a watcher of a run job reads ``RunProgress`` without checking.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from linearity_core.service.urls import View

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
JobKind = Literal["run", "training", "analysis"]
FINISHED: tuple[JobState, ...] = ("done", "failed", "cancelled")
PYTHON_CLIENT = "python"


class Progress(Protocol):
    @property
    def fraction(self) -> float: ...


P = TypeVar("P", bound=Progress)
R = TypeVar("R")


@dataclass(frozen=True)
class Outcome(Generic[R]):
    """What work returns: its result, whether it ended early because it was asked to,
    and a note for people (say, why a finished run could not be stored)."""

    result: R
    stopped: bool = False
    note: str | None = None


@dataclass
class JobContext(Generic[P]):
    """What running work sees: where to report progress and whether to stop."""

    job: "Job[P, Any]"

    def report(self, snapshot: P) -> None:
        self.job.snapshot = snapshot

    def should_stop(self) -> bool:
        return self.job.cancel_requested.is_set()


Work = Callable[[JobContext[P]], Outcome[R]]


@dataclass(eq=False)
class Job(Generic[P, R]):
    """One unit of background work and everything a watcher needs to show it.

    ``snapshot`` is the latest progress, replaced, never mutated, so any thread may read
    it at any time. ``view`` says where it is shown.
    """

    id: str
    kind: JobKind
    title: str
    view: View
    work: Work[P, R] | None = field(default=None, repr=False)
    client: str = PYTHON_CLIENT
    state: JobState = "queued"
    snapshot: P | None = None
    result: R | None = None
    error: str | None = None
    note: str | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    cancel_requested: threading.Event = field(default_factory=threading.Event, repr=False)
    after: "Job[Any, Any] | None" = field(default=None, repr=False)  # a stopping predecessor

    @property
    def active(self) -> bool:
        return self.state not in FINISHED

    @property
    def stopping(self) -> bool:
        return self.active and self.cancel_requested.is_set()

    @property
    def fraction(self) -> float:
        if self.state == "done":
            return 1.0
        return 0.0 if self.snapshot is None else float(self.snapshot.fraction)

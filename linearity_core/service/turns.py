"""Waiting jobs, served in turn across clients: one job of each client that is waiting,
then the next of each, so one client's long queue cannot starve another's single job.
Within a client, first come first served."""

from collections import OrderedDict, deque
from typing import Any

from linearity_core.service.job import Job


class Turns:
    """Queues by client, in the order the clients will be served next.

    >>> from linearity_core.service.urls import View
    >>> turns = Turns()
    >>> for name, client in (("a1", "a"), ("a2", "a"), ("b1", "b")):
    ...     turns.push(Job(name, "run", name, View("layers"), client=client))
    >>> [job.id for job in turns.order()]
    ['a1', 'b1', 'a2']
    """

    def __init__(self) -> None:
        self._queues: OrderedDict[str, deque[Job[Any, Any]]] = OrderedDict()

    def push(self, job: Job[Any, Any]) -> None:
        self._queues.setdefault(job.client, deque()).append(job)

    def waiting(self, client: str) -> int:
        return len(self._queues.get(client, ()))

    def remove(self, job: Job[Any, Any]) -> bool:
        queue = self._queues.get(job.client)
        if queue is None or job not in queue:
            return False
        queue.remove(job)
        return True

    def pop(self) -> Job[Any, Any] | None:
        """The next job in turn (its client goes to the back of the turns), or None."""
        for client, queue in self._queues.items():
            if queue:
                job = queue.popleft()
                self._queues.move_to_end(client)
                return job
        return None

    def order(self) -> list[Job[Any, Any]]:
        """Every waiting job in the order it will start."""
        queues = [list(q) for q in self._queues.values()]
        order: list[Job[Any, Any]] = []
        depth = 0
        while any(depth < len(q) for q in queues):
            order += [q[depth] for q in queues if depth < len(q)]
            depth += 1
        return order

"""Where jobs compute: in this process (the default) or on a Ray cluster.

The cluster is named by Ray's own convention, ``RAY_ADDRESS`` (``host:port`` of a cluster
started with ``ray start --head``, or ``local`` for a private one on this machine), or by
``use_ray`` (the CLI's ``--executor ray --ray-address``). The address is checked with a
plain TCP connection first, so an unreachable cluster fails in seconds with a message,
instead of ``ray.init`` retrying for a minute. The project's code reaches the workers
through Ray's runtime environment: a cluster needs only the pinned stack installed.
"""

import logging
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from linearity_core.errors import LinearityError
from linearity_core.measure.executors import Executor, LocalExecutor

CORE_DIR = Path(__file__).resolve().parents[1]
CONNECT_TIMEOUT_S = 3.0
JOIN_TIMEOUT_S = 10.0
LOCAL = "local"


@dataclass(frozen=True)
class Target:
    """Where jobs run, for the sidebar and the CLI: a label and whether it can be used."""

    kind: Literal["local", "ray"]
    address: str
    label: str
    ok: bool = True
    settled: bool = True  # False while joining: the sidebar looks again shortly


def join_timeout() -> float:
    """How long joining a cluster may take: ``$LINEARITY_RAY_JOIN_S``, default 10 s."""
    raw = os.environ.get("LINEARITY_RAY_JOIN_S", str(JOIN_TIMEOUT_S))
    try:
        return max(0.5, float(raw))
    except ValueError:
        raise LinearityError(f"LINEARITY_RAY_JOIN_S must be seconds, got {raw!r}") from None


class RayCluster:
    """One connection per process (``ray.init`` is process-wide) and one actor pool.

    Joining runs on its own thread and no lock is held while it does, so a page that asks
    where jobs compute never waits on it; a caller that needs the cluster waits at most
    ``join_timeout()`` seconds, then gets the reason and the remedy.
    """

    def __init__(self, address: str, num_cpus: int | None = None):
        self.address = address
        self.num_cpus = num_cpus  # only for a private ``local`` cluster (tests, benchmarks)
        self.error: str | None = None
        self._executor: Any = None
        self._joining = False
        self._settled = threading.Condition()

    def connect(self) -> Any:
        """The cluster's executor, joining first if needed; LinearityError if it cannot."""
        self.connect_soon()
        bound = join_timeout()
        with self._settled:
            self._settled.wait_for(lambda: not self._joining, timeout=bound)
            if self._executor is not None:
                return self._executor
            if self._joining:  # still trying: give up on it, say why and what to do
                self.error = (
                    f"could not join the Ray cluster at {self.address} within {bound:g} s; "
                    "check that a Ray 2.60 head runs there (`ray start --head`), set "
                    "RAY_AUTH_MODE=token (and RAY_AUTH_TOKEN on another machine), or unset "
                    "RAY_ADDRESS to compute on this machine"
                )
            raise LinearityError(self.error or f"the Ray cluster at {self.address} is not joined")

    def connect_soon(self) -> None:
        """Start joining in the background (once; again after a failure)."""
        with self._settled:
            if self._joining or self._executor is not None:
                return
            self._joining, self.error = True, None
        threading.Thread(target=self._join, name="ray-connect", daemon=True).start()

    def _join(self) -> None:
        executor, error = None, None
        try:
            executor = self._connect()
        except LinearityError as exc:
            error = str(exc)
        except Exception as exc:  # a failure to join must never take the server down
            error = f"could not join the Ray cluster at {self.address}: {exc}"
        with self._settled:
            if self.error is None:  # not given up on meanwhile
                self._executor, self.error = executor, error
            self._joining = False
            self._settled.notify_all()
        if executor is not None:
            # A private cluster's processes are this thread's children, started with a
            # parent-death signal: they would be killed the moment it returned.
            threading.Event().wait()

    def _connect(self) -> Any:
        try:
            import ray
        except ImportError:
            raise LinearityError(
                "Ray is not installed: pip install -r requirements-ray.txt, or unset "
                "RAY_ADDRESS to compute on this machine"
            ) from None
        from linearity_core.service.ray_executor import RayExecutor

        if self.address != LOCAL:
            check_reachable(self.address)
        if not ray.is_initialized():
            env = {"py_modules": [str(CORE_DIR)], "env_vars": {"TF_CPP_MIN_LOG_LEVEL": "3"}}
            # A new private cluster takes its size here; joining one takes it from the cluster.
            own: dict[str, Any] = {"num_cpus": self.num_cpus, "include_dashboard": False}
            try:
                ray.init(
                    address=self.address,
                    runtime_env=env,
                    log_to_driver=False,
                    logging_level=logging.ERROR,
                    **(own if self.address == LOCAL else {}),
                )
            except Exception as exc:  # Ray raises many kinds; the message says which
                raise LinearityError(
                    f"could not join the Ray cluster at {self.address}: {exc}. A cluster made "
                    "by `ray start` (Ray 2.60) asks for a token: set RAY_AUTH_MODE=token, and "
                    "RAY_AUTH_TOKEN to the head's ~/.ray/auth_token when on another machine"
                ) from exc
        return RayExecutor(threads=int(os.environ.get("LINEARITY_RAY_THREADS", "1")))

    def describe(self) -> Target:
        """A line for people; never blocks on the cluster."""
        where = "a private local Ray cluster" if self.address == LOCAL else self.address
        if self.error:
            return Target("ray", self.address, f"Ray at {where}: {self.error}", ok=False)
        if self._executor is None:
            state = "joining…" if self._joining else "joined at the first job"
            return Target("ray", self.address, f"Ray at {where} ({state})", settled=False)
        import ray

        res = ray.cluster_resources()
        cpus, gpus = int(res.get("CPU", 0)), int(res.get("GPU", 0))
        nodes = len([n for n in ray.nodes() if n.get("Alive")])
        return Target(
            "ray", self.address, f"Ray at {where} · {nodes} node(s) · {cpus} CPUs · {gpus} GPUs"
        )


# The client preface of HTTP/2, which Ray's gRPC server answers with a SETTINGS frame.
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """A connection to the cluster's ``host:port`` that answers as Ray's gRPC server does
    (HTTP/2), or a LinearityError saying why not."""
    hostport = address.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise LinearityError(
            f"RAY_ADDRESS={address!r} is not host:port (for example 10.0.0.5:6379), nor {LOCAL!r}"
        )
    try:
        with socket.create_connection((host, int(port)), timeout=timeout) as conn:
            conn.sendall(H2_PREFACE)
            reply = conn.recv(9)
    except TimeoutError:
        reply = b""
    except OSError as exc:
        raise LinearityError(
            f"cannot reach the Ray cluster at {address} ({exc.strerror or exc}); start it "
            "with `ray start --head`, or compute on this machine (unset RAY_ADDRESS; the CLI "
            "takes `--executor local`)"
        ) from None
    if len(reply) < 9 or reply[3] != 0x04:  # an HTTP/2 frame header of type SETTINGS
        raise LinearityError(
            f"{address} answers, but not as a Ray cluster does (no gRPC); check the port "
            "(a Ray head listens on 6379 by default), or unset RAY_ADDRESS to compute here"
        )


_cluster: RayCluster | None = None
_configured = False
_lock = threading.Lock()


def use_ray(address: str | None, num_cpus: int | None = None) -> None:
    """Send this process's jobs to the Ray cluster at ``address`` (None: compute here)."""
    global _cluster, _configured
    with _lock:
        _cluster = RayCluster(address, num_cpus) if address else None
        _configured = True


def ray_cluster() -> RayCluster | None:
    """The configured cluster: ``use_ray``'s, else ``RAY_ADDRESS``'s, else None."""
    global _cluster, _configured
    with _lock:
        if not _configured:
            address = os.environ.get("RAY_ADDRESS", "").strip()
            _cluster = RayCluster(address) if address else None
            _configured = True
        return _cluster


def default_executor() -> Executor:
    """Where a job's chunks go: the cluster's actors when one is configured, else here."""
    cluster = ray_cluster()
    return LocalExecutor() if cluster is None else cluster.connect()


def connect_soon() -> None:
    """Start joining the configured cluster, if any (the dashboard calls this at start)."""
    cluster = ray_cluster()
    if cluster is not None:
        cluster.connect_soon()


def compute_target() -> Target:
    cluster = ray_cluster()
    if cluster is None:
        return Target("local", "", f"this server ({os.cpu_count()} CPUs)")
    return cluster.describe()

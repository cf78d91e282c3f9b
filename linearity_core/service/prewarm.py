"""Warm on first start: the notebook's model trains in the background before anyone asks.

``LINEARITY_PREWARM`` chooses: unset or ``1`` for the notebook's seed CNN (5 epochs on
Fashion-MNIST), ``0`` for nothing, or ``MODEL:EPOCHS`` (say ``mlp:1``) for another model.
"""

import logging
import os
import threading
from pathlib import Path

from linearity_core import defaults
from linearity_core.data.datasets import Dataset, load_dataset
from linearity_core.data.user import tidy_user_datasets
from linearity_core.errors import LinearityError
from linearity_core.measure.probes import layer_probe
from linearity_core.models.architectures import ARCHITECTURES
from linearity_core.models.store import ModelRef, ModelStore
from linearity_core.paths import linearity_home
from linearity_core.service.jobs import job_service
from linearity_core.service.runs import notebook_config, submit_run
from linearity_core.service.runstore import RunStore
from linearity_core.service.selection import Selection, load_model
from linearity_core.service.training import TrainingJob, submit_training

log = logging.getLogger(__name__)
_done: set[tuple[Path, str]] = set()
_lock = threading.Lock()


def prewarm_ref(spec: str | None = None) -> ModelRef | None:
    """The model ``LINEARITY_PREWARM`` asks for; None when it is off.

    >>> prewarm_ref("mlp:1")
    ModelRef(arch='mlp', dataset='fashion_mnist', epochs=1, seed=0)
    >>> prewarm_ref("0") is None
    True
    """
    spec = os.environ.get("LINEARITY_PREWARM", "1") if spec is None else spec
    if spec.strip() in ("0", "", "off", "false"):
        return None
    arch, epochs = defaults.MODEL, defaults.EPOCHS
    if spec.strip() not in ("1", "on", "true"):
        arch, _, count = spec.partition(":")
        try:
            epochs = int(count or defaults.EPOCHS)
        except ValueError:
            raise LinearityError(f"LINEARITY_PREWARM={spec!r}: use 0, 1 or MODEL:EPOCHS") from None
        if arch not in ARCHITECTURES:
            raise LinearityError(f"LINEARITY_PREWARM names unknown model {arch!r}")
    return ModelRef(arch, defaults.DATASET, epochs, defaults.MODEL_SEED)


def warm_after(job: TrainingJob, dataset: Dataset) -> None:
    """Once the prewarm model is trained: trace its probe for the notebook's run (so a
    first press of Run draws bars at once) and compute that run (the lesson's)."""
    finished = job_service().wait(job.id)
    if finished.state != "done" or finished.result is None:
        return
    meta = finished.result
    selection = Selection(dataset.id, meta["arch"], int(meta["epochs"]), int(meta["seed"]))
    try:
        handle = load_model(selection, dataset)
        if handle is None:
            return
        config = notebook_config()
        layer_probe(handle.model, config, dataset.input_shape)
        submit_run(dataset, handle, config, client="prewarm")
    except LinearityError as exc:
        log.warning("prewarm could not warm the notebook's run: %s", exc)


def tidy_home() -> None:
    """What killed processes left behind: temporary files, staging folders, old trash."""
    try:
        RunStore().tidy()
        ModelStore().tidy()
        tidy_user_datasets()
    except OSError as exc:  # a read-only home is no reason not to start
        log.warning("could not tidy %s: %s", linearity_home(), exc)


def prewarm() -> TrainingJob | None:
    """Once per process: tidy the home, then queue the prewarm training (a stored model
    makes it a no-op).

    Never raises: a server must start even when the dataset is missing.
    """
    spec = os.environ.get("LINEARITY_PREWARM", "1")
    with _lock:
        if (linearity_home(), spec) in _done:
            return None
        _done.add((linearity_home(), spec))
    tidy_home()
    try:
        ref = prewarm_ref(spec)
        if ref is None:
            return None
        dataset = load_dataset(ref.dataset)
        job = submit_training(ref, dataset, client="prewarm")
        threading.Thread(target=warm_after, args=(job, dataset), daemon=True).start()
        return job
    except LinearityError as exc:
        log.warning("prewarm skipped: %s", exc)
        return None

"""Measure how linear a neural network is, layer by layer and class by class.

The public API is exported here by name, whichever subpackage holds it. Names are loaded
on first use, so ``import linearity_core`` stays fast and never imports TensorFlow.

>>> from linearity_core import linearity_measure, MeasureConfig
>>> MeasureConfig().n_samples
10
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "LinearityError": "linearity_core.errors",
    "MeasureConfig": "linearity_core.measure.config",
    "RunConfig": "linearity_core.measure.config",
    "linearity_measure": "linearity_core.measure.linearity",
    "LinearityMeasure": "linearity_core.measure.linearity",
    "infer_feature_range": "linearity_core.measure.sampling",
    "run_linearity": "linearity_core.measure.engine",
    "compute_run": "linearity_core.measure.engine",
    "RunResult": "linearity_core.measure.results",
    "load_dataset": "linearity_core.data.datasets",
    "ModelStore": "linearity_core.models.store",
    "ModelRef": "linearity_core.models.store",
    "RunStore": "linearity_core.service.runstore",
    "job_service": "linearity_core.service.jobs",
    "submit_run": "linearity_core.service.runs",
    "submit_training": "linearity_core.service.training",
    "Selection": "linearity_core.service.selection",
    "load_model": "linearity_core.service.selection",
}

__all__ = [
    "LinearityError",
    "LinearityMeasure",
    "MeasureConfig",
    "ModelRef",
    "ModelStore",
    "RunConfig",
    "RunResult",
    "RunStore",
    "Selection",
    "compute_run",
    "infer_feature_range",
    "job_service",
    "linearity_measure",
    "load_dataset",
    "load_model",
    "run_linearity",
    "submit_run",
    "submit_training",
]

if TYPE_CHECKING:
    from linearity_core.data.datasets import load_dataset
    from linearity_core.errors import LinearityError
    from linearity_core.measure.config import MeasureConfig, RunConfig
    from linearity_core.measure.engine import compute_run, run_linearity
    from linearity_core.measure.linearity import LinearityMeasure, linearity_measure
    from linearity_core.measure.results import RunResult
    from linearity_core.measure.sampling import infer_feature_range
    from linearity_core.models.store import ModelRef, ModelStore
    from linearity_core.service.jobs import job_service
    from linearity_core.service.runs import submit_run
    from linearity_core.service.runstore import RunStore
    from linearity_core.service.selection import Selection, load_model
    from linearity_core.service.training import submit_training


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'linearity_core' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return __all__

"""Measure how linear a neural network is, layer by layer and class by class.

The alibi-compatible API lives here. TensorFlow is imported lazily, by the modules that
need it (``probes``, ``engine``, ``models``), so importing this package is fast.
"""

from linearity_core.config import MeasureConfig, RunConfig
from linearity_core.errors import LinearityError
from linearity_core.measure import LinearityMeasure, linearity_measure
from linearity_core.sampling import infer_feature_range

__all__ = [
    "LinearityError",
    "LinearityMeasure",
    "MeasureConfig",
    "RunConfig",
    "infer_feature_range",
    "linearity_measure",
]

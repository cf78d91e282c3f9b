"""Up to six runs' per-layer profiles in one chart, with how they were aligned."""

from collections.abc import Sequence

from linearity_core.measure.results import Measure, RunResult
from linearity_core.present.compare_figures import overlay_profiles
from linearity_core.service.views import overlay_runs
from pages.components.charts import chart


def overlay_chart(
    results: Sequence[RunResult], labels: Sequence[str], key: str, title: str, measure: Measure
) -> None:
    overlay = overlay_runs(results, labels, measure)
    chart(overlay_profiles(overlay, title, measure), key, f"overlay {title}")

"""One self-contained HTML file per run (or per comparison of two): facts, every parameter,
the interactive figures with plotly.js inlined (it opens with no network), the summary
tables and how to reproduce it."""

import html
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import pandas as pd
import plotly.io as pio

from linearity_core.measure.results import RunResult
from linearity_core.present.compare_figures import compare_class_distributions, compare_layer_bars
from linearity_core.present.figures import (
    class_histograms,
    class_means,
    layer_bars,
)
from linearity_core.present.heatmaps import layer_class_heatmap

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2430}
h1{margin-bottom:.2rem} .sub{color:#667} table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #dde;padding:.25rem .6rem;text-align:right;font-size:.9rem}
th{background:#f3f5f9} code,pre{background:#f3f5f9;padding:.2rem .4rem;border-radius:4px}
pre{padding:.8rem;white-space:pre-wrap;overflow-wrap:anywhere} a{overflow-wrap:anywhere}
"""
SUMMARY_COLUMNS = ["layer", "kind", "mean", "sem", "std", "q05", "q50", "q95", "n"]


@dataclass(frozen=True)
class ReportFacts:
    """What a report says about a run besides its scores."""

    facts: dict[str, str] = field(default_factory=dict)  # dataset, model, accuracy, ...
    cli: str = ""
    url: str = ""


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format=lambda v: f"{v:.5g}", border=0)


def _figures(figs: Sequence[object]) -> str:
    parts = []
    for k, fig in enumerate(figs):  # plotly.js once, inlined, in the first figure
        parts.append(pio.to_html(fig, full_html=False, include_plotlyjs=k == 0))
    return "\n".join(parts)


def _document(title: str, body: str) -> str:
    made = datetime.now(UTC).isoformat(timespec="seconds")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
        f"<p class='sub'>Linearity report · made {made} UTC</p>{body}</body></html>"
    )


def _facts_table(about: ReportFacts, result: RunResult) -> str:
    config = asdict(result.config)
    measure = config.pop("measure")
    rows = {
        **about.facts,
        "instances": f"{len(result.indices)} of {result.n_planned}",
        "created": result.created_at,
        "duration": f"{result.timings.total_s:.2f} s",
        **{f"measure.{k}": str(v) for k, v in measure.items()},
        **{k: str(v) for k, v in config.items()},
    }
    frame = pd.DataFrame({"what": list(rows), "value": list(rows.values())})
    return _table(frame)


def _reproduce(about: ReportFacts) -> str:
    parts = ["<h2>Reproduce</h2>"]
    if about.cli:
        parts.append(f"<p>Command line:</p><pre>{html.escape(about.cli)}</pre>")
    if about.url.startswith(("http://", "https://")):  # absolute: it can be followed
        link = html.escape(about.url)
        parts.append(f"<p>Dashboard: <a href='{link}'>open this run</a></p><pre>{link}</pre>")
    elif about.url:
        parts.append(f"<p>Dashboard (after its address):</p><pre>{html.escape(about.url)}</pre>")
    return "".join(parts)


def run_report(result: RunResult, about: ReportFacts, title: str | None = None) -> str:
    """The report of one run as a complete HTML document."""
    title = title or f"{result.model} on {result.dataset}"
    output = result.output_layer
    layers = pd.DataFrame(
        {
            "layer": [i.name for i in result.layers],
            "type": [i.class_name for i in result.layers],
            "output shape": [str(i.output_shape) for i in result.layers],
            "kind": [i.kind for i in result.layers],
            "read as": [i.mode for i in result.layers],
        }
    )
    figures = [
        layer_bars(result, title=title),
        class_histograms(result, output),
        class_means(result, output),
        layer_class_heatmap(result),
    ]
    sections = [
        "<h2>Run</h2>",
        _facts_table(about, result),
        "<h2>Model layers</h2>",
        _table(layers),
        "<h2>Figures</h2>",
        _figures(figures),
        "<h2>Per layer</h2>",
        _table(result.layer_summary()[SUMMARY_COLUMNS]),
        f"<h2>Per class · {html.escape(output)}</h2>",
        _table(result.class_summary(output).drop(columns=["layer_index"])),
        _reproduce(about),
    ]
    return _document(title, "".join(sections))


def comparison_report(
    a: RunResult, b: RunResult, about_a: ReportFacts, about_b: ReportFacts
) -> str:
    """Two runs side by side in one HTML document."""
    names = [f"A: {a.model}", f"B: {b.model}"]
    summary = [
        r.layer_summary()[SUMMARY_COLUMNS].assign(run=n) for r, n in zip((a, b), names, strict=True)
    ]
    sections = [
        "<h2>Run A</h2>",
        _facts_table(about_a, a),
        _reproduce(about_a),
        "<h2>Run B</h2>",
        _facts_table(about_b, b),
        _reproduce(about_b),
        "<h2>Figures</h2>",
        _figures([compare_layer_bars(a, b, names), compare_class_distributions(a, b, names)]),
        "<h2>Per layer</h2>",
        _table(pd.concat(summary, ignore_index=True)),
    ]
    return _document(f"{names[0]} vs {names[1]}", "".join(sections))

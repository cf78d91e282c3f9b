"""Reports of stored runs: what the Runs page downloads and ``linearity report`` writes.

A run is named by its key in the store, or by the ``run.json`` the CLI wrote (with its
``scores.csv`` beside it), so a report can be made on a machine without the store.
"""

import json
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from linearity_core.errors import LinearityError
from linearity_core.measure.results import RunResult
from linearity_core.models.store import ModelStore
from linearity_core.present.report import ReportFacts, comparison_report, run_report
from linearity_core.service.runstore import RunInfo, RunStore
from linearity_core.service.selection import Selection
from linearity_core.service.urls import Page, View, view_params


def cli_line(result: RunResult, info: RunInfo | None) -> str:
    """The command that computes the same run: a built-in model by its recipe, an upload
    by its id."""
    ref = info.model_ref if info else None
    key = info.model_key if info else ""
    if not ref and not key.startswith("upload:"):
        return ""
    m, config = result.config.measure, result.config
    count = (
        f"--per-class {config.per_class}"
        if config.per_class
        else f"--instances {config.n_instances}"
    )
    model = (
        f"--model {ref['arch']} --epochs {ref['epochs']} --model-seed {ref['seed']}"
        if ref
        else f"--model {key}"
    )
    parts = [
        f"python -m linearity_core run --dataset {result.dataset} {model}",
        f"{count} --samples {m.n_samples} --epsilon {m.epsilon} --res {m.res}",
        f"--method {m.method} --agg {m.agg} --seed {m.seed}",
    ]
    if config.layers:
        parts.append(f"--layers {','.join(config.layers)}")
    if config.logits:
        parts.append("--logits")
    if config.output:
        parts.append(f"--output {config.output}")
    return " ".join(parts) + " --out results"


def run_view(result: RunResult, info: RunInfo | None) -> View | None:
    """The dashboard's view that shows this run: Classes for a per-class run, else Layers."""
    ref = info.model_ref if info else None
    key = info.model_key if info else ""
    if not ref and not key:
        return None
    selection = (
        Selection(result.dataset, ref["arch"], int(ref["epochs"]), int(ref["seed"]))
        if ref
        else Selection(result.dataset, key, output=result.config.output)
    )
    page: Page = "classes" if result.config.per_class else "layers"
    return View(page, selection, result.config)


def dashboard_path(result: RunResult, info: RunInfo | None) -> str:
    """The dashboard's page and query parameters that show this run (after the host)."""
    view = run_view(result, info)
    return f"/{view.page}?{urlencode(view_params(view))}" if view is not None else ""


def facts(result: RunResult, info: RunInfo | None, base_url: str = "") -> ReportFacts:
    found = {"dataset": result.dataset, "model": result.model}
    if info is not None:
        found["model fingerprint"] = info.model_fingerprint or "?"
        found["data fingerprint"] = info.data_fingerprint or "?"
        stored = ModelStore().list()
        meta = next(
            (m for m in stored if m.get("model_fingerprint") == info.model_fingerprint), None
        )
        if meta is not None:
            found["model test accuracy"] = f"{100 * meta['test_accuracy']:.2f}%"
            found["model parameters"] = f"{meta['parameters']:,}"
    path = dashboard_path(result, info)
    return ReportFacts(found, cli_line(result, info), base_url.rstrip("/") + path if path else "")


def load_run(name: str, store: RunStore | None = None) -> tuple[RunResult, RunInfo | None]:
    """A stored run by key, or a CLI output's ``run.json`` (with ``scores.csv`` beside it)."""
    store = store or RunStore()
    path = Path(name)
    if path.suffix == ".json":
        return from_cli_files(path), None
    result = store.load(name)
    if result is None:
        raise LinearityError(
            f"no stored run {name!r}; give a run key from the Runs page or a run.json path"
        )
    return result, store.info(name)


def from_cli_files(run_json: Path) -> RunResult:
    """The run the CLI wrote as ``run.json`` and ``scores.csv``."""
    scores_csv = run_json.with_name("scores.csv")
    try:
        doc = json.loads(run_json.read_text())
        frame = pd.read_csv(scores_csv)
    except (OSError, ValueError) as exc:
        raise LinearityError(f"{run_json} or its scores.csv cannot be read ({exc})") from exc
    names = [layer["name"] for layer in doc["layers"]]
    wide = frame.pivot(index="instance", columns="layer", values="score")[names]
    first = frame.drop_duplicates("instance").set_index("instance").loc[wide.index]

    def per_layer(column: str) -> np.ndarray:
        if column not in frame:  # written before the column existed
            return np.full(wide.shape, np.nan)
        table = frame.pivot(index="instance", columns="layer", values=column)[names]
        return table.loc[wide.index].to_numpy(np.float64)

    arrays = {
        "indices": wide.index.to_numpy(np.int64),
        "labels": first["label"].to_numpy(np.int64),
        "predicted": first["predicted"].to_numpy(np.int64),
        "scores": wide.to_numpy(np.float64),
        "scales": per_layer("scale"),
        "spreads": per_layer("spread"),
        "errors": first["error"].to_numpy(np.float64)
        if "error" in first
        else np.full(len(wide), np.nan),
    }
    return RunResult.from_parts(doc, arrays)


def run_report_html(name: str, base_url: str = "") -> str:
    result, info = load_run(name)
    return run_report(result, facts(result, info, base_url))


def comparison_report_html(name_a: str, name_b: str, base_url: str = "") -> str:
    (a, info_a), (b, info_b) = load_run(name_a), load_run(name_b)
    return comparison_report(a, b, facts(a, info_a, base_url), facts(b, info_b, base_url))

"""One schema for a view's URL parameters: the widgets, the jobs' links and the reports
all name, write and read them here, so they cannot drift apart.

A view is a page and what it shows (a selection, a run's config, the page's own picks).
The core knows views by this typed value; pages turn it into a link.

>>> params = run_params("layers", RunConfig(logits=True, layers=("conv_1", "softmax")))
>>> params["layers_logits"], params["layers_layers"]
('true', 'conv_1,softmax')
>>> config_from_params("layers", params) == RunConfig(logits=True, layers=("conv_1", "softmax"))
True
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from linearity_core import defaults
from linearity_core.measure.config import MeasureConfig, RunConfig
from linearity_core.service.selection import Selection

Page = Literal[
    "data",
    "model",
    "layers",
    "classes",
    "mistakes",
    "evolution",
    "sweep",
    "instance",
    "runs",
    "lesson",
    "overlay",
]


PAGES: tuple[str, ...] = get_args(Page)


def parse_bool(raw: str) -> bool:
    """``true``/``false`` (and what ``str(bool)`` writes) as a bool; anything else is an error.

    >>> parse_bool("True"), parse_bool("false")
    (True, False)
    """
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise ValueError(f"not a yes/no value: {raw!r}")


def parse_names(raw: str) -> tuple[str, ...]:
    return tuple(name for name in (part.strip() for part in raw.split(",")) if name)


@dataclass(frozen=True)
class Param:
    """One URL parameter: how its text is read and written."""

    name: str
    parse: Callable[[str], Any]
    text: Callable[[Any], str] = str


INTS = ("instances", "per_class", "samples", "res", "seed", "epochs", "count", "page", "step")
FLOATS = ("epsilon", "low", "high")
# ``measure``: raw or scale-free scores; ``opened``: the run the Runs page shows.
TEXTS = ("method", "agg", "output", "measure", "layer", "class", "split", "sort", "opened")
PARAMS = {
    **{name: Param(name, int) for name in (*INTS, "instance")},
    **{name: Param(name, float) for name in FLOATS},
    **{name: Param(name, str) for name in (*TEXTS, "run")},
    **{name: Param(name, parse_names, ",".join) for name in ("layers", "runs")},
    "logits": Param("logits", parse_bool, lambda v: "true" if v else "false"),
    "present": Param("present", parse_bool, lambda v: "1" if v else "0"),
    "normalised": Param("normalised", parse_bool, lambda v: "true" if v else "false"),
}
# Parameters that mean the same on every page, so they go unprefixed.
SHARED = {"run", "instance", "present"}


def param_key(page: str, name: str) -> str:
    """The URL (and widget) key of a page's parameter: ``layers_samples``; the shared
    ones (``run``, ``instance``, ``present``) as they are."""
    if name not in PARAMS:
        raise KeyError(f"no URL parameter {name!r} in the schema")
    return name if name in SHARED else f"{page}_{name}"


def parse_param(name: str, raw: str) -> Any:
    """The value of parameter ``name`` written as ``raw``; ValueError when it is not one."""
    return PARAMS[name].parse(raw)


def param_text(name: str, value: Any) -> str:
    return PARAMS[name].text(value)


def run_params(page: str, config: RunConfig) -> dict[str, str]:
    """Every run parameter of ``config`` as the page's URL parameters."""
    m = config.measure
    values: dict[str, Any] = {
        "samples": m.n_samples,
        "epsilon": m.epsilon,
        "res": m.res,
        "method": m.method,
        "agg": m.agg,
        "seed": m.seed,
        "logits": config.logits,
    }
    if config.per_class is not None:
        values["per_class"] = config.per_class
    else:
        values["instances"] = config.n_instances
    if config.layers is not None:
        values["layers"] = config.layers
    if config.output is not None:
        values["output"] = config.output
    return {param_key(page, k): param_text(k, v) for k, v in values.items()}


def config_from_params(page: str, params: Mapping[str, str]) -> RunConfig:
    """The run config a page's URL parameters describe; missing ones take the defaults."""

    def get(name: str, default: Any) -> Any:
        raw = params.get(param_key(page, name))
        return default if raw is None else parse_param(name, raw)

    measure = MeasureConfig(
        method=get("method", "grid"),
        agg=get("agg", "global"),
        n_samples=get("samples", defaults.N_SAMPLES),
        epsilon=get("epsilon", defaults.EPSILON),
        res=get("res", defaults.RES),
        seed=get("seed", 0),
    )
    per_class = get("per_class", None)
    return RunConfig(
        measure=measure,
        n_instances=None if per_class is not None else get("instances", defaults.N_INSTANCES),
        per_class=per_class,
        layers=get("layers", None),
        logits=get("logits", False),
        output=get("output", None),
    )


def selection_params(selection: Selection) -> dict[str, str]:
    params = {
        "dataset": selection.dataset_id,
        "model": selection.model_key,
        "epochs": str(selection.epochs),
    }
    if selection.output is not None:
        params["output"] = selection.output
    return params


@dataclass(frozen=True)
class View:
    """Where something is shown: a page, the selection, a run's config, the page's picks
    (``options``: schema names and values, say ``(("low", 0.01),)``)."""

    page: Page
    selection: Selection | None = None
    config: RunConfig | None = None
    options: tuple[tuple[str, Any], ...] = field(default=())


def view_params(view: View) -> dict[str, str]:
    """The URL query parameters that reopen ``view``."""
    params = selection_params(view.selection) if view.selection is not None else {}
    if view.config is not None:
        params.update(run_params(view.page, view.config))
    for name, value in view.options:
        params[param_key(view.page, name)] = param_text(name, value)
    return params

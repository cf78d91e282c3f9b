"""One schema for a view's URL: a report's link reopens exactly the run it reports."""

from dataclasses import replace
from urllib.parse import parse_qsl, urlsplit

import pytest

from linearity_core import MeasureConfig, RunConfig
from linearity_core.service.reports import dashboard_path
from linearity_core.service.runinfo import RunInfo
from linearity_core.service.runstore import run_key
from linearity_core.service.urls import config_from_params, param_key, run_params
from tests.core.test_store import make_result

EVERY_PARAMETER = RunConfig(
    measure=MeasureConfig(
        method="knn", agg="pairwise", n_samples=7, epsilon=0.123, res=37, seed=11
    ),
    n_instances=55,
    layers=("dense_1", "relu_1", "softmax"),
    logits=True,
    output="head",
)


def info_of(config, model_ref=None, model_key=""):
    return RunInfo(
        key="k",
        config=config,
        dataset="fashion_mnist",
        model="m",
        n_planned=config.n_instances or 0,
        n_layers=3,
        created_at="2026-12-03T10:00:00+00:00",
        total_s=1.0,
        model_ref=model_ref,
        model_key=model_key,
    )


@pytest.mark.parametrize(
    "config",
    [
        EVERY_PARAMETER,
        replace(EVERY_PARAMETER, n_instances=None, per_class=9),
        RunConfig(),
        replace(RunConfig(), logits=True),
    ],
)
@pytest.mark.parametrize(
    "who", [{"model_ref": {"arch": "mlp", "epochs": 5, "seed": 0}}, {"model_key": "upload:ab12"}]
)
def test_a_reports_link_reopens_the_same_run(config, who):
    result = replace(make_result(), config=config)
    link = urlsplit(dashboard_path(result, info_of(config, **who)))
    page = link.path.strip("/")
    assert page == ("classes" if config.per_class else "layers")
    params = dict(parse_qsl(link.query))
    back = config_from_params(page, params)
    assert back == config
    assert run_key(back, "d", "1", "2") == run_key(config, "d", "1", "2")
    model = who.get("model_key") or who["model_ref"]["arch"]
    assert params["model"] == model and params["dataset"] == result.dataset


def test_the_widgets_and_the_links_use_the_same_names():
    params = run_params("layers", EVERY_PARAMETER)
    assert set(params) == {
        param_key("layers", n)
        for n in ("instances", "samples", "epsilon", "res", "method", "agg", "seed", "logits")
    } | {"layers_layers", "layers_output"}
    assert param_key("instance", "run") == "run"  # shared: the same on every page

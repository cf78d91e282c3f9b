"""What page tests do, as a user would: open a page with a link, read what it shows,
store runs the way jobs do. Imported as ``ui``."""

import json
import re
import threading
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "pages/data.py",
    "pages/model.py",
    "pages/layers.py",
    "pages/classes.py",
    "pages/mistakes.py",
    "pages/evolution.py",
    "pages/sweep.py",
    "pages/instance.py",
    "pages/runs.py",
    "pages/lesson.py",
    "pages/overlay.py",
]
MLP_LAYERS = [
    "flat",
    "dense_1",
    "relu_1",
    "drop_1",
    "dense_2",
    "relu_2",
    "drop_2",
    "dense_3",
    "softmax",
]
# The first run imports TensorFlow (~4 s on CI); give it room.
TIMEOUT = 120


def another_session(app: AppTest) -> AppTest:
    return AppTest.from_file(app._script_path, default_timeout=app.default_timeout)


CRASH = "Something went wrong"  # the last-resort message for an unexpected error


def shown(markdown: str) -> str:
    """What a reader sees of Markdown source: escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(elements) -> str:
    return " ".join(shown(e.value) for e in elements)


def assert_no_crash(app: AppTest) -> None:
    assert not app.exception, app.exception
    crashes = [e.value for e in app.error if CRASH in e.value]
    assert not crashes, crashes


def open_page(app: AppTest, page: str, **params: str) -> AppTest:
    """The app on its first page, then on ``page`` with ``params`` in its URL (as a link
    to that page brings them: the first page keeps only its own)."""
    app.query_params.update(params)
    app.run()
    assert_no_crash(app)
    app.query_params.update(params)
    app.switch_page(page).run()
    assert_no_crash(app)
    return app


def open_on_untrained_mlp(app, page, tiny_dataset, **params):
    return open_page(app, page, dataset=tiny_dataset, model="mlp", epochs="0", **params)


def figures(app: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in app.get("plotly_chart")]


def values(data) -> list:
    """A figure's array as a list, whether Plotly wrote it as a list or as binary."""
    if isinstance(data, dict) and "bdata" in data:
        import base64

        import numpy as np

        flat = np.frombuffer(base64.b64decode(data["bdata"]), data["dtype"])
        shape = data.get("shape")  # a 2-D array (a heatmap's z) says "rows, columns"
        if shape:
            flat = flat.reshape([int(n) for n in str(shape).split(",")])
        return flat.tolist()
    return list(data)


def finish_jobs(timeout: float = 120) -> None:
    """Wait until the job service has nothing queued or running (the page's fragment
    would redraw on its own; AppTest needs an explicit rerun afterwards)."""
    from linearity_core.service.jobs import job_service

    service = job_service()
    for job in service.jobs():
        service.wait(job.id, timeout=timeout)
        assert not job.active, f"{job.title} still {job.state}"


def small_config(n_instances=10):
    """The notebook's epsilon and res with 3 samples: small enough for a page test."""
    from linearity_core import MeasureConfig, RunConfig

    measure = MeasureConfig(n_samples=3, epsilon=0.04, res=100, seed=0)
    return RunConfig(measure=measure, n_instances=n_instances)


def untrained_mlp(tiny_dataset):
    from linearity_core import Selection, load_dataset, load_model

    data = load_dataset(tiny_dataset)
    return data, load_model(Selection(tiny_dataset, "mlp", 0), data)


def store_runs(tiny_dataset, configs):
    """Compute and store runs the way a job does, before any page is opened."""
    from linearity_core import RunStore
    from linearity_core.service.runs import execute_run, plan_run

    data, handle = untrained_mlp(tiny_dataset)
    return [execute_run(plan_run(data, handle, c), RunStore()).result.result for c in configs]


def layer_run_key(tiny_dataset, n=10, samples=2):
    from linearity_core import MeasureConfig, RunConfig
    from linearity_core.service.runs import run_key_for

    data, handle = untrained_mlp(tiny_dataset)
    config = RunConfig(
        measure=MeasureConfig(n_samples=samples, epsilon=0.04, res=100, seed=0), n_instances=n
    )
    return data, handle, config, run_key_for(data, handle.fingerprint, config)


def hold_job(key, snapshot=None, error=None):
    """A real job under a run's key that reports ``snapshot`` (or fails with ``error``)
    and then waits, so a page can be looked at while it runs."""
    from linearity_core.errors import LinearityError
    from linearity_core.service.jobs import Outcome, job_service
    from linearity_core.service.urls import View

    release = threading.Event()

    def work(ctx):
        if error:
            raise LinearityError(error)
        ctx.report(snapshot)
        release.wait(timeout=60)
        return Outcome(snapshot)

    job = job_service().submit(key, "run", "held", View("layers"), work)
    while error is None and job.snapshot is None:
        job_service().wait(job.id, timeout=0.05)
    return job, release

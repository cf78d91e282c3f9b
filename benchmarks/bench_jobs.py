"""What the job service costs, as ratios measured in one run.

1. The same run (seed CNN, 1 epoch, 2,000 test instances, 20 samples, all layers) through
   the job service (submit, checkpoint every chunk, store) and by calling the engine
   directly. Alternated, best of three each: this machine's speed drifts within minutes.
2. Click-to-first-bars in Chromium: the notebook's per-layer run (100 instances, 20
   samples) on the trained seed CNN, from pressing Run to the first bars on screen.

    python benchmarks/bench_jobs.py
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from linearity_core import MeasureConfig, RunConfig, RunStore, Selection  # noqa: E402
from linearity_core.data.datasets import load_dataset, select_instances  # noqa: E402
from linearity_core.measure.engine import compute_run  # noqa: E402
from linearity_core.measure.sampling import infer_feature_range  # noqa: E402
from linearity_core.service.jobs import JobService  # noqa: E402
from linearity_core.service.runs import submit_run  # noqa: E402
from linearity_core.service.selection import load_model  # noqa: E402
from linearity_core.service.training import submit_training  # noqa: E402

REPEATS = 3


def trained_seed_cnn():
    data = load_dataset("fashion_mnist")
    selection = Selection("fashion_mnist", "seed_cnn", 1)
    service = JobService()
    job = submit_training(selection.model_ref(), data, service=service)
    assert service.wait(job.id).state == "done", job.error
    return data, load_model(selection, data)


def direct(data, handle, config):
    x, y = data.split("test")
    idx = select_instances(y, n_instances=config.n_instances, per_class=None, seed=0)
    start = time.perf_counter()
    compute_run(
        handle.model, x[idx], y[idx], config, indices=idx, feature_range=infer_feature_range(x)
    )
    return time.perf_counter() - start


def through_jobs(data, handle, config):
    service = JobService(workers=1)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        job = submit_run(data, handle, config, service=service, store=RunStore(Path(tmp)))
        service.wait(job.id)
        seconds = time.perf_counter() - start
        assert job.state == "done", job.error
    return seconds


def notebook_run_stored(fingerprint: str) -> bool:
    """The prewarm's notebook run of this model is in the store (its probe is traced)."""
    return any(
        r.model_fingerprint == fingerprint and r.n_planned == 100 and not r.part_of
        for r in RunStore().list().runs
    )


def click_to_first_bars(handle):
    """A fresh browser session presses Run once the prewarm has trained the model, traced
    its probe and stored the notebook's run: seconds from the click to the first bars of
    a run with another seed (not in the store, so it is computed)."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, wait_healthy, wait_idle

    port = free_port()
    env = {**os.environ, "LINEARITY_PREWARM": "seed_cnn:1"}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    server = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            first = browser.new_page()
            first.goto(url)  # the first visit starts the prewarm
            first.wait_for_selector("h1")
            deadline = time.monotonic() + 300
            while not notebook_run_stored(handle.fingerprint) and time.monotonic() < deadline:
                time.sleep(0.5)
            page = browser.new_context().new_page()
            seed = time.time_ns() % 10**6  # a run not in the store yet
            page.goto(
                f"{url}/layers?dataset=fashion_mnist&model=seed_cnn&epochs=1&layers_seed={seed}"
            )
            page.wait_for_selector("text=Press Run", timeout=120_000)
            wait_idle(page)  # the page has drawn, as when a person reads it and presses Run
            page.wait_for_selector(".js-plotly-plot")
            start = time.perf_counter()
            page.get_by_role("button", name="Run", exact=True).click()
            page.wait_for_selector(".js-plotly-plot .bars .point", state="attached")
            seconds = time.perf_counter() - start
            browser.close()
        return seconds
    finally:
        server.terminate()
        server.wait(timeout=30)


def main():
    data, handle = trained_seed_cnn()
    config = RunConfig(measure=MeasureConfig(n_samples=20, seed=0), n_instances=2000)
    direct(data, handle, config)  # trace the probe once, outside the timings
    best_direct = best_jobs = float("inf")
    for _ in range(REPEATS):
        best_direct = min(best_direct, direct(data, handle, config))
        best_jobs = min(best_jobs, through_jobs(data, handle, config))
    print(f"2,000 instances, all layers: engine {best_direct:.2f} s, job service {best_jobs:.2f} s")
    print(f"{'job service / engine directly':<50} {best_jobs / best_direct:8.3f}   target <= 1.05")
    seconds = click_to_first_bars(handle)
    print(
        f"{'click Run to first bars after prewarm (seed CNN), s':<50} {seconds:8.2f}   target <= 1"
    )


if __name__ == "__main__":
    main()

"""The dashboard as a new user meets it: a real server, real Fashion-MNIST, real Chromium."""

import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.e2e.conftest import ROOT, count_at_least, shot, start_server, wait_idle

pytestmark = pytest.mark.e2e


def pick(page, label: str, option: str) -> None:
    """Choose an option of a Streamlit selectbox by its label."""
    box = page.locator('[data-testid="stSelectbox"]', has_text=label).first
    box.click()
    page.locator('[role="option"]', has_text=option).first.click()
    wait_idle(page)


def go(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text=re.compile(f"{title}$")).first.click()
    page.wait_for_selector(f"h1:has-text('{title}')")
    wait_idle(page)


def set_number(page, label: str, value: int) -> None:
    field = page.get_by_label(label, exact=True)
    field.fill(str(value))
    field.press("Enter")
    wait_idle(page)


RECORD_TITLES = """() => {
    window.chartTitles = new Set();
    const record = () => document.querySelectorAll('.js-plotly-plot .gtitle')
        .forEach(t => window.chartTitles.add(t.textContent));
    new MutationObserver(record).observe(document.body,
        {subtree: true, childList: true, characterData: true});
}"""


FINAL_TITLE = """(end) => Array.from(document.querySelectorAll('.js-plotly-plot .gtitle'))
    .some(t => t.textContent.endsWith(end))"""


def watch_run(page) -> list[str]:
    """Click Run; every chart title drawn until the run is done, in order of appearance."""
    page.evaluate(RECORD_TITLES)
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_selector("text=Computed in", timeout=240_000)
    wait_idle(page)
    return page.evaluate("() => Array.from(window.chartTitles)")


def no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Something went wrong").count() == 0  # app.py's last resort


def test_layers_classes_runs_flow(server, page):
    layers_classes_runs_journey(page, server["url"])


def layers_classes_runs_journey(page, url):
    """Data -> Layers (live run, copied link) -> Classes -> Runs, as a new user goes."""
    page.goto(url)
    page.wait_for_selector("h1:has-text('Data')")
    pick(page, "Dataset", "Fashion-MNIST")
    pick(page, "Model", "MLP")
    pick(page, "Training", "Untrained")
    shot(page, "1-data")

    go(page, "Layers")
    set_number(page, "Instances", 3000)
    set_number(page, "Samples", 100)  # a few seconds of work, so the chart visibly grows
    started = time.monotonic()
    titles = watch_run(page)
    print(f"layer run of 3,000 instances shown complete after {time.monotonic() - started:.1f} s")
    no_exception(page)
    partial = [t for t in titles if "of 3000 instances" in t]
    assert partial, f"no partial chart was drawn while the run streamed: {titles}"
    # The final chart is drawn a moment after the "Computed in" line: wait for its title.
    page.wait_for_function(FINAL_TITLE, arg="· 3000 instances")
    bars = page.locator(".js-plotly-plot .bars .point")
    assert count_at_least(bars, 9) >= 9  # one bar per MLP layer
    shot(page, "2-layers")

    # A copied link opens the same view in a new session: the URL holds the selection and
    # the run's parameters, the store holds the run.
    assert "layers_instances=3000" in page.url and "layers_samples=100" in page.url
    started = time.monotonic()
    page.goto(page.url)
    page.wait_for_selector("text=Loaded from the cache", timeout=60_000)
    print(f"the same run back from the cache after {time.monotonic() - started:.1f} s")
    shot(page, "3-layers-cached")

    go(page, "Classes")
    set_number(page, "Per class", 50)
    watch_run(page)
    no_exception(page)
    facets = page.locator(".js-plotly-plot").first.locator(".bars")
    assert count_at_least(facets, 10) == 10  # one histogram per class
    assert count_at_least(page.get_by_text("Most linear:"), 1) == 1
    shot(page, "4-classes")

    go(page, "Runs")
    no_exception(page)
    page.wait_for_selector('[data-testid="stDataFrame"]')  # the table of stored runs
    picker = page.locator('[data-testid="stSelectbox"]', has_text="Run").first
    opened = picker.locator("input").input_value()
    assert "MLP, untrained · fashion_mnist · 50/class · 20 samples" in opened, opened  # newest
    assert count_at_least(page.locator(".js-plotly-plot"), 2) >= 2  # its bars and histograms
    shot(page, "5-runs")


def test_stop_leaves_the_app_and_store_usable(server, page):
    page.goto(server["url"] + "/classes?dataset=fashion_mnist&model=seed_cnn&epochs=0")
    page.wait_for_selector("h1:has-text('Classes')")
    wait_idle(page)
    set_number(page, "Per class", 1000)
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_selector("text=/instances · chunk [1-9]\\d*\\//")  # a chunk has finished
    page.get_by_role("button", name="Stop", exact=True).click()
    page.wait_for_selector("text=The run was stopped after", timeout=60_000)
    no_exception(page)
    shot(page, "6-stopped")
    set_number(page, "Per class", 5)  # the app keeps working after a stop
    watch_run(page)
    no_exception(page)
    from linearity_core.service.runstore import RunStore

    listing = RunStore(server["home"] / "runs").list()
    assert 1000 not in [r.config.per_class for r in listing.runs]  # the stopped run
    assert list((server["home"] / "runs" / "partial").glob("*.npz"))  # kept to resume


def test_two_sessions_run_at_once_and_both_are_correct(server, browser):
    pages = []
    for seed in (11, 12):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        p = context.new_page()
        p.set_default_timeout(120_000)
        p.goto(server["url"] + "/layers?dataset=fashion_mnist&model=seed_cnn&epochs=0")
        p.wait_for_selector("h1:has-text('Layers')")
        wait_idle(p)
        set_number(p, "Seed", seed)
        set_number(p, "Instances", 300)
        pages.append(p)
    for p in pages:
        p.get_by_role("button", name="Run", exact=True).click()
    for p in pages:
        p.wait_for_selector("text=Computed in", timeout=240_000)
        no_exception(p)
    from linearity_core.service.runstore import RunStore

    runs = {
        run.config.measure.seed: run
        for run in RunStore(server["home"] / "runs").list().runs
        if run.n_planned == 300
    }
    assert {11, 12} <= set(runs)
    # Recompute one of them here, outside the server: the scores must match.
    code = (
        "import sys, numpy as np; from linearity_core import *;"
        "from linearity_core.service.runs import execute_run, plan_run;"
        "r = RunStore(sys.argv[1]).load(sys.argv[2]); d = load_dataset('fashion_mnist');"
        "h = load_model(Selection('fashion_mnist', 'seed_cnn', 0), d);"
        "last = execute_run(plan_run(d, h, r.config), RunStore(sys.argv[4])).result.result;"
        "print(float(np.abs(last.scores - r.scores).max()))"
    )
    fresh = server["home"] / "fresh"
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(server["home"] / "runs"),
            runs[11].key,
            str(fresh / "models"),
            str(fresh / "runs"),
        ],
        cwd=ROOT,
        env={**os.environ, "LINEARITY_HOME": str(fresh)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert float(out.stdout.strip().splitlines()[-1]) <= 1e-5
    assert not np.isnan(float(out.stdout.strip().splitlines()[-1]))


def test_a_deep_link_on_a_fresh_server_opens_its_page(tmp_path, browser):
    with start_server(tmp_path) as url:
        context = browser.new_context()
        p = context.new_page()
        p.goto(url + "/runs?dataset=fashion_mnist&model=mlp&epochs=0")
        p.wait_for_selector("h1:has-text('Runs')", timeout=60_000)
        wait_idle(p)
        no_exception(p)
        assert "model=mlp" in p.url
        context.close()

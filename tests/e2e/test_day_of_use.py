"""What a day of use shows, in Chromium: runs told apart, one Back press per page, a
resumed run's time over both sittings, a shared Classes link that keeps its picks, a
first visit that can run on the first epoch within a minute, narrow windows."""

import re
import time

import pytest

from tests.e2e.conftest import open_view, shot, start_server, wait_idle
from tests.e2e.test_dashboard import go, no_exception, set_number
from tests.e2e.test_share import fresh_page

pytestmark = pytest.mark.e2e
MLP = "dataset=fashion_mnist&model=mlp&epochs=0"


def run_and_wait(page) -> None:
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_selector("text=/Computed in|Loaded from the cache/", timeout=240_000)
    wait_idle(page)


def choose(page, label: str, option: str) -> None:
    """Pick an option by typing it, as a user does in a long list."""
    page.locator('[data-testid="stSelectbox"]', has_text=label).first.locator("input").click()
    page.keyboard.type(option)
    page.locator('[role="option"]', has_text=option).first.click()
    wait_idle(page)


def options_of(page, label: str) -> list[str]:
    box = page.locator('[data-testid="stSelectbox"]', has_text=label).first
    box.click()
    options = page.locator('[role="option"]').all_inner_texts()
    page.keyboard.press("Escape")
    return options


def test_runs_and_jobs_that_differ_in_one_parameter_are_told_apart(server, page):
    for seed in (31, 32):
        open_view(
            page, f"{server['url']}/layers?{MLP}&layers_instances=50&layers_seed={seed}", "Layers"
        )
        run_and_wait(page)
    jobs = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').all_inner_texts()
    ours = [j for j in jobs if "50 instances" in j]
    assert len(ours) == 2 and len(set(ours)) == 2 and any("seed 31" in j for j in ours)
    go(page, "Runs")
    labels = [o for o in options_of(page, "Run") if "50 instances" in o]
    assert len(labels) >= 2 and len(set(labels)) == len(labels)
    no_exception(page)


def test_one_back_press_goes_back_one_page(server, page):
    open_view(page, f"{server['url']}/?{MLP}", "Data")
    go(page, "Layers")
    for samples in (5, 6, 7):  # three parameter changes: each replaces the page's entry
        set_number(page, "Samples", samples)
    page.wait_for_url(re.compile("layers_samples=7"))
    wait_idle(page)  # the last change has been drawn, as a user sees before pressing Back
    page.go_back()
    page.wait_for_selector("h1:has-text('Data')")
    wait_idle(page)
    no_exception(page)
    page.go_forward()
    page.wait_for_selector("h1:has-text('Layers')")
    wait_idle(page)
    assert page.get_by_label("Samples", exact=True).input_value() == "7"


def test_a_resumed_run_counts_both_sittings(server, page):
    open_view(
        page,
        f"{server['url']}/layers?{MLP}&layers_instances=4000&layers_samples=100&layers_seed=41",
        "Layers",
    )
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_selector("text=/instances · chunk [3-9]\\//", timeout=120_000)
    page.get_by_role("button", name="Stop", exact=True).click()
    page.wait_for_selector("text=The run was stopped after", timeout=60_000)
    wait_idle(page)
    page.get_by_role("button", name="Run", exact=True).click()  # resume
    line = page.wait_for_selector("text=/instances · chunk/", timeout=60_000).inner_text()
    assert not re.search(r"about 0 s left", line) or "4000/4000" in line
    page.wait_for_selector("text=Computed in", timeout=300_000)
    done = page.get_by_text("Computed in").first.inner_text()
    assert "over 2 sittings" in done, done
    no_exception(page)
    shot(page, "day-1-resumed")


def test_a_shared_classes_link_keeps_the_layer_and_the_class(server, browser):
    first = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    first.goto(f"{server['url']}/classes?{MLP}&classes_per_class=5")
    first.wait_for_selector("h1:has-text('Classes')")
    wait_idle(first)
    choose(first, "Layer", "relu_2")
    choose(first, "Class for the most", "Sneaker")
    first.wait_for_url(re.compile("classes_layer=relu_2.*classes_class=Sneaker"))
    link = first.url
    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    other.goto(link)  # someone else opens the copied link
    other.wait_for_selector("h1:has-text('Classes')")
    wait_idle(other)
    other.wait_for_function(  # the picks come back, as the user waits to see them
        """() => { const v = [...document.querySelectorAll('[data-testid="stSelectbox"] input')]
            .map(i => i.value); return v.includes('relu_2') && v.includes('Sneaker'); }"""
    )
    no_exception(other)


@pytest.mark.parametrize("width", [800, 390])
def test_narrow_windows_keep_fields_whole(server, browser, width):
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    open_view(page, f"{server['url']}/layers?{MLP}&layers_instances=100", "Layers")
    run_and_wait(page)
    for label in ("Instances", "Resolution", "Aggregation", "Sampling"):
        box = page.locator('[data-testid="stWidgetLabel"]', has_text=label).first.bounding_box()
        assert box["height"] < 30, (label, box)  # one line: no word broken in two
    title = page.locator(".js-plotly-plot .gtitle").first.bounding_box()
    legend = page.locator(".js-plotly-plot .legend").first.bounding_box()
    assert (
        title["y"] + title["height"] <= legend["y"] or legend["y"] + legend["height"] <= title["y"]
    )
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    no_exception(page)
    shot(page, f"day-2-layers-{width}px")


def test_a_first_visit_runs_on_the_first_epoch_within_a_minute(tmp_path, browser):
    """An empty home, prewarm on: the notebook's model trains; its first epoch is offered
    as soon as it is stored, and the sidebar says how training goes, never 'Not trained'."""
    with start_server(tmp_path, prewarm="1") as url:
        page = fresh_page(browser)
        started = time.monotonic()
        page.goto(url + "/layers?dataset=fashion_mnist&model=seed_cnn&epochs=5")
        page.wait_for_selector("h1:has-text('Layers')")
        page.evaluate(
            """() => { window.saidNotTrained = false;
            new MutationObserver(() => { if (document.querySelector('[data-testid="stSidebar"]')
                ?.innerText.includes('Not trained yet')) window.saidNotTrained = true; })
            .observe(document.body, {subtree: true, childList: true, characterData: true}); }"""
        )
        page.wait_for_selector("text=/Training: epoch 1\\/5/", timeout=120_000)  # the sidebar
        page.get_by_role("button", name="Use the 1-epoch model now").click(timeout=120_000)
        page.get_by_role("button", name="Run", exact=True).wait_for(timeout=60_000)
        ready = time.monotonic() - started
        print(f"first visit: Run on the first epoch after {ready:.0f} s")
        assert ready < 90  # the goal is 60 s; CI's machine is shared
        assert not page.evaluate("() => window.saidNotTrained")
        assert "epochs=1" in page.url
        no_exception(page)
        shot(page, "day-3-first-epoch")

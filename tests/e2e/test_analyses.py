"""Beyond the notebook, as a user drives it: mistakes, training evolution, epsilon sweep."""

import re

import pytest

from tests.e2e.conftest import count_at_least, shot, wait_idle
from tests.e2e.test_dashboard import no_exception

pytestmark = pytest.mark.e2e

SELECTION = "dataset=fashion_mnist&model=mlp&epochs=0"
FIRST_BARS = "() => JSON.stringify(document.querySelector('.js-plotly-plot').data[0].y)"


def open_and_press(page, url: str, button: str) -> None:
    page.goto(url)
    page.get_by_role("button", name=button).click()


def test_the_mistakes_view(server, page):
    page.goto(f"{server['url']}/mistakes?{SELECTION}&mistakes_instances=300&mistakes_samples=10")
    page.wait_for_selector("text=Press Run")
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_selector("text=Computed in", timeout=240_000)
    page.wait_for_selector(".gtitle:has-text('AUROC by layer')")
    page.wait_for_selector(".gtitle:has-text('Correct vs misclassified')")
    assert count_at_least(page.get_by_text("Most nonlinear mistakes at"), 1) == 1
    wait_idle(page)
    no_exception(page)
    shot(page, "analyses-1-mistakes")
    # A click on a mistake's number drills into that image; the URL names it.
    link = page.locator('[data-testid="stPageLink-NavLink"]', has_text="#").first
    index = re.search(r"#(\d+)", link.inner_text()).group(1)  # the icon is text too
    link.click()
    page.wait_for_selector(f".gtitle:has-text('Test #{index} layer by layer')", timeout=60_000)
    assert f"instance={index}" in page.url
    profile = page.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot')].find(p =>"
        " p.layout.title.text.includes('layer by layer')).data.map(t => t.name)"
    )
    assert profile == ["run mean", profile[1], f"test #{index}"] and profile[1].endswith(" mean")
    page.wait_for_selector(".gtitle:has-text('Model')")  # the answer, with probabilities
    page.get_by_text("samples it was scored on").wait_for()
    no_exception(page)
    shot(page, "analyses-4-instance")


def test_the_training_evolution_animates_over_epochs(server, page):
    params = "evolution_epochs=1&evolution_instances=100&evolution_samples=10"
    open_and_press(page, f"{server['url']}/evolution?{SELECTION}&{params}", "Run evolution")
    page.wait_for_selector(".gtitle:has-text('epoch by epoch')", timeout=300_000)
    page.wait_for_selector("text=Run evolution")
    wait_idle(page)
    frames = page.evaluate(
        "() => document.querySelector('.js-plotly-plot')._transitionData._frames.map(f => f.name)"
    )
    assert frames == ["0", "1"]
    before = page.evaluate(FIRST_BARS)
    rail = page.locator(".js-plotly-plot .slider-rail-touch-rect").first
    box = rail.bounding_box()
    rail.click(position={"x": box["width"] - 4, "y": box["height"] / 2})  # the last epoch
    page.wait_for_function(f"() => ({FIRST_BARS})() !== {before!r}")  # the slider moved them
    no_exception(page)
    shot(page, "analyses-2-evolution")


def test_the_epsilon_sweep(server, page):
    params = "sweep_instances=50&sweep_samples=5&sweep_low=0.01&sweep_high=0.3&sweep_count=3"
    open_and_press(page, f"{server['url']}/sweep?{SELECTION}&{params}", "Run sweep")
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=240_000)  # breaking points
    page.wait_for_selector(".gtitle:has-text('neighbourhood size')")
    lines = page.evaluate("() => document.querySelector('.js-plotly-plot').data.length")
    assert lines == 9  # one line per MLP layer
    no_exception(page)
    shot(page, "analyses-3-sweep")

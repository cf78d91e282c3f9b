"""Demos and lessons in Chromium: presenter mode fits a projector's screen with labels
readable from the back, the lesson goes through every step with the arrow keys, and
Compare activations draws the seed CNN's four variants in one chart."""

import re

import pytest

from tests.e2e.conftest import open_view, shot, wait_idle
from tests.e2e.test_dashboard import no_exception
from tests.e2e.test_day_of_use import run_and_wait

pytestmark = pytest.mark.e2e
MLP = "dataset=fashion_mnist&model=mlp&epochs=0"
STEPS = 6
# The chart of the view, its bounding box and its smallest tick label, once it has data.
CHART_BOX = """(selector) => {
    const plot = [...document.querySelectorAll(selector)]
        .find(p => p.offsetParent !== null && p.data && p.data.some(t =>
            ['x', 'y'].some(k => t[k] && (t[k].length || t[k].bdata))));  // lists or binary
    if (!plot) return null;
    const box = plot.getBoundingClientRect();
    const ticks = [...plot.querySelectorAll('.xtick text, .ytick text')]
        .map(t => parseFloat(getComputedStyle(t).fontSize));
    return {top: box.top, bottom: box.bottom, left: box.left, right: box.right,
            smallest: Math.min(...ticks), ticks: ticks.length, scrolled: window.scrollY,
            width: window.innerWidth, height: window.innerHeight};
}"""


def chart_on_screen(page) -> dict:
    handle = page.wait_for_function(CHART_BOX, arg=".js-plotly-plot", timeout=240_000)
    return handle.json_value()


def assert_fits(box: dict) -> None:
    assert box["scrolled"] == 0
    assert box["top"] >= 0 and box["left"] >= 0, box
    assert box["bottom"] <= box["height"] and box["right"] <= box["width"], box
    assert box["ticks"] > 0 and box["smallest"] >= 16, box


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_presenter_mode_fits_layers_and_classes_on_a_projector(server, browser, size):
    width, height = size
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.set_default_timeout(120_000)
    open_view(page, f"{server['url']}/layers?{MLP}&layers_instances=40&present=1", "Layers")
    assert page.locator('[data-testid="stSidebar"][data-collapsed="true"]').count() == 1
    run_and_wait(page)
    page.evaluate("() => window.scrollTo(0, 0)")
    assert_fits(chart_on_screen(page))
    shot(page, f"present-layers-{width}x{height}")
    open_view(page, f"{server['url']}/classes?{MLP}&classes_per_class=4&present=1", "Classes")
    run_and_wait(page)
    page.evaluate("() => window.scrollTo(0, 0)")
    assert_fits(chart_on_screen(page))
    no_exception(page)
    shot(page, f"present-classes-{width}x{height}")


def test_the_lesson_goes_through_every_step_with_the_arrow_keys(server, page):
    open_view(page, f"{server['url']}/lesson?{MLP}", "Lesson")
    run_and_wait(page)
    for step in range(1, STEPS + 1):
        page.wait_for_selector(f"text=Step {step} of {STEPS}")
        page.wait_for_url(re.compile(f"lesson_step={step}(&|$)"))
        wait_idle(page)
        assert page.locator(".st-key-lesson_reveal button").count() == 1  # the room guesses
        page.keyboard.press("ArrowRight")  # reveal
        mark = page.locator("text=/(✓ holds|✗ does not hold) on this run/")
        mark.first.wait_for()
        page.wait_for_function(  # the step's chart, with its bars drawn
            """() => [...document.querySelectorAll('.js-plotly-plot')].some(p => p.data &&
                p.data[0].marker && Array.isArray(p.data[0].marker.opacity))"""
        )
        wait_idle(page)
        shot(page, f"lesson-step-{step}")
        if step < STEPS:
            page.keyboard.press("ArrowRight")  # next
    page.wait_for_selector("text=On this model:")
    page.keyboard.press("ArrowLeft")
    page.wait_for_selector(f"text=Step {STEPS - 1} of {STEPS}")
    page.wait_for_url(re.compile(f"lesson_step={STEPS - 1}(&|$)"))
    no_exception(page)


def test_compare_activations_draws_four_variants_in_one_chart(server, browser):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(120_000)
    open_view(
        page,
        f"{server['url']}/overlay?dataset=fashion_mnist&model=seed_cnn&epochs=0"
        "&overlay_instances=20&overlay_samples=5",
        "Overlay",
    )
    page.get_by_role("button", name="Compare activations").click()
    lines = page.wait_for_function(
        """() => { const p = [...document.querySelectorAll('.js-plotly-plot')]
            .find(p => p.data && p.data.length === 4 && p.data.every(t => t.mode));
            return p ? p.data.map(t => t.name) : null; }""",
        timeout=600_000,
    ).json_value()
    assert lines == [
        "Seed CNN (ReLU)",
        "Seed CNN (tanh)",
        "Seed CNN (sigmoid)",
        "Seed CNN (no activation)",
    ]
    page.wait_for_selector("text=/4 runs, layers by position/")
    wait_idle(page)
    no_exception(page)
    shot(page, "overlay-four-variants")

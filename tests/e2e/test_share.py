"""Share and present: the report offline, prewarm on a fresh home, the app under a path."""

import struct

import pytest

from linearity_core.models.store import ModelRef, ModelStore
from linearity_core.present.report import ReportFacts, run_report
from tests.core.test_store import make_result
from tests.e2e.conftest import shot, start_server, wait_idle
from tests.e2e.test_dashboard import layers_classes_runs_journey, no_exception

pytestmark = pytest.mark.e2e

EVERY_FIGURE_HAS_DATA = """() => {
    const plots = [...document.querySelectorAll('.js-plotly-plot')];
    return plots.length > 0 && plots.every(p => p.data && p.data.length > 0
        && p.querySelector('.main-svg')) ? plots.length : 0;
}"""


def fresh_page(browser):
    """A page for a server started by the test: its first visit imports TensorFlow and,
    with prewarm on, shares the machine with a training that loads Fashion-MNIST."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(180_000)
    return page


def test_the_report_opens_with_the_network_off_and_every_figure_renders(browser, tmp_path):
    path = tmp_path / "report.html"
    path.write_text(run_report(make_result(), ReportFacts({"dataset": "toy"})), encoding="utf-8")
    context = browser.new_context(offline=True)
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_function(EVERY_FIGURE_HAS_DATA)
    assert page.evaluate(EVERY_FIGURE_HAS_DATA) == 4
    assert [u for u in requests if not u.startswith("file:")] == []
    shot(page, "share-1-report-offline")
    context.close()


def test_an_empty_home_trains_the_default_model_at_start(tmp_path, browser):
    ref = ModelRef("mlp", "fashion_mnist", 1, 0)  # a quick stand-in for the seed CNN's 5 epochs
    with start_server(tmp_path, prewarm="mlp:1") as url:
        page = fresh_page(browser)
        page.goto(url)
        page.wait_for_selector("h1:has-text('Data')")
        job = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').filter(
            has_text="Train · MLP, 1 epoch"
        )
        job.first.wait_for()  # queued at start, visible in the sidebar
        job.filter(has_text="done").first.wait_for(timeout=300_000)
        assert ModelStore(tmp_path / "models").has(ref)
        no_exception(page)


def test_the_journey_under_a_base_path(tmp_path, browser):
    """Behind a proxy at https://host/linearity/: pages, deep links, downloads, live jobs."""
    with start_server(tmp_path, base_path="linearity") as url:
        assert url.endswith("/linearity")
        page = fresh_page(browser)
        layers_classes_runs_journey(page, url + "/")  # the existing journey, under the path
        assert "/linearity/runs" in page.url
        with page.expect_download() as download:
            page.get_by_role("button", name="PNG").first.click()  # a download under the path
        png = download.value.path().read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24])[0] > 0
        with page.expect_download() as download:
            page.get_by_role("button", name="Report (HTML)").click()
        assert download.value.path().read_text(encoding="utf-8").count("Plotly.newPlot") == 4
        wait_idle(page)
        no_exception(page)
        shot(page, "share-3-under-a-path")

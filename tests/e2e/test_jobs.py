"""Work outlives the page: runs and trainings are server jobs, watched from any session."""

import pytest

from linearity_core.service.runstore import RunStore
from tests.e2e.conftest import count_at_least, shot, start_server, wait_idle
from tests.e2e.test_dashboard import go, no_exception
from tests.e2e.test_navigation import TITLES

pytestmark = pytest.mark.e2e

RUN = "/layers?dataset=fashion_mnist&model=mlp&epochs=0&layers_samples=100&layers_seed={seed}"


def sidebar_jobs(page):
    return page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]')


def stored_runs(home, seed):
    runs = RunStore(home / "runs").list().runs
    return [r for r in runs if r.n_planned == 10_000 and r.config.measure.seed == seed]


def test_a_run_finishes_while_the_user_is_on_another_page(server, page):
    page.goto(server["url"] + RUN.format(seed=21) + "&layers_instances=10000")
    page.wait_for_selector("text=Press Run")
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_selector("text=/instances · chunk [1-9]\\d*\\//")  # it is computing
    go(page, "Runs")  # the user looks around; the page that started the run is gone
    job = sidebar_jobs(page).filter(has_text="Run · MLP, untrained").filter(has_text="seed 21")
    job.filter(has_text="%").first.wait_for()  # the sidebar shows it running, with progress
    shot(page, "jobs-1-running-elsewhere")
    job.filter(has_text="done").first.wait_for(timeout=240_000)  # it ends while we are away
    assert len(stored_runs(server["home"], seed=21)) == 1
    job.first.click()  # the sidebar links back to the run's page and parameters
    page.wait_for_selector("h1:has-text('Layers')")
    page.wait_for_selector("text=Computed in")  # the finished run, not a prompt to run it
    assert count_at_least(page.locator(".js-plotly-plot .bars .point"), 9) >= 9
    assert "layers_instances=10000" in page.url
    no_exception(page)
    shot(page, "jobs-2-back-and-done")


def test_a_second_session_watches_the_same_computation(server, browser):
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2)]
    first, second = (c.new_page() for c in contexts)
    url = server["url"] + RUN.format(seed=22) + "&layers_instances=10000"
    first.goto(url)
    first.wait_for_selector("text=Press Run")
    first.get_by_role("button", name="Run", exact=True).click()
    first.wait_for_selector("text=/instances · chunk [1-9]\\d*\\//")
    second.goto(url)  # another person opens the same link while it computes
    second.wait_for_selector("text=/instances · chunk [1-9]\\d*\\//", timeout=60_000)
    second.get_by_role("button", name="Stop", exact=True).wait_for()  # live, it pressed no Run
    running = sidebar_jobs(second).filter(has_text="Run · MLP, untrained").filter(has_text="%")
    running.first.wait_for()
    assert running.count() == 1  # one job, not two
    shot(second, "jobs-3-second-session-live")
    for p in (first, second):
        p.wait_for_selector("text=/Computed in|Loaded from the cache/", timeout=240_000)
        no_exception(p)
    assert len(stored_runs(server["home"], seed=22)) == 1
    for context in contexts:
        context.close()


def test_training_started_on_layers_survives_a_visit_to_data(tmp_path, browser):
    # A server of its own: on the shared one another test may have trained this model.
    with start_server(tmp_path) as url:
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(60_000)
        training_journey(page, url)


def training_journey(page, url):
    page.goto(url + "/layers?dataset=fashion_mnist&model=mlp&epochs=5")
    page.wait_for_selector("text=has not been trained")
    shot(page, "jobs-4-offer-training")
    page.get_by_role("button", name="Quick: 1 epoch").click()
    page.wait_for_selector("text=Epoch 1/1", timeout=120_000)  # live progress
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot .gtitle')]"
        ".some(t => t.textContent === 'Training')"
    )  # live curves
    assert "epochs=1" in page.url
    shot(page, "jobs-5-training")
    go(page, "Data")
    job = sidebar_jobs(page).filter(has_text="Train · MLP, 1 epoch")
    job.filter(has_text="%").first.wait_for()
    job.filter(has_text="done").first.wait_for(timeout=300_000)
    go(page, "Layers")
    page.wait_for_selector("text=Press Run")  # trained, stored, ready
    assert page.get_by_text("Trained for 1 epoch · test accuracy").count() == 1
    no_exception(page)
    shot(page, "jobs-6-trained-while-away")


@pytest.mark.parametrize("first_path", ["/data", "/runs?model=mlp", "/"])
def test_routing_does_not_depend_on_the_first_request(tmp_path, browser, first_path):
    """Finding 1: a fresh server whose first request was /data raised StopIteration."""
    with start_server(tmp_path) as url:
        context = browser.new_context()
        p = context.new_page()
        p.goto(url + first_path)
        title = "Runs" if first_path.startswith("/runs") else "Data"
        p.wait_for_selector(f"h1:has-text('{title}')", timeout=60_000)
        wait_idle(p)
        no_exception(p)
        nav = p.locator('[data-testid="stSidebarNav"] a').all_text_contents()
        assert len(nav) == len(TITLES)  # only real pages, no helper modules
        assert all(text.strip().endswith(t) for text, t in zip(nav, TITLES, strict=True))
        context.close()

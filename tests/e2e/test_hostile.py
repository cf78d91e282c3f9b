"""Names from data and uploads, as a browser renders them: the Instance page and the
sidebar's Jobs list show them as text, and no viewer's browser fetches what they name."""

import http.server
import threading
from typing import ClassVar

import numpy as np
import pytest

from tests.e2e.conftest import open_view, shot, wait_idle
from tests.e2e.test_dashboard import no_exception
from tests.e2e.test_day_of_use import run_and_wait
from tests.npz import random_classes_npz

pytestmark = pytest.mark.e2e


class Counting(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self):
        Counting.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_hostile_names_are_text_in_the_browser(server, page, tmp_path, monkeypatch):
    tracker = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=tracker.serve_forever, daemon=True).start()
    port = tracker.server_address[1]
    pixel, tag = (
        f"![px](http://127.0.0.1:{port}/x.png)",
        f'<img src="http://127.0.0.1:{port}/y.png">',
    )
    monkeypatch.setenv("LINEARITY_HOME", str(server["home"]))  # the server's stores
    from linearity_core.data.datasets import clear_dataset_cache
    from linearity_core.models.training import build_model
    from linearity_core.service.catalog import accept_dataset, accept_model, load_dataset

    clear_dataset_cache()
    names = np.array([pixel, "**BIG**", tag])
    raw = random_classes_npz((6, 6), 40, 12, 3, class_names=names)
    dataset = accept_dataset(raw, "hostile.npz", "hostile")
    data = load_dataset(dataset)
    build_model("mlp", data.input_shape, 3, seed=0).save(tmp_path / "m.keras")
    key = accept_model((tmp_path / "m.keras").read_bytes(), "**BIG**.keras", data)
    open_view(
        page,
        f"{server['url']}/layers?dataset={dataset}&model={key}&layers_instances=12&layers_samples=3",
        "Layers",
    )
    run_and_wait(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("**BIG**").first.wait_for()  # the job's title, as written
    assert sidebar.locator("strong", has_text="BIG").count() == 0
    page.locator('[data-testid="stSidebarNav"] a', has_text="Instance").first.click()
    page.wait_for_selector(".gtitle:has-text('layer by layer')", timeout=60_000)
    wait_idle(page)
    main = page.locator('[data-testid="stMain"]')
    assert main.locator(f'img[src*="127.0.0.1:{port}"]').count() == 0
    assert page.locator(f'img[src*="127.0.0.1:{port}"]').count() == 0
    assert main.locator('a[href*="127.0.0.1"]').count() == 0  # nor a link to click
    assert page.get_by_text("![px]").count() + page.get_by_text("<img src").count() >= 1
    no_exception(page)
    shot(page, "hostile-1-instance")
    assert Counting.hits == []  # no browser fetched what a name pointed to
    tracker.shutdown()
    clear_dataset_cache()

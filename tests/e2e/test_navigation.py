"""Every page reached through the sidebar navigation, in a real browser."""

import re
import time

import pytest

from tests.e2e.conftest import shot, wait_idle

pytestmark = pytest.mark.e2e

TITLES = [
    "Data",
    "Model",
    "Layers",
    "Classes",
    "Mistakes",
    "Training",
    "Epsilon",
    "Instance",
    "Runs",
    "Lesson",
    "Overlay",
]


def test_every_page_through_navigation(server, page):
    start = time.monotonic()
    page.goto(server["url"])
    page.wait_for_selector("h1")
    first_page_s = time.monotonic() - start
    print(f"first page visible after {first_page_s:.1f} s")
    for title in TITLES:
        page.locator(
            '[data-testid="stSidebarNav"] a', has_text=re.compile(f"{title}$")
        ).first.click()
        page.wait_for_selector(f"h1:has-text('{title}')")
        wait_idle(page)
        assert page.locator("h1").first.inner_text().strip().startswith(title)
        assert page.locator('[data-testid="stException"]').count() == 0, f"exception on {title}"
        shot(page, f"nav-{title.lower()}")

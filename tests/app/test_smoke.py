"""Every page renders without an exception."""

import pytest

from tests.app import ui


@pytest.mark.parametrize("page", ui.PAGES)
def test_page_renders_without_exception(app, page):
    app.run()
    ui.assert_no_crash(app)
    app.switch_page(page).run()
    ui.assert_no_crash(app)
    assert app.title, f"{page} shows no title"


@pytest.mark.parametrize("page", ui.PAGES)
def test_every_page_works_on_1d_signals(app, page, linearity_home):
    """MNIST-1D's untrained logistic regression: each page draws, nothing raises."""
    ui.open_page(app, page, dataset="mnist1d", model="logistic", epochs="0")
    assert app.title
    for button in app.button:  # start what the page offers, as a user would
        if button.key and button.key.endswith("_run"):
            button.click().run()
            ui.assert_no_crash(app)
            ui.finish_jobs()
            app.run()
            ui.assert_no_crash(app)
            break

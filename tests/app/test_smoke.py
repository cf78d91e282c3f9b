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

"""Every page renders without an exception."""

import pytest

from tests.app.conftest import PAGES, assert_no_crash


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception(app, page):
    app.run()
    assert_no_crash(app)
    app.switch_page(page).run()
    assert_no_crash(app)
    assert app.title, f"{page} shows no title"

"""Every page renders without an exception."""

import pytest

from tests.app.conftest import PAGES


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception(app, page):
    app.run()
    assert not app.exception
    app.switch_page(page).run()
    assert not app.exception, app.exception
    assert app.title, f"{page} shows no title"

"""The Lesson page: a question first and the layers without their bars, then the claim
checked on the run on screen; the step is in the URL and the buttons step through."""

from tests.app import ui


def notebook_run(tiny_dataset):
    from linearity_core.service.runs import notebook_config

    return ui.store_runs(tiny_dataset, [notebook_config()])[0]


def bars(app):
    return ui.figures(app)[-1]["data"][0]


def test_a_step_asks_first_then_reveals_the_claim_checked_on_the_run(app, tiny_dataset):
    result = notebook_run(tiny_dataset)
    ui.open_on_untrained_mlp(app, "pages/lesson.py", tiny_dataset)
    assert app.subheader[0].value == ":material/help: Which layer will score exactly 0?"
    assert app.query_params["lesson_step"] == "1"
    assert [s.value[:20] for s in app.success] == ["Loaded from the cach"]  # no claim yet
    assert set(ui.values(bars(app)["y"])) == {0}  # the layers named, no bar drawn
    app.button(key="lesson_reveal").click().run()
    ui.assert_no_crash(app)
    claim = ui.shown(app.success[-1].value)
    assert "✓ holds on this run" in claim and "dense_1 scores" in claim
    drawn = bars(app)
    assert drawn["x"] == ui.MLP_LAYERS
    assert ui.values(drawn["y"]) == result.layer_summary()["mean"].tolist()
    opacity = dict(zip(drawn["x"], ui.values(drawn["marker"]["opacity"]), strict=True))
    assert opacity["dense_1"] == 1 and opacity["relu_1"] < 1  # the chart points at it


def test_a_claim_that_does_not_hold_on_this_model_is_said_so(app, tiny_dataset):
    notebook_run(tiny_dataset)
    ui.open_on_untrained_mlp(app, "pages/lesson.py", tiny_dataset, lesson_step="3")
    assert "max pooling" in app.subheader[0].value
    app.button(key="lesson_reveal").click().run()
    said = ui.shown(app.warning[-1].value)
    assert "✗ does not hold on this run" in said
    assert "the model has no max pooling before its output" in said


def test_next_and_previous_move_the_step_in_the_url(app, tiny_dataset):
    notebook_run(tiny_dataset)
    ui.open_on_untrained_mlp(app, "pages/lesson.py", tiny_dataset, lesson_step="5")
    assert app.button(key="lesson_prev").disabled is False
    app.button(key="lesson_reveal").click().run()
    app.button(key="lesson_next").click().run()
    assert app.query_params["lesson_step"] == "6"
    assert app.button(key="lesson_next").disabled  # the last step
    assert "softmax" in app.subheader[0].value
    assert any(b.key == "lesson_reveal" for b in app.button)  # asked before it is told
    app.button(key="lesson_reveal").click().run()
    summary = ui.texts(app.markdown)
    assert "**On this model:**" in summary and "✗ Pooling adds more" in summary
    app.button(key="lesson_prev").click().run()
    app.button(key="lesson_prev").click().run()
    assert app.query_params["lesson_step"] == "4"


def test_a_step_the_lesson_does_not_have_is_said_and_step_1_shown(app, tiny_dataset):
    ui.open_on_untrained_mlp(app, "pages/lesson.py", tiny_dataset, lesson_step="9")
    assert "ignored lesson_step=9; using 1" in ui.texts(app.info)
    assert app.query_params["lesson_step"] == "1"
    assert app.button(key="lesson_prev").disabled

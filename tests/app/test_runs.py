"""The Runs page: runs of two sessions listed, told apart, compared; damaged entries
named; delete asks once and Undo gives the run back exactly."""

import numpy as np

from tests.app import ui


def test_runs_page_lists_opens_and_compares_runs_from_two_sessions(app, tiny_dataset):
    def layer_run(session, model):
        ui.open_page(session, "pages/layers.py", dataset=tiny_dataset, model=model, epochs="0")
        session.number_input(key="layers_instances").set_value(6)
        session.number_input(key="layers_samples").set_value(2)
        session.button(key="layers_run").click().run()
        ui.assert_no_crash(session)
        ui.finish_jobs()

    layer_run(app, "mlp")
    other = ui.another_session(app)
    layer_run(other, "seed_cnn_linear")  # another session, the same store on disk
    other.switch_page("pages/runs.py").run()
    ui.assert_no_crash(other)
    table = other.dataframe[0].value
    assert len(table) == 2 and set(table["selection"]) == {"6 instances"}
    bars, hist = ui.figures(other)[:2]
    assert bars["data"][0]["type"] == "bar" and hist["data"][0]["type"] == "histogram"
    labels = [b.label for b in other.get("download_button")]
    assert {"Scores (CSV)", "Run (JSON)", "HTML"} <= set(labels)
    compared = ui.figures(other)[2:]
    assert [t["name"] for t in compared[0]["data"]][:2] == [
        f"A: {table['model'][0]}",
        f"B: {table['model'][1]}",
    ]


def test_runs_that_differ_only_in_epsilon_are_told_apart(app, tiny_dataset):
    from dataclasses import replace

    base = ui.small_config()
    ui.store_runs(
        tiny_dataset, [replace(base, measure=replace(base.measure, epsilon=e)) for e in (0.01, 0.2)]
    )
    ui.open_on_untrained_mlp(app, "pages/runs.py", tiny_dataset)
    options = app.selectbox(key="runs_opened").options
    assert len(set(options)) == 2 and any("ε 0.01" in o for o in options)
    assert all("seed 0" in o for o in options)


def test_a_damaged_run_is_named_and_the_others_are_listed(app, tiny_dataset):
    from linearity_core.service.runstore import RunStore
    from tests.core.test_store import make_result, read_meta, rewrite

    store = RunStore()
    store.save("good", make_result())
    store.save("bad", make_result(seed=1))
    meta = read_meta(store.path("bad"))
    meta["created_at"] = 0
    rewrite(store.path("bad"), meta)
    ui.open_on_untrained_mlp(app, "pages/runs.py", tiny_dataset)
    assert "bad.npz" in app.warning[0].value
    assert list(app.dataframe[0].value["key"]) == ["good"]


def test_delete_asks_once_and_undo_gives_the_run_back_exactly(app, tiny_dataset):
    from linearity_core.service.runstore import RunStore

    (stored,) = ui.store_runs(tiny_dataset, [ui.small_config()])
    (key,) = [r.key for r in RunStore().list().runs]
    before = RunStore().path(key).read_bytes()
    ui.open_on_untrained_mlp(app, "pages/runs.py", tiny_dataset)
    app.button(key="runs_delete").click().run()
    assert RunStore().load(key) is not None  # not yet: it asks first
    assert "Delete this run?" in app.warning[0].value
    app.button(key="runs_delete_yes").click().run()
    ui.assert_no_crash(app)
    assert RunStore().load(key) is None and RunStore().list().runs == []
    assert "This run was deleted" in app.info[0].value  # the view stays on it, with Undo
    app.button(key="runs_undo").click().run()
    ui.assert_no_crash(app)
    assert RunStore().path(key).read_bytes() == before  # bit for bit
    back = RunStore().load(key)
    np.testing.assert_array_equal(back.scores, stored.scores)
    assert [r.key for r in RunStore().list().runs] == [key]

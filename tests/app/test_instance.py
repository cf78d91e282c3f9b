"""The Instance page: one image of a stored run, drilled into."""

import base64

import numpy as np

from tests.app import ui


def test_the_instance_view_renders_a_stored_run(app, tiny_dataset, engine_calls):
    from linearity_core import RunStore

    ui.store_runs(tiny_dataset, [ui.small_config(12)])
    info = RunStore().list().runs[0]
    result = RunStore().load(info.key)
    row = 5
    index = int(result.indices[row])
    calls = len(engine_calls)
    ui.open_on_untrained_mlp(
        app, "pages/instance.py", tiny_dataset, run=info.key, instance=str(index)
    )
    assert len(engine_calls) == calls
    ui.assert_no_crash(app)
    profile, image, answer, samples = ui.figures(app)[:4]
    assert profile["layout"]["title"]["text"] == f"Test #{index} layer by layer"
    mine = profile["data"][2]
    y = np.frombuffer(base64.b64decode(mine["y"]["bdata"]), mine["y"]["dtype"])
    assert np.array_equal(y, result.scores[row])  # the instance's own row of the run
    assert len(image["data"]) == 1  # the image itself
    assert len(answer["data"][0]["x"]) == 3  # one bar per class: dark, mid, bright
    assert len(samples["layout"]["annotations"]) == 3  # the run's 3 samples
    assert app.query_params["instance"] in (str(index), [str(index)])  # the URL names it


def test_an_instance_outside_the_run_is_explained(app, tiny_dataset):
    from linearity_core import RunStore

    ui.store_runs(tiny_dataset, [ui.small_config(12)])
    key = RunStore().list().runs[0].key
    outside = next(i for i in range(30) if i not in set(RunStore().load(key).indices.tolist()))
    ui.open_on_untrained_mlp(app, "pages/instance.py", tiny_dataset, run=key, instance=str(outside))
    ui.assert_no_crash(app)
    assert f"instance {outside} is not one of this run's 12" in app.warning[0].value

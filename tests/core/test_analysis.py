"""Analyses of runs, checked against oracles: a direct pairwise count, chance level."""

import numpy as np
import pytest

from linearity_core.analysis.mistakes import auroc, bootstrap_interval, mistake_summary
from tests.core.test_store import make_result


def pairwise_count(scores, positive):
    """The AUROC by definition: every (positive, negative) pair, ties counting one half."""
    pos, neg = scores[positive], scores[~positive]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return wins / (len(pos) * len(neg))


@pytest.mark.parametrize("seed", range(5))
def test_auroc_equals_a_direct_pairwise_count_with_ties(seed):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 6, 60).astype(float)  # many ties
    positive = rng.random(60) < 0.3
    assert auroc(scores, positive) == pytest.approx(pairwise_count(scores, positive), abs=1e-12)


def test_auroc_is_one_half_for_scores_that_ignore_the_labels():
    rng = np.random.default_rng(1)
    positive = rng.random(20_000) < 0.2
    assert auroc(np.full(20_000, 0.3), positive) == 0.5  # all tied: exactly one half
    assert auroc(rng.random(20_000), positive) == pytest.approx(0.5, abs=0.015)
    assert auroc(np.where(positive, 2.0, 1.0), positive) == 1.0  # a perfect detector


def test_the_interval_holds_the_estimate_and_needs_both_classes():
    rng = np.random.default_rng(2)
    positive = rng.random(300) < 0.3
    scores = rng.random(300) + 0.5 * positive
    low, high = bootstrap_interval(scores, positive, np.random.default_rng(0), n=300)
    assert low < auroc(scores, positive) < high
    assert np.isnan(auroc(scores, np.zeros(300, bool)))


def test_mistake_summary_per_layer_counts_the_mistakes():
    result = make_result(n=200)
    summary = mistake_summary(result, n_boot=100)
    wrong = result.predicted != result.labels
    assert (summary.n_mistakes, summary.n_correct) == (wrong.sum(), (~wrong).sum())
    assert list(summary.table["layer"]) == result.layer_names
    for j, row in summary.table.iterrows():
        assert row["auroc"] == pytest.approx(pairwise_count(result.scores[:, j], wrong))
    assert not summary.too_few


def test_the_sweep_at_the_notebooks_epsilon_equals_a_plain_run(tiny_dataset):
    from linearity_core import MeasureConfig, RunConfig, Selection, load_dataset, load_model
    from linearity_core.analysis.sweep import sweep_epsilons
    from linearity_core.service.analyses import submit_sweep
    from linearity_core.service.jobs import JobService
    from linearity_core.service.runs import execute_run, plan_run
    from linearity_core.service.runstore import RunStore

    data = load_dataset(tiny_dataset)
    handle = load_model(Selection(tiny_dataset, "mlp", 0), data)
    config = RunConfig(measure=MeasureConfig(n_samples=3, epsilon=0.04, seed=6), n_instances=20)
    epsilons = sweep_epsilons(0.01, 0.3, 4)
    assert 0.04 in epsilons
    service = JobService()
    sweep = service.wait(submit_sweep(data, handle, config, epsilons, service=service).id, 60)
    at_004 = sweep.result.results[epsilons.index(0.04)]
    elsewhere = RunStore(RunStore().root / "elsewhere")
    plain = execute_run(plan_run(data, handle, config), elsewhere).result.result
    np.testing.assert_array_equal(at_004.scores, plain.scores)
    means = [r.scores[:, 2].mean() for r in sweep.result.results]  # relu_1
    assert means[-1] > means[0]  # a bigger neighbourhood bends the ReLU more


def test_growth_reads_the_power_of_epsilon_and_where_half_is_reached():
    import pandas as pd

    from linearity_core.analysis.sweep import growth

    eps = np.geomspace(0.005, 0.5, 7)
    frame = pd.concat(
        [
            pd.DataFrame({"layer_index": 0, "layer": "kink", "epsilon": eps, "mean": 3 * eps}),
            pd.DataFrame({"layer_index": 1, "layer": "smooth", "epsilon": eps, "mean": eps**2}),
            pd.DataFrame({"layer_index": 2, "layer": "conv", "epsilon": eps, "mean": 1e-7}),
        ]
    ).assign(linear=lambda f: f["layer"] == "conv")
    rates = growth(frame).set_index("layer")
    assert rates.loc["kink", "slope"] == pytest.approx(1.0)
    assert rates.loc["smooth", "slope"] == pytest.approx(2.0)
    assert rates.loc["kink", "half_at"] == pytest.approx(0.25)  # 3 ε = 0.75 = half of 1.5
    assert rates.loc["smooth", "half_at"] == pytest.approx(0.5 / np.sqrt(2))  # exact: a power
    assert np.isnan(rates.loc["conv", "slope"]) and rates.loc["conv", "reads"].startswith("linear")
    assert (rates.loc["kink", "reads"], rates.loc["smooth", "reads"]) == ("kink-like", "smooth")


def test_the_evolution_scores_every_epoch_on_identical_samples(tiny_dataset):
    from linearity_core import MeasureConfig, ModelRef, RunConfig, load_dataset
    from linearity_core.measure.executors import LocalExecutor
    from linearity_core.service.analyses import stored_evolution, submit_evolution
    from linearity_core.service.jobs import JobService

    class Recording(LocalExecutor):
        """Keeps every forward batch the engine hands over, run by run."""

        def __init__(self):
            self.batches = []

        def map_chunks(self, work):
            self.batches.append([work.plan.forward_batch(a, b) for a, b in work.bounds])
            yield from super().map_chunks(work)

    data = load_dataset(tiny_dataset)
    ref = ModelRef("mlp", tiny_dataset, epochs=2, seed=0)
    config = RunConfig(measure=MeasureConfig(n_samples=3, seed=1), n_instances=12)
    recording, service = Recording(), JobService()
    job = submit_evolution(data, ref, config, service=service, executor=recording)
    done = service.wait(job.id, timeout=180)
    assert done.state == "done", done.error
    assert done.result.epochs == (0, 1, 2) and len(recording.batches) == 3
    for later in recording.batches[1:]:  # untrained and trained: the same inputs
        for a, b in zip(recording.batches[0], later, strict=True):
            np.testing.assert_array_equal(a, b)
    scores = [r.scores for r in done.result.results]
    assert not np.array_equal(scores[0], scores[2])  # only the weights changed
    assert done.result.accuracies[0] != done.result.accuracies[2]
    again = stored_evolution(data, ref, config)
    assert again is not None
    np.testing.assert_array_equal(again.results[2].scores, scores[2])


@pytest.mark.parametrize("method", ["grid", "knn"])
def test_an_instance_is_drawn_on_the_samples_it_was_scored_on(tiny_dataset, method):
    from linearity_core import (
        LinearityError,
        MeasureConfig,
        RunConfig,
        Selection,
        compute_run,
        load_dataset,
        load_model,
    )
    from linearity_core.analysis.instance import instance_profile, instance_samples
    from linearity_core.measure.engine import chunk_plan
    from linearity_core.measure.sampling import infer_feature_range

    data = load_dataset(tiny_dataset)
    model = load_model(Selection(tiny_dataset, "mlp", 0), data).model
    config = RunConfig(measure=MeasureConfig(method=method, n_samples=3, seed=2), n_instances=20)
    x_test, y_test = data.split("test")
    idx = np.random.default_rng(0).choice(len(x_test), 20, replace=False)
    fr = infer_feature_range(x_test)

    def run(rows):
        x, y = x_test[rows], y_test[rows]
        return compute_run(
            model, x, y, config, indices=rows, feature_range=fr, x_reference=data.x_train
        )

    result = run(idx)
    row, index = 7, int(idx[7])
    profile = instance_profile(result, index)
    assert np.array_equal(profile.scores, result.scores[row])
    by_class = result.class_summary()  # pandas' groupby, another path to the class mean
    ours = by_class[by_class["label"] == profile.label].sort_values("layer_index")["mean"]
    np.testing.assert_allclose(ours.to_numpy(), profile.class_mean)
    # The samples of the instance alone are those the whole run drew for it...
    whole = chunk_plan(x_test[idx], idx, config.measure, fr, data.x_train)
    samples = instance_samples(x_test, data.sampling_reference(config), config, index, k=3)
    assert np.array_equal(samples, whole.samples(row, row + 1)[0])
    # ...so scoring it alone gives its scores in the run (another batch: float32 rounding).
    np.testing.assert_allclose(run(idx[[row]]).scores[0], result.scores[row], rtol=1e-4, atol=1e-6)
    missing = next(i for i in range(len(x_test)) if i not in set(idx.tolist()))
    with pytest.raises(LinearityError, match=f"instance {missing} is not one of this run's 20"):
        instance_profile(result, missing)


def test_a_linear_layer_has_no_auroc_and_the_best_layer_reads_both_ways():
    from dataclasses import replace

    result = make_result(n=200)  # layers: conv (linear), softmax
    wrong = result.predicted != result.labels
    noise = np.random.default_rng(3).random(200) * 0.3
    lower_when_wrong = np.where(wrong, 0.1, 0.5) + noise  # mistakes are the more linear
    # Inputs in [0, 255]: the linear conv's float noise is 8e-4 in absolute terms, 1e-6
    # of its output's scale (finding 8 of the own-model issue: an absolute threshold gave
    # it an AUROC).
    scores = np.stack([np.full(200, 8e-4) + noise * 1e-5, lower_when_wrong], axis=1)
    scales = np.stack([np.full(200, 800.0), np.full(200, 5.0)], axis=1)
    summary = mistake_summary(replace(result, scores=scores, scales=scales), n_boot=200)
    conv, softmax = summary.table.to_dict("records")
    assert np.isnan(conv["auroc"]) and conv["reads"] == "linear: all 0"  # float noise only
    assert softmax["auroc"] < 0.2 and softmax["reads"] == "mistakes more linear"
    assert summary.best_layer == "softmax"  # far below 0.5 is the best separation


def test_layers_with_equal_scores_get_equal_intervals():
    from dataclasses import replace

    result = make_result(n=120)
    same = np.repeat(result.scores[:, 1:], 2, axis=1)  # conv and softmax score alike
    table = mistake_summary(replace(result, scores=same), n_boot=200).table
    assert table["low"].nunique() == 1 and table["high"].nunique() == 1

"""Page components: run parameters, the live run panel and the training panel."""

import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from linearity_core import LinearityError, MeasureConfig, RunConfig
from linearity_core.datasets import Dataset
from linearity_core.results import RunResult
from pages.shared import ModelHandle, Selection, forget_models, model_handle, model_ref, select

# Redraw at most this often while a run streams; the final snapshot is always drawn.
REDRAW_S = 0.3


def remembered(make: Callable[..., Any], label: str, key: str, default: Any,
               allowed: Callable[[Any], bool], **kwargs: Any) -> Any:  # fmt: skip
    """A widget whose value survives page switches and is mirrored into the URL, so a
    copied link reopens the same run (and, when it is stored, its charts)."""
    saved = st.session_state.setdefault("params", {})
    if key not in st.session_state:
        value = saved.get(key, default)
        if key not in saved and key in st.query_params:
            try:
                parsed = type(default)(st.query_params[key])
                value = parsed if allowed(parsed) else default
            except ValueError:
                pass  # a hand-edited URL: keep the default
        st.session_state[key] = value
    value = make(label, key=key, **kwargs)
    saved[key] = value
    st.query_params[key] = str(value)
    return value


def number(col: Any, label: str, key: str, default: float, low: float, high: float,
           **kwargs: Any) -> Any:  # fmt: skip
    return remembered(col.number_input, label, key, default, lambda v: low <= v <= high,
                      min_value=low, max_value=high, **kwargs)  # fmt: skip


def choice(col: Any, label: str, key: str, options: list[str]) -> Any:
    return remembered(col.selectbox, label, key, options[0], options.__contains__,
                      options=options)  # fmt: skip


def measure_params(key: str, cols: list[Any]) -> MeasureConfig:
    """The notebook's defaults: 20 samples, epsilon 0.04, resolution 100, grid, global.

    ``cols`` are six columns to put the six widgets in.
    """
    n_samples = number(cols[0], "Samples", f"{key}_samples", 20, 1, 500,
                       help="Points drawn around each instance")  # fmt: skip
    epsilon = number(cols[1], "Epsilon", f"{key}_epsilon", 0.04, 0.001, 1.0, step=0.01,
                     format="%.3f")  # fmt: skip
    res = number(cols[2], "Resolution", f"{key}_res", 100, 1, 10_000)
    method = choice(cols[3], "Sampling", f"{key}_method", ["grid", "knn"])
    agg = choice(cols[4], "Aggregation", f"{key}_agg", ["global", "pairwise"])
    seed = number(cols[5], "Seed", f"{key}_seed", 0, 0, 2**31 - 1)
    return MeasureConfig(method=method, agg=agg, n_samples=int(n_samples), epsilon=float(epsilon),
                         res=int(res), seed=int(seed))  # fmt: skip


def handle_or_stop(sel: Selection, dataset: Dataset) -> ModelHandle | None:
    try:
        return model_handle(sel, dataset)
    except LinearityError as exc:
        st.error(f"This model cannot be used with {dataset.spec.name}: {exc}")
        st.stop()
        raise


def training_panel(sel: Selection, dataset: Dataset, key: str) -> None:
    """Offer to train the selected built-in model, with live progress and curves."""
    from linearity_core.figures import training_curves

    ref = model_ref(sel)
    st.info(f"**{ref.label}** has not been trained on {dataset.spec.name} yet. Train it now "
            "(the notebook's 5 epochs take a few minutes here), take a quick 1-epoch "
            "version, or look at the untrained network.")  # fmt: skip
    cols = st.columns(3)
    if sel.epochs != 1 and cols[1].button("Quick: 1 epoch", key=f"{key}_quick"):
        st.session_state.train_now = True
        select(epochs=1)
    if cols[2].button("Use untrained weights", key=f"{key}_untrained"):
        select(epochs=0)
    label = f"Train {sel.epochs} epoch" + ("s" if sel.epochs > 1 else "")
    go = cols[0].button(label, type="primary", key=f"{key}_train")
    if not (go or st.session_state.pop("train_now", False)):
        return
    st.button("Stop training", key=f"{key}_stop_training")
    bar, chart = st.progress(0.0, "Starting training…"), st.empty()
    batch_loss: list[float] = []
    last = [0.0]

    def show(p: Any) -> None:
        batch_loss.append(p.loss)
        if p.epoch_end or time.monotonic() - last[0] > 1.0:
            last[0] = time.monotonic()
            bar.progress(
                min(p.fraction, 1.0),
                f"Epoch {p.epoch}/{p.epochs} · batch "
                f"{p.batch}/{p.batches} · loss {p.loss:.3f} · accuracy {p.accuracy:.3f}",
            )
            chart.plotly_chart(training_curves(p.history, batch_loss, p.batches))  # fmt: skip

    from linearity_core.modelstore import ModelStore

    try:
        ModelStore().get_or_train(ref, dataset, on_progress=show)
    except LinearityError as exc:
        st.error(str(exc))
        return
    forget_models()
    st.rerun()


def run_panel(
    sel: Selection,
    dataset: Dataset,
    handle: ModelHandle,
    config: RunConfig,
    render: Callable[[RunResult, str], None],
    key: str,
) -> None:
    """Run button, progress with ETA, Stop, live redraws; cached runs come back at once.

    ``render(result, tag)`` draws a result; ``tag`` differs between redraws in one script
    run, so charts keyed with it never collide when two snapshots draw the same figure.
    """
    from linearity_core.runs import run_key_for, stream_cached_run
    from linearity_core.store import RunStore

    store = RunStore()
    run_key = run_key_for(dataset, handle.fingerprint, config)
    interrupted = st.session_state.get(f"{key}_running") == run_key
    cols = st.columns([1, 1, 4])
    start = cols[0].button("Run", type="primary", key=f"{key}_run")
    cached = None if start else store.load(run_key)
    if cached is not None:
        st.session_state.pop(f"{key}_running", None)
        fresh = st.session_state.get("computed", {}).get(run_key)
        if fresh:
            st.success(f"Computed in {fresh:.1f} s and stored; it will load from the cache "
                       "next time.")  # fmt: skip
        else:
            when = cached.created_at[:16].replace("T", " ")
            st.success(f"⚡ Loaded from the cache: computed {when} UTC in "
                       f"{cached.timings.total_s:.1f} s, nothing recomputed.")  # fmt: skip
        render(cached, "final")
        return
    if not start:
        partial = st.session_state.get(f"{key}_partial")
        if interrupted and partial is not None and partial.config == config:
            st.warning(f"The run was stopped after {len(partial.indices)} of "
                       f"{partial.n_planned} instances. The partial result below is not stored; "
                       "press Run to compute the whole run.")  # fmt: skip
            render(partial, "partial")
        else:
            st.info("Press **Run** to compute this run. Results are stored, so the same run "
                    "later comes straight from the cache.")  # fmt: skip
        return
    cols[1].button("Stop", key=f"{key}_stop")  # a click reruns the page, which ends this run
    st.session_state[f"{key}_running"] = run_key
    bar, slot = st.progress(0.0, "Starting…"), st.empty()
    last, snap = 0.0, None
    try:
        for snap in stream_cached_run(store, dataset, handle.model, handle.fingerprint,
                                      handle.label, config):  # fmt: skip
            eta = "" if snap.eta_s is None else f" · about {snap.eta_s:.0f} s left"
            bar.progress(snap.fraction, f"{snap.instances_done}/{snap.n_instances} instances · "
                         f"chunk {snap.chunks_done}/{snap.chunks_total}{eta}")  # fmt: skip
            st.session_state[f"{key}_partial"] = snap.result
            if snap.done or time.monotonic() - last > REDRAW_S:
                last = time.monotonic()
                with slot.container():
                    render(snap.result, f"live{snap.chunks_done}")
    except LinearityError as exc:
        st.session_state.pop(f"{key}_running", None)
        st.error(f"The run stopped with an error: {exc}")
        return
    st.session_state.pop(f"{key}_running", None)
    if snap is None:
        return
    computed = st.session_state.setdefault("computed", {})
    if snap.from_cache:
        computed.pop(run_key, None)
    else:
        computed[run_key] = snap.result.timings.total_s
    st.rerun()  # redraw from the store, with the cache note

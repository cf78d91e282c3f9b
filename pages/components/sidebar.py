"""The sidebar on every page: dataset and model pickers, and what the server is working on."""

import time
from typing import Any

import streamlit as st

from linearity_core.present.text import md
from linearity_core.service.catalog import list_datasets
from linearity_core.service.compute import compute_target
from linearity_core.service.jobs import Job, job_service
from linearity_core.service.selection import (
    Selection,
    model_keys,
    model_label,
    stored_meta,
    upload_outputs,
)
from linearity_core.service.training import training_job_id
from linearity_core.service.urls import selection_params, view_params
from pages.components import presenting
from pages.components.state import (
    EPOCH_CHOICES,
    apply_pending_selection,
    choose,
    chosen,
    init_selection,
    set_url,
)

# How often the jobs list refreshes while something runs (nothing polls when idle).
JOBS_POLL_S = 1.0
RECENT_JOBS = 3


def _seed_widgets(sel: Selection, datasets: list[str], models: list[str]) -> None:
    """Widgets not drawn in the last run lose their state; start them from the selection."""
    values: dict[str, Any] = {
        "dataset": sel.dataset_id,
        "model": sel.model_key,
        "epochs": sel.epochs,
    }
    options: dict[str, list[Any]] = {
        "dataset": datasets,
        "model": models,
        "epochs": list(EPOCH_CHOICES),
    }
    for key, value in values.items():
        if st.session_state.get(key) not in options[key]:
            st.session_state[key] = value if value in options[key] else options[key][0]


def sidebar() -> Selection:
    """Dataset and model pickers with a status line; the selection goes into the URL."""
    specs = list_datasets()
    init_selection()
    apply_pending_selection()
    # Only the built-in models that take this dataset's items (images or 1-D signals).
    spec = specs.get(st.session_state.get("dataset") or chosen().dataset_id)
    keys = model_keys(spec.input_shape or None if spec is not None else None)
    _seed_widgets(chosen(), list(specs), keys)
    with st.sidebar:
        dataset = st.selectbox(
            "Dataset", list(specs), key="dataset", format_func=lambda d: specs[d].name
        )
        model = st.selectbox("Model", keys, key="model", format_func=model_label)
        before = chosen()
        epochs, output = before.epochs, before.output if model == before.model_key else None
        if not model.startswith("upload:"):
            # Fixed option labels: a label that changes (say, a tick once a model is
            # trained) makes Streamlit see a new widget and reset its value.
            epochs = int(
                st.selectbox(
                    "Training",
                    list(EPOCH_CHOICES),
                    key="epochs",
                    format_func=lambda e: EPOCH_CHOICES[e],
                )
                or 0
            )
        else:
            heads = upload_outputs(model)
            if len(heads) > 1:
                if st.session_state.get("output") not in heads:
                    st.session_state.output = output if output in heads else heads[0]
                output = st.selectbox("Output", heads, key="output", help="Scored as the output")
        sel = Selection(dataset, model, int(epochs), before.seed, output)
        choose(sel)
        presenting.switch()
        jobs_indicator(sel)
    set_url(selection_params(sel))
    return sel


def _training_line(sel: Selection) -> str | None:
    """While the selected model trains: its epoch and about how long is left."""
    job = job_service().get(training_job_id(sel.model_ref()))
    if job is None or not job.active:
        return None
    if job.state == "queued":
        return f"Queued for training, #{job_service().queue_position(job)} in line."
    snap = job.snapshot
    if snap is None or job.started is None:
        return "Training is starting…"
    elapsed = time.time() - job.started
    left = elapsed / snap.fraction * (1 - snap.fraction) if snap.fraction > 0.01 else None
    eta = f" · about {left:.0f} s left" if left is not None else ""
    return f"Training: epoch {snap.epoch}/{snap.epochs}{eta}."


def status_line(sel: Selection) -> str:
    if sel.is_upload:
        return "Your uploaded model" + (f", output {md(sel.output)}." if sel.output else ".")
    meta = stored_meta(sel)
    kept = [e for e in EPOCH_CHOICES if stored_meta(Selection(sel.dataset_id, sel.model_key, e))]
    names = {0: "untrained", 1: "1 epoch"}
    stored = f" Kept: {', '.join(names.get(e, f'{e} epochs') for e in kept)}." if kept else ""
    if meta is None:
        if sel.epochs == 0:
            return "Untrained: random weights (seed 0)." + stored
        training = _training_line(sel)
        if training:
            return training + stored
        return "Not trained yet: train it on the Model or Layers page." + stored
    plural = "s" if sel.epochs > 1 else ""
    state = "Untrained" if sel.epochs == 0 else f"Trained for {sel.epochs} epoch{plural}"
    return f"{state} · test accuracy {100 * meta['test_accuracy']:.1f}%.{stored}"


def job_line(job: Job) -> str:
    """Status first: the sidebar is narrow and long titles are cut at the end."""
    if job.state == "queued":
        return f"queued, #{job_service().queue_position(job)} · {md(job.title)}"
    if job.stopping:
        return f"stopping · {md(job.title)}"
    if job.state == "running":
        return f"{100 * job.fraction:.0f}% · {md(job.title)}"
    return f"{job.state} · {md(job.title)}"


def jobs_indicator(sel: Selection) -> None:
    """The selected model's state, and the active and recent jobs with a link to each
    one's view; refreshes while any runs (a training's epoch and ETA stay current)."""
    active = any(job.active for job in job_service().jobs())
    joining = not compute_target().settled  # a cluster being joined: show when it is

    @st.fragment(run_every=JOBS_POLL_S if active or joining else None)
    def jobs() -> None:
        st.caption(status_line(sel))
        target = compute_target()
        where = md(target.label)
        st.caption(f"Compute on: {where}" if target.ok else f":red[Compute on: {where}]")
        listed = job_service().jobs()
        shown = [j for j in listed if j.active] + [j for j in listed if not j.active][-RECENT_JOBS:]
        if not shown:
            return
        st.markdown("**Jobs**")
        for job in shown:
            st.page_link(
                f"pages/{job.view.page}.py",
                label=job_line(job),
                icon=":material/sync:" if job.active else ":material/check_circle:",
                query_params=view_params(job.view) or None,
            )
            if job.active:
                st.progress(job.fraction)
            elif job.state == "failed":
                st.caption(f"Failed: {md(job.error)}")
        if (active and not any(j.active for j in listed)) or (joining and target.settled):
            st.rerun()  # the last job ended: redraw the app once, and stop polling

    jobs()

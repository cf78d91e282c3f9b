"""The sidebar on every page: dataset and model pickers, and what the server is working on."""

import streamlit as st

from linearity_core.data.datasets import list_datasets
from linearity_core.service.compute import compute_target
from linearity_core.service.jobs import Job, job_service
from linearity_core.service.selection import Selection, model_keys, model_label, stored_meta
from pages.components.state import (
    EPOCH_CHOICES,
    apply_pending_selection,
    current_selection,
    init_selection,
)

# How often the jobs list refreshes while something runs (nothing polls when idle).
JOBS_POLL_S = 1.0
RECENT_JOBS = 3


def sidebar() -> Selection:
    """Dataset and model pickers with a status line; mirrors the selection into the URL."""
    specs = list_datasets()
    init_selection()
    apply_pending_selection()
    with st.sidebar:
        st.selectbox("Dataset", list(specs), key="dataset", format_func=lambda d: specs[d].name)
        st.selectbox("Model", model_keys(), key="model", format_func=model_label)
        sel = current_selection()
        if not sel.is_upload:
            # Fixed option labels: a label that changes (say, a tick once a model is
            # trained) makes Streamlit see a new widget and reset its value.
            st.selectbox("Training", list(EPOCH_CHOICES), key="epochs", format_func=label_of_epochs)
            sel = current_selection()
        st.caption(status_line(sel))
        jobs_indicator()
    st.query_params.update(dataset=sel.dataset_id, model=sel.model_key, epochs=str(sel.epochs))
    return sel


def status_line(sel: Selection) -> str:
    if sel.is_upload:
        return "Your uploaded model."
    meta = stored_meta(sel)
    kept = [e for e in EPOCH_CHOICES if stored_meta(Selection(sel.dataset_id, sel.model_key, e))]
    names = {0: "untrained", 1: "1 epoch"}
    stored = f" Kept: {', '.join(names.get(e, f'{e} epochs') for e in kept)}." if kept else ""
    if meta is None:
        if sel.epochs == 0:
            return "Untrained: random weights (seed 0)." + stored
        return "Not trained yet: train it on the Model or Layers page." + stored
    plural = "s" if sel.epochs > 1 else ""
    state = "Untrained" if sel.epochs == 0 else f"Trained for {sel.epochs} epoch{plural}"
    return f"{state} · test accuracy {100 * meta['test_accuracy']:.1f}%.{stored}"


def job_line(job: Job) -> str:
    """Status first: the sidebar is narrow and long titles are cut at the end."""
    if job.state == "queued":
        return f"queued, #{job_service().queue_position(job)} · {job.title}"
    if job.state == "running":
        return f"{100 * job.fraction:.0f}% · {job.title}"
    return f"{job.state} · {job.title}"


def jobs_indicator() -> None:
    """Active and recent jobs with a link to each one's page; refreshes while any runs."""
    active = any(job.active for job in job_service().jobs())
    joining = not compute_target().settled  # a cluster being joined: show when it is

    @st.fragment(run_every=JOBS_POLL_S if active or joining else None)
    def jobs() -> None:
        target = compute_target()
        st.caption(
            f"Compute on: {target.label}" if target.ok else f":red[Compute on: {target.label}]"
        )
        listed = job_service().jobs()
        shown = [j for j in listed if j.active] + [j for j in listed if not j.active][-RECENT_JOBS:]
        if not shown:
            return
        st.markdown("**Jobs**")
        for job in shown:
            st.page_link(
                f"pages/{job.page}.py",
                label=job_line(job),
                icon=":material/sync:" if job.active else ":material/check_circle:",
                query_params=job.link or None,
            )
            if job.active:
                st.progress(job.fraction)
            elif job.state == "failed":
                st.caption(f"Failed: {job.error}")
        if (active and not any(j.active for j in listed)) or (joining and target.settled):
            st.rerun()  # the last job ended: redraw the app once, and stop polling

    jobs()


def label_of_epochs(epochs: int) -> str:
    return EPOCH_CHOICES[epochs]

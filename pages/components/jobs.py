"""Run and training panels: a page submits a job, then watches it; it never computes.

The job belongs to the server's job service, so leaving the page, reloading it or closing
the tab leaves it running, and a second session asking for the same run watches the same
job. While a job runs, a fragment redraws its latest snapshot twice a second.
"""

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from linearity_core.data.datasets import Dataset
from linearity_core.measure.config import RunConfig
from linearity_core.measure.engine import RunProgress
from linearity_core.measure.results import RunResult
from linearity_core.present.figures import training_curves
from linearity_core.service.jobs import Job, job_service
from linearity_core.service.runs import (
    run_key_for,
    submit_run,
    submit_training,
    training_job_id,
)
from linearity_core.service.runstore import RunStore
from linearity_core.service.selection import ModelHandle, Selection
from pages.components.state import select

POLL_S = 0.5  # at least twice a second while a job runs

Render = Callable[[RunResult, str], None]
Progress = TypeVar("Progress")  # what an analysis job reports and returns


def watch_job(job: Job, draw: Callable[[Job], None], stop_key: str) -> None:
    """Redraw ``job`` every POLL_S while it is active; one app rerun when it ends."""

    @st.fragment(run_every=POLL_S)
    def live() -> None:
        if st.button("Stop", key=stop_key):
            job_service().cancel(job.id)
        draw(job)
        if not job.active:
            st.rerun()  # the final view is drawn by the page itself, without polling

    live()


def _progress_line(job: Job) -> str:
    if job.state == "queued":
        return f"Queued: #{job_service().queue_position(job)} in line, after the jobs before it"
    snap = job.snapshot
    if not isinstance(snap, RunProgress):
        return "Starting…"
    eta = "" if snap.eta_s is None else f" · about {snap.eta_s:.0f} s left"
    return (
        f"{snap.instances_done}/{snap.n_instances} instances · chunk "
        f"{snap.chunks_done}/{snap.chunks_total}{eta}"
    )


def run_panel(
    dataset: Dataset,
    handle: ModelHandle,
    config: RunConfig,
    render: Render,
    key: str,
    page: str,
) -> None:
    """Run button, live progress with ETA, Stop; a stored run is drawn at once.

    ``render(result, tag)`` draws a result; ``tag`` keeps chart keys apart between the
    live view and the final one.
    """
    service, store = job_service(), RunStore()
    run_key = run_key_for(dataset, handle.fingerprint, config)
    job = service.get(run_key)
    watched = st.session_state.setdefault("watched_jobs", set())
    if st.button("Run", type="primary", key=f"{key}_run"):
        job = submit_run(dataset, handle, config, page=page)
        job.link = job.link or st.query_params.to_dict()
        if job.active:
            watched.add(job.id)
    if job is None:
        stored = store.load(run_key, config)
        if stored is not None:
            cache_note(stored)
            render(stored, "final")
            return
        checkpoint = store.load_partial(run_key, config)
        if checkpoint is not None:
            st.warning(
                f"An earlier run stopped after {len(checkpoint.indices)} of "
                f"{checkpoint.n_planned} instances. Press **Run** to resume it from there."
            )
            render(checkpoint, "checkpoint")
        else:
            st.info(
                "Press **Run** to compute this run. It runs on the server: you can open other "
                "pages meanwhile, and the same run later comes straight from the cache."
            )
        return
    if job.active:
        watched.add(job.id)  # this session saw it computed; others get it from the cache

        def draw(job: Job) -> None:
            st.progress(job.fraction, _progress_line(job))
            if isinstance(job.snapshot, RunProgress) and len(job.snapshot.result.indices):
                render(job.snapshot.result, "live")

        watch_job(job, draw, f"{key}_stop")
        return
    _finished_run(job, render, seen_running=job.id in watched)


def cache_note(result: RunResult) -> None:
    when = result.created_at[:16].replace("T", " ")
    st.success(
        f"⚡ Loaded from the cache: computed {when} UTC in {result.timings.total_s:.1f} s, "
        "nothing recomputed."
    )


def _finished_run(job: Job, render: Render, seen_running: bool) -> None:
    if job.state == "failed":
        st.error(f"The run failed: {job.error}")
        return
    progress = job.result if isinstance(job.result, RunProgress) else job.snapshot
    if not isinstance(progress, RunProgress):
        st.warning("The run was stopped before its first chunk finished.")
        return
    result = progress.result
    if job.state == "cancelled":
        st.warning(
            f"The run was stopped after {len(result.indices)} of {result.n_planned} "
            "instances. The partial result below is not stored as a finished run; press "
            "**Run** to resume from where it stopped."
        )
    elif progress.from_cache or not seen_running:
        cache_note(result)
    else:
        st.success(
            f"Computed in {result.timings.total_s:.1f} s and stored; it will load from the "
            "cache next time."
        )
    if job.note:
        st.warning(job.note)
    render(result, "final")


def training_panel(sel: Selection, dataset: Dataset, key: str) -> None:
    """Offer to train the selected built-in model; the training runs as a job."""
    ref = sel.model_ref()
    job = job_service().get(training_job_id(ref))
    if job is None or not job.active:
        st.info(
            f"**{ref.label}** has not been trained on {dataset.spec.name} yet. Train it now "
            "(the notebook's 5 epochs take a few minutes here; it trains on the server while "
            "you look around), take a quick 1-epoch version, or look at the untrained network."
        )
        if job is not None and job.state == "failed":
            st.error(f"Training failed: {job.error}")
        cols = st.columns(3)
        label = f"Train {sel.epochs} epoch" + ("s" if sel.epochs > 1 else "")
        if cols[0].button(label, type="primary", key=f"{key}_train"):
            job = submit_training(ref, dataset)
            job.link = job.link or st.query_params.to_dict()
            st.rerun()
        if sel.epochs != 1 and cols[1].button("Quick: 1 epoch", key=f"{key}_quick"):
            submit_training(ref.at_epoch(1), dataset)
            select(epochs=1)
        if cols[2].button("Use untrained weights", key=f"{key}_untrained"):
            select(epochs=0)
        return

    def draw(job: Job) -> None:
        snap = job.snapshot
        if snap is None:
            st.progress(0.0, "Queued…" if job.state == "queued" else "Starting training…")
            return
        st.progress(
            min(snap.fraction, 1.0),
            f"Epoch {snap.epoch}/{snap.epochs} · batch {snap.batch}/{snap.batches} · "
            f"loss {snap.loss:.3f} · accuracy {snap.accuracy:.3f}",
        )
        st.plotly_chart(training_curves(snap.history), key=f"{key}_curves")

    st.info(f"Training **{ref.label}** on the server. You can open other pages meanwhile.")
    watch_job(job, draw, f"{key}_stop_training")


def analysis_panel(
    name: str,
    job_id: str,
    submit: Callable[[], Job],
    stored: Callable[[], Progress | None],
    draw: Callable[[Progress, str], None],
    progress_type: type[Progress],
    live_line: Callable[[Job], str],
    messages: tuple[str, str],
) -> None:
    """ "Run <name>", live drawing, Stop and the final view of an analysis made of runs.

    ``messages`` are the note for a result found in the stores and the prompt shown before
    the first run.
    """
    job = job_service().get(job_id)
    if st.button(f"Run {name}", type="primary", key=f"{name}_run"):
        job = submit()
        job.link = job.link or st.query_params.to_dict()
    found = None if job is not None else stored()
    if found is not None:
        st.success(messages[0])
        draw(found, "final")
    elif job is None:
        st.info(messages[1])
    elif job.active:

        def live(job: Job) -> None:
            st.progress(job.fraction, live_line(job))
            if isinstance(job.snapshot, progress_type):
                draw(job.snapshot, "live")

        watch_job(job, live, f"{name}_stop")
    elif job.state == "failed":
        st.error(f"The {name} failed: {job.error}")
    elif isinstance(job.result, progress_type):
        if job.state == "cancelled":
            st.warning(f"The {name} was stopped; its finished parts are shown.")
        draw(job.result, "final")

"""Run and training panels: a page submits a job, then watches it; it never computes.

The job belongs to the server's job service, so leaving the page, reloading it or closing
the tab leaves it running, and a second session asking for the same run watches the same
job. While a job runs, a fragment redraws its latest snapshot twice a second.
"""

import time
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from linearity_core.errors import LinearityError
from linearity_core.measure.results import RunResult
from linearity_core.present.figures import training_curves
from linearity_core.present.text import md
from linearity_core.service.jobs import Job, Progress, job_service
from linearity_core.service.runs import RunJob, RunPlan, RunProgress, run_state, submit_run
from linearity_core.service.selection import Selection, stored_meta
from linearity_core.service.training import submit_training, training_job_id
from linearity_core.service.urls import Page
from linearity_core.service.views import input_note
from pages.components.guard import guarded
from pages.components.presenting import presenting
from pages.components.state import select

POLL_S = 0.5  # at least twice a second while a job runs

Render = Callable[[RunResult, str], None]
P = TypeVar("P", bound=Progress)  # what an analysis job reports and returns


def client_id() -> str:
    """This browser session, as one client of the job service (served in turn)."""
    ctx = get_script_run_ctx()
    return f"session:{ctx.session_id}" if ctx is not None else "python"


def watch_job(
    job: Job[Any, Any], draw: Callable[[Any], None], stop_key: str, every: float = POLL_S
) -> None:
    """Redraw ``job`` every ``every`` seconds while it is active; one app rerun when it ends."""

    @st.fragment(run_every=every)
    @guarded("a live view")
    def live() -> None:
        if job.stopping:
            st.button("Stopping…", key=stop_key, disabled=True)
        elif st.button("Stop", key=stop_key):
            job_service().cancel(job.id)
        draw(job)
        if not job.active:
            st.rerun()  # the final view is drawn by the page itself, without polling

    live()


# After Run, the page waits this long for the first chunk, so its bars come with this
# redraw instead of the live view's next one.
FIRST_WAIT_S = 0.6


def first_snapshot(job: RunJob) -> None:
    deadline = time.monotonic() + FIRST_WAIT_S
    while job.snapshot is None and job.state in ("queued", "running"):
        waiting = job.state == "queued" and job_service().queue_position(job) != 1
        if time.monotonic() > deadline or waiting:
            return
        time.sleep(0.02)


def progress_line(job: RunJob) -> str:
    if job.state == "queued":
        return f"Queued: #{job_service().queue_position(job)} in line, after the jobs before it"
    snap = job.snapshot
    if snap is None:
        return "Starting…"
    eta = "" if snap.eta_s is None else f" · about {snap.eta_s:.0f} s left"
    return (
        f"{snap.instances_done}/{snap.n_instances} instances · chunk "
        f"{snap.chunks_done}/{snap.chunks_total}{eta}"
    )


def submit(make: Callable[[], Job[Any, Any]]) -> Job[Any, Any] | None:
    """Submit a job; a refusal (a full queue, say) is said, not raised."""
    try:
        return make()
    except LinearityError as exc:
        st.error(md(exc))
        return None


def run_panel(
    plan: RunPlan,
    render: Render,
    key: str,
    page: Page,
    placeholder: Callable[[], None] | None = None,
) -> None:
    """Run button, live progress with ETA, Stop; a stored run is drawn at once.

    ``render(result, tag)`` draws a result; ``tag`` keeps chart keys apart between the
    live view and the final one. ``placeholder`` draws what is there before the first run.
    """
    state = run_state(plan)
    job = state.job
    note = input_note(plan.handle, plan.dataset)
    if note:
        st.caption(note)
    watched = st.session_state.setdefault("watched_jobs", set())
    if st.button("Run", type="primary", key=f"{key}_run"):
        job = (
            submit(
                lambda: submit_run(
                    plan.dataset, plan.handle, plan.config, page=page, client=client_id()
                )
            )
            or job
        )
        if job is not None and job.active:
            watched.add(job.id)
            first_snapshot(job)
            if not job.active:  # done within the wait: redraw once, so the sidebar lists it
                st.rerun()
    if job is None:
        if state.stored is not None:
            cache_note(state.stored)
            render(state.stored, "final")
        elif state.checkpoint is not None:
            st.warning(
                f"An earlier run stopped after {len(state.checkpoint.indices)} of "
                f"{state.checkpoint.n_planned} instances. Press **Run** to resume it from there."
            )
            render(state.checkpoint, "checkpoint")
        else:
            said(
                "info",
                "Press **Run** to compute this run. It runs on the server: you can open other "
                "pages meanwhile, and the same run later comes straight from the cache.",
            )
            if placeholder is not None:
                placeholder()
        return
    if job.active:
        watched.add(job.id)  # this session saw it computed; others get it from the cache

        def draw(job: RunJob) -> None:
            st.progress(job.fraction, progress_line(job))
            if job.snapshot is not None and len(job.snapshot.result.indices):
                render(job.snapshot.result, "live")

        watch_job(job, draw, f"{key}_stop")
        return
    finished_run(job, render, seen_running=job.id in watched)


def duration(result: RunResult) -> str:
    sittings = result.timings.sittings
    over = f" over {sittings} sittings" if sittings > 1 else ""
    return f"{result.timings.total_s:.1f} s{over}"


def said(kind: str, text: str) -> None:
    """A message; when presenting, a quiet caption, so the chart keeps the screen."""
    if presenting():
        st.caption(text)
    else:
        getattr(st, kind)(text)


def cache_note(result: RunResult) -> None:
    when = result.created_at[:16].replace("T", " ")
    said(
        "success",
        f"⚡ Loaded from the cache: computed {when} UTC in {duration(result)}, nothing recomputed.",
    )


def finished_run(job: RunJob, render: Render, seen_running: bool) -> None:
    if job.state == "failed":
        st.error(f"The run failed: {md(job.error)}")
        return
    progress: RunProgress | None = job.result or job.snapshot
    if progress is None:
        st.warning("The run was stopped before its first chunk finished.")
        return
    result = progress.result
    if job.state == "cancelled":
        st.warning(
            f"The run was stopped after {len(result.indices)} of {result.n_planned} "
            "instances. The partial result below is not stored as a finished run; press "
            "**Run** to resume from where it stopped."
        )
    elif job.note:
        st.warning(md(job.note))  # computed, but not stored: one true message
    elif progress.from_cache or not seen_running:
        cache_note(result)
    else:
        said(
            "success",
            f"Computed in {duration(result)} and stored; it will load from the cache next time.",
        )
    render(result, "final")


def training_panel(sel: Selection, dataset: Any, key: str) -> None:
    """Offer to train the selected built-in model; the training runs as a job."""
    ref = sel.model_ref()
    job = job_service().get(training_job_id(ref))
    if job is None or not job.active:
        st.info(
            f"**{md(ref.label)}** has not been trained on {md(dataset.spec.name)} yet. Train "
            "it now (the notebook's 5 epochs take a few minutes here; it trains on the server "
            "while you look around), take a quick 1-epoch version, or look at the untrained "
            "network."
        )
        if job is not None and job.state == "failed":
            st.error(f"Training failed: {md(job.error)}")
        cols = st.columns(3)
        label = f"Train {sel.epochs} epoch" + ("s" if sel.epochs > 1 else "")
        if cols[0].button(label, type="primary", key=f"{key}_train"):
            submit(lambda: submit_training(ref, dataset, client=client_id()))
            st.rerun()
        if sel.epochs != 1 and cols[1].button("Quick: 1 epoch", key=f"{key}_quick"):
            submit(lambda: submit_training(ref.at_epoch(1), dataset, client=client_id()))
            select(epochs=1)
        if cols[2].button("Use untrained weights", key=f"{key}_untrained"):
            select(epochs=0)
        return

    def draw(job: Job[Any, Any]) -> None:
        snap = job.snapshot
        if snap is None:
            st.progress(0.0, "Queued…" if job.state == "queued" else "Starting training…")
            return
        st.progress(
            min(snap.fraction, 1.0),
            f"Epoch {snap.epoch}/{snap.epochs} · batch {snap.batch}/{snap.batches} · "
            f"loss {snap.loss:.3f} · accuracy {snap.accuracy:.3f}",
        )
        early = Selection(sel.dataset_id, sel.model_key, 1, sel.seed)
        if sel.epochs > 1 and stored_meta(early) is not None:
            st.caption("The first epoch's model is ready: run it now while training goes on.")
            if st.button("Use the 1-epoch model now", key=f"{key}_early"):
                select(epochs=1)
        st.plotly_chart(training_curves(snap.history, snap.curve), key=f"{key}_curves")

    st.info(f"Training **{md(ref.label)}** on the server. You can open other pages meanwhile.")
    # Once a second: the training shares the machine with every redraw.
    watch_job(job, draw, f"{key}_stop_training", every=1.0)


def analysis_panel(
    name: str,
    job_id: str,
    make: Callable[[], Job[P, P]],
    stored: Callable[[], P | None],
    draw: Callable[[P, str], None],
    live_line: Callable[[Job[P, P]], str],
    messages: tuple[str, str],
    button: str | None = None,
) -> None:
    """ "Run <name>" (or ``button``), live drawing, Stop and the final view of an analysis
    made of runs.

    ``messages`` are the note for a result found in the stores and the prompt shown before
    the first run.
    """
    job: Job[P, P] | None = job_service().get(job_id)
    if st.button(button or f"Run {name}", type="primary", key=f"{name}_run"):
        job = submit(make) or job
    found = None if job is not None else stored()
    if found is not None:
        st.success(messages[0])
        draw(found, "final")
    elif job is None:
        st.info(messages[1])
    elif job.active:

        def live(job: Job[P, P]) -> None:
            st.progress(job.fraction, live_line(job))
            if job.snapshot is not None:
                draw(job.snapshot, "live")

        watch_job(job, live, f"{name}_stop")
    elif job.state == "failed":
        st.error(f"The {name} failed: {md(job.error)}")
    elif job.result is not None:
        if job.state == "cancelled":
            st.warning(f"The {name} was stopped; its finished parts are shown.")
        draw(job.result, "final")


def trained_or_offer(sel: Selection, dataset: Any, key: str) -> Any:
    """The selected model; when it still has to be trained, the offer to train it, and
    the page stops there."""
    from pages.components.loaders import handle_or_stop
    from pages.components.state import show_url_notes

    handle = handle_or_stop(sel, dataset)
    if handle is None:
        show_url_notes()
        training_panel(sel, dataset, key=key)
        st.stop()
    return handle

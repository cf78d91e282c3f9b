"""Overlay page: what does the activation function change? The seed CNN's ReLU, tanh,
sigmoid and no-activation variants, trained as needed and scored on the same images and
samples, drawn in one chart as each run finishes."""

import streamlit as st

from linearity_core.measure.config import RunConfig
from linearity_core.present.notes import overlay_notes
from linearity_core.present.text import md
from linearity_core.service import comparison
from pages.components.jobs import analysis_panel, client_id
from pages.components.layout import chart_and_notes
from pages.components.loaders import dataset_or_stop
from pages.components.overlay import overlay_chart
from pages.components.params import scored_params
from pages.components.presenting import parameters
from pages.components.state import page_start, show_url_notes

sel = page_start(
    __file__,
    "Overlay",
    "What does the activation function change? Four variants of the seed CNN in one chart; "
    "overlay any stored runs on the Runs page.",
)
data = dataset_or_stop(sel)
with parameters("overlay"):
    instances, measure, scale = scored_params(
        "overlay", len(data.x_test), "The same test images for every variant"
    )
show_url_notes()
if len(data.input_shape) != 3:
    st.info(
        f"The seed CNN and its variants take images; {md(data.spec.name)} holds "
        f"{len(data.input_shape)}-D inputs. Pick an image data set in the sidebar, or overlay "
        "stored runs of this data set on the **Runs** page."
    )
    st.stop()
refs = comparison.variant_refs(data, sel.epochs, sel.seed)
config = RunConfig(measure=measure, n_instances=int(instances))
title = f"Seed CNN variants, {refs[0].label.split(', ')[-1]}, on {data.spec.name}"


def draw(progress: comparison.ComparisonProgress, tag: str) -> None:
    if progress.results:
        labels = [label.split(", ")[0] for label in progress.labels]
        overlay_chart(
            progress.results, labels[: len(progress.results)], f"overlay_{tag}", title, scale
        )


chart_col, notes = chart_and_notes()
notes.markdown(overlay_notes())
with chart_col:
    analysis_panel(
        "comparison",
        comparison.comparison_job_id(data, refs, config),
        lambda: comparison.submit_comparison(data, refs, config, client=client_id()),
        lambda: comparison.stored_comparison(data, refs, config),
        draw,
        lambda job: (job.snapshot.stage if job.snapshot is not None else "Queued") or "Scoring…",
        (
            "⚡ Every variant's model and run came from the stores.",
            f"Press **Compare activations**: trains each variant for {sel.epochs} epochs unless "
            f"it is stored, then scores the same {int(instances)} test images on each.",
        ),
        button="Compare activations",
    )

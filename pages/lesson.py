"""Lesson page: the notebook's story, one step at a time. Each step asks the room a
question over the layers the run scores, then reveals the claim, the chart with the layers
it points at, and whether the claim holds on the run on screen (on another model some do
not, and the lesson says so). The step is in the URL; the arrow keys step through."""

import streamlit as st

from linearity_core.measure.results import RunResult
from linearity_core.present.figures import layer_bars, layer_skeleton
from linearity_core.present.text import md
from linearity_core.service.runs import notebook_config, plan_run
from linearity_core.service.urls import param_key, param_text, parse_param
from linearity_core.service.views import LESSON, model_layers
from pages.components.charts import chart
from pages.components.jobs import run_panel, trained_or_offer
from pages.components.loaders import dataset_or_stop
from pages.components.state import note_ignored, page_start, set_url, show_url_notes

STEP = param_key("lesson", "step")  # lesson_step, counted from 1 as the room reads it
# → reveals, then goes on; ← goes back. Keys typed into a field are the field's.
KEYS_SCRIPT = """<script>
(() => {
  if (window.__lessonKeys) return;
  window.__lessonKeys = true;
  const click = (key) => {
    const button = document.querySelector(`.st-key-${key} button`);
    if (button && !button.disabled) { button.click(); return true; }
    return false;
  };
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, textarea, [contenteditable=true]");
    if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
    if (!document.querySelector(".st-key-lesson_next")) return;  // another page
    if (event.key === "ArrowRight") {
      if (click("lesson_reveal") || click("lesson_next")) event.preventDefault();
    } else if (event.key === "ArrowLeft" && click("lesson_prev")) {
      event.preventDefault();
    }
  });
})();
</script>"""


def step_from_url() -> int:
    """The step the link names (0-based), once per session; then the buttons'."""
    if "lesson_step" not in st.session_state:
        raw, step = st.query_params.get(STEP), 0
        if raw is not None:
            try:
                step = int(parse_param("step", raw)) - 1
            except ValueError:
                step = -1
            if not 0 <= step < len(LESSON):
                note_ignored(STEP, raw, 1)
                step = 0
        st.session_state.lesson_step = step
    return int(st.session_state.lesson_step)


def go(step: int) -> None:
    st.session_state.lesson_step = step
    st.session_state.lesson_revealed = False


def reveal() -> None:
    st.session_state.lesson_revealed = True


sel = page_start(
    __file__,
    "Lesson",
    "The notebook's story, step by step: a question for the room, then the answer from "
    "the run on screen. → reveals and goes on, ← goes back.",
)
data = dataset_or_stop(sel)
handle = trained_or_offer(sel, data, "lesson")
step = step_from_url()
show_url_notes()  # a step the lesson does not have
set_url({STEP: param_text("step", step + 1)})
revealed = bool(st.session_state.get("lesson_revealed", False))
current = LESSON[step]

st.html(KEYS_SCRIPT, unsafe_allow_javascript=True)
bar = st.container(horizontal=True, vertical_alignment="center")
bar.button("← Previous", key="lesson_prev", disabled=step == 0, on_click=go, args=(step - 1,))
bar.markdown(f"**Step {step + 1} of {len(LESSON)} · {md(current.title)}**", width="content")
if not revealed:
    bar.button("Reveal", key="lesson_reveal", type="primary", on_click=reveal)
last = step == len(LESSON) - 1
bar.button("Next →", key="lesson_next", disabled=last, on_click=go, args=(step + 1,))

st.subheader(f":material/help: {md(current.question)}")
title = f"{handle.label} on {data.spec.name}"
names = [row.name for row in model_layers(handle, data)]


def render(result: RunResult, tag: str) -> None:
    if not revealed:  # the layers, not the answer: the room guesses first
        st.plotly_chart(layer_skeleton(names, title), key=f"lesson_bars_{tag}")
        return
    verdict = current.check(result)
    mark = "✓ holds on this run" if verdict.holds else "✗ does not hold on this run"
    box = st.success if verdict.holds else st.warning
    box(f"**{md(current.claim)}**  \n{mark}: {md(verdict.evidence)}.")
    fig = layer_bars(result, title=title, highlight=verdict.layers)
    chart(fig, f"lesson_bars_{tag}", f"lesson {step + 1} {title}")
    if last and not result.partial:
        held = [(s.title, s.check(result).holds) for s in LESSON]
        st.markdown(
            "**On this model:** "
            + " · ".join(f"{'✓' if ok else '✗'} {md(name)}" for name, ok in held)
        )


def skeleton() -> None:
    st.plotly_chart(layer_skeleton(names, title), key="lesson_empty")


# The notebook's run, which prewarm computes for the default model: no wait on a first visit.
plan = plan_run(data, handle, notebook_config(sel.output))
run_panel(
    plan,
    render,
    key="lesson",
    page="lesson",
    placeholder=skeleton,
)

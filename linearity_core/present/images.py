"""Images as figures: any dataset's items, whatever their shape, drawn as pictures."""

from collections.abc import Sequence

import numpy as np
import plotly.express as px
import plotly.graph_objects as go

from linearity_core.present.text import plain

TEMPLATE = "plotly_white"


def displayable(images: np.ndarray) -> np.ndarray:
    """uint8 pictures of a batch: ``(n, h, w)`` grey or ``(n, h, w, 3)`` colour.

    Feature vectors ``(n, f)`` are wrapped into near-square tiles, four channels lose
    alpha, and two or five-plus channels show their mean. Values in [0, 1] map to 0..255;
    other ranges are scaled from the batch's own minimum and maximum.

    >>> displayable(np.ones((2, 5))).shape, displayable(np.zeros((1, 4, 4, 5))).shape
    ((2, 2, 3), (1, 4, 4))
    """
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 2:  # (n, features)
        width = int(np.ceil(np.sqrt(x.shape[1])))
        height = int(np.ceil(x.shape[1] / width))
        pad = np.full((len(x), width * height - x.shape[1]), np.nanmin(x) if x.size else 0)
        x = np.concatenate([x, pad], axis=1).reshape(len(x), height, width)
    elif x.ndim == 4:
        channels = x.shape[-1]
        x = x[..., 0] if channels == 1 else x[..., :3] if channels in (3, 4) else x.mean(axis=-1)
    low, high = (0.0, 1.0) if x.size == 0 or (x.min() >= 0 and x.max() <= 1) else (x.min(), x.max())
    return np.clip((x - low) / max(high - low, 1e-12) * 255, 0, 255).astype(np.uint8)


def image_grid(
    images: np.ndarray, captions: Sequence[str], hovers: Sequence[str], columns: int = 8
) -> go.Figure:
    """Images as facets; each facet's title and hover text (lines split by newlines) say
    which image it is. Both are shown as text, whatever they hold."""
    imgs = displayable(images)
    grey = imgs.ndim == 3
    fig = px.imshow(
        imgs,
        facet_col=0,
        facet_col_wrap=min(columns, len(imgs)),
        binary_string=not grey,
        color_continuous_scale="gray" if grey else None,  # light on dark, as MNIST is shown
        facet_row_spacing=0.08,
        facet_col_spacing=0.01,
    )
    for i, annotation in enumerate(fig.layout.annotations):
        caption = captions[int(annotation.text.split("=")[-1])] if i < len(imgs) else ""
        annotation.text = plain(caption)
        annotation.font.size = 11
    for i, trace in enumerate(fig.data):
        # "%{" would start a Plotly template field: break it with a zero-width space.
        lines = [plain(line).replace("%{", "%\u200b{") for line in str(hovers[i]).split("\n")]
        trace.hovertemplate = "<br>".join(lines) + "<extra></extra>"
    rows = -(-len(imgs) // columns)
    fig.update_layout(
        coloraxis_showscale=False,
        height=150 * rows + 40,
        margin={"l": 0, "r": 0, "t": 30, "b": 0},
        template=TEMPLATE,
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


# Gallery pictures are drawn this many pixels per item pixel, without smoothing.
GALLERY_ZOOM = 4


def gallery_pictures(images: np.ndarray) -> list[np.ndarray]:
    """uint8 pictures for the gallery, light on dark as MNIST is usually shown, enlarged
    with square pixels so a 28x28 image stays sharp."""
    pictures = displayable(images)
    zoom = max(1, GALLERY_ZOOM * 28 // max(pictures.shape[1:3]))
    big = pictures.repeat(zoom, axis=1).repeat(zoom, axis=2)
    return list(big)


def item_grid(
    items: np.ndarray,
    captions: Sequence[str],
    hovers: Sequence[str],
    columns: int = 8,
    signals: bool = False,
) -> go.Figure:
    """Items as pictures, or as line plots when they are 1-D ``signals`` (MNIST-1D)."""
    if signals:
        return signal_grid(items, captions, columns, hovers)
    return image_grid(items, captions, hovers, columns)


def signal_grid(
    signals: np.ndarray,
    captions: Sequence[str],
    columns: int = 8,
    hovers: Sequence[str] | None = None,
) -> go.Figure:
    """1-D signals (MNIST-1D) as small line plots, one per item, captioned as text."""
    from plotly.subplots import make_subplots

    flat = np.asarray(signals, dtype=np.float32).reshape(len(signals), -1)
    rows = -(-len(flat) // columns)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[plain(c) for c in captions],
        horizontal_spacing=0.02,
        vertical_spacing=0.3 / max(rows, 1),
        shared_yaxes=True,
    )
    columns = max(1, min(columns, len(flat)))
    for k, signal in enumerate(flat):
        hover = plain((hovers or captions)[k]).replace("%{", "%\u200b{").replace("\n", "<br>")
        fig.add_trace(
            go.Scatter(
                y=signal,
                mode="lines",
                line={"color": "#4c78a8"},
                showlegend=False,
                hovertemplate=hover + "<br>x %{x}: %{y:.3g}<extra></extra>",
            ),
            row=k // columns + 1,
            col=k % columns + 1,
        )
    fig.update_annotations(font_size=11)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(
        template=TEMPLATE, height=140 * rows + 40, margin={"l": 0, "r": 0, "t": 30, "b": 0}
    )
    return fig


def class_signals(
    signals: np.ndarray, labels: np.ndarray, class_names: Sequence[str], per_class: int = 12
) -> go.Figure:
    """One panel per class: a few of its signals, thin, and the class's mean signal, bold;
    what tells the classes apart is seen at a glance (MNIST-1D's digits are templates
    shifted, scaled, noised and padded)."""
    from plotly.subplots import make_subplots

    flat = np.asarray(signals, dtype=np.float32).reshape(len(signals), -1)
    columns = min(5, len(class_names))
    rows = -(-len(class_names) // columns)
    names = [plain(c) for c in class_names]
    fig = make_subplots(
        rows=rows, cols=columns, subplot_titles=names, shared_yaxes=True, shared_xaxes=True
    )
    for c, name in enumerate(names):
        members = flat[labels == c]
        place = {"row": c // columns + 1, "col": c % columns + 1}
        for signal in members[:per_class]:
            line = {"color": "rgba(76,120,168,0.25)", "width": 1}
            fig.add_trace(
                go.Scatter(y=signal, mode="lines", line=line, hoverinfo="skip", showlegend=False),
                **place,
            )
        if len(members):
            fig.add_trace(
                go.Scatter(
                    y=members.mean(axis=0),
                    mode="lines",
                    line={"color": "#e45756", "width": 3},
                    name="class mean",
                    showlegend=c == 0,
                    hovertemplate=f"{name} mean<br>x %{{x}}: %{{y:.3g}}<extra></extra>",
                ),
                **place,
            )
    fig.update_layout(
        template=TEMPLATE,
        title="Signals by class: a few of each (thin) and the class mean (red)",
        height=220 * rows + 80,
        legend={"orientation": "h", "y": 1.08, "x": 1, "xanchor": "right"},
    )
    return fig

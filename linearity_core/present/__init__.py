"""Pure builders: a result in, a Plotly figure (or a report, or an image) out."""

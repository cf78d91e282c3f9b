"""Pictures and reports people take away: PNG/SVG export and the one-file run report."""

import struct
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from linearity_core.errors import LinearityError
from linearity_core.present import export
from linearity_core.present.figures import layer_bars
from linearity_core.present.report import ReportFacts, run_report
from linearity_core.service.reports import run_report_html
from linearity_core.service.runstore import RunStore
from tests.core.test_store import make_result

needs_browser = pytest.mark.skipif(
    export.export_unavailable() is not None, reason=str(export.export_unavailable())
)


@needs_browser
def test_a_png_export_is_a_png_of_the_requested_size():
    png = export.figure_image(layer_bars(make_result()), "png", width=640, height=400)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (640, 400)


@needs_browser
def test_an_svg_export_parses_as_xml_and_shows_the_layers():
    svg = export.figure_image(layer_bars(make_result()), "svg", width=500, height=300)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and root.get("width") == "500"
    assert "softmax" in svg.decode()


def test_without_a_browser_export_says_what_to_install(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chrome")
    with pytest.raises(LinearityError, match="apt-get install chromium"):
        export.figure_image(layer_bars(make_result()), "png")


class Tables(HTMLParser):
    """Rows of every <table>, cell texts, in order."""

    def __init__(self):
        super().__init__()
        self.tables, self.row, self.cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.row = []
            self.tables[-1].append(self.row)
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.row is not None:
            self.row.append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def test_the_reports_numbers_equal_the_runs_summary():
    result = make_result()
    document = run_report(result, ReportFacts({"dataset": "toy"}, "python -m ...", "/layers"))
    parser = Tables()
    parser.feed(document)
    per_layer = next(t for t in parser.tables if t[0][:3] == ["layer", "kind", "mean"])
    summary = result.layer_summary()
    assert [row[0] for row in per_layer[1:]] == list(summary["layer"])
    for row, mean, sem in zip(per_layer[1:], summary["mean"], summary["sem"], strict=True):
        assert float(row[2]) == pytest.approx(mean, rel=1e-4)
        assert float(row[3]) == pytest.approx(sem, rel=1e-4)
    assert document.count("Plotly.newPlot") == 4  # four interactive figures
    assert "<script src=" not in document  # plotly.js is inlined: nothing is fetched


def test_a_stored_runs_report_names_how_to_reproduce_it():
    store = RunStore()
    store.save(
        "k",
        make_result(),
        extra={
            "model_ref": {"arch": "mlp", "epochs": 1, "seed": 0},
            "model_fingerprint": "abc",
            "data_fingerprint": "def",
        },
    )
    document = run_report_html("k", base_url="https://host/linearity")
    assert "--model mlp --epochs 1 --model-seed 0 --instances 30 --samples 4" in document
    assert "https://host/linearity/layers?dataset=toy&amp;model=mlp&amp;epochs=1" in document
    with pytest.raises(LinearityError, match="no stored run"):
        run_report_html("nope")

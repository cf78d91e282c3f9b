"""The tree shows the flow: app.py -> pages/ -> linearity_core, and inside the core each
room uses only the rooms below it. The public API is exported by name and is cheap."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "linearity_core"
# Lower rooms first: a module may import its own room and any room before it.
ROOMS = ["base", "measure", "data", "models", "analysis", "present", "service", "cli"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def room(module: str) -> str:
    """``linearity_core.measure.engine`` -> ``measure``; top-level helpers are ``base``."""
    parts = module.split(".")
    if parts[1:2] == ["cli"] or parts[1:2] == ["__main__"]:
        return "cli"
    return parts[1] if len(parts) > 2 or (CORE / parts[1]).is_dir() else "base"


def core_modules() -> list[Path]:
    return [p for p in CORE.rglob("*.py") if p.relative_to(CORE).as_posix() != "__init__.py"]


def module_name(path: Path) -> str:
    return ".".join(("linearity_core", *path.relative_to(CORE).with_suffix("").parts))


def upward_imports(path: Path) -> list[str]:
    own = ROOMS.index(room(module_name(path)))
    return [
        name
        for name in imported_modules(path)
        if name.startswith("linearity_core.") and ROOMS.index(room(name)) > own
    ]


def test_the_core_is_grouped_into_rooms():
    rooms = {room(module_name(p)) for p in core_modules()}
    assert {"measure", "data", "models", "service", "present"} <= rooms
    long = {p.name: n for p in core_modules() if (n := len(p.read_text().splitlines())) > 250}
    assert long == {}  # short modules


def test_no_core_module_imports_streamlit():
    offenders = [
        p.name
        for p in core_modules()
        if any(m.split(".")[0] == "streamlit" for m in imported_modules(p))
    ]
    assert offenders == []


def test_no_module_imports_a_room_above_it():
    offenders = {module_name(p): upward_imports(p) for p in core_modules()}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_checker_sees_an_upward_import(tmp_path, monkeypatch):
    bad = CORE / "measure" / "zz_probe_of_the_rule.py"
    try:
        bad.write_text("def f():\n    from linearity_core.service.jobs import job_service\n")
        assert upward_imports(bad) == ["linearity_core.service.jobs"]
    finally:
        bad.unlink()
    streamlit_user = tmp_path / "bad.py"
    streamlit_user.write_text("def f():\n    from streamlit import session_state\n")
    assert "streamlit" in imported_modules(streamlit_user)


PAGES_DIR = ROOT / "pages"
# What pages may use of the core: its one door (service), the figure builders, and the
# config and result types they pass around.
PAGE_DOORS = (
    "linearity_core.service",
    "linearity_core.present",
    "linearity_core.measure.config",
    "linearity_core.measure.results",
    "linearity_core.errors",
    "linearity_core.defaults",
)


def page_imports(path: Path) -> set[str]:
    """What ``path`` imports, with ``from linearity_core import x`` read as the module x."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = imported_modules(path) - {"linearity_core"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "linearity_core":
            names.update(f"linearity_core.{alias.name}" for alias in node.names)
    return names


def side_doors(path: Path) -> list[str]:
    """Core modules ``path`` imports other than through the doors pages may use."""
    return sorted(
        name
        for name in page_imports(path)
        if name.startswith("linearity_core")
        and not any(name == door or name.startswith(door + ".") for door in PAGE_DOORS)
    )


def test_pages_use_only_the_service_door():
    scripts = [ROOT / "app.py", *PAGES_DIR.rglob("*.py")]
    offenders = {p.relative_to(ROOT).as_posix(): side_doors(p) for p in scripts}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_page_rule_sees_a_side_door(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(
        "from linearity_core.data.datasets import load_dataset\n"
        "from linearity_core.service.views import teaching\n"
        "from linearity_core import defaults, ModelStore\n"
        "import linearity_core.models.store\n"
    )
    assert side_doors(page) == [
        "linearity_core.ModelStore",
        "linearity_core.data.datasets",
        "linearity_core.models.store",
    ]


# A table of names reads better than one name per line.
PUBLIC = [
    "linearity_measure", "LinearityMeasure", "infer_feature_range", "LinearityError",
    "MeasureConfig", "RunConfig", "run_linearity", "compute_run", "load_dataset",
    "ModelStore", "ModelRef", "RunResult", "RunStore", "job_service", "submit_run",
    "submit_training", "Selection", "load_model",
]  # fmt: skip


@pytest.mark.parametrize("name", PUBLIC)
def test_the_public_api_is_exported_by_name(name):
    import linearity_core

    assert name in linearity_core.__all__
    assert getattr(linearity_core, name) is not None


def test_importing_the_package_is_fast_and_needs_no_tensorflow():
    code = (
        "import sys, time; t = time.perf_counter(); import linearity_core; "
        "from linearity_core import linearity_measure, RunConfig, job_service; "
        "print(time.perf_counter() - t, 'tensorflow' in sys.modules, 'streamlit' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    seconds, tensorflow, streamlit = out.stdout.split()
    assert (tensorflow, streamlit) == ("False", "False")
    assert float(seconds) < 2.0

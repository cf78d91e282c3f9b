"""The core never imports Streamlit (app.py -> pages/ -> linearity_core, never back)."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "linearity_core"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_modules_exist():
    assert len(list(CORE.glob("*.py"))) >= 5


def test_no_core_module_imports_streamlit():
    offenders = [p.name for p in CORE.glob("*.py") if "streamlit" in imported_modules(p)]
    assert offenders == []


def test_checker_sees_streamlit_imports(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from streamlit import session_state\n")
    assert "streamlit" in imported_modules(bad)

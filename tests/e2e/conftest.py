"""A live `streamlit run app.py` and headless Debian Chromium driven by Playwright."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


@contextmanager
def start_server(
    home: Path, prewarm: str = "0", base_path: str = "", env: dict[str, str] | None = None
) -> Iterator[str]:
    """`streamlit run app.py` on a free loopback port, with its own LINEARITY_HOME."""
    with serve(home, prewarm=prewarm, base_path=base_path, env=env) as (url, _):
        yield url


@contextmanager
def serve(
    home: Path,
    *,
    prewarm: str = "0",
    base_path: str = "",
    app_dir: Path = ROOT,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """The server and its process (benchmarks read its memory); app_dir may be another tree."""
    port = free_port()
    server_env = {
        **os.environ,
        "LINEARITY_HOME": str(home),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "LINEARITY_PREWARM": prewarm,
        **(env or {}),
    }
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.baseUrlPath",
        base_path,
    ]
    with (home / "streamlit.log").open("w") as log:
        proc = subprocess.Popen(
            cmd, cwd=app_dir, env=server_env, stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}" + (f"/{base_path}" if base_path else "")
        try:
            wait_healthy(url, proc)
            yield url, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("e2e-home")
    with start_server(home) as url:
        yield {"url": url, "home": home}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        reason = f"Chromium is absent ({CHROMIUM}); install Debian's chromium package"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: under CI the browser test must run, not skip")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_idle(page, timeout: float = 120_000) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )


def count_at_least(locator, n: int) -> int:
    """How many elements match, once at least ``n`` are on the page: charts draw a moment
    after the text that announces them, so an instant count would race with Plotly."""
    locator.nth(n - 1).wait_for(state="attached")
    return locator.count()


def open_view(page, url: str, title: str) -> None:
    """Open ``url`` and wait, as the user does, for its page's title and the script's end."""
    page.goto(url)
    page.wait_for_selector(f"h1:has-text('{title}')")
    wait_idle(page)

"""The dashboard on a Ray cluster, in Chromium: `RAY_ADDRESS` names a cluster started with
`ray start --head` (token authentication on, as Ray 2.60 starts it)."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from linearity_core.service.runstore import RunStore
from tests.e2e.conftest import count_at_least, free_port, shot, start_server
from tests.e2e.test_dashboard import no_exception, watch_run

pytest.importorskip("ray")
pytestmark = pytest.mark.e2e
RAY = Path(sys.executable).parent / "ray"


@contextmanager
def ray_head() -> Iterator[str]:
    """A 2-CPU cluster of its own; stopped by its folder, so other clusters live on
    (`ray stop` would stop every cluster on the machine)."""
    folder = tempfile.mkdtemp(prefix="rayh", dir="/tmp")  # short: Ray's sockets live here
    port = free_port()
    cmd = [RAY, "start", "--head", f"--port={port}", "--num-cpus=2", f"--temp-dir={folder}"]
    cmd += ["--include-dashboard=false", "--disable-usage-stats"]
    env = {**os.environ, "RAY_AUTH_MODE": "token"}
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=180)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        for signal in ("-TERM", "-KILL"):
            subprocess.run(["pkill", signal, "-f", folder], check=False)
            time.sleep(2)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_run_on_a_ray_cluster_is_live_and_stored(tmp_path, browser):
    with ray_head() as address:
        env = {"RAY_ADDRESS": address, "RAY_AUTH_MODE": "token"}
        with start_server(tmp_path, env=env) as url:
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.set_default_timeout(120_000)
            page.goto(
                f"{url}/layers?dataset=fashion_mnist&model=seed_cnn&epochs=0"
                "&layers_instances=1500&layers_samples=10"
            )
            page.wait_for_selector("text=Press Run")
            page.get_by_text(f"Compute on: Ray at {address} · 1 node(s) · 2 CPUs").wait_for()
            titles = watch_run(page)
            assert any("of 1500 instances" in t for t in titles)  # live bars on the way
            assert count_at_least(page.locator(".js-plotly-plot"), 1) >= 1
            no_exception(page)
            shot(page, "ray-1-layers")
            stored = RunStore(tmp_path / "runs").list().runs
            assert len(stored) == 1 and stored[0].n_planned == 1500
